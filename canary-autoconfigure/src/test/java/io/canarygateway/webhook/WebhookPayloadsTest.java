package io.canarygateway.webhook;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.canarygateway.core.Action;
import io.canarygateway.core.LaneFigures;
import io.canarygateway.core.Lifecycle;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.StepSchedule;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Versions;
import io.canarygateway.core.Webhook;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bodies hooks receive: a gate's payload describes the release (no transition), a
 * Slack message escapes what Slack's formatting reads, a Teams message is the Adaptive
 * Card envelope.
 */
class WebhookPayloadsTest {

	static final JsonMapper JSON = JsonMapper.builder().build();

	static final Instant T0 = Instant.parse("2026-03-02T10:15:30Z");

	static final StepSchedule STEPS = StepSchedule.of(List.of(10, 100), List.of());

	static final ReleaseStatus STARTED = Lifecycle
		.apply(ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0), STEPS, Action.START, 0, Reason.MANUAL, "ci",
				null, T0)
		.status();

	@Test
	void aGatesPayloadDescribesTheReleaseWithoutATransition() {
		JsonNode body = JSON
			.readTree(WebhookPayloads.body(hook(Webhook.Type.PRE_ROLLOUT, Webhook.Format.JSON), STARTED, null));
		assertThat(body.path("release").asString()).isEqualTo("orders");
		assertThat(body.path("type").asString()).isEqualTo("pre-rollout");
		assertThat(body.path("name").asString()).isEqualTo("hook");
		assertThat(body.path("state").asString()).isEqualTo("PROGRESSING");
		assertThat(body.path("weight").asInt()).isEqualTo(10);
		assertThat(body.path("stableVersion").asString()).isEqualTo("v1");
		assertThat(body.path("canaryVersion").asString()).isEqualTo("v2");
		assertThat(body.path("reason").asString()).isEqualTo("manual");
		assertThat(body.path("metadata").path("suite").asString()).isEqualTo("smoke");
		assertThat(body.has("from")).isFalse();
		assertThat(body.has("evidence")).isFalse();
	}

	@Test
	void anEventCarriesTheTransitionAndItsEvidence() {
		Verdict evidence = new Verdict(Verdict.Result.FAIL, T0, new LaneFigures(100, 0, 0, 10),
				new LaneFigures(20, 5, 0.25, 12), Map.of("errorRate.z", 4.0), List.of("canary error rate 0.250"));
		ReleaseStatus rolledBack = Lifecycle
			.apply(STARTED, STEPS, Action.ROLL_BACK, 0, Reason.ANALYSIS, Transition.GATEWAY, evidence, T0)
			.status();
		JsonNode body = JSON.readTree(WebhookPayloads.body(hook(Webhook.Type.EVENT, Webhook.Format.JSON), rolledBack,
				rolledBack.lastTransition()));
		assertThat(body.path("from").asString()).isEqualTo("PROGRESSING");
		assertThat(body.path("to").asString()).isEqualTo("ROLLED_BACK");
		assertThat(body.path("at").asString()).isEqualTo("2026-03-02T10:15:30Z");
		assertThat(body.path("by").asString()).isEqualTo("gateway");
		assertThat(body.path("reason").asString()).isEqualTo("analysis");
		assertThat(body.path("evidence").path("verdict").asString()).isEqualTo("fail");
		assertThat(body.path("evidence").path("canary").path("errorRate").asDouble()).isEqualTo(0.25);
		assertThat(body.path("evidence").path("reasons").get(0).asString()).isEqualTo("canary error rate 0.250");
	}

	@Test
	void slackTextIsEscapedAndTeamsGetsTheAdaptiveCardEnvelope() {
		assertThat(JSON.readTree(WebhookPayloads.slack("a < b & c > d")).path("text").asString())
			.isEqualTo("a &lt; b &amp; c &gt; d");
		JsonNode teams = JSON.readTree(WebhookPayloads.teams("Release orders: <ok>"));
		assertThat(teams.path("type").asString()).isEqualTo("message");
		JsonNode attachment = teams.path("attachments").get(0);
		assertThat(attachment.path("contentType").asString()).isEqualTo("application/vnd.microsoft.card.adaptive");
		assertThat(attachment.path("content").path("type").asString()).isEqualTo("AdaptiveCard");
		assertThat(attachment.path("content").path("version").asString()).isEqualTo("1.4");
		JsonNode block = attachment.path("content").path("body").get(0);
		assertThat(block.path("type").asString()).isEqualTo("TextBlock");
		assertThat(block.path("text").asString()).isEqualTo("Release orders: <ok>");
		assertThat(block.path("wrap").asBoolean()).isTrue();
	}

	private static Webhook hook(Webhook.Type type, Webhook.Format format) {
		return new Webhook("hook", type, "http://ci/hook", Duration.ofSeconds(5), format, Map.of("suite", "smoke"));
	}

}
