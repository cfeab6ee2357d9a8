package io.canarygateway.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;

/**
 * The smallest reactive context our auto-configuration runs in: Spring Cloud Gateway
 * (predicate and filter factory registry, route locators), WebFlux (codecs, conversion
 * service), Micrometer (a real meter registry) and the actuator's endpoint
 * infrastructure, plus {@link CanaryAutoConfiguration} itself.
 */
final class CanaryContexts {

	/** The properties of one valid release, {@code orders}. */
	static final String[] ORDERS = { "canary.releases.orders.stable-version=v1",
			"canary.releases.orders.canary-version=v2" };

	private CanaryContexts() {
	}

	static ReactiveWebApplicationContextRunner runner() {
		return new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CanaryAutoConfiguration.class, GatewayAutoConfiguration.class,
					WebFluxAutoConfiguration.class, CodecsAutoConfiguration.class, MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
					EndpointAutoConfiguration.class, SslAutoConfiguration.class));
	}

}
