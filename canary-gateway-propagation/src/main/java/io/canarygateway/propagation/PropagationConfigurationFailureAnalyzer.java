package io.canarygateway.propagation;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a startup failure caused by a bad property of the propagation module.
 */
class PropagationConfigurationFailureAnalyzer
		extends AbstractFailureAnalyzer<InvalidPropagationConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidPropagationConfigurationException cause) {
		return new FailureAnalysis("Invalid canary propagation configuration: " + cause.getMessage(),
				"Correct " + cause.getProperty() + " (see docs/multi-service.md), or remove it to use the default.",
				cause);
	}

}
