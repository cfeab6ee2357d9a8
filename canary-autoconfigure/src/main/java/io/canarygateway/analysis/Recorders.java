package io.canarygateway.analysis;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import io.canarygateway.core.Lane;

/**
 * The lane recorders of every release: the request path records each outcome into them,
 * the analysis drains them once per interval. Made before either, so neither owns the
 * other. Fixed at start: one pair per configured release.
 */
public final class Recorders {

	private final Map<String, LaneRecorder[]> recorders;

	/** Per release of several services: each service's pair (for its figures). */
	private final Map<String, Map<String, LaneRecorder[]>> services;

	/** One pair of recorders per release. */
	public Recorders(Collection<String> releases) {
		this(releases, Map.of());
	}

	/**
	 * One pair of recorders per release, and one per service of each release of several
	 * services.
	 * @param services the services of each release of several services (lower case)
	 */
	public Recorders(Collection<String> releases, Map<String, ? extends Collection<String>> services) {
		Map<String, LaneRecorder[]> map = new LinkedHashMap<>();
		for (String release : releases) {
			map.put(release, pair());
		}
		this.recorders = Collections.unmodifiableMap(map);
		Map<String, Map<String, LaneRecorder[]>> byService = new LinkedHashMap<>();
		services.forEach((release, names) -> {
			Map<String, LaneRecorder[]> pairs = new TreeMap<>();
			names.forEach((service) -> pairs.put(service, pair()));
			if (!pairs.isEmpty()) {
				byService.put(release, Collections.unmodifiableMap(pairs));
			}
		});
		this.services = Collections.unmodifiableMap(byService);
	}

	private static LaneRecorder[] pair() {
		return new LaneRecorder[] { new LaneRecorder(), new LaneRecorder() };
	}

	/**
	 * The recorder of one lane of a release.
	 * @throws IllegalArgumentException for a release that is not configured
	 */
	public LaneRecorder recorder(String release, Lane lane) {
		return lanes(release)[lane.ordinal()];
	}

	/** Whether a release of several services has recorders for {@code service}. */
	public boolean hasService(String release, String service) {
		Map<String, LaneRecorder[]> pairs = this.services.get(release);
		return pairs != null && pairs.containsKey(service);
	}

	/**
	 * The recorder of one lane of one service of a release of several services.
	 * @throws IllegalArgumentException when the release has no such service
	 */
	public LaneRecorder recorder(String release, String service, Lane lane) {
		if (!hasService(release, service)) {
			throw new IllegalArgumentException(
					"no recorders for service '" + service + "' of release '" + release + "'");
		}
		return this.services.get(release).get(service)[lane.ordinal()];
	}

	/**
	 * Takes what both lanes of a release recorded since the last call (analysis thread
	 * only), with each service's share for a release of several services.
	 */
	public Interval drain(String release) {
		LaneRecorder[] lanes = lanes(release);
		Map<String, LaneRecorder[]> pairs = this.services.getOrDefault(release, Map.of());
		Map<String, Interval> services = new TreeMap<>();
		pairs
			.forEach((service, pair) -> services.put(service, new Interval(pair[Lane.STABLE.ordinal()].sampleInterval(),
					pair[Lane.CANARY.ordinal()].sampleInterval(), Map.of())));
		return new Interval(lanes[Lane.STABLE.ordinal()].sampleInterval(),
				lanes[Lane.CANARY.ordinal()].sampleInterval(), services);
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
	 * @param services each service's share, for a release of several services (empty
	 * otherwise)
	 */
	public record Interval(LaneSample stable, LaneSample canary, Map<String, Interval> services) {

		public Interval {
			services = Map.copyOf(services);
		}

		/** An interval of a release of one service. */
		public Interval(LaneSample stable, LaneSample canary) {
			this(stable, canary, Map.of());
		}

	}

}
