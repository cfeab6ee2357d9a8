package io.canarygateway.webhook;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.canarygateway.control.Probe;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Webhook;

/**
 * A gate (a {@code pre-rollout}, {@code step} or {@code confirm-promotion} hook) as the
 * analysis asks it: one POST per look, passing on a 2xx answer within the timeout and
 * failing on anything else (another status, a timeout, a connection failure) with the
 * status and the start of the body as evidence.
 */
public final class WebhookProbe implements Probe {

	private final String release;

	private final Webhook hook;

	private final WebhookClient client;

	public WebhookProbe(String release, Webhook hook, WebhookClient client) {
		this.release = release;
		this.hook = hook;
		this.client = client;
	}

	@Override
	public String describe() {
		return this.hook.type().tag() + " hook '" + this.hook.name() + "'";
	}

	@Override
	public CompletableFuture<Answer> call(ReleaseStatus status, Instant now) {
		String body = WebhookPayloads.body(this.hook, status, null);
		return this.client.post(this.release, this.hook, body)
			.map((call) -> new Answer(call.succeeded() ? Verdict.Result.PASS : Verdict.Result.FAIL,
					describe() + ": " + call.describe(),
					Map.of("webhook." + this.hook.name() + ".status", (double) call.status())))
			.toFuture();
	}

}
