package io.canarygateway.it;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
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
 * Versions that move forward at runtime, end to end on one gateway against real backends
 * of four versions behind one load-balanced service: v2 promoted, then v3 started with
 * {@code POST .../start {"version": "v3"}} rolls out against v2 and never reaches v1
 * again; the same version twice is refused, bad versions are refused with the reason, a
 * version without instances falls back to stable (counted), and its rollback is
 * remembered.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
class ContinuousReleaseIntegrationTests {

	static final TestBackend v1 = new TestBackend("v1", "orders-v1");

	static final TestBackend v2 = new TestBackend("v2", "orders-v2");

	static final TestBackend v3 = new TestBackend("v3", "orders-v3");

	@Autowired
	WebTestClient client;

	@Autowired
	MeterRegistry meters;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestRoutes.instances(registry, "orders", 0, v1, v2, v3);
		TestRoutes.loadBalanced(registry, 0, "orders", "orders");
		registry.add("canary.releases.orders.stable-version", () -> "v1");
		registry.add("canary.releases.orders.canary-version", () -> "v2");
		registry.add("canary.releases.orders.auto-start", () -> "false");
		registry.add("canary.releases.orders.routing.expose-version", () -> "true");
		// the judge stays out: the test moves the release by hand
		registry.add("canary.releases.orders.analysis.interval", () -> "1h");
		registry.add("management.endpoints.web.exposure.include", () -> "canary");
	}

	@AfterAll
	static void stopBackends() {
		List.of(v1, v2, v3).forEach(TestBackend::close);
	}

	@Test
	void versionsMoveForwardWithoutARestart() {
		act("start", null).expectStatus().isOk();
		act("promote", null).expectStatus().isOk();
		assertThat(send(50, null)).containsOnlyKeys("v2");

		// v3 ships: it rolls out against the promoted v2, never v1
		List.of(v1, v2, v3).forEach(TestBackend::reset);
		Map<String, Object> started = body(act("start", "{\"version\": \"v3\"}").expectStatus().isOk());
		assertThat(started).containsEntry("state", "PROGRESSING")
			.containsEntry("weight", 5)
			.containsEntry("stableVersion", "v2")
			.containsEntry("canaryVersion", "v3")
			.containsEntry("previousVersion", "v1");
		assertThat(history(started).get(history(started).size() - 1)).containsEntry("from", "PROMOTED")
			.containsEntry("to", "PROGRESSING")
			.containsEntry("reason", "manual")
			.containsEntry("version", "v3");
		act("weight", "{\"weight\": 50}").expectStatus().isOk();
		Map<String, Integer> served = send(400, null);
		assertThat(served).containsOnlyKeys("v2", "v3");
		assertThat(served.get("v3")).isBetween(100, 300);
		assertThat(v1.requests()).as("the version before the promotion").isZero();
		assertThat(send(20, "never")).containsOnlyKeys("v2");
		assertThat(send(20, "always")).containsOnlyKeys("v3");
		assertThat(this.meters.find("canary.requests").tags("release", "orders", "version", "v3").timers())
			.isNotEmpty();

		// the same version again, a bad version, a version for another action
		assertThat(error(act("start", "{\"version\": \"v3\"}").expectStatus().isEqualTo(409)))
			.isEqualTo("release 'orders' is already rolling out version v3 (PAUSED at 50 %)");
		assertThat(error(act("start", "{\"version\": \"v3 final\"}").expectStatus().isBadRequest()))
			.isEqualTo("version must be 1 to 64 letters, digits, '.', '_' or '-', was 'v3 final'");
		assertThat(error(act("start", "{\"version\": \"v2\"}").expectStatus().isBadRequest()))
			.isEqualTo("version v2 is the stable version of release 'orders'; a rollout needs another version");
		assertThat(error(act("pause", "{\"version\": \"v4\"}").expectStatus().isBadRequest()))
			.isEqualTo("only start takes a version; pause acts on the release's current rollout");
		assertThat(error(this.client.post()
			.uri("/actuator/canary/nosuch/start")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"version\": \"v3\"}")
			.exchange()
			.expectStatus()
			.isNotFound())).isEqualTo("no release named 'nosuch'");

		// v4 supersedes v3 before any v4 instance is up: canary requests fall back to
		// stable, counted
		double fallbacks = fallbacks();
		Map<String, Object> superseded = body(act("start", "{\"version\": \"v4\"}").expectStatus().isOk());
		assertThat(superseded).containsEntry("stableVersion", "v2")
			.containsEntry("canaryVersion", "v4")
			.containsEntry("weight", 5);
		List.of(v1, v2, v3).forEach(TestBackend::reset);
		assertThat(send(20, "always")).containsOnlyKeys("v2");
		assertThat(v3.requests() + v1.requests()).isZero();
		assertThat(fallbacks()).isEqualTo(fallbacks + 20);

		// its rollback is remembered
		Map<String, Object> aborted = body(act("abort", null).expectStatus().isOk());
		assertThat(aborted).containsEntry("state", "ROLLED_BACK").containsEntry("rolledBackVersions", List.of("v4"));
		assertThat(send(20, null)).containsOnlyKeys("v2");
	}

	private double fallbacks() {
		return this.meters.counter("canary.fallbacks", "release", "orders", "reason", "no-canary-instance").count();
	}

	private WebTestClient.ResponseSpec act(String action, String json) {
		WebTestClient.RequestBodySpec spec = this.client.post().uri("/actuator/canary/orders/" + action);
		return (json != null) ? spec.contentType(MediaType.APPLICATION_JSON).bodyValue(json).exchange()
				: spec.exchange();
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> body(WebTestClient.ResponseSpec response) {
		return response.expectBody(Map.class).returnResult().getResponseBody();
	}

	private static String error(WebTestClient.ResponseSpec response) {
		return (String) body(response).get("error");
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> history(Map<String, Object> release) {
		return (List<Map<String, Object>>) release.get("history");
	}

	private Map<String, Integer> send(int n, String override) {
		Map<String, Integer> versions = new HashMap<>();
		for (int i = 0; i < n; i++) {
			WebTestClient.RequestHeadersSpec<?> spec = this.client.get().uri("/orders/" + i);
			if (override != null) {
				spec = spec.header("X-Canary", override);
			}
			EntityExchangeResult<byte[]> result = spec.exchange().expectStatus().isOk().expectBody().returnResult();
			versions.merge(result.getResponseHeaders().getFirst("X-Canary-Version"), 1, Integer::sum);
		}
		return versions;
	}

}
