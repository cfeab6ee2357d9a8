package io.canarygateway.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * One release as configured: the versions that seed its record, the step schedule and the
 * settings of its routing, analysis and breaker. {@link #violations()} lists every rule
 * the values break; a release is only used once it has none.
 *
 * @param name the release name used by routes, endpoints and metrics
 * @param stableVersion the stable version of the release's first record (afterwards the
 * record's versions serve: {@link Versions}); for a release of several services a set of
 * {@link ServiceVersions}
 * @param canaryVersion the version to roll out, or {@code null} for none (the release
 * stays {@code IDLE}, all stable); a version different from both of the record's starts a
 * new rollout when {@code autoStart}
 * @param autoStart whether the release starts progressing when the gateway starts
 * @param steps canary weights in percent, strictly increasing, each in (0,100]
 * @param stepInterval minimum time at each step before it may advance
 * @param manualGates weights at which progression pauses until an operator resumes or
 * promotes
 * @param progressDeadline time without a step advance after which the release pauses
 * @param routing how requests are assigned to lanes
 * @param analysis how the canary is judged
 * @param breaker the canary breaker's settings
 * @param trigger what starts a rollout besides an operator and the configuration
 * @param triggerSettle how long instances of a new version must have been seen before
 * {@link Trigger#DISCOVERY} starts their rollout
 */
public record ReleaseConfig(String name, String stableVersion, String canaryVersion, boolean autoStart,
		List<Integer> steps, Duration stepInterval, List<Integer> manualGates, Duration progressDeadline,
		RoutingConfig routing, AnalysisConfig analysis, BreakerConfig breaker, Trigger trigger,
		Duration triggerSettle) {

	/** The built-in default steps: the same list as {@link Defaults#STEPS}. */
	public static final List<Integer> DEFAULT_STEPS = Defaults.STEPS;

	public ReleaseConfig {
		// not List.copyOf: a bound list may hold nulls ("steps: 5,,10"), which
		// violations() must report
		steps = steps == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(steps));
		manualGates = manualGates == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(manualGates));
	}

	/** The validated step schedule; call only when {@link #violations()} is empty. */
	public StepSchedule schedule() {
		return StepSchedule.of(this.steps, this.manualGates);
	}

	/**
	 * Every rule this configuration breaks, each naming the property (relative to the
	 * release) and the rule.
	 */
	public List<ConfigViolation> violations() {
		List<ConfigViolation> out = new ArrayList<>();
		if (this.name == null || this.name.isBlank() || !this.name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
			out.add(new ConfigViolation("",
					"release name must be letters, digits, '.', '_' or '-', was '" + this.name + "'"));
		}
		if (ServiceVersions.isSet(this.stableVersion)) {
			serviceVersionViolations(out);
		}
		else {
			versionViolations(out);
		}
		if (this.trigger == null) {
			out.add(new ConfigViolation("trigger", "is required (manual or discovery)"));
		}
		positive(out, "trigger-settle", this.triggerSettle, true);
		if (this.steps.isEmpty()) {
			out.add(new ConfigViolation("steps", "must list at least one weight"));
		}
		for (int i = 0; i < this.steps.size(); i++) {
			Integer step = this.steps.get(i);
			if (step == null || step <= 0 || step > 100) {
				out.add(new ConfigViolation("steps", "each weight must be in (0,100] percent, was " + this.steps));
				break;
			}
			if (i > 0 && this.steps.get(i - 1) != null && step <= this.steps.get(i - 1)) {
				out.add(new ConfigViolation("steps", "must be strictly increasing, was " + this.steps));
				break;
			}
		}
		for (Integer gate : this.manualGates) {
			if (!this.steps.contains(gate)) {
				out.add(new ConfigViolation("manual-gates",
						"each gate must be one of the steps " + this.steps + ", was " + gate));
			}
		}
		positive(out, "step-interval", this.stepInterval, false);
		positive(out, "progress-deadline", this.progressDeadline, false);
		if (this.routing == null) {
			out.add(new ConfigViolation("routing", "is required"));
		}
		else {
			out.addAll(this.routing.violations());
		}
		if (this.analysis == null) {
			out.add(new ConfigViolation("analysis", "is required"));
		}
		else {
			AnalysisConfig a = this.analysis;
			positive(out, "analysis.interval", a.interval(), false);
			if (a.minRequests() < 1) {
				out.add(new ConfigViolation("analysis.min-requests", "must be at least 1, was " + a.minRequests()));
			}
			if (!(a.confidence() > 0 && a.confidence() < 1)) {
				out.add(new ConfigViolation("analysis.confidence", "must be in (0,1), was " + a.confidence()));
			}
			if (!(a.errorRateTolerance() >= 0 && a.errorRateTolerance() < 1)) {
				out.add(new ConfigViolation("analysis.error-rate-tolerance",
						"must be in [0,1), was " + a.errorRateTolerance()));
			}
			if (!(a.latencyTolerance() >= 0) || Double.isInfinite(a.latencyTolerance())) {
				out.add(new ConfigViolation("analysis.latency-tolerance",
						"must be zero or more (relative, 0.2 = 20 %), was " + a.latencyTolerance()));
			}
			if (a.maxErrorRate() != null && !(a.maxErrorRate() > 0 && a.maxErrorRate() <= 1)) {
				out.add(new ConfigViolation("analysis.max-error-rate", "must be in (0,1], was " + a.maxErrorRate()));
			}
			if (a.maxLatency() != null) {
				positive(out, "analysis.max-latency", a.maxLatency(), false);
			}
			if (a.failureThreshold() < 1) {
				out.add(new ConfigViolation("analysis.failure-threshold",
						"must be at least 1, was " + a.failureThreshold()));
			}
		}
		if (this.breaker == null) {
			out.add(new ConfigViolation("breaker", "is required"));
		}
		else {
			BreakerConfig b = this.breaker;
			percent(out, "breaker.failure-rate-threshold", b.failureRateThreshold());
			percent(out, "breaker.slow-call-rate-threshold", b.slowCallRateThreshold());
			if (b.slidingWindowSize() < 1) {
				out.add(new ConfigViolation("breaker.sliding-window-size",
						"must be at least 1, was " + b.slidingWindowSize()));
			}
			if (b.minimumNumberOfCalls() < 1) {
				out.add(new ConfigViolation("breaker.minimum-number-of-calls",
						"must be at least 1, was " + b.minimumNumberOfCalls()));
			}
			positive(out, "breaker.slow-call-duration-threshold", b.slowCallDurationThreshold(), false);
		}
		return out;
	}

	private void versionViolations(List<ConfigViolation> out) {
		if (isBlank(this.stableVersion)) {
			out.add(new ConfigViolation("stable-version", "is required"));
		}
		else if (Versions.problem(this.stableVersion) != null) {
			out.add(new ConfigViolation("stable-version", Versions.problem(this.stableVersion)));
		}
		if (this.canaryVersion != null && Versions.problem(this.canaryVersion) != null) {
			out.add(new ConfigViolation("canary-version",
					Versions.problem(this.canaryVersion) + " (leave it out for no canary)"));
		}
		if (!isBlank(this.stableVersion) && this.stableVersion.equals(this.canaryVersion)) {
			out.add(new ConfigViolation("canary-version",
					"must differ from stable-version, both were '" + this.stableVersion + "'"));
		}
	}

	/**
	 * The versions of a release of several services (docs/multi-service.md): both are
	 * sets over the same services, and every service's canary version differs from its
	 * stable one; the discovery trigger starts single-service releases only.
	 */
	private void serviceVersionViolations(List<ConfigViolation> out) {
		String problem = ServiceVersions.problem(this.stableVersion);
		if (problem != null) {
			out.add(new ConfigViolation("services", problem));
			return;
		}
		if (this.canaryVersion != null) {
			problem = ServiceVersions.problem(this.canaryVersion, this.stableVersion);
			if (problem != null) {
				out.add(new ConfigViolation("services", "canary versions " + problem));
				return;
			}
			String unchanged = ServiceVersions.unchanged(this.canaryVersion, this.stableVersion);
			if (unchanged != null) {
				out.add(new ConfigViolation("services." + unchanged + ".canary-version",
						"must differ from its stable-version, both were '"
								+ ServiceVersions.versionOf(this.stableVersion, unchanged) + "'"));
			}
		}
		if (this.trigger == Trigger.DISCOVERY) {
			out.add(new ConfigViolation("trigger",
					"discovery starts releases of one service only; a release with services starts from its "
							+ "configuration or from the endpoint (start with a version)"));
		}
	}

	/**
	 * The services of a release of several services, lower case and in alphabetical
	 * order; empty for a single-service release.
	 */
	public Set<String> services() {
		return ServiceVersions.isSet(this.stableVersion) && ServiceVersions.problem(this.stableVersion) == null
				? ServiceVersions.parse(this.stableVersion).keySet() : Set.of();
	}

	private static void positive(List<ConfigViolation> out, String property, Duration value, boolean zeroAllowed) {
		if (value == null) {
			out.add(new ConfigViolation(property, "is required"));
		}
		else if (value.isNegative() || (!zeroAllowed && value.isZero())) {
			out.add(new ConfigViolation(property, "must be a positive duration, was " + value));
		}
	}

	private static void percent(List<ConfigViolation> out, String property, float value) {
		if (!(value > 0 && value <= 100)) {
			out.add(new ConfigViolation(property, "must be a percentage in (0,100], was " + value));
		}
	}

	private static boolean isBlank(String value) {
		return value == null || value.isBlank();
	}

}
