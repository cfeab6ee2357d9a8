package io.canarygateway.core;

import java.time.Duration;

/**
 * How the judge compares the canary with stable (docs/analysis.md, "The judge"; the
 * properties are in docs/configuration.md, "Analysis (the judge)").
 *
 * @param interval how often the judge runs
 * @param minRequests canary requests needed before any verdict other than inconclusive
 * @param confidence statistical confidence required to call the canary worse than stable,
 * in (0,1)
 * @param errorRateTolerance absolute error-rate excess over stable that is still
 * acceptable, in [0,1)
 * @param latencyTolerance relative p99 latency excess over stable that is still
 * acceptable, &gt;= 0
 * @param maxErrorRate absolute ceiling for the canary's error rate, or {@code null} for
 * none
 * @param maxLatency absolute ceiling for the canary's p99 latency, or {@code null} for
 * none
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
	 * The probability of a failed verdict the judge may spend on a canary within the
	 * tolerances in one step, over all its looks and both tests (docs/analysis.md,
	 * "Repeated looks").
	 */
	public double alpha() {
		return 1.0 - this.confidence;
	}

}
