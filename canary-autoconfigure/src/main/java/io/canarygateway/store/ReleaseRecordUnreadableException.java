package io.canarygateway.store;

import io.canarygateway.core.UnreadableRecord;

/**
 * The stored record of one release cannot be read (corrupt, of the wrong type, or written
 * in a newer format by a newer gateway): nothing was read or changed for that release,
 * and the other releases are not affected. A store that throws this reports the problem
 * itself (log, health), once, and answers {@link ReleaseStore#unreadable} until the
 * record can be read again; callers keep the state they last knew.
 */
public class ReleaseRecordUnreadableException extends RuntimeException {

	private final UnreadableRecord record;

	public ReleaseRecordUnreadableException(UnreadableRecord record) {
		super(record.describe());
		this.record = record;
	}

	/** Which record, why, and since when. */
	public UnreadableRecord record() {
		return this.record;
	}

}
