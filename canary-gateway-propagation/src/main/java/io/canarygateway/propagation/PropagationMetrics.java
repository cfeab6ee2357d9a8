package io.canarygateway.propagation;

/**
 * What the module counts (docs/multi-service.md, "Metrics"). Without Micrometer nothing
 * is counted ({@link #NONE}).
 */
public interface PropagationMetrics {

	/** Counts nothing. */
	PropagationMetrics NONE = new PropagationMetrics() {

		@Override
		public void malformed() {
		}

		@Override
		public void fallback(String service, String version, CanaryContext.Lane lane) {
		}

	};

	/**
	 * A request whose canary headers broke a rule and were ignored
	 * ({@code canary.propagation.malformed}).
	 */
	void malformed();

	/**
	 * A load-balanced call that named a version of which no instance was up, and went to
	 * the fallback instances instead ({@code canary.propagation.fallback}).
	 * @param service the target service id
	 * @param version the version the request named for it
	 * @param lane the request's lane
	 */
	void fallback(String service, String version, CanaryContext.Lane lane);

}
