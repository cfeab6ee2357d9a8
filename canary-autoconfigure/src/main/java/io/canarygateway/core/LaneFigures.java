package io.canarygateway.core;

/**
 * What one lane did over the window a verdict looked at.
 *
 * @param requests requests completed in the lane
 * @param errors requests that failed (5xx, connection failure, timeout)
 * @param errorRate {@code errors / requests}, 0 when there were no requests
 * @param p99Ms 99th percentile latency in milliseconds, 0 when there were no requests
 */
public record LaneFigures(long requests, long errors, double errorRate, double p99Ms) {

	public static final LaneFigures EMPTY = new LaneFigures(0, 0, 0, 0);

}
