package io.canarygateway.control;

import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.Verdict;

/**
 * What stops canary traffic at once: the release's circuit breaker. Routing asks it on
 * every request, canary outcomes feed it, and when those outcomes open it, it tells the
 * {@link Listener} it was made with — the {@link ReleaseController}, which rolls the
 * release back.
 */
public interface KillSwitch {

	/**
	 * Whether canary traffic may flow (the breaker is closed). Called on every request:
	 * must be cheap.
	 */
	boolean allowsCanary();

	/** Holds the switch open until {@link #reset()}: no canary traffic at all. */
	void trip();

	/** Closes the switch and forgets recorded outcomes: a new rollout starts clean. */
	void reset();

	/**
	 * Records the outcome of one canary-lane request. Called on request threads: must be
	 * cheap.
	 */
	void record(long latencyNanos, boolean failure);

	/**
	 * What the switch saw when recorded outcomes opened it, while it stays open that way;
	 * {@code null} when it is closed or held open by {@link #trip()}.
	 */
	Verdict openedByItself();

	/**
	 * The state's name (e.g. {@code CLOSED}, {@code FORCED_OPEN}), as the endpoint shows
	 * it.
	 */
	String stateName();

	/** Told when recorded outcomes open a switch. */
	@FunctionalInterface
	interface Listener {

		/**
		 * The switch opened ({@link KillSwitch#openedByItself()} says on what). Called
		 * once per opening, on the thread that recorded the outcome that opened it: hand
		 * any slow work to another thread.
		 */
		void opened();

	}

	/** Makes the kill switch of a release. */
	@FunctionalInterface
	interface Factory {

		KillSwitch create(ReleaseConfig release, Listener listener);

	}

}
