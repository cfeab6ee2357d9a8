package io.canarygateway.core;

/**
 * What starts a release's rollouts besides an operator's {@code start} and the
 * configuration (docs/operations.md, "Shipping the next version").
 */
public enum Trigger {

	/** Only an operator (or a pipeline) and the configuration start rollouts. */
	MANUAL,

	/**
	 * Instances of a new version appearing among the release's load-balanced services
	 * start its rollout, once they have been seen for the trigger's settle time.
	 */
	DISCOVERY

}
