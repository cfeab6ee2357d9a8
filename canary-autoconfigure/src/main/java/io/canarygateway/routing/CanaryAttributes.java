package io.canarygateway.routing;

/** Exchange attributes and headers Canary Gateway uses. */
public final class CanaryAttributes {

	private static final String PREFIX = "io.canarygateway.";

	/** The {@code LaneTarget} the version-aware load balancer reads. */
	public static final String LANE_TARGET = PREFIX + "laneTarget";

	/** Set once the canary handling of a request has begun, so it never runs twice. */
	public static final String HANDLED = PREFIX + "handled";

	/** Set when a canary-lane request found no canary instance and was served by stable. */
	public static final String FALLBACK = PREFIX + "fallback";

	/** Prefix of the per-release attribute that caches the request's lane: {@code LANE_PREFIX + release}. */
	public static final String LANE_PREFIX = PREFIX + "lane.";

	/** The lane a request is being sent down (a {@code Lane}); {@link LaneHeaderFilter} forwards it as a header. */
	public static final String FORWARDED_LANE = PREFIX + "forwardedLane";

	/** Request header forwarded downstream with the lane ({@code stable|canary}). */
	public static final String LANE_HEADER = "X-Canary-Lane";

	/** Response header naming the version that served the request (with {@code expose-version}). */
	public static final String VERSION_HEADER = "X-Canary-Version";

	private CanaryAttributes() {
	}

}
