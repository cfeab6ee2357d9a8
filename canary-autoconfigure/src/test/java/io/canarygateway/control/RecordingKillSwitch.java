package io.canarygateway.control;

import java.util.concurrent.atomic.AtomicInteger;

/** A kill switch that counts what it is told and is open only between a trip and a reset. */
final class RecordingKillSwitch implements KillSwitch {

	final AtomicInteger trips = new AtomicInteger();

	final AtomicInteger resets = new AtomicInteger();

	final AtomicInteger records = new AtomicInteger();

	private volatile boolean open;

	@Override
	public boolean allowsCanary() {
		return !this.open;
	}

	@Override
	public void trip() {
		this.trips.incrementAndGet();
		this.open = true;
	}

	@Override
	public void reset() {
		this.resets.incrementAndGet();
		this.open = false;
	}

	@Override
	public void record(long latencyNanos, boolean failure) {
		this.records.incrementAndGet();
	}

	@Override
	public String stateName() {
		return this.open ? "FORCED_OPEN" : "CLOSED";
	}

}
