package io.canarygateway.core;

import java.time.Duration;

/**
 * How the judge compares the canary with stable (docs/analysis.md, "The judge"; the
 * properties are in docs/configuration.md, "Analysis (the judge)").
 *
 * @param interval how often the judge looks (each look adds the requests new since the
 * previous one to the rollout's evidence)
 * @param minRequests canary requests needed in the step before a pass (fewer:
 * inconclusive; a fail needs no minimum)
 * @param confidence in (0,1): P(false rollback of a canary within tolerance) ≤ 1 −
 * confidence per rollout
 * @param errorRateTolerance absolute error-rate excess over stable that is still
 * acceptable, in [0,1)
 * @param latencyTolerance relative latency excess over stable that is still acceptable,
 * over the whole distribution (canary latencies divided by 1 + tolerance no slower than
 * stable's), &gt;= 0
 * @param maxErrorRate absolute ceiling for the canary's error rate (tested), or
 * {@code null} for none
 * @param maxLatency absolute ceiling for the canary's p99 latency (tested: at most 1 % of
 * its requests slower), or {@code null} for none
 * @param failureThreshold failed verdicts in a row that roll the release back
 */
public record AnalysisConfig(Duration interval, int minRequests, double confidence, double errorRateTolerance,
		double latencyTolerance, Double maxErrorRate, Duration maxLatency, int failureThreshold) {

	/**
	 * The built-in defaults ({@link Defaults}; docs/configuration.md, "Analysis (the
	 * judge)").
	 */
	public static AnalysisConfig defaults() {
		return new AnalysisConfig(Defaults.ANALYSIS_INTERVAL, Defaults.MIN_REQUESTS, Defaults.CONFIDENCE,
				Defaults.ERROR_RATE_TOLERANCE, Defaults.LATENCY_TOLERANCE, Defaults.MAX_ERROR_RATE,
				Defaults.MAX_LATENCY, Defaults.FAILURE_THRESHOLD);
	}

	/**
	 * The probability of a false rollback the judge may spend on a canary within
	 * tolerance in one rollout, over all its looks, steps and tests (docs/analysis.md,
	 * "The guarantee").
	 */
	public double alpha() {
		return 1.0 - this.confidence;
	}

}
