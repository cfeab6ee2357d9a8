package io.canarygateway.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a startup failure caused by invalid {@code canary.*} properties, property by
 * property.
 */
class CanaryConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<InvalidCanaryConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidCanaryConfigurationException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"Correct the properties listed above (see docs/configuration.md for every canary.* property, "
						+ "its default and its rule).",
				cause);
	}

}
