package io.canarygateway.propagation;

/**
 * The canary headers of a request break a rule of {@link CanaryContext#parse}; the
 * message says which. Such a request is handled as one without a lane. No stack trace is
 * captured: it is a verdict on input, not a fault of the code.
 */
public class MalformedCanaryHeadersException extends RuntimeException {

	public MalformedCanaryHeadersException(String message) {
		super(message, null, false, false);
	}

}
