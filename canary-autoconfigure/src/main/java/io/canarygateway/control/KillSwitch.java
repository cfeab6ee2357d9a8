package io.canarygateway.control;

/**
 * What stops canary traffic at once: the release's circuit breaker. Routing asks it on every request, canary
 * outcomes feed it, and it calls back when it opens by itself.
 */
public interface KillSwitch {

	/** Whether canary traffic may flow (the breaker is closed). Called on every request: must be cheap. */
	boolean allowsCanary();

	/** Holds the switch open until {@link #reset()}: no canary traffic at all. */
	void trip();

	/** Closes the switch and forgets recorded outcomes: a new rollout starts clean. */
	void reset();

	/** Records the outcome of one canary-lane request. */
	void record(long latencyNanos, boolean failure);

	/** The breaker's state name (e.g. {@code CLOSED}, {@code FORCED_OPEN}), as the endpoint shows it. */
	String stateName();

}
