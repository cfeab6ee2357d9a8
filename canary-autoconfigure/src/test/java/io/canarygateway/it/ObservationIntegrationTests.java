package io.canarygateway.it;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.canarygateway.testing.Traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The request's observation carries the canary handling: the server's
 * {@code http.server.requests} observation of a request a release handled has the
 * release, the lane and the version that served it as low-cardinality key values (so they
 * reach traces and the observation's timer), and a request no release handled has
 * {@code none} for each.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(ObservationIntegrationTests.Recording.class)
class ObservationIntegrationTests {

	static final Duration LONG = Duration.ofSeconds(120);

	static final TestBackend stable = new TestBackend("v1", "orders-v1");

	static final TestBackend canary = new TestBackend("v2", "orders-v2");

	static final TestBackend plain = new TestBackend("p1", "plain");

	@Autowired
	Recording recording;

	@Autowired
	MeterRegistry meters;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestRoutes.instances(registry, "orders", 0, stable, canary);
		TestRoutes.loadBalanced(registry, 0, "orders", "orders");
		registry.add("spring.cloud.gateway.server.webflux.routes[1].id", () -> "plain");
		registry.add("spring.cloud.gateway.server.webflux.routes[1].uri", plain::uri);
		registry.add("spring.cloud.gateway.server.webflux.routes[1].predicates[0]", () -> "Path=/plain/**");
		registry.add("canary.releases.orders.stable-version", () -> "v1");
		registry.add("canary.releases.orders.canary-version", () -> "v2");
		registry.add("canary.releases.orders.steps", () -> "50");
	}

	@AfterAll
	static void stop() {
		stable.close();
		canary.close();
		plain.close();
	}

	@Test
	void theRequestsObservationNamesTheReleaseLaneAndVersion() {
		String base = "http://127.0.0.1:" + this.port;
		Traffic.get(base, "/orders/canary").header("X-Canary", "always").requests(1).send(LONG);
		Traffic.get(base, "/orders/stable").header("X-Canary", "never").requests(1).send(LONG);
		Traffic.get(base, "/plain/1").requests(1).send(LONG);
		assertThat(keyValues("/orders/canary")).containsExactly("orders", "canary", "v2");
		assertThat(keyValues("/orders/stable")).containsExactly("orders", "stable", "v1");
		assertThat(keyValues("/plain/1")).containsExactly("none", "none", "none");
		// and the observation's timer has them as tags
		await().atMost(LONG)
			.untilAsserted(() -> assertThat(this.meters.find("http.server.requests")
				.tags("canary.release", "orders", "canary.lane", "canary", "canary.version", "v2")
				.timer()).isNotNull());
	}

	private List<String> keyValues(String path) {
		await().atMost(LONG).until(() -> this.recording.find(path) != null);
		Observation.Context context = this.recording.find(path);
		return List.of(context.getLowCardinalityKeyValue("canary.release").getValue(),
				context.getLowCardinalityKeyValue("canary.lane").getValue(),
				context.getLowCardinalityKeyValue("canary.version").getValue());
	}

	/**
	 * Keeps the server observations that stopped (a bean: Spring Boot registers it with
	 * the ObservationRegistry).
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class Recording implements ObservationHandler<ServerRequestObservationContext> {

		final List<ServerRequestObservationContext> stopped = new CopyOnWriteArrayList<>();

		@Override
		public void onStop(ServerRequestObservationContext context) {
			this.stopped.add(context);
		}

		@Override
		public boolean supportsContext(Observation.Context context) {
			return context instanceof ServerRequestObservationContext;
		}

		ServerRequestObservationContext find(String path) {
			return this.stopped.stream()
				.filter((context) -> context.getCarrier().getPath().value().equals(path))
				.findFirst()
				.orElse(null);
		}

	}

}
