package io.canarygateway.routing;

/** The HTTP headers Canary Gateway adds (docs/routing.md, "Headers"). */
public final class CanaryHeaders {

	/**
	 * Request header forwarded downstream with the lane ({@code stable|canary}); a
	 * client's value is replaced.
	 */
	public static final String LANE = "X-Canary-Lane";

	/**
	 * Response header naming the version that served the request (with
	 * {@code expose-version}).
	 */
	public static final String VERSION = "X-Canary-Version";

	private CanaryHeaders() {
	}

}
