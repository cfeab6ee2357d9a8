package io.canarygateway.control;

import io.canarygateway.core.ReleaseStatus;

/**
 * What an action on a release came to.
 *
 * @param kind the outcome class (the endpoint maps it to an HTTP status)
 * @param status the release's record after the action, or {@code null} for an unknown
 * release
 * @param message why the action was refused or failed, or {@code null} when it was
 * applied
 */
public record ActionResult(Kind kind, ReleaseStatus status, String message) {

	/** Outcome classes. */
	public enum Kind {

		/** Applied, or a no-op in the current state. */
		APPLIED,
		/** No release of that name. */
		NOT_FOUND,
		/** The request itself is wrong (unknown action, bad weight). */
		INVALID,
		/** Not allowed in the release's current state. */
		CONFLICT,
		/** The store could not be reached; nothing changed. */
		UNAVAILABLE,
		/** The release's stored record cannot be read; nothing changed. */
		UNREADABLE,

		/**
		 * The store did not confirm the change: it may have been applied, or may still
		 * be. Read the release to find out before repeating the action.
		 */
		OUTCOME_UNKNOWN

	}

}
