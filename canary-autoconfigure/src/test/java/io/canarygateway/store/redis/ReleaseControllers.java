package io.canarygateway.store.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

import io.canarygateway.breaker.CanaryBreakers;
import io.canarygateway.breaker.ResilienceKillSwitch;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.core.Trigger;
import io.canarygateway.store.ReleaseStore;

/** Release controllers on a Redis store, wired as the auto-configuration wires them. */
final class ReleaseControllers {

	private ReleaseControllers() {
	}

	/**
	 * A controller (not started) of one release, stable {@code v1}, canary {@code v2},
	 * {@code auto-start} on, default steps, with a real Resilience4j breaker.
	 * @param executor runs the rollbacks breakers call for and the auto-start retries
	 */
	static ReleaseController autoStarting(String release, ReleaseStore store, Executor executor) {
		ReleaseConfig config = new ReleaseConfig(release, "v1", "v2", true, ReleaseConfig.DEFAULT_STEPS,
				Duration.ofMinutes(1), List.of(), Duration.ofMinutes(10), RoutingConfig.defaults(),
				AnalysisConfig.defaults(), BreakerConfig.defaults(), Trigger.MANUAL, Duration.ofSeconds(30));
		CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
		return new ReleaseController(List.of(config), store,
				(configured, listener) -> new ResilienceKillSwitch(CanaryBreakers.breaker(breakers, configured),
						Clock.systemUTC(), listener, null),
				Clock.systemUTC(), executor, List.of());
	}

}
