package io.canarygateway.core;

import java.time.Instant;

/**
 * A release's record in the store that this gateway cannot read: corrupt, of the wrong
 * type, or written in a newer format by a newer gateway. Only that release is affected:
 * the gateway keeps serving its last known state and refuses actions on it until the
 * record can be read again.
 *
 * @param release the release
 * @param key where the record is kept (e.g. the Redis key)
 * @param error why it cannot be read, and what to do about it where that is known
 * @param since when this gateway first found it unreadable
 */
public record UnreadableRecord(String release, String key, String error, Instant since) {

	/** One sentence naming the release, the key and the cause. */
	public String describe() {
		return "the record of release '" + this.release + "' (" + this.key + ") cannot be read: " + this.error;
	}

}
