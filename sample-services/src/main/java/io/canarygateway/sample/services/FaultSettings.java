package io.canarygateway.sample.services;

import java.util.function.UnaryOperator;

/**
 * The faults one instance injects into its demo responses: an immutable value, also the
 * JSON shape of {@code GET|PUT|DELETE /_sample/faults}.
 *
 * @param errorRate probability (0..1) that a demo request fails with {@code errorStatus}
 * @param errorStatus HTTP status of an injected failure (400..599)
 * @param latencyMs delay added to every demo request, in milliseconds
 * (0..{@value #MAX_LATENCY_MS})
 * @param latencyJitterMs extra uniformly random delay of 0..this many milliseconds per
 * demo request (0..{@value #MAX_LATENCY_MS})
 */
public record FaultSettings(double errorRate, int errorStatus, long latencyMs, long latencyJitterMs) {

	/** Default status of an injected failure. */
	public static final int DEFAULT_ERROR_STATUS = 500;

	/** Upper bound of {@code latencyMs} and {@code latencyJitterMs}: one hour. */
	public static final long MAX_LATENCY_MS = 3_600_000;

	/** No faults at all. */
	public static final FaultSettings NONE = new FaultSettings(0, DEFAULT_ERROR_STATUS, 0, 0);

	/**
	 * Checks every rule and returns this.
	 * @param nameOf turns a field name ({@code errorRate} …) into the name a message
	 * should use, e.g. the property {@code sample.faults.error-rate}
	 * @return this
	 * @throws InvalidFaultException naming the first field that breaks its rule
	 */
	public FaultSettings validate(UnaryOperator<String> nameOf) {
		checkErrorRate(nameOf.apply("errorRate"), this.errorRate);
		checkErrorStatus(nameOf.apply("errorStatus"), this.errorStatus);
		checkLatency(nameOf.apply("latencyMs"), this.latencyMs);
		checkLatency(nameOf.apply("latencyJitterMs"), this.latencyJitterMs);
		return this;
	}

	static void checkErrorRate(String name, double value) {
		if (!(value >= 0 && value <= 1)) { // also rejects NaN
			throw new InvalidFaultException(name, name + " must be between 0 and 1, was " + value);
		}
	}

	static void checkErrorStatus(String name, long value) {
		if (value < 400 || value > 599) {
			throw new InvalidFaultException(name, name + " must be between 400 and 599, was " + value);
		}
	}

	static void checkLatency(String name, long value) {
		if (value < 0 || value > MAX_LATENCY_MS) {
			throw new InvalidFaultException(name,
					name + " must be between 0 and " + MAX_LATENCY_MS + " (milliseconds), was " + value);
		}
	}

	/** A fault setting that breaks its rule; the message names the field and the rule. */
	public static class InvalidFaultException extends IllegalArgumentException {

		private final String field;

		InvalidFaultException(String field, String message) {
			super(message);
			this.field = field;
		}

		/**
		 * @return the offending field or property name
		 */
		public String getField() {
			return this.field;
		}

	}

}
