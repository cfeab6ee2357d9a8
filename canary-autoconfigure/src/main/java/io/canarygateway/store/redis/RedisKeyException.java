package io.canarygateway.store.redis;

/**
 * Redis answered a command with an error about the key the command touched, such as
 * {@code WRONGTYPE} (the key holds another type than the command works on): Redis is
 * reachable, only that key's content is wrong, so this is no outage of the store.
 * Connection failures, timeouts and errors about the server as a whole ({@code LOADING},
 * {@code READONLY}, {@code NOAUTH}, {@code OOM}, …) are not this: they make the store
 * unavailable.
 */
final class RedisKeyException extends RuntimeException {

	private static final String WRONG_TYPE = "WRONGTYPE";

	private final String reply;

	RedisKeyException(String what, String reply, Throwable cause) {
		super("Redis could not " + what + ": it answered " + reply, cause);
		this.reply = reply;
	}

	/** The error Redis answered, e.g. {@code WRONGTYPE Operation against a key …}. */
	String reply() {
		return this.reply;
	}

	/**
	 * The error reply about a key among a failure's causes (also when a Lua script got
	 * it), or {@code null} if the failure is something else.
	 */
	static String keyError(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = (cause.getCause() != cause) ? cause.getCause() : null) {
			String message = cause.getMessage();
			int at = (message != null) ? message.indexOf(WRONG_TYPE) : -1;
			if (at >= 0) {
				return message.substring(at);
			}
		}
		return null;
	}

}
