package io.canarygateway.it;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.ServiceFigures;
import io.canarygateway.core.Verdict;
import io.canarygateway.testing.Traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A release of two services end to end (docs/multi-service.md): real backends of orders
 * v1 and v2 and payments v7 and v8 behind one gateway, each service on its own
 * {@code lb://} route with {@code Canary=checkout}. One weight and one lane per request
 * across both services, the lane's versions forwarded in {@code X-Canary-Versions}, one
 * verdict from the traffic of both routes, and one rollback for both.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReleaseGroupIntegrationTests {

	static final TestBackend orders1 = new TestBackend("v1", "orders-v1");

	static final TestBackend orders2 = new TestBackend("v2", "orders-v2");

	static final TestBackend payments7 = new TestBackend("v7", "payments-v7");

	static final TestBackend payments8 = new TestBackend("v8", "payments-v8");

	static final Duration LONG = Duration.ofSeconds(120);

	private static final String CHECKOUT = "canary.releases.checkout.";

	private static final String USER = "X-User-Id";

	private static final String CANARY_SET = "orders=v2,payments=v8";

	private static final String STABLE_SET = "orders=v1,payments=v7";

	@Autowired
	WebTestClient client;

	@Autowired
	ReleaseController controller;

	@Autowired
	MeterRegistry meters;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestRoutes.instances(registry, "orders", 0, orders1, orders2);
		TestRoutes.instances(registry, "payments", 0, payments7, payments8);
		route(registry, 0, "orders");
		route(registry, 1, "payments");
		registry.add(CHECKOUT + "services.orders.stable-version", () -> "v1");
		registry.add(CHECKOUT + "services.orders.canary-version", () -> "v2");
		registry.add(CHECKOUT + "services.payments.stable-version", () -> "v7");
		registry.add(CHECKOUT + "services.payments.canary-version", () -> "v8");
		registry.add(CHECKOUT + "steps", () -> "50,100");
		registry.add(CHECKOUT + "step-interval", () -> "1h");
		registry.add(CHECKOUT + "progress-deadline", () -> "2h");
		registry.add(CHECKOUT + "routing.sticky-header", () -> USER);
		registry.add(CHECKOUT + "routing.expose-version", () -> "true");
		registry.add(CHECKOUT + "analysis.interval", () -> "250ms");
		registry.add(CHECKOUT + "analysis.min-requests", () -> "20");
		// judged on errors: a busy machine's pauses make latency noisy
		registry.add(CHECKOUT + "analysis.latency-tolerance", () -> "3");
		registry.add(CHECKOUT + "analysis.max-latency", () -> "1m");
		registry.add("management.endpoints.web.exposure.include", () -> "canary");
		// a release of one service whose services behind the gateway call back through
		// it from this machine
		String route = "spring.cloud.gateway.server.webflux.routes[2]";
		registry.add(route + ".id", () -> "callback");
		registry.add(route + ".uri", () -> "lb://orders");
		registry.add(route + ".predicates[0]", () -> "Path=/callback/**");
		registry.add(route + ".filters[0]", () -> "Canary=callback");
		registry.add("canary.releases.callback.stable-version", () -> "v1");
		registry.add("canary.releases.callback.canary-version", () -> "v2");
		registry.add("canary.releases.callback.steps", () -> "50,100");
		registry.add("canary.releases.callback.step-interval", () -> "1h");
		registry.add("canary.releases.callback.progress-deadline", () -> "2h");
		registry.add("canary.releases.callback.analysis.interval", () -> "1h");
		registry.add("canary.releases.callback.routing.sticky-header", () -> USER);
		registry.add("canary.releases.callback.routing.trust-lane-from", () -> "127.0.0.0/8,::1/128");
	}

	/** Route {@code /<service>/**} to {@code lb://<service>} for release checkout. */
	private static void route(DynamicPropertyRegistry registry, int index, String service) {
		String route = "spring.cloud.gateway.server.webflux.routes[" + index + "]";
		registry.add(route + ".id", () -> service);
		registry.add(route + ".uri", () -> "lb://" + service);
		registry.add(route + ".predicates[0]", () -> "Path=/" + service + "/**");
		registry.add(route + ".filters[0]", () -> "Canary=checkout");
	}

	@AfterAll
	static void stopBackends() {
		List.of(orders1, orders2, payments7, payments8).forEach(TestBackend::close);
	}

	@BeforeEach
	void resetBackends() {
		List.of(orders1, orders2, payments7, payments8).forEach(TestBackend::reset);
	}

	@Test
	@Order(1)
	void aStickyUserSeesEveryNewVersionOrNone() {
		awaitState(ReleaseState.PROGRESSING);
		assertThat(this.controller.release("checkout").status().weight()).isEqualTo(50);
		int canaryUsers = 0;
		for (int user = 0; user < 200; user++) {
			Map<String, String> orders = get("/orders/" + user, "user-" + user);
			Map<String, String> payments = get("/payments/" + user, "user-" + user);
			boolean canary = orders.get("version").equals("v2");
			canaryUsers += canary ? 1 : 0;
			assertThat(payments.get("version")).as("user %d: payments with orders %s", user, orders.get("version"))
				.isEqualTo(canary ? "v8" : "v7");
			assertThat(orders.get("lane")).isEqualTo(canary ? "canary" : "stable");
			assertThat(payments.get("lane")).isEqualTo(orders.get("lane"));
			// the client's own X-Canary-Versions and X-Canary-Lane were replaced
			assertThat(orders.get("versions")).isEqualTo(canary ? CANARY_SET : STABLE_SET);
			assertThat(payments.get("versions")).isEqualTo(canary ? CANARY_SET : STABLE_SET);
			assertThat(orders.get("exposed")).as("X-Canary-Version names the service's own version")
				.isEqualTo(orders.get("version"));
			assertThat(payments.get("exposed")).isEqualTo(payments.get("version"));
		}
		// the users' keys spread over both lanes at weight 50
		assertThat(canaryUsers).isBetween(60, 140);
		assertThat(this.meters.get("canary.requests")
			.tags("release", "checkout", "route", "payments", "service", "payments", "lane", "canary", "version", "v8",
					"outcome", "success", "assignment", "drawn")
			.timer()
			.count()).isEqualTo(canaryUsers);
		assertThat(this.meters.get("canary.requests")
			.tags("release", "checkout", "route", "orders", "service", "orders", "lane", "stable", "version", "v1",
					"outcome", "success", "assignment", "drawn")
			.timer()
			.count()).isEqualTo(200 - canaryUsers);
		this.client.get()
			.uri("/actuator/canary/checkout")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.stableVersion")
			.isEqualTo(STABLE_SET)
			.jsonPath("$.canaryVersion")
			.isEqualTo(CANARY_SET)
			.jsonPath("$.services.orders.stableVersion")
			.isEqualTo("v1")
			.jsonPath("$.services.orders.canaryVersion")
			.isEqualTo("v2")
			.jsonPath("$.services.payments.stableVersion")
			.isEqualTo("v7")
			.jsonPath("$.services.payments.canaryVersion")
			.isEqualTo("v8");
	}

	@Test
	@Order(2)
	void oneFailingServiceRollsTheWholeReleaseBackWithEachServicesFigures() throws Exception {
		awaitState(ReleaseState.PROGRESSING);
		payments8.failEvery(4);
		// no sticky key: each request's lane is drawn, so both lanes of both services
		// are judged; failed GETs on the canary are retried on stable
		try (Traffic orders = Traffic.get("http://127.0.0.1:" + this.port, "/orders/1").start();
				Traffic payments = Traffic.get("http://127.0.0.1:" + this.port, "/payments/1").start()) {
			awaitState(ReleaseState.ROLLED_BACK);
			orders.stop().awaitFinished(LONG);
			payments.stop().awaitFinished(LONG);
			assertThat(orders.errors() + payments.errors()).as("%s, %s", orders, payments).isZero();
		}
		ReleaseStatus status = this.controller.release("checkout").status();
		assertThat(status.reason().tag()).isEqualTo("analysis");
		Verdict evidence = status.lastTransition().evidence();
		assertThat(evidence.result()).isEqualTo(Verdict.Result.FAIL);
		Map<String, ServiceFigures> services = evidence.services();
		assertThat(services).containsOnlyKeys("orders", "payments");
		assertThat(services.get("payments").canary().errors()).isPositive();
		assertThat(services.get("orders").canary().errors()).isZero();
		assertThat(services.get("orders").canary().requests()).isPositive();
		assertThat(evidence.canary().requests()).isGreaterThanOrEqualTo(services.get("payments").canary().requests());
		// every user is back on both stable versions
		resetBackends();
		for (int user = 0; user < 50; user++) {
			assertThat(get("/orders/" + user, "user-" + user).get("version")).isEqualTo("v1");
			assertThat(get("/payments/" + user, "user-" + user).get("version")).isEqualTo("v7");
		}
		assertThat(orders2.requests() + payments8.requests()).isZero();
		this.client.get()
			.uri("/actuator/canary/checkout")
			.exchange()
			.expectBody()
			.jsonPath("$.history[-1].evidence.services.payments.canary.errors")
			.value((errors) -> assertThat(((Number) errors).longValue()).isPositive());
	}

	@Test
	@Order(0)
	void aTrustedCallerKeepsTheLaneItSends() {
		await().atMost(LONG)
			.until(() -> this.controller.release("callback").status().state() == ReleaseState.PROGRESSING);
		for (String lane : List.of("canary", "stable")) {
			String version = lane.equals("canary") ? "v2" : "v1";
			for (int user = 0; user < 40; user++) {
				Map<String, String> answer = this.client.get()
					.uri("/callback/" + user)
					.header(USER, "user-" + user)
					.header("X-Canary-Lane", lane)
					.exchange()
					.expectStatus()
					.isOk()
					.expectBody(new ParameterizedTypeReference<Map<String, String>>() {
					})
					.returnResult()
					.getResponseBody();
				assertThat(answer.get("version")).as("user %d sent lane %s", user, lane).isEqualTo(version);
				assertThat(answer.get("lane")).isEqualTo(lane);
				// a release of one service names its route's service
				assertThat(answer.get("versions")).isEqualTo("orders=" + version);
			}
			// kept, not drawn: not judged
			assertThat(this.meters.get("canary.requests")
				.tags("release", "callback", "lane", lane, "assignment", "forced", "outcome", "success")
				.timer()
				.count()).isEqualTo(40);
		}
	}

	/**
	 * The backend's answer to a user's request sent with a forged lane and versions, with
	 * the version the gateway exposed under {@code exposed}.
	 */
	private Map<String, String> get(String path, String user) {
		EntityExchangeResult<Map<String, String>> result = this.client.get()
			.uri(path)
			.header(USER, user)
			.header("X-Canary-Versions", "orders=v9,payments=v9")
			.header("X-Canary-Lane", "canary")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(new ParameterizedTypeReference<Map<String, String>>() {
			})
			.returnResult();
		Map<String, String> body = new java.util.HashMap<>(result.getResponseBody());
		body.put("exposed", result.getResponseHeaders().getFirst("X-Canary-Version"));
		return body;
	}

	private void awaitState(ReleaseState state) {
		await().atMost(LONG)
			.untilAsserted(() -> assertThat(this.controller.release("checkout").status().state())
				.as(() -> "checkout reaches " + state + "; now " + this.controller.release("checkout").status()
						+ ", last verdict " + this.controller.release("checkout").lastVerdict())
				.isEqualTo(state));
	}

}
