package io.canarygateway.analysis;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.canarygateway.core.Lane;

/**
 * The lane recorders of every release: the request path records each outcome into them,
 * the analysis drains them once per interval. Made before either, so neither owns the
 * other. Fixed at start: one pair per configured release.
 */
public final class Recorders {

	private final Map<String, LaneRecorder[]> recorders;

	/** One pair of recorders per release. */
	public Recorders(Collection<String> releases) {
		Map<String, LaneRecorder[]> map = new LinkedHashMap<>();
		for (String release : releases) {
			map.put(release, new LaneRecorder[] { new LaneRecorder(), new LaneRecorder() });
		}
		this.recorders = Collections.unmodifiableMap(map);
	}

	/**
	 * The recorder of one lane of a release.
	 * @throws IllegalArgumentException for a release that is not configured
	 */
	public LaneRecorder recorder(String release, Lane lane) {
		return lanes(release)[lane.ordinal()];
	}

	/**
	 * Takes what both lanes of a release recorded since the last call (analysis thread
	 * only).
	 */
	public Interval drain(String release) {
		LaneRecorder[] lanes = lanes(release);
		return new Interval(lanes[Lane.STABLE.ordinal()].sampleInterval(),
				lanes[Lane.CANARY.ordinal()].sampleInterval());
	}

	private LaneRecorder[] lanes(String release) {
		LaneRecorder[] lanes = this.recorders.get(release);
		if (lanes == null) {
			throw new IllegalArgumentException("no recorders for release '" + release + "'");
		}
		return lanes;
	}

	/**
	 * What both lanes of a release did over one interval.
	 *
	 * @param stable the stable lane
	 * @param canary the canary lane
	 */
	public record Interval(LaneSample stable, LaneSample canary) {
	}

}
