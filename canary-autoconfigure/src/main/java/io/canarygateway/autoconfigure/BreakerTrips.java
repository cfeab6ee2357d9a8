package io.canarygateway.autoconfigure;

import java.time.Instant;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import io.canarygateway.analysis.AnalysisLoop;

/**
 * Carries "this release's breaker opened" from the breakers (made before the analysis loop exists) to the loop,
 * which rolls the release back off the request thread.
 */
class BreakerTrips {

	private volatile AnalysisLoop handler;

	void handler(AnalysisLoop handler) {
		this.handler = handler;
	}

	void opened(String release, CircuitBreaker breaker) {
		AnalysisLoop loop = this.handler;
		if (loop == null) {
			return;
		}
		CircuitBreaker.Metrics metrics = breaker.getMetrics();
		loop.breakerOpened(release,
				AnalysisLoop.breakerVerdict(breaker.getName(), metrics.getNumberOfBufferedCalls(),
						metrics.getNumberOfFailedCalls(), metrics.getFailureRate(), metrics.getSlowCallRate(),
						breaker.getCircuitBreakerConfig().getFailureRateThreshold(), Instant.now()));
	}

}
