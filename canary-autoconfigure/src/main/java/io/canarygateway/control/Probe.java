package io.canarygateway.control;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Verdict;

/**
 * A call the analysis makes outside the gateway at a look (docs/integrations.md): a
 * webhook or a metric check. Asynchronous: {@link #call} starts the call and returns at
 * once, and the look that follows reads the answer, so a slow hook never holds the
 * analysis thread (nor another release's look).
 */
public interface Probe {

	/** What this probe is, for messages: e.g. {@code step hook 'smoke'}. */
	String describe();

	/**
	 * Starts one call about a release's record. Never blocks; the future always
	 * completes, with a failing or inconclusive answer when the call fails or times out
	 * (each probe keeps its own timeout).
	 */
	CompletableFuture<Answer> call(ReleaseStatus status, Instant now);

	/**
	 * What a call came to.
	 *
	 * @param result pass, fail (e.g. a non-2xx answer, a breached threshold) or
	 * inconclusive (e.g. no data)
	 * @param text what happened, naming the probe: e.g.
	 * {@code confirm-promotion hook 'approve': 403}
	 * @param figures values worth keeping as evidence, e.g.
	 * {@code metric.checkout-errors.canary}
	 */
	record Answer(Verdict.Result result, String text, Map<String, Double> figures) {

		public Answer {
			figures = Map.copyOf(figures);
		}

		public boolean passed() {
			return this.result == Verdict.Result.PASS;
		}

	}

}
