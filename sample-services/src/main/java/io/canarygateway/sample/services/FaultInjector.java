package io.canarygateway.sample.services;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * Holds the current {@link FaultSettings} of one instance and decides, per demo request,
 * whether it fails and how long it is delayed. Thread-safe; the settings are swapped
 * atomically.
 */
public class FaultInjector {

	private final AtomicReference<FaultSettings> settings;

	private final RandomGenerator random;

	private final Object randomLock = new Object();

	/**
	 * @param initial the settings at startup
	 * @param random the source of randomness; need not be thread-safe (draws are
	 * serialised)
	 */
	public FaultInjector(FaultSettings initial, RandomGenerator random) {
		this.settings = new AtomicReference<>(initial);
		this.random = random;
	}

	/**
	 * @return the current settings
	 */
	public FaultSettings settings() {
		return this.settings.get();
	}

	/**
	 * Applies a change atomically.
	 * @param change computes the new settings from the current ones
	 * @return the new settings
	 * @throws FaultSettings.InvalidFaultException if the result breaks a rule (nothing
	 * changes then)
	 */
	public FaultSettings update(UnaryOperator<FaultSettings> change) {
		return this.settings.updateAndGet((current) -> change.apply(current).validate(UnaryOperator.identity()));
	}

	/** Removes every fault. @return {@link FaultSettings#NONE} */
	public FaultSettings reset() {
		this.settings.set(FaultSettings.NONE);
		return FaultSettings.NONE;
	}

	/**
	 * @return what happens to the next demo request under the current settings
	 */
	public Decision decide() {
		FaultSettings current = this.settings.get();
		double rate = current.errorRate();
		long jitter = current.latencyJitterMs();
		boolean fail;
		long extra = 0;
		synchronized (this.randomLock) {
			fail = rate >= 1 || (rate > 0 && this.random.nextDouble() < rate);
			if (jitter > 0) {
				extra = this.random.nextLong(jitter + 1);
			}
		}
		return new Decision(fail ? current.errorStatus() : 200, fail, current.latencyMs() + extra);
	}

	/**
	 * The fate of one demo request.
	 *
	 * @param status the status it answers with
	 * @param failed whether it is an injected failure
	 * @param delayMs how long it is delayed before answering
	 */
	public record Decision(int status, boolean failed, long delayMs) {
	}

}
