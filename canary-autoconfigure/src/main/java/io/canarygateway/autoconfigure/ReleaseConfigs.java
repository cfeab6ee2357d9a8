package io.canarygateway.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import org.springframework.beans.BeanWrapper;
import org.springframework.beans.BeanWrapperImpl;

import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.ConfigViolation;
import io.canarygateway.core.Defaults;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.core.ServiceVersions;
import io.canarygateway.core.TargetRule;
import io.canarygateway.core.Versions;

/**
 * Turns {@link CanaryProperties} into validated release configurations: each value comes
 * from the release, else from {@code canary.defaults}, else from the built-in default of
 * {@link Defaults}.
 */
public final class ReleaseConfigs {

	private static final String BUILT_IN = " (built-in default)";

	private ReleaseConfigs() {
	}

	/**
	 * The configured releases.
	 * @throws InvalidCanaryConfigurationException listing every property that breaks a
	 * rule
	 */
	public static List<ReleaseConfig> resolve(CanaryProperties properties) {
		List<String> problems = new ArrayList<>();
		if (properties.getInstanceMetadataKey() == null || properties.getInstanceMetadataKey().isBlank()) {
			problems.add("canary.instance-metadata-key: must not be empty");
		}
		List<ReleaseConfig> configs = new ArrayList<>();
		if (!properties.getDefaults().getServices().isEmpty()) {
			problems.add("canary.defaults.services: services are set per release, not inherited");
		}
		for (Map.Entry<String, CanaryProperties.Release> entry : properties.getReleases().entrySet()) {
			ReleaseConfig config = resolve(entry.getKey(), entry.getValue(), properties.getDefaults());
			List<ConfigViolation> violations = new ArrayList<>(config.violations());
			List<ConfigViolation> serviceProblems = serviceProblems(entry.getValue());
			if (!serviceProblems.isEmpty()) {
				// the release's versions could not be made: reported here, not as missing
				violations.removeIf((v) -> v.property().equals("stable-version")
						|| v.property().equals("canary-version") || v.property().startsWith("services"));
				violations.addAll(0, serviceProblems);
			}
			ConfigViolation deadline = deadlineViolation(entry.getKey(), entry.getValue(), properties.getDefaults(),
					config);
			if (deadline != null) {
				violations.add(deadline);
			}
			for (ConfigViolation violation : violations) {
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
		RoutingConfig routing = new RoutingConfig(
				pick(r.getOverrideHeader(), dr.getOverrideHeader(), Defaults.OVERRIDE_HEADER),
				pick(r.getOverrideCookie(), dr.getOverrideCookie(), Defaults.OVERRIDE_COOKIE),
				pick(r.getStickyHeader(), dr.getStickyHeader(), Defaults.STICKY_HEADER),
				pick(r.getStickyCookie(), dr.getStickyCookie(), Defaults.STICKY_COOKIE),
				pick(r.getStickyCookieMaxAge(), dr.getStickyCookieMaxAge(), Defaults.STICKY_COOKIE_MAX_AGE),
				pick(r.getExposeVersion(), dr.getExposeVersion(), Defaults.EXPOSE_VERSION),
				pick(r.getRetryOnStable(), dr.getRetryOnStable(), Defaults.RETRY_ON_STABLE),
				rules(pick(r.getOnlyFor(), dr.getOnlyFor(), List.of())),
				rules(pick(r.getAlwaysFor(), dr.getAlwaysFor(), List.of())),
				pick(r.getTrustLaneFrom(), dr.getTrustLaneFrom(), List.of()));
		CanaryProperties.Analysis a = release.getAnalysis();
		CanaryProperties.Analysis da = defaults.getAnalysis();
		AnalysisConfig analysis = new AnalysisConfig(
				pick(a.getInterval(), da.getInterval(), Defaults.ANALYSIS_INTERVAL),
				pick(a.getMinRequests(), da.getMinRequests(), Defaults.MIN_REQUESTS),
				pick(a.getConfidence(), da.getConfidence(), Defaults.CONFIDENCE),
				pick(a.getErrorRateTolerance(), da.getErrorRateTolerance(), Defaults.ERROR_RATE_TOLERANCE),
				pick(a.getLatencyTolerance(), da.getLatencyTolerance(), Defaults.LATENCY_TOLERANCE),
				pick(a.getMaxErrorRate(), da.getMaxErrorRate(), Defaults.MAX_ERROR_RATE),
				pick(a.getMaxLatency(), da.getMaxLatency(), Defaults.MAX_LATENCY),
				pick(a.getFailureThreshold(), da.getFailureThreshold(), Defaults.FAILURE_THRESHOLD));
		CanaryProperties.Breaker b = release.getBreaker();
		CanaryProperties.Breaker db = defaults.getBreaker();
		BreakerConfig breaker = new BreakerConfig(
				pick(b.getFailureRateThreshold(), db.getFailureRateThreshold(),
						Defaults.BREAKER_FAILURE_RATE_THRESHOLD),
				pick(b.getSlidingWindowSize(), db.getSlidingWindowSize(), Defaults.BREAKER_SLIDING_WINDOW_SIZE),
				pick(b.getMinimumNumberOfCalls(), db.getMinimumNumberOfCalls(),
						Defaults.BREAKER_MINIMUM_NUMBER_OF_CALLS),
				pick(b.getSlowCallDurationThreshold(), db.getSlowCallDurationThreshold(),
						Defaults.BREAKER_SLOW_CALL_DURATION_THRESHOLD),
				pick(b.getSlowCallRateThreshold(), db.getSlowCallRateThreshold(),
						Defaults.BREAKER_SLOW_CALL_RATE_THRESHOLD));
		String stableVersion = pick(release.getStableVersion(), defaults.getStableVersion(), null);
		String canaryVersion = pick(release.getCanaryVersion(), defaults.getCanaryVersion(), null);
		if (!release.getServices().isEmpty()) {
			stableVersion = null;
			canaryVersion = null;
		}
		if (!release.getServices().isEmpty() && serviceProblems(release).isEmpty()) {
			stableVersion = serviceVersions(release, CanaryProperties.ServiceVersions::getStableVersion);
			canaryVersion = serviceVersions(release, CanaryProperties.ServiceVersions::getCanaryVersion);
		}
		return new ReleaseConfig(name, stableVersion, canaryVersion,
				pick(release.getAutoStart(), defaults.getAutoStart(), Defaults.AUTO_START),
				pick(release.getSteps(), defaults.getSteps(), Defaults.STEPS),
				pick(release.getStepInterval(), defaults.getStepInterval(), Defaults.STEP_INTERVAL),
				pick(release.getManualGates(), defaults.getManualGates(), Defaults.MANUAL_GATES),
				pick(release.getProgressDeadline(), defaults.getProgressDeadline(), Defaults.PROGRESS_DEADLINE),
				routing, analysis, breaker, pick(release.getTrigger(), defaults.getTrigger(), Defaults.TRIGGER),
				pick(release.getTriggerSettle(), defaults.getTriggerSettle(), Defaults.TRIGGER_SETTLE));
	}

	/**
	 * What is wrong with a release's {@code services} before their versions can be made
	 * into sets (docs/multi-service.md): given together with the release's own versions
	 * (versions it would inherit from {@code canary.defaults} are ignored), a service
	 * named twice (names are compared ignoring case, as service ids are), a malformed
	 * name or version, a missing stable version, canary versions for some services only.
	 * Rules over the sets themselves (equal versions) are
	 * {@link ReleaseConfig#violations()}'. Empty for a single-service release.
	 */
	private static List<ConfigViolation> serviceProblems(CanaryProperties.Release release) {
		Map<String, CanaryProperties.ServiceVersions> services = release.getServices();
		List<ConfigViolation> out = new ArrayList<>();
		if (services.isEmpty()) {
			return out;
		}
		// versions inherited from canary.defaults are for the releases of one service
		if (release.getStableVersion() != null || release.getCanaryVersion() != null) {
			out.add(new ConfigViolation("services",
					"give either services (one version pair per service) or stable-version/canary-version, not both"));
		}
		Map<String, String> seen = new HashMap<>();
		int withCanary = 0;
		for (Map.Entry<String, CanaryProperties.ServiceVersions> entry : services.entrySet()) {
			String service = entry.getKey();
			String property = "services." + service;
			CanaryProperties.ServiceVersions versions = entry.getValue();
			if (!ServiceVersions.SERVICE.matcher(service).matches()) {
				out.add(new ConfigViolation(property,
						"service must be 1 to 100 letters, digits, '.', '_' or '-' (the service id of its lb:// "
								+ "routes)"));
				continue;
			}
			String other = seen.put(ServiceVersions.normalize(service), service);
			if (other != null) {
				out.add(new ConfigViolation(property, "names service '" + service.toLowerCase(Locale.ROOT)
						+ "' a second time (as " + other + "; service ids are compared ignoring case)"));
			}
			if (versions == null || versions.getStableVersion() == null || versions.getStableVersion().isBlank()) {
				out.add(new ConfigViolation(property + ".stable-version", "is required"));
			}
			else if (Versions.problem(versions.getStableVersion()) != null) {
				out.add(new ConfigViolation(property + ".stable-version",
						Versions.problem(versions.getStableVersion())));
			}
			if (versions != null && versions.getCanaryVersion() != null) {
				withCanary++;
				if (Versions.problem(versions.getCanaryVersion()) != null) {
					out.add(new ConfigViolation(property + ".canary-version",
							Versions.problem(versions.getCanaryVersion())));
				}
			}
		}
		if (withCanary > 0 && withCanary < services.size()) {
			services.forEach((service, versions) -> {
				if (versions == null || versions.getCanaryVersion() == null) {
					out.add(new ConfigViolation("services." + service + ".canary-version",
							"is required: the release rolls out all its services together, and another service of it "
									+ "has a canary-version"));
				}
			});
		}
		return out;
	}

	/**
	 * The set of one version of each service ({@code orders=v1,payments=v7}), or
	 * {@code null} when no service has one.
	 */
	private static String serviceVersions(CanaryProperties.Release release,
			Function<CanaryProperties.ServiceVersions, String> version) {
		Map<String, String> versions = new LinkedHashMap<>();
		release.getServices().forEach((service, v) -> {
			if (version.apply(v) != null) {
				versions.put(service, version.apply(v));
			}
		});
		return versions.isEmpty() ? null : ServiceVersions.format(versions);
	}

	/**
	 * {@code progress-deadline} must be longer than {@code step-interval}: a step may
	 * only advance once {@code step-interval} has passed, and the deadline pauses the
	 * release (reason deadline) when a step has not advanced for
	 * {@code progress-deadline}, so with a deadline that is not longer every step would
	 * pause before it could advance. {@code null} when the rule holds or either value
	 * already breaks another rule.
	 */
	private static ConfigViolation deadlineViolation(String name, CanaryProperties.Release release,
			CanaryProperties.Release defaults, ReleaseConfig config) {
		Duration interval = config.stepInterval();
		Duration deadline = config.progressDeadline();
		if (interval == null || deadline == null || interval.isNegative() || interval.isZero() || deadline.isNegative()
				|| deadline.isZero() || deadline.compareTo(interval) > 0) {
			return null;
		}
		Setting deadlineSetting = setting(name, release, defaults, "progress-deadline", deadline);
		return new ConfigViolation("progress-deadline",
				"must be longer than step-interval, was " + format(deadline)
						+ (deadlineSetting.builtIn() ? BUILT_IN : "") + " while "
						+ setting(name, release, defaults, "step-interval", interval)
						+ ": the release would pause (reason deadline) at every step before it may advance");
	}

	/**
	 * The analysis interval of every release, once per property that sets it (a value
	 * inherited from {@code canary.defaults} or built in is listed once).
	 */
	static Collection<Setting> analysisIntervals(CanaryProperties properties) {
		Map<String, Setting> settings = new LinkedHashMap<>();
		properties.getReleases().forEach((name, release) -> {
			Duration interval = pick(release.getAnalysis().getInterval(),
					properties.getDefaults().getAnalysis().getInterval(), Defaults.ANALYSIS_INTERVAL);
			Setting setting = setting(name, release, properties.getDefaults(), "analysis.interval", interval);
			settings.putIfAbsent(setting.property(), setting);
		});
		return settings.values();
	}

	private static Setting setting(String name, CanaryProperties.Release release, CanaryProperties.Release defaults,
			String property, Duration value) {
		String origin = origin(name, release, defaults, property);
		return (origin != null) ? new Setting(origin, value, false) : new Setting(property, value, true);
	}

	/**
	 * The full name of the property that sets a release setting such as
	 * {@code analysis.interval}: the release's own, else the one under
	 * {@code canary.defaults}; {@code null} when neither is set (the built-in default
	 * applies).
	 */
	private static String origin(String name, CanaryProperties.Release release, CanaryProperties.Release defaults,
			String property) {
		if (valueOf(release, property) != null) {
			return CanaryProperties.PREFIX + ".releases." + name + "." + property;
		}
		return (valueOf(defaults, property) != null) ? CanaryProperties.PREFIX + ".defaults." + property : null;
	}

	/**
	 * A release's duration setting and where it comes from.
	 *
	 * @param property the full name of the property that sets it, or for a built-in
	 * default its name relative to the release
	 * @param value its value
	 * @param builtIn whether no property sets it
	 */
	record Setting(String property, Duration value, boolean builtIn) {

		/** E.g. {@code canary.defaults.step-interval is 2m}. */
		@Override
		public String toString() {
			return this.property + " is " + format(this.value) + (this.builtIn ? BUILT_IN : "");
		}

	}

	/**
	 * A duration as it is written in properties, in its largest whole unit: {@code 10m},
	 * {@code 90s}, {@code 1500ms}.
	 */
	static String format(Duration duration) {
		long millis = duration.toMillis();
		if (millis <= 0 || !duration.equals(Duration.ofMillis(millis))) {
			return duration.toString();
		}
		long[] units = { 86_400_000, 3_600_000, 60_000, 1000 };
		String[] suffixes = { "d", "h", "m", "s" };
		for (int i = 0; i < units.length; i++) {
			if (millis % units[i] == 0) {
				return (millis / units[i]) + suffixes[i];
			}
		}
		return millis + "ms";
	}

	/**
	 * {@code <property>: <rule>}, naming the property where the value was set: the
	 * release's own, or the {@code canary.defaults} one it inherited (which is what the
	 * user has to correct).
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

	/**
	 * The value set for a property path such as {@code analysis.min-requests}, or
	 * {@code null}.
	 */
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

	private static List<TargetRule> rules(List<CanaryProperties.TargetRuleProperties> rules) {
		List<TargetRule> out = new ArrayList<>();
		for (CanaryProperties.TargetRuleProperties rule : rules) {
			// a null entry ("only-for[0]=") is reported by the release's validation
			out.add((rule != null)
					? new TargetRule(blankToNull(rule.getHeader()), blankToNull(rule.getCookie()),
							blankToNull(rule.getQuery()), rule.getRemoteAddress(), rule.getValues(), rule.getRegex())
					: null);
		}
		return out;
	}

	private static String blankToNull(String name) {
		return (name == null || name.isBlank()) ? null : name.trim();
	}

	private static <T> T pick(T value, T inherited, T builtIn) {
		return (value != null) ? value : (inherited != null) ? inherited : builtIn;
	}

}
