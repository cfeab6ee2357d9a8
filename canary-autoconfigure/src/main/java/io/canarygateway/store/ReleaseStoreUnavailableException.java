package io.canarygateway.store;

/**
 * The release store cannot be reached (e.g. its server is down or too slow): nothing was
 * read or changed. A store that throws this reports the outage itself (log, metric,
 * health), once per outage, so callers need not log it again; they keep the state they
 * last knew and try again later.
 */
public class ReleaseStoreUnavailableException extends RuntimeException {

	public ReleaseStoreUnavailableException(String message) {
		super(message);
	}

	public ReleaseStoreUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
