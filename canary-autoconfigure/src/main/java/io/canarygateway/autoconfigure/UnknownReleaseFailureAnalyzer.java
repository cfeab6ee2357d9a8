package io.canarygateway.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.canarygateway.routing.UnknownReleaseException;

/**
 * Explains a startup failure caused by a {@code Canary} route predicate or filter naming
 * an unknown release.
 */
class UnknownReleaseFailureAnalyzer extends AbstractFailureAnalyzer<UnknownReleaseException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, UnknownReleaseException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"Configure the release under canary.releases." + cause.getRelease()
						+ " (stable-version, canary-version, …) or correct the release name in the route under "
						+ "spring.cloud.gateway.server.webflux.routes.",
				cause);
	}

}
