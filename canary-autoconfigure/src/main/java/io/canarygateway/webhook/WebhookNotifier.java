package io.canarygateway.webhook;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.canarygateway.control.TransitionListener;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Webhook;

/**
 * Tells the {@code event} hooks of a release every transition this gateway makes, and its
 * {@code post-rollout} hooks once it is promoted or rolled back (docs/integrations.md).
 * Fire-and-forget: the call is started and the transition goes on; a call that fails for
 * a reason that may pass is retried a few times with a growing pause; at most
 * {@link #MAX_IN_FLIGHT} notifications are in flight, more are dropped and counted. In a
 * fleet only the gateway that made a transition tells the hooks.
 */
public final class WebhookNotifier implements TransitionListener {

	private static final System.Logger LOG = System.getLogger(WebhookNotifier.class.getName());

	/** Calls of one notification at most (the first and two retries). */
	static final int ATTEMPTS = 3;

	/** The pause before the first retry; doubled before the next. */
	static final Duration BACKOFF = Duration.ofMillis(500);

	/** Notifications in flight at most. */
	static final int MAX_IN_FLIGHT = 256;

	private final Map<String, List<Webhook>> hooks;

	private final WebhookClient client;

	private final AtomicInteger inFlight = new AtomicInteger();

	/**
	 * @param hooks each release's hooks (only its event and post-rollout ones are used)
	 * @param client makes the calls
	 */
	public WebhookNotifier(Map<String, List<Webhook>> hooks, WebhookClient client) {
		this.hooks = Map.copyOf(hooks);
		this.client = client;
	}

	@Override
	public void onTransition(ReleaseStatus release, Transition transition) {
		for (Webhook hook : this.hooks.getOrDefault(release.release(), List.of())) {
			boolean terminal = transition.to() == ReleaseState.PROMOTED || transition.to() == ReleaseState.ROLLED_BACK;
			if (hook.type() == Webhook.Type.EVENT || (hook.type() == Webhook.Type.POST_ROLLOUT && terminal)) {
				send(release, transition, hook);
			}
		}
	}

	private void send(ReleaseStatus release, Transition transition, Webhook hook) {
		if (this.inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
			this.inFlight.decrementAndGet();
			this.client.count(release.release(), hook, "dropped");
			return;
		}
		String body = WebhookPayloads.body(hook, release, transition);
		this.client.postWithRetries(release.release(), hook, body, ATTEMPTS, BACKOFF)
			.doFinally((signal) -> this.inFlight.decrementAndGet())
			.subscribe((call) -> {
				if (!call.succeeded()) {
					LOG.log(System.Logger.Level.WARNING,
							"{0} hook ''{1}'' of release ''{2}'' was not told of {3} -> {4}: {5}", hook.type().tag(),
							hook.name(), release.release(), transition.from(), transition.to(), call.describe());
				}
			});
	}

}
