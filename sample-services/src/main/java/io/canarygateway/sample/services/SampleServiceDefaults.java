package io.canarygateway.sample.services;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.DefaultPropertiesPropertySource;
import org.springframework.core.Ordered;
import org.springframework.core.env.CompositePropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;

/**
 * The sample service's defaults (what an {@code application.yml} would hold), applied
 * only to a {@link SampleServiceApplication}: other applications in the same JVM are left
 * alone.
 * <p>
 * They go into the lowest-precedence "default properties", below whatever a caller passes
 * to {@code SpringApplicationBuilder.properties(...)}: {@code server.port=0} there beats
 * the default port 8081, which it would not if the default came from a config file.
 * {@code spring.config.name} is {@code sample-services}, so a host's
 * {@code application.yml} (e.g. a gateway's, when a test starts this service in-process)
 * is not read; put overrides into {@code sample-services.yml}.
 */
public class SampleServiceDefaults implements EnvironmentPostProcessor, Ordered {

	/**
	 * The defaults. {@code --version} and {@code --instance-id} are shortcuts for the
	 * sample properties.
	 */
	static final Map<String, Object> DEFAULTS = Map.of("spring.config.name", "sample-services",
			"spring.application.name", "sample-services", "server.port", "8081", "server.shutdown", "immediate", // a
																													// stopped
																													// instance
																													// (e.g.
																													// a
																													// canary
																													// killed
																													// by
																													// a
																													// test)
																													// goes
																													// at
																													// once
			"spring.main.banner-mode", "off", "spring.main.log-startup-info", "false",
			"logging.level.org.springframework", "WARN",
			// the checkout call's instances come from properties (simple discovery): the
			// load balancer has nothing to cache, so its warning about a missing cache is
			// noise
			"logging.level.org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplierBuilder", "ERROR",
			"sample.version", "${version:" + SampleProperties.DEFAULT_VERSION + "}", "sample.instance-id",
			"${instance-id:}");

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE; // before config data is loaded: it reads
											// spring.config.name
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!application.getAllSources().contains(SampleServiceApplication.class)) {
			return;
		}
		MutablePropertySources sources = environment.getPropertySources();
		Map<String, Object> merged = new LinkedHashMap<>(DEFAULTS);
		PropertySource<?> existing = sources.get(DefaultPropertiesPropertySource.NAME);
		if (existing instanceof MapPropertySource map) {
			merged.putAll(map.getSource()); // what the caller set wins
			sources.replace(DefaultPropertiesPropertySource.NAME, new DefaultPropertiesPropertySource(merged));
		}
		else if (existing == null) {
			sources.addLast(new DefaultPropertiesPropertySource(merged));
		}
		else { // an unusual kind of default properties: it comes first, ours behind it
			CompositePropertySource composite = new CompositePropertySource(DefaultPropertiesPropertySource.NAME);
			composite.addPropertySource(existing);
			composite.addPropertySource(new MapPropertySource("sampleServiceDefaults", DEFAULTS));
			sources.replace(DefaultPropertiesPropertySource.NAME, composite);
		}
	}

}
