package io.canarygateway.it;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The properties of the integration tests' gateways that say where backends are: a
 * service's instances in Spring Cloud's simple discovery (each with its backend's version
 * as metadata), and an {@code lb://} route with the {@code Canary} filter.
 */
final class TestRoutes {

	private TestRoutes() {
	}

	/**
	 * Registers {@code backends} as the instances of {@code service}, each tagged with
	 * its version, from index {@code first} on.
	 */
	static void instances(DynamicPropertyRegistry registry, String service, int first, TestBackend... backends) {
		String simple = "spring.cloud.discovery.client.simple.instances." + service;
		for (int i = 0; i < backends.length; i++) {
			TestBackend backend = backends[i];
			registry.add(simple + "[" + (first + i) + "].uri", backend::uri);
			registry.add(simple + "[" + (first + i) + "].metadata.version", () -> backend.version);
		}
	}

	/**
	 * Route {@code index}, id {@code release}: {@code Path=/<release>/**} to
	 * {@code lb://<service>} with the filter {@code Canary=<release>}.
	 */
	static void loadBalanced(DynamicPropertyRegistry registry, int index, String release, String service) {
		String route = "spring.cloud.gateway.server.webflux.routes[" + index + "]";
		registry.add(route + ".id", () -> release);
		registry.add(route + ".uri", () -> "lb://" + service);
		registry.add(route + ".predicates[0]", () -> "Path=/" + release + "/**");
		registry.add(route + ".filters[0]", () -> "Canary=" + release);
	}

}
