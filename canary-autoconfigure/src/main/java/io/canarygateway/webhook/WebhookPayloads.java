package io.canarygateway.webhook;

import java.util.Map;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import io.canarygateway.core.LaneFigures;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Webhook;

/**
 * The bodies webhooks receive (docs/integrations.md, "Payload"): the JSON payload, a
 * Slack-style {@code {"text": …}} message, or the Adaptive Card message Microsoft Teams
 * Workflows webhooks require.
 */
final class WebhookPayloads {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private WebhookPayloads() {
	}

	/**
	 * The body of a call of {@code hook} about a release's record; {@code transition} is
	 * the one an event or post-rollout hook is told of ({@code null} for the gates).
	 */
	static String body(Webhook hook, ReleaseStatus status, Transition transition) {
		return switch (hook.format()) {
			case JSON -> json(hook, status, transition).toString();
			case SLACK -> slack(text(hook, status, transition));
			case TEAMS -> teams(text(hook, status, transition));
		};
	}

	static ObjectNode json(Webhook hook, ReleaseStatus status, Transition transition) {
		ObjectNode node = JSON.createObjectNode();
		node.put("release", status.release());
		node.put("type", hook.type().tag());
		node.put("name", hook.name());
		node.put("state", status.state().name());
		node.put("weight", status.weight());
		node.put("stableVersion", status.stableVersion());
		node.put("canaryVersion", status.canaryVersion());
		node.put("reason", ((transition != null) ? transition.reason() : status.reason()).tag());
		ObjectNode metadata = node.putObject("metadata");
		hook.metadata().forEach(metadata::put);
		if (transition != null) {
			node.put("from", transition.from().name());
			node.put("to", transition.to().name());
			node.put("at", transition.at().toString());
			node.put("by", transition.by());
			if (transition.evidence() != null) {
				node.set("evidence", evidence(transition.evidence()));
			}
			else {
				node.putNull("evidence");
			}
		}
		return node;
	}

	private static ObjectNode evidence(Verdict verdict) {
		ObjectNode node = JSON.createObjectNode();
		node.put("verdict", verdict.result().tag());
		node.put("at", verdict.at().toString());
		node.set("stable", figures(verdict.stable()));
		node.set("canary", figures(verdict.canary()));
		ObjectNode statistics = node.putObject("statistics");
		for (Map.Entry<String, Double> entry : verdict.statistics().entrySet()) {
			statistics.put(entry.getKey(), entry.getValue());
		}
		ArrayNode reasons = node.putArray("reasons");
		verdict.reasons().forEach(reasons::add);
		return node;
	}

	private static ObjectNode figures(LaneFigures figures) {
		ObjectNode node = JSON.createObjectNode();
		node.put("requests", figures.requests());
		node.put("errors", figures.errors());
		node.put("errorRate", figures.errorRate());
		node.put("p99Ms", figures.p99Ms());
		return node;
	}

	/**
	 * One chat line: e.g. {@code Release orders: PROGRESSING → ROLLED_BACK at 0 % (reason
	 * analysis), canary v2, stable v1 — canary error rate 0.2 above stable}.
	 */
	static String text(Webhook hook, ReleaseStatus status, Transition transition) {
		StringBuilder text = new StringBuilder("Release ").append(status.release()).append(": ");
		if (transition != null) {
			text.append(transition.from()).append(" → ").append(transition.to());
		}
		else {
			text.append(status.state());
		}
		text.append(" at ")
			.append(status.weight())
			.append(" % (reason ")
			.append(((transition != null) ? transition.reason() : status.reason()).tag())
			.append("), canary ")
			.append(status.canaryVersion())
			.append(", stable ")
			.append(status.stableVersion());
		Verdict evidence = (transition != null) ? transition.evidence() : null;
		if (evidence != null && !evidence.reasons().isEmpty()) {
			text.append(" — ").append(String.join("; ", evidence.reasons()));
		}
		return text.toString();
	}

	/**
	 * {@code {"text": …}} with {@code &}, {@code <} and {@code >} escaped, as Slack's
	 * message formatting asks.
	 */
	static String slack(String text) {
		ObjectNode node = JSON.createObjectNode();
		node.put("text", text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"));
		return node.toString();
	}

	/**
	 * A message with one Adaptive Card holding the text, the envelope Teams Workflows'
	 * "Send webhook alerts to a channel" flow reads (a bare {@code {"text"}} is not
	 * rendered there).
	 */
	static String teams(String text) {
		ObjectNode node = JSON.createObjectNode();
		node.put("type", "message");
		ObjectNode attachment = node.putArray("attachments").addObject();
		attachment.put("contentType", "application/vnd.microsoft.card.adaptive");
		attachment.putNull("contentUrl");
		ObjectNode card = attachment.putObject("content");
		card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
		card.put("type", "AdaptiveCard");
		card.put("version", "1.4");
		ObjectNode block = card.putArray("body").addObject();
		block.put("type", "TextBlock");
		block.put("text", text);
		block.put("wrap", true);
		return node.toString();
	}

}
