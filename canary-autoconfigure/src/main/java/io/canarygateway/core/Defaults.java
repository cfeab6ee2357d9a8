package io.canarygateway.core;

import java.time.Duration;
import java.util.List;

/**
 * The built-in default of every release setting: the value a release gets when neither
 * {@code canary.releases.<name>.X} nor {@code canary.defaults.X} sets it
 * (docs/configuration.md, "How a release's settings are resolved"). Not to be confused
 * with {@code canary.defaults}, which a user writes.
 * <p>
 * The code's only copy of these values. docs/configuration.md and the property
 * descriptions in {@code CanaryProperties} repeat them as text;
 * {@code ConfigurationReferenceTest} checks that they agree.
 */
public final class Defaults {

	/** {@code auto-start}: a release starts progressing when the gateway starts. */
	public static final boolean AUTO_START = true;

	/** {@code steps}: canary weights in percent. */
	public static final List<Integer> STEPS = List.of(5, 10, 25, 50, 100);

	/** {@code step-interval}: minimum time at each step before it may advance. */
	public static final Duration STEP_INTERVAL = Duration.ofMinutes(1);

	/** {@code manual-gates}: none. */
	public static final List<Integer> MANUAL_GATES = List.of();

	/**
	 * {@code progress-deadline}: time in one step without an advance after which the
	 * release pauses.
	 */
	public static final Duration PROGRESS_DEADLINE = Duration.ofMinutes(10);

	/** {@code trigger}: only operators and the configuration start rollouts. */
	public static final Trigger TRIGGER = Trigger.MANUAL;

	/** {@code trigger-settle}. */
	public static final Duration TRIGGER_SETTLE = Duration.ofSeconds(30);

	/**
	 * {@code routing.override-header}: request header whose {@code always}/{@code never}
	 * forces the lane.
	 */
	public static final String OVERRIDE_HEADER = "X-Canary";

	/**
	 * {@code routing.override-cookie}: cookie whose {@code always}/{@code never} forces
	 * the lane.
	 */
	public static final String OVERRIDE_COOKIE = "canary";

	/** {@code routing.sticky-header}: none (empty). */
	public static final String STICKY_HEADER = "";

	/** {@code routing.sticky-cookie}: none (empty). */
	public static final String STICKY_COOKIE = "";

	/**
	 * {@code routing.sticky-cookie-max-age}: how long a sticky cookie the gateway gives
	 * out lasts.
	 */
	public static final Duration STICKY_COOKIE_MAX_AGE = Duration.ofDays(30);

	/**
	 * {@code routing.expose-version}: responses do not carry {@code X-Canary-Version}.
	 */
	public static final boolean EXPOSE_VERSION = false;

	/**
	 * {@code routing.retry-on-stable}: failed canary requests on load-balanced routes are
	 * retried on stable.
	 */
	public static final boolean RETRY_ON_STABLE = true;

	/** {@code analysis.interval}: how often the judge looks. */
	public static final Duration ANALYSIS_INTERVAL = Duration.ofSeconds(10);

	/**
	 * {@code analysis.min-requests}: canary requests needed before any verdict other than
	 * inconclusive.
	 */
	public static final int MIN_REQUESTS = 50;

	/**
	 * {@code analysis.confidence}: confidence required to call the canary worse than
	 * stable.
	 */
	public static final double CONFIDENCE = 0.99;

	/**
	 * {@code analysis.error-rate-tolerance}: absolute error-rate excess over stable that
	 * is acceptable.
	 */
	public static final double ERROR_RATE_TOLERANCE = 0.01;

	/**
	 * {@code analysis.latency-tolerance}: relative p99 excess over stable that is
	 * acceptable (0.2 = 20 %).
	 */
	public static final double LATENCY_TOLERANCE = 0.2;

	/** {@code analysis.max-error-rate}: ceiling for the canary's error rate. */
	public static final double MAX_ERROR_RATE = 0.05;

	/** {@code analysis.max-latency}: ceiling for the canary's p99 latency. */
	public static final Duration MAX_LATENCY = Duration.ofSeconds(2);

	/**
	 * {@code analysis.failure-threshold}: failed verdicts in a row that roll the release
	 * back. One: the judge's tests are valid over the whole rollout, so a failed verdict
	 * is already the decision at 1 − confidence (docs/analysis.md, "The guarantee");
	 * raise it to wait out failing webhooks or metric checks.
	 */
	public static final int FAILURE_THRESHOLD = 1;

	/**
	 * {@code breaker.failure-rate-threshold}: failure rate in percent at which the
	 * breaker opens.
	 */
	public static final float BREAKER_FAILURE_RATE_THRESHOLD = 50;

	/**
	 * {@code breaker.sliding-window-size}: canary calls in the breaker's count-based
	 * window.
	 */
	public static final int BREAKER_SLIDING_WINDOW_SIZE = 20;

	/**
	 * {@code breaker.minimum-number-of-calls}: canary calls needed before the breaker may
	 * open.
	 */
	public static final int BREAKER_MINIMUM_NUMBER_OF_CALLS = 10;

	/**
	 * {@code breaker.slow-call-duration-threshold}: a canary call slower than this counts
	 * as slow.
	 */
	public static final Duration BREAKER_SLOW_CALL_DURATION_THRESHOLD = Duration.ofSeconds(2);

	/**
	 * {@code breaker.slow-call-rate-threshold}: slow-call rate in percent at which the
	 * breaker opens.
	 */
	public static final float BREAKER_SLOW_CALL_RATE_THRESHOLD = 100;

	private Defaults() {
	}

}
