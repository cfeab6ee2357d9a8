package io.canarygateway.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One judgement of the canary against stable, with the evidence it rests on.
 *
 * @param result pass, fail or inconclusive
 * @param at when the judge looked
 * @param stable the stable lane's figures (the baseline the canary was compared with)
 * @param canary the canary lane's figures
 * @param statistics named test statistics and thresholds (e.g. {@code errorRate.eValue},
 * {@code errorRate.threshold})
 * @param reasons human-readable reasons for a fail or an inconclusive verdict; empty for
 * a pass
 */
public record Verdict(Result result, Instant at, LaneFigures stable, LaneFigures canary, Map<String, Double> statistics,
		List<String> reasons) {

	public Verdict {
		statistics = Map.copyOf(statistics);
		reasons = List.copyOf(reasons);
	}

	/** The outcome of one look. */
	public enum Result {

		PASS, FAIL, INCONCLUSIVE;

		/** The lower-case name used in JSON and metric tags. */
		public String tag() {
			return name().toLowerCase(java.util.Locale.ROOT);
		}

	}

}
