package io.canarygateway.core;

import java.util.Locale;

/**
 * Everything that can change a release: the operator's actions (docs/operations.md,
 * "Actions") and the automatic ones the analysis loop takes (docs/analysis.md,
 * "Progression").
 */
public enum Action {

	START(true), PAUSE(true), RESUME(true), PROMOTE(true), ABORT(true), WEIGHT(true),
	/** Move to the next step (or to PROMOTED after the last one). */
	ADVANCE(false),
	/** Roll back because the breaker opened or the judge failed the canary. */
	ROLL_BACK(false),
	/** Pause because the progress deadline passed. */
	HALT(false);

	private final boolean operator;

	Action(boolean operator) {
		this.operator = operator;
	}

	/** Whether an operator may ask for this action through the endpoint. */
	public boolean isOperatorAction() {
		return this.operator;
	}

	/** The lower-case name used in the endpoint's path. */
	public String path() {
		return name().toLowerCase(Locale.ROOT);
	}

	/**
	 * The operator action with this path segment.
	 * @throws IllegalArgumentException naming the accepted actions
	 */
	public static Action ofOperator(String path) {
		for (Action action : values()) {
			if (action.operator && action.path().equalsIgnoreCase(path)) {
				return action;
			}
		}
		throw new IllegalArgumentException(
				"unknown action '" + path + "': expected one of start, pause, resume, promote, abort, weight");
	}

}
