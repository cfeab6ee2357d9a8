package io.canarygateway.benchmarks.detection;

import java.util.SplittableRandom;

/**
 * Synthetic requests: a Poisson process at {@code rps} requests per virtual second, each
 * drawn from the lane the detector sends it to. Everything comes from one seeded
 * {@link SplittableRandom}, so a run is a pure function of its scenario, detector and
 * seed.
 */
final class Traffic {

	private final double rps;

	final SplittableRandom random;

	private double now;

	Traffic(double rps, long seed) {
		this.rps = rps;
		this.random = new SplittableRandom(seed);
	}

	/** Advances to the next request's arrival and returns its time in virtual seconds. */
	double next() {
		this.now += -Math.log(1.0 - this.random.nextDouble()) / this.rps;
		return this.now;
	}

	/**
	 * Outcome of one request on a lane: the latency in nanoseconds, negative when the
	 * request failed (the absolute value is still its latency).
	 */
	long serve(LaneModel lane) {
		long nanos = Math.max(1, lane.latencyNanos(this.random));
		return lane.fails(this.random) ? -nanos : nanos;
	}

}
