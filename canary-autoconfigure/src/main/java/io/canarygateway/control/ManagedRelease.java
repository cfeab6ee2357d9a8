package io.canarygateway.control;

import java.util.concurrent.atomic.AtomicBoolean;

import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.StepSchedule;
import io.canarygateway.core.Verdict;

/**
 * One configured release as this gateway runs it: its configuration, the last record it
 * knows, its kill switch and its last verdict. Request threads read it without locks (one
 * volatile read per field); only the {@link ReleaseController} writes it.
 */
public final class ManagedRelease {

	private final ReleaseConfig config;

	private final StepSchedule schedule;

	private final KillSwitch killSwitch;

	private volatile ReleaseStatus status;

	private volatile Verdict lastVerdict;

	/** What a gate holds the release for, or {@code null}. */
	private volatile String waiting;

	/** The rollout whose start last reset the kill switch. */
	private long switchRollout = -1;

	/**
	 * Set while the rollback a kill switch that opened calls for is queued on the
	 * controller's thread.
	 */
	final AtomicBoolean switchRollbackQueued = new AtomicBoolean();

	/**
	 * Set while a rollback the kill switch called for waits for the store (logged once).
	 */
	final AtomicBoolean pendingSwitchRollbackLogged = new AtomicBoolean();

	/**
	 * Set while the release waits to be set up because its stored record could not be
	 * read at start.
	 */
	volatile boolean waitingForRecord;

	/** Held while a waiting release is being set up. */
	final Object waitingForRecordLock = new Object();

	ManagedRelease(ReleaseConfig config, StepSchedule schedule, KillSwitch killSwitch, ReleaseStatus status) {
		this.config = config;
		this.schedule = schedule;
		this.killSwitch = killSwitch;
		this.status = status;
	}

	public String name() {
		return this.config.name();
	}

	public ReleaseConfig config() {
		return this.config;
	}

	public StepSchedule schedule() {
		return this.schedule;
	}

	public KillSwitch killSwitch() {
		return this.killSwitch;
	}

	/** The latest record this gateway knows. */
	public ReleaseStatus status() {
		return this.status;
	}

	/** The latest verdict of the judge, or {@code null} before the first look. */
	public Verdict lastVerdict() {
		return this.lastVerdict;
	}

	public void lastVerdict(Verdict verdict) {
		this.lastVerdict = verdict;
	}

	/**
	 * What a webhook gate holds the release for as this gateway last saw it (e.g.
	 * {@code waiting for confirm-promotion hook 'approve': 403}), or {@code null} when
	 * none does.
	 */
	public String waiting() {
		return this.waiting;
	}

	void waiting(String waiting) {
		this.waiting = waiting;
	}

	/**
	 * Takes a newer record and brings the kill switch in line with it: held open after a
	 * rollback, reset once at the start of each rollout. Older or equal revisions are
	 * ignored.
	 * @return whether the record was newer
	 */
	synchronized boolean accept(ReleaseStatus next) {
		if (next.revision() <= this.status.revision() && this.switchRollout >= 0) {
			return false;
		}
		if (next.revision() > this.status.revision()) {
			this.status = next;
		}
		ReleaseStatus current = this.status;
		switch (current.state()) {
			case ROLLED_BACK -> this.killSwitch.trip();
			case PROGRESSING, PAUSED -> {
				if (current.rollout() > this.switchRollout) {
					this.killSwitch.reset();
				}
			}
			default -> {
			}
		}
		this.switchRollout = Math.max(this.switchRollout, current.rollout());
		return true;
	}

}
