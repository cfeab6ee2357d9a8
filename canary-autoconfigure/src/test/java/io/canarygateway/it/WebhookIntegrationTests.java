package io.canarygateway.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.testing.HookReceiver;
import io.canarygateway.testing.Traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Webhooks end to end (docs/integrations.md): a real gateway with real backends and a
 * real receiver of the hooks' calls. A failing pre-rollout hook keeps every request on
 * stable and then rolls the release back; a confirm-promotion hook answering 403 holds
 * the release at its last step (shown on the endpoint) until it answers 200; event hooks
 * hear of every transition in JSON, Slack and Teams format; a hook that hangs times out
 * and holds up no other release.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WebhookIntegrationTests {

	static final Duration LONG = Duration.ofSeconds(120);

	static final List<TestBackend> backends = new ArrayList<>();

	static final HookReceiver hooks = new HookReceiver();

	static final JsonMapper JSON = JsonMapper.builder().build();

	@Autowired
	ReleaseController controller;

	@Autowired
	MeterRegistry meters;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		hooks.answer("smoke", 500)
			.answer("approve", 403)
			.answer("hang", HookReceiver.HANG)
			.answer("load", 500)
			.answer("flaky", 503)
			.answer("gone", 404);
		String[] releases = { "smoke", "gated", "hanging", "timeout", "stepped", "told" };
		for (int i = 0; i < releases.length; i++) {
			String name = releases[i];
			TestBackend stable = backend(name, "v1");
			TestBackend canary = backend(name, "v2");
			TestRoutes.instances(registry, name, 0, stable, canary);
			TestRoutes.loadBalanced(registry, i, name, name);
			registry.add("canary.releases." + name + ".stable-version", () -> "v1");
		}
		registry.add("management.endpoints.web.exposure.include", () -> "canary");
		registry.add("canary.defaults.canary-version", () -> "v2");
		registry.add("canary.defaults.auto-start", () -> "false");
		registry.add("canary.defaults.steps", () -> "50");
		registry.add("canary.defaults.step-interval", () -> "1s");
		registry.add("canary.defaults.analysis.interval", () -> "250ms");
		registry.add("canary.defaults.analysis.min-requests", () -> "10");
		registry.add("canary.defaults.analysis.failure-threshold", () -> "2");
		// judged on errors only: a shared test machine's latency is noise
		registry.add("canary.defaults.analysis.latency-tolerance", () -> "1000");
		registry.add("canary.defaults.analysis.max-latency", () -> "1m");
		hook(registry, "smoke", 0, "smoke", "pre-rollout", "smoke");
		hook(registry, "gated", 0, "ready", "pre-rollout", "ready");
		hook(registry, "gated", 1, "approve", "confirm-promotion", "approve");
		hook(registry, "gated", 2, "events", "event", "events");
		registry.add("canary.releases.gated.webhooks[2].metadata.team", () -> "payments");
		hook(registry, "gated", 3, "chat", "event", "slack");
		registry.add("canary.releases.gated.webhooks[3].format", () -> "slack");
		hook(registry, "gated", 4, "teams", "event", "teams");
		registry.add("canary.releases.gated.webhooks[4].format", () -> "teams");
		hook(registry, "gated", 5, "done", "post-rollout", "done");
		// hangs far longer than any test runs: a look that waited for it would hold up
		// the others
		hook(registry, "hanging", 0, "slow", "pre-rollout", "hang");
		registry.add("canary.releases.hanging.webhooks[0].timeout", () -> "10m");
		hook(registry, "timeout", 0, "slow", "pre-rollout", "hang");
		registry.add("canary.releases.timeout.webhooks[0].timeout", () -> "300ms");
		hook(registry, "stepped", 0, "load", "step", "load");
		hook(registry, "told", 0, "flaky", "event", "flaky");
		hook(registry, "told", 1, "gone", "event", "gone");
	}

	private static void hook(DynamicPropertyRegistry registry, String release, int index, String name, String type,
			String path) {
		String at = "canary.releases." + release + ".webhooks[" + index + "].";
		registry.add(at + "name", () -> name);
		registry.add(at + "type", () -> type);
		registry.add(at + "url", () -> hooks.url(path));
	}

	private static TestBackend backend(String name, String version) {
		TestBackend backend = new TestBackend(version, name + "-" + version);
		backends.add(backend);
		return backend;
	}

	private static TestBackend backendOf(String name, String version) {
		return backends.stream().filter((b) -> b.instance.equals(name + "-" + version)).findFirst().orElseThrow();
	}

	@AfterAll
	static void stop() {
		backends.forEach(TestBackend::close);
		hooks.close();
	}

	@Test
	void failingPreRolloutHookShiftsNoTrafficThenRollsBack() {
		start("smoke");
		ReleaseStatus started = status("smoke");
		assertThat(started.state()).isEqualTo(ReleaseState.PROGRESSING);
		assertThat(started.weight()).isZero();
		// whenever it arrives, before or after the rollback: no request reaches the
		// canary
		Traffic.get(baseUrl(), "/smoke/1").concurrency(2).requests(50).send(LONG);
		awaitState("smoke", ReleaseState.ROLLED_BACK);
		ReleaseStatus status = status("smoke");
		assertThat(status.reason()).isEqualTo(Reason.WEBHOOK);
		assertThat(status.lastTransition().evidence().reasons())
			.containsExactly("pre-rollout hook 'smoke': 500 \"answer 500\"");
		assertThat(status.history()).allMatch((t) -> t.weight() == 0);
		assertThat(backendOf("smoke", "v2").requests()).as("requests that reached the canary").isZero();
		assertThat(backendOf("smoke", "v1").requests()).isEqualTo(50);
		assertThat(hooks.received("smoke")).hasSizeGreaterThanOrEqualTo(2).allSatisfy((body) -> {
			assertThat(body.path("type").asString()).isEqualTo("pre-rollout");
			assertThat(body.path("weight").asInt()).isZero();
		});
		assertThat(count("smoke", "smoke", "rejected")).isGreaterThanOrEqualTo(2);
	}

	@Test
	void confirmPromotionHoldsTheLastStepUntilApprovedWhileAHangingHookHoldsUpNothing() throws Exception {
		// waits on a hook that never answers while "gated" goes all the way
		start("hanging");
		start("gated");
		try (Traffic traffic = Traffic.get(baseUrl(), "/gated/1").concurrency(2).start()) {
			await().atMost(LONG).until(() -> status("gated").weight() == 50);
			await().atMost(LONG)
				.until(() -> "waiting for confirm-promotion hook 'approve': 403 \"answer 403\""
					.equals(this.controller.release("gated").waiting()));
			assertThat(endpoint("gated").path("waiting").asString())
				.startsWith("waiting for confirm-promotion hook 'approve': 403");
			int asked = hooks.received("approve").size();
			await().atMost(LONG).until(() -> hooks.received("approve").size() >= asked + 3);
			assertThat(status("gated").state()).isEqualTo(ReleaseState.PROGRESSING);
			assertThat(status("gated").weight()).isEqualTo(50);
			hooks.answer("approve", 200);
			awaitState("gated", ReleaseState.PROMOTED);
		}
		ReleaseStatus promoted = status("gated");
		assertThat(promoted.reason()).isEqualTo(Reason.WEBHOOK);
		assertThat(promoted.lastTransition().evidence().reasons())
			.containsExactly("confirm-promotion hook 'approve': 200 \"answer 200\"");
		assertThat(this.controller.release("gated").waiting()).isNull();
		assertThat(promoted.history()).extracting(Transition::to, Transition::weight, Transition::reason)
			.containsExactly(org.assertj.core.groups.Tuple.tuple(ReleaseState.PROGRESSING, 0, Reason.MANUAL),
					org.assertj.core.groups.Tuple.tuple(ReleaseState.PROGRESSING, 50, Reason.WEBHOOK),
					org.assertj.core.groups.Tuple.tuple(ReleaseState.PROMOTED, 100, Reason.WEBHOOK));
		// the hanging hook's release still waits, at weight 0
		assertThat(status("hanging").state()).isEqualTo(ReleaseState.PROGRESSING);
		assertThat(status("hanging").weight()).isZero();
		assertThat(backendOf("hanging", "v2").requests()).isZero();

		// every transition told to the event hooks, in each format
		await().atMost(LONG)
			.until(() -> hooks.received("events").size() == 3 && hooks.received("slack").size() == 3
					&& hooks.received("teams").size() == 3 && hooks.received("done").size() == 1);
		List<JsonNode> events = hooks.received("events");
		assertThat(events).extracting((e) -> e.path("to").asString())
			.containsExactly("PROGRESSING", "PROGRESSING", "PROMOTED");
		JsonNode promotion = events.get(2);
		assertThat(promotion.path("release").asString()).isEqualTo("gated");
		assertThat(promotion.path("type").asString()).isEqualTo("event");
		assertThat(promotion.path("name").asString()).isEqualTo("events");
		assertThat(promotion.path("state").asString()).isEqualTo("PROMOTED");
		assertThat(promotion.path("weight").asInt()).isEqualTo(100);
		assertThat(promotion.path("stableVersion").asString()).isEqualTo(promoted.stableVersion());
		assertThat(promotion.path("canaryVersion").asString()).isEqualTo(promoted.canaryVersion());
		assertThat(promotion.path("reason").asString()).isEqualTo("webhook");
		assertThat(promotion.path("metadata").path("team").asString()).isEqualTo("payments");
		assertThat(promotion.path("from").asString()).isEqualTo("PROGRESSING");
		assertThat(promotion.path("at").asString()).isEqualTo(promoted.lastTransition().at().toString());
		assertThat(promotion.path("evidence").path("reasons").get(0).asString())
			.isEqualTo("confirm-promotion hook 'approve': 200 \"answer 200\"");
		assertThat(hooks.received("slack"))
			.allSatisfy((body) -> assertThat(body.path("text").asString()).startsWith("Release gated: "));
		assertThat(hooks.received("slack").get(2).path("text").asString()).contains("PROGRESSING → PROMOTED");
		assertThat(hooks.received("teams")).allSatisfy((body) -> {
			assertThat(body.path("type").asString()).isEqualTo("message");
			JsonNode attachment = body.path("attachments").get(0);
			assertThat(attachment.path("contentType").asString()).isEqualTo("application/vnd.microsoft.card.adaptive");
			assertThat(attachment.path("content").path("type").asString()).isEqualTo("AdaptiveCard");
			assertThat(attachment.path("content").path("body").get(0).path("text").asString())
				.startsWith("Release gated: ");
		});
		assertThat(hooks.received("done").get(0).path("state").asString()).isEqualTo("PROMOTED");
		assertThat(count("gated", "approve", "rejected")).isGreaterThanOrEqualTo(3);
		assertThat(count("gated", "approve", "success")).isPositive();
		assertThat(count("gated", "events", "success")).isEqualTo(3);
	}

	@Test
	void aHookThatHangsTimesOutAndCountsAsAFailure() {
		start("timeout");
		awaitState("timeout", ReleaseState.ROLLED_BACK);
		ReleaseStatus status = status("timeout");
		assertThat(status.reason()).isEqualTo(Reason.WEBHOOK);
		assertThat(status.lastTransition().evidence().reasons())
			.containsExactly("pre-rollout hook 'slow': timeout (no answer within 300 ms)");
		assertThat(count("timeout", "slow", "timeout")).isGreaterThanOrEqualTo(2);
	}

	@Test
	void failingStepHookFailsTheVerdictsAndRollsBack() {
		start("stepped");
		assertThat(status("stepped").weight()).as("no pre-rollout hook: the first step at once").isEqualTo(50);
		awaitState("stepped", ReleaseState.ROLLED_BACK);
		ReleaseStatus status = status("stepped");
		assertThat(status.reason()).isEqualTo(Reason.ANALYSIS);
		assertThat(status.lastTransition().evidence().result().tag()).isEqualTo("fail");
		assertThat(status.lastTransition().evidence().reasons()).contains("step hook 'load': 500 \"answer 500\"");
		assertThat(status.lastTransition().evidence().statistics()).containsEntry("webhook.load.status", 500.0);
		assertThat(hooks.received("load")).first().satisfies((body) -> {
			assertThat(body.path("type").asString()).isEqualTo("step");
			assertThat(body.path("state").asString()).isEqualTo("PROGRESSING");
			assertThat(body.path("weight").asInt()).isEqualTo(50);
		});
	}

	@Test
	void anEventHookIsRetriedTwiceOnA5xxButNeverOnA4xx() {
		start("told");
		// one transition: the start
		await().atMost(LONG).untilAsserted(() -> {
			assertThat(hooks.received("flaky")).hasSize(3);
			assertThat(hooks.received("gone")).hasSize(1);
		});
		await().during(Duration.ofSeconds(3))
			.atMost(LONG)
			.until(() -> hooks.received("flaky").size() == 3 && hooks.received("gone").size() == 1);
		assertThat(hooks.received("flaky"))
			.allSatisfy((body) -> assertThat(body.path("to").asString()).isEqualTo("PROGRESSING"));
		assertThat(count("told", "flaky", "rejected")).isEqualTo(3);
		assertThat(count("told", "gone", "rejected")).isEqualTo(1);
		assertThat(status("told").weight()).as("the transition did not wait for its hooks").isEqualTo(50);
	}

	private void start(String release) {
		assertThat(this.controller.operate(release, Action.START, 0, Transition.ANONYMOUS).kind().name())
			.isEqualTo("APPLIED");
	}

	private ReleaseStatus status(String release) {
		return this.controller.release(release).status();
	}

	private void awaitState(String release, ReleaseState state) {
		await().atMost(LONG).until(() -> status(release).state() == state);
	}

	private double count(String release, String hook, String outcome) {
		Counter counter = this.meters.find("canary.webhooks")
			.tags("release", release, "name", hook, "outcome", outcome)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private String baseUrl() {
		return "http://127.0.0.1:" + this.port;
	}

	private JsonNode endpoint(String release) throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/canary/" + release)).build(),
					HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return JSON.readTree(response.body());
	}

}
