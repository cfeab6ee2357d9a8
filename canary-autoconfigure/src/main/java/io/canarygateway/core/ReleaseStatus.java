package io.canarygateway.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The state of one release at one moment: the single record a {@code ReleaseStore} keeps
 * per release and replaces by compare-and-set on {@link #revision()}. Immutable.
 *
 * @param release the release name
 * @param versions the release's stable, canary and previous versions: the record, not the
 * configuration, says which versions serve
 * @param revision increases by one with every change; what a store compares before it
 * swaps
 * @param rollout increases by one with every start; a breaker or analysis window belongs
 * to one rollout
 * @param state the lifecycle state
 * @param weight the canary weight in percent
 * @param step index of the current step in the schedule, -1 before the first step or
 * below it
 * @param reason why the last change happened
 * @param stepStartedAt when the current step (and so the analysis window) began
 * @param history the most recent transitions, oldest first, at most
 * {@link #HISTORY_LIMIT}
 */
public record ReleaseStatus(String release, Versions versions, long revision, long rollout, ReleaseState state,
		int weight, int step, Reason reason, Instant stepStartedAt, List<Transition> history) {

	/** How many transitions a record keeps. */
	public static final int HISTORY_LIMIT = 50;

	public ReleaseStatus {
		Objects.requireNonNull(versions, "versions must not be null");
		history = List.copyOf(history);
	}

	/** The record of a release that was never started. */
	public static ReleaseStatus idle(String release, Versions versions, Instant now) {
		return new ReleaseStatus(release, versions, 1, 0, ReleaseState.IDLE, 0, -1, Reason.SCHEDULE, now, List.of());
	}

	/** The version that serves by default. */
	public String stableVersion() {
		return this.versions.stable();
	}

	/** The version being rolled out, or {@code null} when there is none. */
	public String canaryVersion() {
		return this.versions.canary();
	}

	/** The last transition, or {@code null} when there was none. */
	public Transition lastTransition() {
		return this.history.isEmpty() ? null : this.history.get(this.history.size() - 1);
	}

	/**
	 * The record after a change, one revision later, with the transition appended to the
	 * history.
	 */
	ReleaseStatus next(Versions versions, long rollout, ReleaseState state, int weight, int step, Reason reason,
			Instant stepStartedAt, Transition transition) {
		List<Transition> events = new ArrayList<>(Math.min(this.history.size() + 1, HISTORY_LIMIT));
		int from = Math.max(0, this.history.size() + 1 - HISTORY_LIMIT);
		for (int i = from; i < this.history.size(); i++) {
			events.add(this.history.get(i));
		}
		events.add(transition);
		return new ReleaseStatus(this.release, versions, this.revision + 1, rollout, state, weight, step, reason,
				stepStartedAt, events);
	}

	/**
	 * This record with other versions (same revision: the change it is part of bumps it).
	 */
	public ReleaseStatus withVersions(Versions versions) {
		return new ReleaseStatus(this.release, versions, this.revision, this.rollout, this.state, this.weight,
				this.step, this.reason, this.stepStartedAt, this.history);
	}

	/** This record with another revision, e.g. when a store re-seeds it. */
	public ReleaseStatus withRevision(long revision) {
		return new ReleaseStatus(this.release, this.versions, revision, this.rollout, this.state, this.weight,
				this.step, this.reason, this.stepStartedAt, this.history);
	}

}
