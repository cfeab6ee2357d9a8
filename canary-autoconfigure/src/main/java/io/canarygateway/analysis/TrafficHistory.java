package io.canarygateway.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.canarygateway.core.ReleaseStatus;

/**
 * The recent interval figures of every release, for the endpoint's {@code traffic} and
 * the dashboard's charts: the last {@link #POINTS} points per release. Written by the
 * analysis thread, read by anyone.
 */
public final class TrafficHistory {

	/** How many interval points each release keeps. */
	public static final int POINTS = 120;

	private final Map<String, Points> releases = new ConcurrentHashMap<>();

	/**
	 * Adds the figures of one interval.
	 * @param status the release's record at the end of the interval
	 * @param interval what both lanes did
	 * @param at when the interval ended
	 * @param nominal the configured interval, the length of the first point
	 */
	public void add(ReleaseStatus status, Recorders.Interval interval, Instant at, Duration nominal) {
		Points points = this.releases.computeIfAbsent(status.release(), (name) -> new Points());
		synchronized (points) {
			TrafficPoint last = points.recent.peekLast();
			double seconds = ((last != null) ? Duration.between(last.at(), at) : nominal).toMillis() / 1000.0;
			if (points.recent.size() == POINTS) {
				points.recent.removeFirst();
			}
			points.recent.addLast(new TrafficPoint(at, seconds, status.state().name(), status.weight(),
					interval.stable().figures(), interval.canary().figures()));
		}
	}

	/** A release's recent points, oldest first. */
	public List<TrafficPoint> recent(String release) {
		Points points = this.releases.get(release);
		if (points == null) {
			return List.of();
		}
		synchronized (points) {
			return List.copyOf(points.recent);
		}
	}

	private static final class Points {

		final ArrayDeque<TrafficPoint> recent = new ArrayDeque<>(POINTS);

	}

}
