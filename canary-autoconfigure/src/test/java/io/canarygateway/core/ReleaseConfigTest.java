package io.canarygateway.core;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

class ReleaseConfigTest {

	@Test
	void builtInDefaultsAreValid() {
		assertThat(new Config().build().violations()).isEmpty();
	}

	@Test
	void edgeValuesThatAreStillValid() {
		Config config = new Config();
		config.steps = List.of(100);
		config.gates = List.of(100);
		config.analysis = new AnalysisConfig(Duration.ofMillis(1), 1, 0.5, 0.0, 0.0, null, null, 1);
		config.breaker = new BreakerConfig(100, 1, 1, Duration.ofMillis(1), 0.01f);
		assertThat(config.build().violations()).isEmpty();

		Config other = new Config();
		other.steps = List.of(1, 2, 3, 99, 100);
		other.gates = List.of(1, 99);
		other.analysis = new AnalysisConfig(Duration.ofSeconds(10), 50, 0.999999, 0.999, 5.0, 1.0,
				Duration.ofSeconds(30), 10);
		other.name = "orders-v2_eu.1";
		assertThat(other.build().violations()).isEmpty();

		Config cookie = new Config();
		cookie.stickyCookie("__Secure-canary_key.1!#$%&'*+^`|~", Duration.ofSeconds(1));
		assertThat(cookie.build().violations()).isEmpty();
	}

	@Test
	void scheduleFollowsStepsAndGates() {
		Config config = new Config();
		config.gates = List.of(50);
		StepSchedule schedule = config.build().schedule();
		assertThat(schedule.weights()).containsExactly(5, 10, 25, 50, 100);
		assertThat(schedule.isGate(3)).isTrue();
		assertThat(schedule.isGate(2)).isFalse();
	}

	@Test
	void theCanaryVersionIsOptional() {
		Config config = new Config();
		config.canary = null;
		assertThat(config.build().violations()).isEmpty();
	}

	@Test
	void nullListsBecomeEmptyAndListsAreCopied() {
		Config config = new Config();
		config.steps = null;
		config.gates = null;
		ReleaseConfig built = config.build();
		assertThat(built.steps()).isEmpty();
		assertThat(built.manualGates()).isEmpty();
		assertThat(new Config().build().steps()).isUnmodifiable();
	}

	static Stream<Arguments> violations() {
		return Stream.of(
				// name, change, property, fragments of the rule (the bad value among
				// them)
				of("missing stable version", (c) -> c.stable = null, "stable-version", "required"),
				of("blank stable version", (c) -> c.stable = "  ", "stable-version", "required"),
				of("empty canary version", (c) -> c.canary = "", "canary-version", "blank", "leave it out"),
				of("canary version with a space", (c) -> c.canary = "v 2", "canary-version", "letters, digits",
						"'v 2'"),
				of("canary version over 64", (c) -> c.canary = "v".repeat(65), "canary-version", "1 to 64"),
				of("stable version with a slash", (c) -> c.stable = "v1/a", "stable-version", "letters, digits",
						"'v1/a'"),
				of("negative trigger settle", (c) -> c.triggerSettle = Duration.ofSeconds(-1), "trigger-settle",
						"positive"),
				of("equal versions", (c) -> c.canary = "v1", "canary-version", "differ", "'v1'"),
				of("steps empty", (c) -> c.steps = List.of(), "steps", "at least one"),
				of("steps decreasing", (c) -> c.steps = List.of(10, 5), "steps", "strictly increasing", "[10, 5]"),
				of("steps repeated", (c) -> c.steps = List.of(5, 10, 10), "steps", "strictly increasing",
						"[5, 10, 10]"),
				of("step zero", (c) -> c.steps = List.of(0, 50), "steps", "(0,100]", "[0, 50]"),
				of("step negative", (c) -> c.steps = List.of(-5, 50), "steps", "(0,100]", "-5"),
				of("step above 100", (c) -> c.steps = List.of(50, 101), "steps", "(0,100]", "101"),
				of("step missing", (c) -> c.steps = Arrays.asList(5, null, 10), "steps", "(0,100]", "[5, null, 10]"),
				of("gate not a step", (c) -> c.gates = List.of(30), "manual-gates", "one of the steps", "30"),
				of("gate missing", (c) -> c.gates = Arrays.asList(10, null), "manual-gates", "one of the steps",
						"was null"),
				of("zero step interval", (c) -> c.stepInterval = Duration.ZERO, "step-interval", "positive", "PT0S"),
				of("negative step interval", (c) -> c.stepInterval = Duration.ofSeconds(-1), "step-interval",
						"positive", "PT-1S"),
				of("missing step interval", (c) -> c.stepInterval = null, "step-interval", "required"),
				of("zero progress deadline", (c) -> c.progressDeadline = Duration.ZERO, "progress-deadline", "positive",
						"PT0S"),
				of("negative progress deadline", (c) -> c.progressDeadline = Duration.ofMinutes(-3),
						"progress-deadline", "positive", "PT-3M"),
				of("missing analysis", (c) -> c.analysis = null, "analysis", "required"),
				of("zero analysis interval",
						(c) -> c.analysis(Duration.ZERO, 50, 0.99, 0.01, 0.2, 0.05, Duration.ofSeconds(2), 2),
						"analysis.interval", "positive", "PT0S"),
				of("negative analysis interval",
						(c) -> c.analysis(Duration.ofSeconds(-10), 50, 0.99, 0.01, 0.2, 0.05, Duration.ofSeconds(2), 2),
						"analysis.interval", "positive", "PT-10S"),
				of("min-requests zero",
						(c) -> c.analysis(Duration.ofSeconds(10), 0, 0.99, 0.01, 0.2, 0.05, Duration.ofSeconds(2), 2),
						"analysis.min-requests", "at least 1", "was 0"),
				of("min-requests negative",
						(c) -> c.analysis(Duration.ofSeconds(10), -7, 0.99, 0.01, 0.2, 0.05, Duration.ofSeconds(2), 2),
						"analysis.min-requests", "at least 1", "-7"),
				of("confidence zero", (c) -> c.confidence(0.0), "analysis.confidence", "(0,1)", "0.0"),
				of("confidence one", (c) -> c.confidence(1.0), "analysis.confidence", "(0,1)", "1.0"),
				of("confidence above one", (c) -> c.confidence(1.5), "analysis.confidence", "(0,1)", "1.5"),
				of("confidence negative", (c) -> c.confidence(-0.9), "analysis.confidence", "(0,1)", "-0.9"),
				of("confidence NaN", (c) -> c.confidence(Double.NaN), "analysis.confidence", "(0,1)", "NaN"),
				of("error-rate tolerance negative",
						(c) -> c.analysis(Duration.ofSeconds(10), 50, 0.99, -0.01, 0.2, 0.05, Duration.ofSeconds(2), 2),
						"analysis.error-rate-tolerance", "[0,1)", "-0.01"),
				of("error-rate tolerance one",
						(c) -> c.analysis(Duration.ofSeconds(10), 50, 0.99, 1.0, 0.2, 0.05, Duration.ofSeconds(2), 2),
						"analysis.error-rate-tolerance", "[0,1)", "1.0"),
				of("latency tolerance negative",
						(c) -> c.analysis(Duration.ofSeconds(10), 50, 0.99, 0.01, -0.2, 0.05, Duration.ofSeconds(2), 2),
						"analysis.latency-tolerance", "zero or more", "-0.2"),
				of("latency tolerance infinite",
						(c) -> c.analysis(Duration.ofSeconds(10), 50, 0.99, 0.01, Double.POSITIVE_INFINITY, 0.05,
								Duration.ofSeconds(2), 2),
						"analysis.latency-tolerance", "zero or more", "Infinity"),
				of("latency tolerance NaN",
						(c) -> c.analysis(Duration.ofSeconds(10), 50, 0.99, 0.01, Double.NaN, 0.05,
								Duration.ofSeconds(2), 2),
						"analysis.latency-tolerance", "zero or more", "NaN"),
				of("max error rate zero",
						(c) -> c.analysis(Duration.ofSeconds(10), 50, 0.99, 0.01, 0.2, 0.0, Duration.ofSeconds(2), 2),
						"analysis.max-error-rate", "(0,1]", "0.0"),
				of("max error rate above one",
						(c) -> c.analysis(Duration.ofSeconds(10), 50, 0.99, 0.01, 0.2, 1.5, Duration.ofSeconds(2), 2),
						"analysis.max-error-rate", "(0,1]", "1.5"),
				of("max latency zero",
						(c) -> c.analysis(Duration.ofSeconds(10), 50, 0.99, 0.01, 0.2, 0.05, Duration.ZERO, 2),
						"analysis.max-latency", "positive", "PT0S"),
				of("max latency negative",
						(c) -> c.analysis(Duration.ofSeconds(10), 50, 0.99, 0.01, 0.2, 0.05, Duration.ofMillis(-1), 2),
						"analysis.max-latency", "positive", "PT-0.001S"),
				of("failure threshold zero",
						(c) -> c.analysis(Duration.ofSeconds(10), 50, 0.99, 0.01, 0.2, 0.05, Duration.ofSeconds(2), 0),
						"analysis.failure-threshold", "at least 1", "was 0"),
				of("failure threshold negative",
						(c) -> c.analysis(Duration.ofSeconds(10), 50, 0.99, 0.01, 0.2, 0.05, Duration.ofSeconds(2), -2),
						"analysis.failure-threshold", "at least 1", "-2"),
				of("missing breaker", (c) -> c.breaker = null, "breaker", "required"),
				of("failure rate threshold zero", (c) -> c.breaker(0, 20, 10, Duration.ofSeconds(2), 100),
						"breaker.failure-rate-threshold", "(0,100]", "was 0.0"),
				of("failure rate threshold above 100", (c) -> c.breaker(101, 20, 10, Duration.ofSeconds(2), 100),
						"breaker.failure-rate-threshold", "(0,100]", "101.0"),
				of("slow call rate threshold negative", (c) -> c.breaker(50, 20, 10, Duration.ofSeconds(2), -1),
						"breaker.slow-call-rate-threshold", "(0,100]", "-1.0"),
				of("slow call rate threshold above 100", (c) -> c.breaker(50, 20, 10, Duration.ofSeconds(2), 100.5f),
						"breaker.slow-call-rate-threshold", "(0,100]", "100.5"),
				of("sliding window zero", (c) -> c.breaker(50, 0, 10, Duration.ofSeconds(2), 100),
						"breaker.sliding-window-size", "at least 1", "was 0"),
				of("sliding window negative", (c) -> c.breaker(50, -20, 10, Duration.ofSeconds(2), 100),
						"breaker.sliding-window-size", "at least 1", "-20"),
				of("minimum calls zero", (c) -> c.breaker(50, 20, 0, Duration.ofSeconds(2), 100),
						"breaker.minimum-number-of-calls", "at least 1", "was 0"),
				of("slow call duration zero", (c) -> c.breaker(50, 20, 10, Duration.ZERO, 100),
						"breaker.slow-call-duration-threshold", "positive", "PT0S"),
				of("slow call duration missing", (c) -> c.breaker(50, 20, 10, null, 100),
						"breaker.slow-call-duration-threshold", "required"),
				of("sticky cookie max-age zero", (c) -> c.stickyCookie("canary-key", Duration.ZERO),
						"routing.sticky-cookie-max-age", "at least 1s", "was PT0S"),
				of("sticky cookie max-age under a second", (c) -> c.stickyCookie("canary-key", Duration.ofMillis(500)),
						"routing.sticky-cookie-max-age", "at least 1s", "whole seconds", "was PT0.5S"),
				of("sticky cookie max-age negative", (c) -> c.stickyCookie("canary-key", Duration.ofDays(-1)),
						"routing.sticky-cookie-max-age", "positive", "was PT-24H"),
				of("sticky cookie max-age missing", (c) -> c.stickyCookie("", null), "routing.sticky-cookie-max-age",
						"required"),
				of("sticky cookie name with a space",
						(c) -> c.stickyCookie("canary key", Defaults.STICKY_COOKIE_MAX_AGE), "routing.sticky-cookie",
						"must be a cookie name", "was 'canary key'"),
				of("sticky cookie name with a separator",
						(c) -> c.stickyCookie("canary;key", Defaults.STICKY_COOKIE_MAX_AGE), "routing.sticky-cookie",
						"must be a cookie name", "was 'canary;key'"),
				of("sticky cookie name not ASCII", (c) -> c.stickyCookie("clé", Defaults.STICKY_COOKIE_MAX_AGE),
						"routing.sticky-cookie", "must be a cookie name", "was 'clé'"),
				of("missing routing", (c) -> c.routing = null, "routing", "required"),
				of("bad release name", (c) -> c.name = "orders/eu", "", "release name", "'orders/eu'"),
				of("blank release name", (c) -> c.name = " ", "", "release name", "' '"));
	}

	private static Arguments of(String description, Consumer<Config> change, String property, String... rule) {
		return Arguments.of(description, change, property, rule);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("violations")
	void eachRuleNamesThePropertyAndTheBadValue(String description, Consumer<Config> change, String property,
			String[] rule) {
		Config config = new Config();
		change.accept(config);
		List<ConfigViolation> violations = config.build().violations();
		assertThat(violations).as(description).hasSize(1);
		ConfigViolation violation = violations.get(0);
		assertThat(violation.property()).isEqualTo(property);
		for (String fragment : rule) {
			assertThat(violation.rule()).contains(fragment);
		}
	}

	@Test
	void everyViolationIsReportedNotOnlyTheFirst() {
		Config config = new Config();
		config.canary = "";
		config.steps = List.of(50, 10);
		config.stepInterval = Duration.ZERO;
		config.confidence(2.0);
		config.breaker(50, 0, 10, Duration.ofSeconds(2), 100);
		assertThat(config.build().violations()).extracting(ConfigViolation::property)
			.containsExactlyInAnyOrder("canary-version", "steps", "step-interval", "analysis.confidence",
					"breaker.sliding-window-size");
	}

	@Test
	void eachGateThatIsNotAStepIsNamed() {
		Config config = new Config();
		config.gates = List.of(10, 30, 70);
		assertThat(config.build().violations()).extracting(ConfigViolation::rule)
			.hasSize(2)
			.anySatisfy((rule) -> assertThat(rule).endsWith("was 30"))
			.anySatisfy((rule) -> assertThat(rule).endsWith("was 70"));
	}

	/**
	 * A mutable stand-in for the bound properties: the built-in defaults, changed one
	 * value at a time.
	 */
	static final class Config {

		String name = "orders";

		String stable = "v1";

		String canary = "v2";

		Duration triggerSettle = Defaults.TRIGGER_SETTLE;

		List<Integer> steps = Defaults.STEPS;

		List<Integer> gates = Defaults.MANUAL_GATES;

		Duration stepInterval = Defaults.STEP_INTERVAL;

		Duration progressDeadline = Defaults.PROGRESS_DEADLINE;

		AnalysisConfig analysis = AnalysisConfig.defaults();

		BreakerConfig breaker = BreakerConfig.defaults();

		RoutingConfig routing = RoutingConfig.defaults();

		void stickyCookie(String name, Duration maxAge) {
			RoutingConfig r = RoutingConfig.defaults();
			this.routing = new RoutingConfig(r.overrideHeader(), r.overrideCookie(), r.stickyHeader(), name, maxAge,
					r.exposeVersion(), r.retryOnStable());
		}

		void analysis(Duration interval, int minRequests, double confidence, double errorRateTolerance,
				double latencyTolerance, Double maxErrorRate, Duration maxLatency, int failureThreshold) {
			this.analysis = new AnalysisConfig(interval, minRequests, confidence, errorRateTolerance, latencyTolerance,
					maxErrorRate, maxLatency, failureThreshold);
		}

		void confidence(double confidence) {
			AnalysisConfig a = AnalysisConfig.defaults();
			analysis(a.interval(), a.minRequests(), confidence, a.errorRateTolerance(), a.latencyTolerance(),
					a.maxErrorRate(), a.maxLatency(), a.failureThreshold());
		}

		void breaker(float failureRate, int window, int minimumCalls, Duration slowCall, float slowCallRate) {
			this.breaker = new BreakerConfig(failureRate, window, minimumCalls, slowCall, slowCallRate);
		}

		ReleaseConfig build() {
			return new ReleaseConfig(this.name, this.stable, this.canary, Defaults.AUTO_START, this.steps,
					this.stepInterval, this.gates, this.progressDeadline, this.routing, this.analysis, this.breaker,
					Trigger.MANUAL, this.triggerSettle);
		}

	}

}
