package io.canarygateway.routing;

/** The HTTP headers Canary Gateway adds (docs/routing.md, "Headers"). */
public final class CanaryHeaders {

	/**
	 * Request header forwarded downstream with the lane ({@code stable|canary}); a
	 * client's value is replaced.
	 */
	public static final String LANE = "X-Canary-Lane";

	/**
	 * Request header that tells services behind the gateway which version each service of
	 * a request's lane uses; no client may set it, so a client's value is removed from
	 * every forwarded request.
	 */
	public static final String VERSIONS = "X-Canary-Versions";

	/**
	 * Response header naming the version that served the request (with
	 * {@code expose-version}).
	 */
	public static final String VERSION = "X-Canary-Version";

	private CanaryHeaders() {
	}

}
