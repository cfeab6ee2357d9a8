package io.canarygateway.propagation;

/**
 * The request headers the gateway forwards on every request it routes for a release
 * (docs/multi-service.md), which this module keeps for the duration of a request and
 * passes on.
 */
public final class CanaryHeaders {

	/** The request's lane: {@code stable} or {@code canary}. */
	public static final String LANE = "X-Canary-Lane";

	/**
	 * The versions the request's lane uses, per service: {@code orders=v2,payments=v8}.
	 */
	public static final String VERSIONS = "X-Canary-Versions";

	private CanaryHeaders() {
	}

}
