package io.canarygateway.analysis;

import java.util.SplittableRandom;

/**
 * A synthetic latency distribution for the simulations: draws one request's latency in
 * nanoseconds.
 */
@FunctionalInterface
interface LatencyModel {

	long nanos(SplittableRandom random);

	/** Log-normal with the given median and shape σ (σ = 0.5: p99 ≈ 3.2 × median). */
	static LatencyModel logNormal(double medianMs, double sigma) {
		double mu = Math.log(medianMs * 1e6);
		return (random) -> (long) Math.exp(mu + sigma * random.nextGaussian());
	}

	/** Always the same latency. */
	static LatencyModel constant(double ms) {
		long nanos = (long) (ms * 1e6);
		return (random) -> nanos;
	}

	/**
	 * This distribution scaled by {@code factor} (every quantile, p99 included, times the
	 * factor).
	 */
	default LatencyModel times(double factor) {
		return (random) -> (long) (nanos(random) * factor);
	}

	/** This distribution shifted by a constant. */
	default LatencyModel plusMillis(double ms) {
		long extra = (long) (ms * 1e6);
		return (random) -> nanos(random) + extra;
	}

}
