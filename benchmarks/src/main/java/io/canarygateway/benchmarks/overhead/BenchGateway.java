package io.canarygateway.benchmarks.overhead;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.ApplicationListener;

import io.canarygateway.control.ActionResult;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;

/**
 * The gateway of the overhead benchmark: one Spring Cloud Gateway with the starter's
 * auto-configuration and four kinds of route to the same backend (nginx on two ports,
 * {@code bench.backends}):
 * <ol>
 * <li>{@code /plain/**}: a plain {@code lb://backend} route (two instances, versions v1
 * and v2);</li>
 * <li>{@code /weight/**}: Spring Cloud Gateway's {@code Weight} pair, 90/10, direct URIs
 * (v1 port / v2 port);</li>
 * <li>{@code /canary-filter/**}: {@code lb://backend} with {@code Canary=bench};</li>
 * <li>{@code /canary-predicate/**}: the {@code Canary=bench, canary|stable} pair, direct
 * URIs;</li>
 * <li>{@code /plain-last/**}: a control, the plain route again but after all the
 * others.</li>
 * </ol>
 * Route order is that order. Spring Cloud Gateway tries routes one after the other, so a
 * route pays for the predicates of every route before it: the canary routes, placed after
 * the baselines, pay for more of them (a conservative order for the canary figures), and
 * the control measures what that position costs.
 * <p>
 * Release {@code bench} (v1 → v2) is held PAUSED at weight 10 once the application is
 * ready (the {@code weight} action), so both canary routes split 90/10 like the
 * {@code Weight} pair. {@code bench.releases} (default 1) is the number of configured
 * releases: the others ({@code extra-0001} …) are configured with defaults and started,
 * but no route uses them.
 * <p>
 * Arguments:
 * {@code --bench.releases=N --bench.backends=host:port,host:port --server.port=P} and any
 * Spring Boot property.
 */
@SpringBootApplication
public class BenchGateway {

	/** The measured release. */
	public static final String RELEASE = "bench";

	public static void main(String[] args) {
		start(args);
	}

	/** Starts the gateway; {@code args} as for {@link #main}. */
	public static ConfigurableApplicationContext start(String... args) {
		int releases = Integer.parseInt(argument(args, "bench.releases", "1"));
		String[] backends = argument(args, "bench.backends", "127.0.0.1:18081,127.0.0.1:18082").split(",");
		SpringApplication application = new SpringApplication(BenchGateway.class);
		application.setDefaultProperties(properties(releases, backends[0], backends[1]));
		return application.run(args);
	}

	/** The gateway's configuration, as properties. */
	static Map<String, Object> properties(int releases, String stableBackend, String canaryBackend) {
		Map<String, Object> p = new LinkedHashMap<>();
		p.put("spring.main.banner-mode", "off");
		p.put("logging.level.root", "WARN");
		p.put("logging.level.io.canarygateway.benchmarks", "INFO");
		p.put("server.port", "18090");
		p.put("management.endpoints.web.exposure.include", "canary,health");
		// the in-memory store: every run starts from the configuration, and the
		// benchmark's two gateways run at once (the file store's directory serves one)
		p.put("canary.store.type", "memory");
		String simple = "spring.cloud.discovery.client.simple.instances.backend";
		p.put(simple + "[0].instance-id", "backend-v1");
		p.put(simple + "[0].uri", "http://" + stableBackend);
		p.put(simple + "[0].metadata.version", "v1");
		p.put(simple + "[1].instance-id", "backend-v2");
		p.put(simple + "[1].uri", "http://" + canaryBackend);
		p.put(simple + "[1].metadata.version", "v2");
		String routes = "spring.cloud.gateway.server.webflux.routes";
		int r = 0;
		route(p, routes, r++, "plain", "lb://backend", "Path=/plain/**", null, null);
		route(p, routes, r++, "weight-v1", "http://" + stableBackend, "Path=/weight/**", "Weight=bench-weight, 90",
				null);
		route(p, routes, r++, "weight-v2", "http://" + canaryBackend, "Path=/weight/**", "Weight=bench-weight, 10",
				null);
		route(p, routes, r++, "canary-filter", "lb://backend", "Path=/canary-filter/**", null, "Canary=" + RELEASE);
		route(p, routes, r++, "canary-predicate-canary", "http://" + canaryBackend, "Path=/canary-predicate/**",
				"Canary=" + RELEASE + ", canary", null);
		route(p, routes, r++, "canary-predicate-stable", "http://" + stableBackend, "Path=/canary-predicate/**",
				"Canary=" + RELEASE + ", stable", null);
		route(p, routes, r++, "plain-last", "lb://backend", "Path=/plain-last/**", null, null);
		String release = "canary.releases." + RELEASE + ".";
		p.put(release + "stable-version", "v1");
		p.put(release + "canary-version", "v2");
		// Stable and canary are the same nginx: a chance FAIL verdict of these A/A lanes
		// must not roll the release
		// back in the middle of a measurement (the script checks it is still PAUSED at 10
		// at the end).
		p.put(release + "analysis.failure-threshold", "1000000");
		for (int i = 1; i < releases; i++) {
			String extra = String.format(Locale.ROOT, "canary.releases.extra-%04d.", i);
			p.put(extra + "stable-version", "v1");
			p.put(extra + "canary-version", "v2");
		}
		return p;
	}

	private static void route(Map<String, Object> p, String routes, int index, String id, String uri, String path,
			String predicate, String filter) {
		String prefix = routes + "[" + index + "].";
		p.put(prefix + "id", id);
		p.put(prefix + "uri", uri);
		p.put(prefix + "predicates[0]", path);
		if (predicate != null) {
			p.put(prefix + "predicates[1]", predicate);
		}
		if (filter != null) {
			p.put(prefix + "filters[0]", filter);
		}
	}

	private static String argument(String[] args, String name, String fallback) {
		String value = fallback;
		for (String arg : args) {
			if (arg.startsWith("--" + name + "=")) {
				value = arg.substring(name.length() + 3);
			}
		}
		String env = System.getProperty(name);
		return (env != null) ? env : value;
	}

	/**
	 * Holds release {@code bench} at weight 10 (PAUSED) once the gateway is ready, and
	 * says so.
	 */
	@Bean
	ApplicationListener<ApplicationReadyEvent> benchWeight(ReleaseController controller,
			ObjectProvider<MeterRegistry> meters) {
		return (event) -> {
			ActionResult result = controller.operate(RELEASE, Action.WEIGHT, 10, "benchmark");
			System.out.println("bench-gateway ready: " + controller.releases().size() + " releases configured; "
					+ RELEASE + " " + result.kind() + " -> " + controller.release(RELEASE).status().state() + " at "
					+ controller.release(RELEASE).status().weight() + " %; meter registry "
					+ meters.orderedStream().map((m) -> m.getClass().getSimpleName()).toList());
		};
	}

}
