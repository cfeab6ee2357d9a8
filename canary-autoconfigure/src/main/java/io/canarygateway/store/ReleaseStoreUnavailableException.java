package io.canarygateway.store;

/**
 * The release store cannot be reached (e.g. its server is down or too slow): nothing was
 * read, and a write was not applied and will not be. The one exception is the subclass
 * {@link ReleaseStoreOutcomeUnknownException}: a write the store received but did not
 * confirm, which may have been applied or may still be. A store that throws this reports
 * the outage itself (log, metric, health), once per outage, so callers need not log it
 * again; they keep the state they last knew and try again later.
 */
public class ReleaseStoreUnavailableException extends RuntimeException {

	public ReleaseStoreUnavailableException(String message) {
		super(message);
	}

	public ReleaseStoreUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
