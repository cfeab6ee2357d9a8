package io.canarygateway.it;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway end to end against real HTTP backends on random ports: two stable instances
 * of {@code orders} (one tagged v1, one untagged), one canary (v2) and one of a third
 * version (v3) that must never be reached; a predicate-mode pair of routes for
 * {@code payments}; and {@code inventory}, whose canary has no instance.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
class CanaryRoutingIntegrationTests {

	static final TestBackend stableA = new TestBackend("v1", "orders-v1-a");

	static final TestBackend stableB = new TestBackend("v1", "orders-untagged-b");

	static final TestBackend canary = new TestBackend("v2", "orders-v2");

	static final TestBackend third = new TestBackend("v3", "orders-v3");

	static final TestBackend payStable = new TestBackend("v1", "pay-v1");

	static final TestBackend payCanary = new TestBackend("v2", "pay-v2");

	static final TestBackend inventoryStable = new TestBackend("v1", "inventory-v1");

	/** Behind a route without any canary handling. */
	static final TestBackend plain = new TestBackend("v1", "plain");

	@Autowired
	WebTestClient client;

	@Autowired
	MeterRegistry meters;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		String simple = "spring.cloud.discovery.client.simple.instances.";
		registry.add(simple + "orders[0].uri", stableA::uri);
		registry.add(simple + "orders[0].metadata.version", () -> "v1");
		registry.add(simple + "orders[1].uri", stableB::uri);
		registry.add(simple + "orders[2].uri", canary::uri);
		registry.add(simple + "orders[2].metadata.version", () -> "v2");
		registry.add(simple + "orders[3].uri", third::uri);
		registry.add(simple + "orders[3].metadata.version", () -> "v3");
		registry.add(simple + "inventory[0].uri", inventoryStable::uri);
		registry.add(simple + "inventory[0].metadata.version", () -> "v1");
		String routes = "spring.cloud.gateway.server.webflux.routes";
		registry.add(routes + "[0].id", () -> "orders");
		registry.add(routes + "[0].uri", () -> "lb://orders");
		registry.add(routes + "[0].predicates[0]", () -> "Path=/orders/**");
		registry.add(routes + "[0].filters[0]", () -> "Canary=orders");
		registry.add(routes + "[1].id", () -> "payments-canary");
		registry.add(routes + "[1].uri", payCanary::uri);
		registry.add(routes + "[1].predicates[0]", () -> "Path=/pay/**");
		registry.add(routes + "[1].predicates[1]", () -> "Canary=payments, canary");
		registry.add(routes + "[2].id", () -> "payments-stable");
		registry.add(routes + "[2].uri", payStable::uri);
		registry.add(routes + "[2].predicates[0]", () -> "Path=/pay/**");
		registry.add(routes + "[2].predicates[1]", () -> "Canary=payments, stable");
		registry.add(routes + "[3].id", () -> "inventory");
		registry.add(routes + "[3].uri", () -> "lb://inventory");
		registry.add(routes + "[3].predicates[0]", () -> "Path=/inventory/**");
		registry.add(routes + "[3].filters[0]", () -> "Canary=inventory");
		registry.add(routes + "[4].id", () -> "plain");
		registry.add(routes + "[4].uri", plain::uri);
		registry.add(routes + "[4].predicates[0]", () -> "Path=/plain/**");
		registry.add("canary.defaults.stable-version", () -> "v1");
		registry.add("canary.defaults.canary-version", () -> "v2");
		registry.add("canary.defaults.auto-start", () -> "false");
		// the judge stays out of these routing tests: they set weights by hand
		registry.add("canary.defaults.analysis.interval", () -> "1h");
		registry.add("canary.releases.orders.routing.expose-version", () -> "true");
		registry.add("canary.releases.orders.routing.sticky-header", () -> "X-User-Id");
		registry.add("canary.releases.payments.routing.expose-version", () -> "true");
		registry.add("canary.releases.inventory.routing.expose-version", () -> "true");
		registry.add("management.endpoints.web.exposure.include", () -> "canary");
	}

	@AfterAll
	static void stopBackends() {
		List.of(stableA, stableB, canary, third, payStable, payCanary, inventoryStable, plain)
			.forEach(TestBackend::close);
	}

	@BeforeEach
	void resetBackends() {
		List.of(stableA, stableB, canary, third, payStable, payCanary, inventoryStable, plain)
			.forEach(TestBackend::reset);
	}

	@Test
	void loadBalancedRouteSendsTheWeightedShareToCanaryInstancesOnly() {
		weight("orders", 10);
		int n = 2000;
		Map<String, Integer> versions = send("/orders/1", n, null);
		// Binomial(2000, 0.1): mean 200, sd 13.4; ±5 sd keeps the test stable and still
		// catches a wrong share
		assertThat(versions.getOrDefault("v2", 0)).isBetween(133, 267);
		assertThat(canary.requests()).isEqualTo((long) versions.getOrDefault("v2", 0));
		assertThat(third.requests()).isZero();
		long stable = stableA.requests() + stableB.requests();
		assertThat(stable).isEqualTo(n - canary.requests());
		// the configured algorithm (round robin) still spreads stable traffic over both
		// stable instances
		assertThat(stableA.requests()).isGreaterThan(stable / 3);
		assertThat(stableB.requests()).isGreaterThan(stable / 3);
	}

	@Test
	void weightZeroAndHundredAreExact() {
		weight("orders", 0);
		assertThat(send("/orders/1", 300, null)).containsOnlyKeys("v1");
		assertThat(canary.requests()).isZero();
		resetBackends();
		weight("orders", 100);
		assertThat(send("/orders/1", 300, null)).containsOnlyKeys("v2");
		assertThat(stableA.requests() + stableB.requests() + third.requests()).isZero();
	}

	@Test
	void predicateRoutesAlwaysAgreeAndNeverNotFound() {
		weight("payments", 50);
		int n = 1000;
		for (int i = 0; i < n; i++) {
			this.client.get().uri("/pay/" + i).exchange().expectStatus().isOk().expectBody().returnResult();
		}
		assertThat(payStable.requests() + payCanary.requests()).isEqualTo(n);
		assertThat(payCanary.requests()).isBetween(420L, 580L);
		assertThat(payCanary.lane("canary")).isEqualTo(payCanary.requests());
		assertThat(payStable.lane("stable")).isEqualTo(payStable.requests());
	}

	@Test
	void stickyUsersKeepTheirLaneAndOnlyMoveToCanaryWhenTheWeightRises() {
		weight("orders", 10);
		Map<String, String> first = lanesOfUsers(400);
		assertThat(lanesOfUsers(400)).isEqualTo(first);
		assertThat(first.values()).contains("v1", "v2");
		weight("orders", 50);
		Map<String, String> later = lanesOfUsers(400);
		first.forEach((user, version) -> {
			if (version.equals("v2")) {
				assertThat(later.get(user)).as("user %s was on canary at 10 %%", user).isEqualTo("v2");
			}
		});
		long movedUp = first.entrySet()
			.stream()
			.filter((e) -> e.getValue().equals("v1") && later.get(e.getKey()).equals("v2"))
			.count();
		assertThat(movedUp).isPositive();
		assertThat(third.requests()).isZero();
	}

	@Test
	void overrideHeaderAndCookieForceTheLane() {
		weight("orders", 0);
		assertThat(send("/orders/1", 20, "ALWAYS")).containsOnlyKeys("v2");
		weight("orders", 100);
		assertThat(send("/orders/1", 20, "never")).containsOnlyKeys("v1");
		// another value falls through to the weight
		assertThat(send("/orders/1", 20, "maybe")).containsOnlyKeys("v2");
		String version = this.client.get()
			.uri("/orders/1")
			.header("X-Canary", "never")
			.cookie("canary", "always")
			.exchange()
			.expectBody()
			.returnResult()
			.getResponseHeaders()
			.getFirst("X-Canary-Version");
		assertThat(version).as("header outranks cookie").isEqualTo("v1");
		weight("orders", 0);
		assertThat(this.client.get()
			.uri("/orders/1")
			.cookie("canary", "Always")
			.exchange()
			.expectBody()
			.returnResult()
			.getResponseHeaders()
			.getFirst("X-Canary-Version")).isEqualTo("v2");
	}

	@Test
	void laneHeaderIsForwardedAndCannotBeSpoofed() {
		weight("orders", 0);
		for (int i = 0; i < 20; i++) {
			this.client.get()
				.uri("/orders/1")
				.header("X-Canary-Lane", "canary")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.returnResult();
		}
		assertThat(stableA.lane("stable") + stableB.lane("stable")).isEqualTo(20);
		assertThat(stableA.lane("canary") + stableB.lane("canary")).isZero();
	}

	@Test
	void aClientsLaneHeaderNeverReachesABackendOfARouteWithoutCanary() {
		for (int i = 0; i < 5; i++) {
			this.client.get()
				.uri("/plain/1")
				.header("X-Canary-Lane", "canary")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.returnResult();
		}
		assertThat(plain.requests()).isEqualTo(5);
		assertThat(plain.lane("null")).as("no X-Canary-Lane at all").isEqualTo(5);
	}

	@Test
	void canaryLaneWithoutCanaryInstanceFallsBackToStableAndIsCounted() {
		weight("inventory", 100);
		double before = fallbacks("inventory", "no-canary-instance");
		for (int i = 0; i < 10; i++) {
			this.client.get()
				.uri("/inventory/1")
				.exchange()
				.expectStatus()
				.isOk()
				.expectHeader()
				.valueEquals("X-Canary-Version", "v1")
				.expectBody()
				.returnResult();
		}
		assertThat(inventoryStable.requests()).isEqualTo(10);
		assertThat(fallbacks("inventory", "no-canary-instance") - before).isEqualTo(10);
	}

	@Test
	void endpointListsShowsAndSteersReleases() {
		weight("orders", 30);
		this.client.get()
			.uri("/actuator/canary")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.releases.orders.state")
			.isEqualTo("PAUSED")
			.jsonPath("$.releases.payments.stableVersion")
			.isEqualTo("v1");
		this.client.get()
			.uri("/actuator/canary/orders")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.release")
			.isEqualTo("orders")
			.jsonPath("$.weight")
			.isEqualTo(30)
			.jsonPath("$.steps[0]")
			.isEqualTo(5)
			.jsonPath("$.canaryVersion")
			.isEqualTo("v2")
			.jsonPath("$.breaker")
			.isEqualTo("CLOSED")
			.jsonPath("$.reason")
			.isEqualTo("manual")
			.jsonPath("$.history[-1].to")
			.isEqualTo("PAUSED")
			.jsonPath("$.history[-1].weight")
			.isEqualTo(30);
		this.client.get()
			.uri("/actuator/canary/nosuch")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.error")
			.value((String error) -> assertThat(error).contains("nosuch"));
		post("/actuator/canary/nosuch/pause", null).expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.error")
			.exists();
		post("/actuator/canary/orders/explode", null).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error")
			.value((String error) -> assertThat(error).contains("explode"));
		post("/actuator/canary/orders/weight", "{\"weight\": 150}").expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error")
			.value((String error) -> assertThat(error).contains("150"));
		post("/actuator/canary/orders/weight", "{}").expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error")
			.exists();
		post("/actuator/canary/orders/weight", "{\"weight\": \"lots\"}").expectStatus()
			.isBadRequest()
			.expectBody()
			.returnResult();
		post("/actuator/canary/orders/start", null).expectStatus()
			.isEqualTo(409)
			.expectBody()
			.jsonPath("$.error")
			.value((String error) -> assertThat(error).contains("PAUSED"));
		post("/actuator/canary/orders/abort", null).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("ROLLED_BACK")
			.jsonPath("$.breaker")
			.isEqualTo("FORCED_OPEN")
			.jsonPath("$.weight")
			.isEqualTo(0)
			// no Spring Security here: nobody is authenticated
			.jsonPath("$.history[-1].by")
			.isEqualTo("anonymous")
			.jsonPath("$.history[-1].reason")
			.isEqualTo("manual");
		post("/actuator/canary/orders/abort", null).expectStatus().isOk().expectBody().returnResult();
		post("/actuator/canary/orders/promote", null).expectStatus().isEqualTo(409).expectBody().returnResult();
		post("/actuator/canary/orders/resume", null).expectStatus().isEqualTo(409).expectBody().returnResult();
		post("/actuator/canary/orders/start", null).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("PROGRESSING")
			.jsonPath("$.weight")
			.isEqualTo(5)
			.jsonPath("$.breaker")
			.isEqualTo("CLOSED");
		post("/actuator/canary/orders/pause", null).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("PAUSED");
		post("/actuator/canary/orders/resume", null).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("PROGRESSING");
		post("/actuator/canary/orders/promote", null).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("PROMOTED")
			.jsonPath("$.weight")
			.isEqualTo(100);
		assertThat(send("/orders/1", 20, "never")).as("PROMOTED outranks overrides").containsOnlyKeys("v2");
	}

	@Test
	void abortStopsCanaryTrafficAtOnce() {
		weight("orders", 100);
		post("/actuator/canary/orders/abort", null).expectStatus().isOk().expectBody().returnResult();
		assertThat(send("/orders/1", 50, "always")).containsOnlyKeys("v1");
		assertThat(canary.requests()).isZero();
	}

	@Test
	void metricsCarryTheDocumentedNamesAndTags() {
		weight("orders", 50);
		send("/orders/1", 40, null);
		assertThat(this.meters.find("canary.requests")
			.tags("release", "orders", "lane", "canary", "version", "v2", "outcome", "success", "assignment", "drawn")
			.timer()
			.count()).isPositive();
		assertThat(this.meters.find("canary.requests")
			.tags("release", "orders", "lane", "stable", "version", "v1", "outcome", "success", "assignment", "drawn")
			.timer()
			.count()).isPositive();
		send("/orders/1", 5, "always");
		assertThat(this.meters.find("canary.requests")
			.tags("release", "orders", "lane", "canary", "version", "v2", "outcome", "success", "assignment", "forced")
			.timer()
			.count()).as("forced requests are counted apart").isEqualTo(5);
		assertThat(this.meters.find("canary.weight").tag("release", "orders").gauge().value()).isEqualTo(50);
		assertThat(this.meters.find("canary.state").tags("release", "orders", "state", "PAUSED").gauge().value())
			.isEqualTo(1);
		assertThat(this.meters.find("canary.state").tags("release", "orders", "state", "IDLE").gauge().value())
			.isZero();
		assertThat(this.meters.find("canary.transitions")
			.tags("release", "orders", "state", "PAUSED", "reason", "manual")
			.counter()
			.count()).isPositive();
		assertThat(this.meters.find("canary.fallbacks").tags("release", "orders", "reason", "retry").counter())
			.isNotNull();
		assertThat(this.meters.find("resilience4j.circuitbreaker.state").tag("name", "canary-orders").gauges())
			.isNotEmpty();
	}

	private double fallbacks(String release, String reason) {
		var counter = this.meters.find("canary.fallbacks").tags("release", release, "reason", reason).counter();
		return (counter != null) ? counter.count() : 0;
	}

	private Map<String, String> lanesOfUsers(int users) {
		Map<String, String> lanes = new HashMap<>();
		for (int u = 0; u < users; u++) {
			String version = this.client.get()
				.uri("/orders/1")
				.header("X-User-Id", "user-" + u)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.returnResult()
				.getResponseHeaders()
				.getFirst("X-Canary-Version");
			lanes.put("user-" + u, version);
		}
		return lanes;
	}

	private Map<String, Integer> send(String path, int n, String override) {
		Map<String, Integer> versions = new HashMap<>();
		for (int i = 0; i < n; i++) {
			WebTestClient.RequestHeadersSpec<?> spec = this.client.get().uri(path);
			if (override != null) {
				spec = spec.header("X-Canary", override);
			}
			EntityExchangeResult<byte[]> result = spec.exchange().expectStatus().isOk().expectBody().returnResult();
			String version = result.getResponseHeaders().getFirst("X-Canary-Version");
			versions.merge(version, 1, Integer::sum);
		}
		return versions;
	}

	private void weight(String release, int weight) {
		String state = this.client.get()
			.uri("/actuator/canary/" + release)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody()
			.get("state")
			.toString();
		if (!state.equals("PROGRESSING") && !state.equals("PAUSED")) {
			post("/actuator/canary/" + release + "/start", null).expectStatus().isOk().expectBody().returnResult();
		}
		post("/actuator/canary/" + release + "/weight", "{\"weight\": " + weight + "}").expectStatus()
			.isOk()
			.expectBody()
			.returnResult();
	}

	private WebTestClient.ResponseSpec post(String uri, String json) {
		WebTestClient.RequestBodySpec spec = this.client.post().uri(uri);
		if (json != null) {
			return spec.contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange();
		}
		return spec.exchange();
	}

}
