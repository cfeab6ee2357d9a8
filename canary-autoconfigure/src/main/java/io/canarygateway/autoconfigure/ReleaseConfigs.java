package io.canarygateway.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.beans.BeanWrapper;
import org.springframework.beans.BeanWrapperImpl;

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
			for (ConfigViolation violation : config.violations()) {
				problems.add(describe(entry.getKey(), entry.getValue(), properties.getDefaults(), violation));
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

	/**
	 * {@code <property>: <rule>}, naming the property where the value was set: the release's own, or the
	 * {@code canary.defaults} one it inherited (which is what the user has to correct).
	 */
	private static String describe(String name, CanaryProperties.Release release, CanaryProperties.Release defaults,
			ConfigViolation violation) {
		String prefix = CanaryProperties.PREFIX + ".releases." + name;
		String property = violation.property();
		if (property.isEmpty()) {
			return prefix + ": " + violation.rule();
		}
		if (valueOf(release, property) == null && valueOf(defaults, property) != null) {
			return CanaryProperties.PREFIX + ".defaults." + property + " (inherited by " + prefix + "): "
					+ violation.rule();
		}
		return prefix + "." + property + ": " + violation.rule();
	}

	/** The value set for a property path such as {@code analysis.min-requests}, or {@code null}. */
	private static Object valueOf(CanaryProperties.Release release, String property) {
		StringBuilder path = new StringBuilder(property.length());
		for (int i = 0; i < property.length(); i++) {
			char c = property.charAt(i);
			if (c == '-' && i + 1 < property.length()) {
				path.append(Character.toUpperCase(property.charAt(++i)));
			}
			else {
				path.append(c);
			}
		}
		BeanWrapper wrapper = new BeanWrapperImpl(release);
		return wrapper.isReadableProperty(path.toString()) ? wrapper.getPropertyValue(path.toString()) : null;
	}

	private static <T> T pick(T value, T inherited, T builtIn) {
		return (value != null) ? value : (inherited != null) ? inherited : builtIn;
	}

}
