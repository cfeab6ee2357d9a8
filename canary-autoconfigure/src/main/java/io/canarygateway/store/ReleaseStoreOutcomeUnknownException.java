package io.canarygateway.store;

/**
 * A write was handed to the release store, but the store did not confirm it (e.g. it
 * answered too late, or the connection broke after the command was sent) and reading the
 * record afterwards did not tell whether it was applied. The change may have been
 * applied, or may still be when the store catches up: read the record again before
 * repeating it.
 */
public class ReleaseStoreOutcomeUnknownException extends ReleaseStoreUnavailableException {

	public ReleaseStoreOutcomeUnknownException(String message, Throwable cause) {
		super(message, cause);
	}

}
