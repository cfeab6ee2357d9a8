package io.canarygateway.benchmarks.detection;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How one lane behaves in the simulation: each request fails with probability
 * {@code errorRate} and takes a log-normal latency with the given median and shape σ (σ =
 * 0.5: p99 ≈ 3.2 × median), times {@code factor} (every quantile, p99 included, scales by
 * the factor).
 *
 * @param errorRate probability that a request fails (a 5xx)
 * @param medianMs median latency in milliseconds before {@code factor}
 * @param sigma log-normal shape
 * @param factor latency multiplier (1.2 = every quantile 20 % slower)
 * @param tailShare share of requests that take {@code tailMs} longer (0: none)
 * @param tailMs the extra latency of those requests, in milliseconds
 */
public record LaneModel(double errorRate, double medianMs, double sigma, double factor, double tailShare,
		double tailMs) {

	public LaneModel(double errorRate, double medianMs, double sigma, double factor) {
		this(errorRate, medianMs, sigma, factor, 0, 0);
	}

	/** The baseline of the scenarios: median 50 ms, σ 0.5 (p99 ≈ 160 ms). */
	public static LaneModel healthy(double errorRate) {
		return new LaneModel(errorRate, 50, 0.5, 1.0);
	}

	public LaneModel slower(double latencyFactor) {
		return new LaneModel(this.errorRate, this.medianMs, this.sigma, this.factor * latencyFactor, this.tailShare,
				this.tailMs);
	}

	/** This lane with {@code share} of its requests {@code ms} slower. */
	public LaneModel withTail(double share, double ms) {
		return new LaneModel(this.errorRate, this.medianMs, this.sigma, this.factor, share, ms);
	}

	/** One request's latency in nanoseconds. */
	long latencyNanos(SplittableRandom random) {
		long nanos = (long) (Math.exp(Math.log(this.medianMs * 1e6) + this.sigma * random.nextGaussian())
				* this.factor);
		return (this.tailShare > 0 && random.nextDouble() < this.tailShare) ? nanos + (long) (this.tailMs * 1e6)
				: nanos;
	}

	/** Whether one request fails. */
	boolean fails(SplittableRandom random) {
		return this.errorRate > 0 && random.nextDouble() < this.errorRate;
	}

	/** The distribution's true p99 in milliseconds. */
	public double p99Ms() {
		return Math.exp(Math.log(this.medianMs) + 2.3263478740408408 * this.sigma) * this.factor;
	}

	/**
	 * Parses {@code error=0.01,median=50,sigma=0.5,factor=1}; missing keys keep the
	 * healthy baseline's value.
	 */
	public static LaneModel parse(String spec) {
		double error = 0.01;
		double median = 50;
		double sigma = 0.5;
		double factor = 1;
		for (String part : spec.split(",")) {
			String[] kv = part.split("=", 2);
			if (kv.length != 2) {
				throw new IllegalArgumentException("lane spec must be key=value,...: " + spec);
			}
			double value = Double.parseDouble(kv[1].trim());
			switch (kv[0].trim()) {
				case "error" -> error = value;
				case "median" -> median = value;
				case "sigma" -> sigma = value;
				case "factor" -> factor = value;
				default -> throw new IllegalArgumentException(
						"unknown lane key '" + kv[0] + "' (error, median, sigma, factor): " + spec);
			}
		}
		return new LaneModel(error, median, sigma, factor);
	}

	@Override
	public String toString() {
		String tail = (this.tailShare > 0)
				? String.format(Locale.ROOT, ", %.0f %% of requests +%.0f ms", this.tailShare * 100, this.tailMs) : "";
		return String.format(Locale.ROOT, "%.1f %% errors, p99 %.0f ms%s", this.errorRate * 100, p99Ms(), tail);
	}

}
