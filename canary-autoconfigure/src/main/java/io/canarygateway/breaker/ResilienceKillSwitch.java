package io.canarygateway.breaker;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import org.jspecify.annotations.Nullable;

import io.canarygateway.control.KillSwitch;
import io.canarygateway.core.LaneFigures;
import io.canarygateway.core.Verdict;

/**
 * The kill switch of a release on a Resilience4j {@link CircuitBreaker} named
 * {@code canary-<release>}: canary traffic flows only while it is CLOSED; canary outcomes
 * are recorded in it; when they open it, the listener is told (the release then rolls
 * back and the breaker is held FORCED_OPEN, so no real user probes a broken canary
 * through HALF_OPEN).
 * <p>
 * The opening is noticed by the request that caused it — its outcome is recorded, then
 * the state read — rather than through the breaker's event publisher: a consumer
 * registered there makes Resilience4j build an event object for every recorded call.
 */
public class ResilienceKillSwitch implements KillSwitch {

	private static final RuntimeException FAILURE = new CanaryFailure();

	private final CircuitBreaker breaker;

	private final Clock clock;

	private final Listener listener;

	private final CanaryBreakerMetrics metrics;

	/** Whether the current opening was reported (cleared by {@link #reset()}). */
	private final AtomicBoolean reported = new AtomicBoolean();

	/**
	 * @param breaker the release's breaker
	 * @param clock the time of the evidence
	 * @param listener told when recorded failures open the breaker
	 * @param metrics where recorded calls are timed ({@link CanaryBreakerMetrics}), or
	 * {@code null} when the breaker's meters are someone else's (the application's own
	 * registry)
	 */
	public ResilienceKillSwitch(CircuitBreaker breaker, Clock clock, Listener listener,
			@Nullable CanaryBreakerMetrics metrics) {
		this.breaker = breaker;
		this.clock = clock;
		this.listener = listener;
		this.metrics = metrics;
	}

	public CircuitBreaker breaker() {
		return this.breaker;
	}

	@Override
	public boolean allowsCanary() {
		return this.breaker.getState() == State.CLOSED;
	}

	@Override
	public void trip() {
		if (this.breaker.getState() != State.FORCED_OPEN) {
			this.breaker.transitionToForcedOpenState();
		}
	}

	@Override
	public void reset() {
		this.breaker.reset();
		this.reported.set(false);
	}

	@Override
	public void record(long latencyNanos, boolean failure) {
		if (this.breaker.getState() != State.CLOSED) {
			return;
		}
		if (failure) {
			this.breaker.onError(latencyNanos, TimeUnit.NANOSECONDS, FAILURE);
		}
		else {
			this.breaker.onSuccess(latencyNanos, TimeUnit.NANOSECONDS);
		}
		if (this.metrics != null) {
			this.metrics.record(latencyNanos, failure);
		}
		if (this.breaker.getState() != State.CLOSED && openedOnOutcomes() && this.reported.compareAndSet(false, true)) {
			this.listener.opened();
		}
	}

	@Override
	public Verdict openedByItself() {
		if (!openedOnOutcomes()) {
			return null;
		}
		CircuitBreaker.Metrics metrics = this.breaker.getMetrics();
		long calls = metrics.getNumberOfBufferedCalls();
		long failed = metrics.getNumberOfFailedCalls();
		float failureRate = metrics.getFailureRate();
		float slowCallRate = metrics.getSlowCallRate();
		float threshold = this.breaker.getCircuitBreakerConfig().getFailureRateThreshold();
		LaneFigures canary = new LaneFigures(calls, failed, (calls > 0) ? (double) failed / calls : 0, 0);
		return new Verdict(Verdict.Result.FAIL, this.clock.instant(), LaneFigures.EMPTY, canary,
				Map.of("breaker.failureRate", (double) failureRate, "breaker.slowCallRate", (double) slowCallRate,
						"breaker.failureRateThreshold", (double) threshold),
				List.of("breaker " + this.breaker.getName() + " opened: failure rate " + failureRate + " % of the last "
						+ calls + " canary calls (threshold " + threshold + " %), slow-call rate " + slowCallRate
						+ " %"));
	}

	/**
	 * OPEN (or HALF_OPEN after it): opened by recorded outcomes, not held open by
	 * {@link #trip()}, not closed.
	 */
	private boolean openedOnOutcomes() {
		State state = this.breaker.getState();
		return state == State.OPEN || state == State.HALF_OPEN;
	}

	@Override
	public String stateName() {
		return this.breaker.getState().name();
	}

	/**
	 * What a failed canary request is recorded as: one shared instance without a stack
	 * trace, so no exception is built per failure.
	 */
	static final class CanaryFailure extends RuntimeException {

		CanaryFailure() {
			super("canary request failed (5xx, connection failure or timeout)", null, false, false);
		}

	}

}
