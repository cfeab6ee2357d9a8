package io.canarygateway.core;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
 * @param services each service's figures over the same window, by service, for a release
 * of several services (docs/multi-service.md); empty otherwise
 */
public record Verdict(Result result, Instant at, LaneFigures stable, LaneFigures canary, Map<String, Double> statistics,
		List<String> reasons, Map<String, ServiceFigures> services) {

	public Verdict {
		statistics = Map.copyOf(statistics);
		reasons = List.copyOf(reasons);
		services = Collections.unmodifiableMap(new TreeMap<>(services));
	}

	/** A verdict on a release of one service. */
	public Verdict(Result result, Instant at, LaneFigures stable, LaneFigures canary, Map<String, Double> statistics,
			List<String> reasons) {
		this(result, at, stable, canary, statistics, reasons, Map.of());
	}

	/** This verdict with each service's figures as evidence. */
	public Verdict withServices(Map<String, ServiceFigures> services) {
		return new Verdict(this.result, this.at, this.stable, this.canary, this.statistics, this.reasons, services);
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
