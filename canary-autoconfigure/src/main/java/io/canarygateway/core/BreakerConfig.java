package io.canarygateway.core;

import java.time.Duration;

/**
 * The canary breaker's settings (docs/configuration.md, "Breaker"; docs/analysis.md, "The
 * breaker"), sized for canary traffic rather than Resilience4j's defaults (100 calls
 * before any decision would be far too slow at a 5 % weight).
 *
 * @param failureRateThreshold failure rate in percent at which the breaker opens, in
 * (0,100]
 * @param slidingWindowSize number of canary calls in the count-based window, &gt; 0
 * @param minimumNumberOfCalls canary calls needed before the breaker may open, &gt; 0
 * @param slowCallDurationThreshold a canary call slower than this counts as slow, &gt; 0
 * @param slowCallRateThreshold slow-call rate in percent at which the breaker opens, in
 * (0,100]
 */
public record BreakerConfig(float failureRateThreshold, int slidingWindowSize, int minimumNumberOfCalls,
		Duration slowCallDurationThreshold, float slowCallRateThreshold) {

	/** The built-in defaults ({@link Defaults}; docs/configuration.md, "Breaker"). */
	public static BreakerConfig defaults() {
		return new BreakerConfig(Defaults.BREAKER_FAILURE_RATE_THRESHOLD, Defaults.BREAKER_SLIDING_WINDOW_SIZE,
				Defaults.BREAKER_MINIMUM_NUMBER_OF_CALLS, Defaults.BREAKER_SLOW_CALL_DURATION_THRESHOLD,
				Defaults.BREAKER_SLOW_CALL_RATE_THRESHOLD);
	}

}
