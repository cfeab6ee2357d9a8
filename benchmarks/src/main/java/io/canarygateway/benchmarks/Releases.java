package io.canarygateway.benchmarks;

import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.Defaults;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.RoutingConfig;

/** Release configurations shared by the benchmarks. */
public final class Releases {

	private Releases() {
	}

	/**
	 * A release with the built-in defaults (steps 5..100, 1 m step-interval, 10 s
	 * analysis interval).
	 */
	public static ReleaseConfig defaults(String name) {
		return new ReleaseConfig(name, "v1", "v2", Defaults.AUTO_START, Defaults.STEPS, Defaults.STEP_INTERVAL,
				Defaults.MANUAL_GATES, Defaults.PROGRESS_DEADLINE, RoutingConfig.defaults(), AnalysisConfig.defaults(),
				BreakerConfig.defaults(), Defaults.TRIGGER, Defaults.TRIGGER_SETTLE);
	}

	/** The same release with other routing settings. */
	public static ReleaseConfig withRouting(ReleaseConfig config, RoutingConfig routing) {
		return new ReleaseConfig(config.name(), config.stableVersion(), config.canaryVersion(), config.autoStart(),
				config.steps(), config.stepInterval(), config.manualGates(), config.progressDeadline(), routing,
				config.analysis(), config.breaker(), config.trigger(), config.triggerSettle());
	}

}
