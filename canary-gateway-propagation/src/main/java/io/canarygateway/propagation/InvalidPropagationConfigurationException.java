package io.canarygateway.propagation;

/**
 * A property of the propagation module breaks its rule; startup fails with a message
 * naming it ({@link PropagationConfigurationFailureAnalyzer}).
 */
public class InvalidPropagationConfigurationException extends RuntimeException {

	private final String property;

	public InvalidPropagationConfigurationException(String property, String problem) {
		super(property + ": " + problem);
		this.property = property;
	}

	/**
	 * @return the offending property, e.g. {@code canary.instance-metadata-key}
	 */
	public String getProperty() {
		return this.property;
	}

}
