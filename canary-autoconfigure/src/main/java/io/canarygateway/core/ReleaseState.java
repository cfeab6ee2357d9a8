package io.canarygateway.core;

/** The states of a release (docs/operations.md, "Reading a release" and "Actions"). */
public enum ReleaseState {

	/** Configured but not started: all traffic goes to stable. */
	IDLE,
	/** Moving through the step schedule under analysis. */
	PROGRESSING,
	/**
	 * Held at its current weight (by an operator, a manual gate or the progress
	 * deadline).
	 */
	PAUSED,
	/** Finished: all traffic goes to the canary version. */
	PROMOTED,
	/** Stopped: all traffic goes to stable and the breaker is held open. */
	ROLLED_BACK;

	/** Whether traffic may still be split between the two versions in this state. */
	public boolean isSplitting() {
		return this == PROGRESSING || this == PAUSED;
	}

}
