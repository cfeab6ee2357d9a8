package io.canarygateway.control;

import java.util.concurrent.atomic.AtomicInteger;

import io.canarygateway.core.Verdict;

/**
 * A kill switch that counts what it is told: held open between a trip and a reset, or
 * opened "by itself" by {@link #openOnFailures(Verdict)}, which tells the listener as a
 * real breaker does.
 */
final class RecordingKillSwitch implements KillSwitch {

	final AtomicInteger trips = new AtomicInteger();

	final AtomicInteger resets = new AtomicInteger();

	final AtomicInteger records = new AtomicInteger();

	private final Listener listener;

	private volatile boolean forcedOpen;

	private volatile Verdict openedOn;

	RecordingKillSwitch(Listener listener) {
		this.listener = listener;
	}

	/** Opens the switch as failures would, and tells the listener. */
	void openOnFailures(Verdict evidence) {
		this.openedOn = evidence;
		this.listener.opened();
	}

	@Override
	public boolean allowsCanary() {
		return !this.forcedOpen && this.openedOn == null;
	}

	@Override
	public void trip() {
		this.trips.incrementAndGet();
		this.forcedOpen = true;
		this.openedOn = null;
	}

	@Override
	public void reset() {
		this.resets.incrementAndGet();
		this.forcedOpen = false;
		this.openedOn = null;
	}

	@Override
	public void record(long latencyNanos, boolean failure) {
		this.records.incrementAndGet();
	}

	@Override
	public Verdict openedByItself() {
		return this.openedOn;
	}

	@Override
	public String stateName() {
		return this.forcedOpen ? "FORCED_OPEN" : (this.openedOn != null) ? "OPEN" : "CLOSED";
	}

}
