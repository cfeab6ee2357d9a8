package io.canarygateway.breaker;

import java.time.Duration;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.ReleaseConfig;

/**
 * Makes the breaker of each release, named {@code canary-<release>}, in a Resilience4j
 * registry (the application's own when it has one, so its events and metrics go where the
 * application's do).
 */
public final class CanaryBreakers {

	/** Prefix of every canary breaker's name. */
	public static final String NAME_PREFIX = "canary-";

	private CanaryBreakers() {
	}

	/**
	 * The breaker of a release: taken from the registry if one of that name exists, else
	 * created from config.
	 */
	public static CircuitBreaker breaker(CircuitBreakerRegistry registry, ReleaseConfig release) {
		return registry.circuitBreaker(NAME_PREFIX + release.name(), config(release.breaker()));
	}

	/** The Resilience4j configuration for a canary breaker. */
	public static CircuitBreakerConfig config(BreakerConfig breaker) {
		return CircuitBreakerConfig.custom()
			.slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
			.slidingWindowSize(breaker.slidingWindowSize())
			.minimumNumberOfCalls(Math.min(breaker.minimumNumberOfCalls(), breaker.slidingWindowSize()))
			.failureRateThreshold(breaker.failureRateThreshold())
			.slowCallDurationThreshold(breaker.slowCallDurationThreshold())
			.slowCallRateThreshold(breaker.slowCallRateThreshold())
			// never leaves OPEN by itself: the release rolls back and the breaker is then
			// held FORCED_OPEN
			.waitDurationInOpenState(Duration.ofDays(1))
			.automaticTransitionFromOpenToHalfOpenEnabled(false)
			.writableStackTraceEnabled(false)
			.build();
	}

}
