package io.canarygateway.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.canarygateway.core.LaneFigures;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Versions;

/** Release records for the store tests, with history and evidence. */
public final class Records {

	public static final Instant T0 = Instant.parse("2025-06-01T10:15:30.123456789Z");

	private Records() {
	}

	/**
	 * A record of {@code release} at {@code revision}, paused at {@code weight}, with two
	 * transitions.
	 */
	public static ReleaseStatus paused(String release, long revision, int weight) {
		return record(release, "v2", revision, ReleaseState.PAUSED, weight);
	}

	public static ReleaseStatus record(String release, String canaryVersion, long revision, ReleaseState state,
			int weight) {
		List<Transition> history = new ArrayList<>();
		history.add(new Transition(T0, ReleaseState.IDLE, ReleaseState.PROGRESSING, Reason.SCHEDULE, 10, null,
				Transition.GATEWAY, canaryVersion));
		history.add(new Transition(T0.plusSeconds(60), ReleaseState.PROGRESSING, state, Reason.ANALYSIS, weight,
				verdict(), Transition.GATEWAY, canaryVersion));
		return new ReleaseStatus(release, Versions.of("v1", canaryVersion), revision, 1, state, weight, 1,
				Reason.ANALYSIS, T0.plusSeconds(60), history);
	}

	/** A failing verdict with every kind of figure, including non-finite statistics. */
	public static Verdict verdict() {
		Map<String, Double> statistics = new LinkedHashMap<>();
		statistics.put("errorRate.z", 3.25);
		statistics.put("errorRate.critical", 2.9);
		statistics.put("latency.p", Double.NaN);
		statistics.put("latency.bound", Double.POSITIVE_INFINITY);
		statistics.put("latency.low", Double.NEGATIVE_INFINITY);
		return new Verdict(Verdict.Result.FAIL, T0.plusSeconds(59), new LaneFigures(900, 1, 1 / 900.0, 12.5),
				new LaneFigures(100, 9, 0.09, 48.25), statistics,
				List.of("canary error rate 9.0 % exceeds stable's 0.1 % by more than 1 %", "quote \" and ünïcode"));
	}

}
