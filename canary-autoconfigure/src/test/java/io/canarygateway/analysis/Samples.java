package io.canarygateway.analysis;

import java.util.SplittableRandom;

/** Builds lane samples for tests through a real {@link LaneRecorder}. */
final class Samples {

	private Samples() {
	}

	/**
	 * {@code requests} requests of {@code latencyMs} each, the first {@code errors} of
	 * them failed.
	 */
	static LaneSample constant(long requests, long errors, double latencyMs) {
		LaneRecorder recorder = new LaneRecorder();
		long nanos = (long) (latencyMs * 1e6);
		for (long i = 0; i < requests; i++) {
			recorder.record(nanos, i < errors);
		}
		return recorder.sampleInterval();
	}

	/**
	 * {@code requests} requests with latencies from {@code latency}, each failing with
	 * {@code errorRate}.
	 */
	static LaneSample random(SplittableRandom random, long requests, double errorRate, LatencyModel latency) {
		LaneRecorder recorder = new LaneRecorder();
		for (long i = 0; i < requests; i++) {
			recorder.record(latency.nanos(random), random.nextDouble() < errorRate);
		}
		return recorder.sampleInterval();
	}

}
