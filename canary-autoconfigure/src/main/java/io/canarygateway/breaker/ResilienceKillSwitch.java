package io.canarygateway.breaker;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;

import io.canarygateway.control.KillSwitch;

/**
 * The kill switch of a release on a Resilience4j {@link CircuitBreaker} named {@code canary-<release>}: canary
 * traffic flows only while it is CLOSED; canary outcomes are recorded in it; when it opens by itself the
 * {@code onOpen} callback is told (the release then rolls back and the breaker is held FORCED_OPEN, so no real
 * user probes a broken canary through HALF_OPEN).
 */
public class ResilienceKillSwitch implements KillSwitch {

	private static final RuntimeException FAILURE = new CanaryFailure();

	private final CircuitBreaker breaker;

	/**
	 * @param breaker the release's breaker
	 * @param onOpen told, on the recording thread, when failures open the breaker
	 */
	public ResilienceKillSwitch(CircuitBreaker breaker, Consumer<CircuitBreaker> onOpen) {
		this.breaker = breaker;
		breaker.getEventPublisher().onStateTransition((event) -> {
			if (event.getStateTransition().getToState() == State.OPEN) {
				onOpen.accept(breaker);
			}
		});
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
	}

	@Override
	public String stateName() {
		return this.breaker.getState().name();
	}

	/**
	 * What a failed canary request is recorded as: one shared instance without a stack trace, so no exception is
	 * built per failure (Resilience4j still builds an event per call while listeners are registered: see
	 * docs/benchmarks.md).
	 */
	static final class CanaryFailure extends RuntimeException {

		CanaryFailure() {
			super("canary request failed (5xx, connection failure or timeout)", null, false, false);
		}

	}

}
