package io.canarygateway.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.ConfigViolation;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.RoutingConfig;

/**
 * Turns {@link CanaryProperties} into validated release configurations: each value comes from the release, else
 * from {@code canary.defaults}, else from the built-in default.
 */
public final class ReleaseConfigs {

	private ReleaseConfigs() {
	}

	/**
	 * The configured releases.
	 * @throws InvalidCanaryConfigurationException listing every property that breaks a rule
	 */
	public static List<ReleaseConfig> resolve(CanaryProperties properties) {
		List<String> problems = new ArrayList<>();
		if (properties.getInstanceMetadataKey() == null || properties.getInstanceMetadataKey().isBlank()) {
			problems.add("canary.instance-metadata-key: must not be empty");
		}
		List<ReleaseConfig> configs = new ArrayList<>();
		for (Map.Entry<String, CanaryProperties.Release> entry : properties.getReleases().entrySet()) {
			ReleaseConfig config = resolve(entry.getKey(), entry.getValue(), properties.getDefaults());
			String prefix = CanaryProperties.PREFIX + ".releases." + entry.getKey();
			for (ConfigViolation violation : config.violations()) {
				problems.add((violation.property().isEmpty() ? prefix : prefix + "." + violation.property()) + ": "
						+ violation.rule());
			}
			configs.add(config);
		}
		if (!problems.isEmpty()) {
			throw new InvalidCanaryConfigurationException(problems);
		}
		return List.copyOf(configs);
	}

	static ReleaseConfig resolve(String name, CanaryProperties.Release release, CanaryProperties.Release defaults) {
		CanaryProperties.Routing r = release.getRouting();
		CanaryProperties.Routing dr = defaults.getRouting();
		RoutingConfig builtInRouting = RoutingConfig.defaults();
		RoutingConfig routing = new RoutingConfig(
				pick(r.getOverrideHeader(), dr.getOverrideHeader(), builtInRouting.overrideHeader()),
				pick(r.getOverrideCookie(), dr.getOverrideCookie(), builtInRouting.overrideCookie()),
				pick(r.getStickyHeader(), dr.getStickyHeader(), builtInRouting.stickyHeader()),
				pick(r.getStickyCookie(), dr.getStickyCookie(), builtInRouting.stickyCookie()),
				pick(r.getExposeVersion(), dr.getExposeVersion(), builtInRouting.exposeVersion()),
				pick(r.getRetryOnStable(), dr.getRetryOnStable(), builtInRouting.retryOnStable()));
		CanaryProperties.Analysis a = release.getAnalysis();
		CanaryProperties.Analysis da = defaults.getAnalysis();
		AnalysisConfig builtInAnalysis = AnalysisConfig.defaults();
		AnalysisConfig analysis = new AnalysisConfig(
				pick(a.getInterval(), da.getInterval(), builtInAnalysis.interval()),
				pick(a.getMinRequests(), da.getMinRequests(), builtInAnalysis.minRequests()),
				pick(a.getConfidence(), da.getConfidence(), builtInAnalysis.confidence()),
				pick(a.getErrorRateTolerance(), da.getErrorRateTolerance(), builtInAnalysis.errorRateTolerance()),
				pick(a.getLatencyTolerance(), da.getLatencyTolerance(), builtInAnalysis.latencyTolerance()),
				pick(a.getMaxErrorRate(), da.getMaxErrorRate(), builtInAnalysis.maxErrorRate()),
				pick(a.getMaxLatency(), da.getMaxLatency(), builtInAnalysis.maxLatency()),
				pick(a.getFailureThreshold(), da.getFailureThreshold(), builtInAnalysis.failureThreshold()));
		CanaryProperties.Breaker b = release.getBreaker();
		CanaryProperties.Breaker db = defaults.getBreaker();
		BreakerConfig builtInBreaker = BreakerConfig.defaults();
		BreakerConfig breaker = new BreakerConfig(
				pick(b.getFailureRateThreshold(), db.getFailureRateThreshold(), builtInBreaker.failureRateThreshold()),
				pick(b.getSlidingWindowSize(), db.getSlidingWindowSize(), builtInBreaker.slidingWindowSize()),
				pick(b.getMinimumNumberOfCalls(), db.getMinimumNumberOfCalls(), builtInBreaker.minimumNumberOfCalls()),
				pick(b.getSlowCallDurationThreshold(), db.getSlowCallDurationThreshold(),
						builtInBreaker.slowCallDurationThreshold()),
				pick(b.getSlowCallRateThreshold(), db.getSlowCallRateThreshold(),
						builtInBreaker.slowCallRateThreshold()));
		return new ReleaseConfig(name, pick(release.getStableVersion(), defaults.getStableVersion(), null),
				pick(release.getCanaryVersion(), defaults.getCanaryVersion(), null),
				pick(release.getAutoStart(), defaults.getAutoStart(), true),
				pick(release.getSteps(), defaults.getSteps(), ReleaseConfig.DEFAULT_STEPS),
				pick(release.getStepInterval(), defaults.getStepInterval(), Duration.ofMinutes(1)),
				pick(release.getManualGates(), defaults.getManualGates(), List.of()),
				pick(release.getProgressDeadline(), defaults.getProgressDeadline(), Duration.ofMinutes(10)), routing,
				analysis, breaker);
	}

	private static <T> T pick(T value, T inherited, T builtIn) {
		return (value != null) ? value : (inherited != null) ? inherited : builtIn;
	}

}
