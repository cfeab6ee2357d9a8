package io.canarygateway.core;

import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The release state machine (docs/operations.md, "Actions"; docs/analysis.md,
 * "Progression") as a transition table: which action is allowed from which state, where
 * it is a no-op, and what it leads to. A pure function of its inputs, so a store can
 * compute the next record and compare-and-set it, retrying on a conflict.
 */
public final class Lifecycle {

	private static final Map<Action, Set<ReleaseState>> ALLOWED = new EnumMap<>(Action.class);

	private static final Map<Action, ReleaseState> NO_OP = new EnumMap<>(Action.class);

	static {
		ALLOWED.put(Action.START, EnumSet.of(ReleaseState.IDLE, ReleaseState.PROMOTED, ReleaseState.ROLLED_BACK));
		ALLOWED.put(Action.PAUSE, EnumSet.of(ReleaseState.PROGRESSING));
		ALLOWED.put(Action.RESUME, EnumSet.of(ReleaseState.PAUSED));
		ALLOWED.put(Action.PROMOTE, EnumSet.of(ReleaseState.PROGRESSING, ReleaseState.PAUSED));
		ALLOWED.put(Action.ABORT, EnumSet.of(ReleaseState.PROGRESSING, ReleaseState.PAUSED, ReleaseState.PROMOTED));
		ALLOWED.put(Action.WEIGHT, EnumSet.of(ReleaseState.PROGRESSING, ReleaseState.PAUSED));
		ALLOWED.put(Action.ADVANCE, EnumSet.of(ReleaseState.PROGRESSING));
		ALLOWED.put(Action.ROLL_BACK, EnumSet.of(ReleaseState.PROGRESSING, ReleaseState.PAUSED));
		ALLOWED.put(Action.HALT, EnumSet.of(ReleaseState.PROGRESSING));
		NO_OP.put(Action.PAUSE, ReleaseState.PAUSED);
		NO_OP.put(Action.RESUME, ReleaseState.PROGRESSING);
		NO_OP.put(Action.PROMOTE, ReleaseState.PROMOTED);
		NO_OP.put(Action.ABORT, ReleaseState.ROLLED_BACK);
	}

	private Lifecycle() {
	}

	/** The states {@code action} is allowed from. */
	public static Set<ReleaseState> allowedFrom(Action action) {
		return EnumSet.copyOf(ALLOWED.get(action));
	}

	/**
	 * Applies an action to a release.
	 * @param current the release's current record
	 * @param schedule the release's step schedule
	 * @param action what to do
	 * @param weight the new weight for {@link Action#WEIGHT}, ignored otherwise
	 * @param reason the reason recorded with the transition
	 * @param by who acts ({@link Transition#by()})
	 * @param evidence the verdict behind an automatic action, or {@code null}
	 * @param now the time of the change
	 * @return the outcome: a changed record, the unchanged one for a no-op, or a refusal
	 * saying why
	 */
	public static Outcome apply(ReleaseStatus current, StepSchedule schedule, Action action, int weight, Reason reason,
			String by, Verdict evidence, Instant now) {
		ReleaseState from = current.state();
		if (NO_OP.get(action) == from) {
			return new Outcome(current, false, null, false);
		}
		if (!ALLOWED.get(action).contains(from)) {
			return Outcome.refused(current, "cannot " + action.path().replace('_', ' ') + " release '"
					+ current.release() + "' in state " + from + "; allowed from " + ALLOWED.get(action));
		}
		if (action == Action.WEIGHT && (weight < 0 || weight > 100)) {
			return Outcome.invalid(current, "weight must be between 0 and 100, was " + weight);
		}
		if (action == Action.START && current.canaryVersion() == null) {
			return Outcome.refused(current, "release '" + current.release()
					+ "' has no canary version to start; name one: {\"version\": \"...\"}");
		}
		Versions versions = current.versions();
		long rollout = current.rollout();
		Instant stepStart = current.stepStartedAt();
		ReleaseState to;
		int newWeight;
		int step;
		switch (action) {
			case START -> {
				return enterStep(current, versions, schedule, schedule.first(), rollout + 1, reason, by, evidence, now);
			}
			case ADVANCE -> {
				int next = schedule.nextAbove(current.weight());
				if (next < 0) {
					to = ReleaseState.PROMOTED;
					newWeight = 100;
					step = schedule.size() - 1;
					stepStart = now;
				}
				else {
					return enterStep(current, versions, schedule, next, rollout, reason, by, evidence, now);
				}
			}
			case PAUSE, HALT -> {
				to = ReleaseState.PAUSED;
				newWeight = current.weight();
				step = current.step();
			}
			case RESUME -> {
				to = ReleaseState.PROGRESSING;
				newWeight = current.weight();
				step = current.step();
				// a fresh window: the time spent paused must not count against the
				// progress deadline
				stepStart = now;
			}
			case PROMOTE -> {
				to = ReleaseState.PROMOTED;
				newWeight = 100;
				step = schedule.size() - 1;
				stepStart = now;
			}
			case ABORT, ROLL_BACK -> {
				to = ReleaseState.ROLLED_BACK;
				versions = versions.rollingBack();
				newWeight = 0;
				step = current.step();
				stepStart = now;
			}
			case WEIGHT -> {
				to = ReleaseState.PAUSED;
				newWeight = weight;
				step = schedule.indexAtOrBelow(weight);
				if (weight != current.weight()) {
					stepStart = now;
				}
			}
			default -> throw new IllegalStateException("unhandled action " + action);
		}
		Transition transition = new Transition(now, from, to, reason, newWeight, evidence, by, versions.canary());
		return new Outcome(current.next(versions, rollout, to, newWeight, step, reason, stepStart, transition), true,
				null, false);
	}

	/**
	 * Starts a rollout of a version given at runtime (docs/operations.md, "Shipping the
	 * next version"), allowed from every state: from {@code PROMOTED} the promoted canary
	 * becomes the stable version the new one is compared with; from {@code PROGRESSING}
	 * or {@code PAUSED} the new version supersedes the rollout in flight (the same
	 * version there is refused); otherwise the new version rolls out against the current
	 * stable. {@code version == null} is a plain {@link Action#START}.
	 * @return the outcome; {@link Outcome#invalid()} when the version is malformed or
	 * would be the stable version itself
	 */
	public static Outcome start(ReleaseStatus current, StepSchedule schedule, String version, Reason reason, String by,
			Instant now) {
		if (version == null) {
			return apply(current, schedule, Action.START, 0, reason, by, null, now);
		}
		String problem = current.versions().problemOf(version);
		if (problem != null) {
			return Outcome.invalid(current, problem);
		}
		if (ServiceVersions.isSet(version)) {
			version = ServiceVersions.canonical(version);
		}
		ReleaseState from = current.state();
		if (from.isSplitting() && version.equals(current.canaryVersion())) {
			return Outcome.refused(current, "release '" + current.release() + "' is already rolling out version "
					+ version + " (" + from + " at " + current.weight() + " %)");
		}
		Versions versions = current.versions().rollout(version, from == ReleaseState.PROMOTED);
		String unchanged = ServiceVersions.isSet(version) ? ServiceVersions.unchanged(version, versions.stable())
				: null;
		if (unchanged != null) {
			return Outcome.invalid(current,
					"service " + unchanged + ": version " + ServiceVersions.versionOf(version, unchanged)
							+ " is its stable version in release '" + current.release() + "'"
							+ ((from == ReleaseState.PROMOTED) ? " (promoted)" : "")
							+ "; a rollout needs another version of every service of the release");
		}
		if (version.equals(versions.stable())) {
			return Outcome.invalid(current,
					"version " + version + " is the stable version of release '" + current.release() + "'"
							+ ((from == ReleaseState.PROMOTED) ? " (promoted)" : "")
							+ "; a rollout needs another version");
		}
		return enterStep(current, versions, schedule, schedule.first(), current.rollout() + 1, reason, by, null, now);
	}

	private static Outcome enterStep(ReleaseStatus current, Versions versions, StepSchedule schedule, int index,
			long rollout, Reason reason, String by, Verdict evidence, Instant now) {
		int weight = schedule.weight(index);
		boolean gate = schedule.isGate(index);
		ReleaseState to = gate ? ReleaseState.PAUSED : ReleaseState.PROGRESSING;
		Reason why = gate ? Reason.GATE : reason;
		Transition transition = new Transition(now, current.state(), to, why, weight, evidence, by, versions.canary());
		return new Outcome(current.next(versions, rollout, to, weight, index, why, now, transition), true, null, false);
	}

	/**
	 * What an action came to.
	 *
	 * @param status the record after the action (the current one when nothing changed)
	 * @param changed whether the record changed
	 * @param refusal why the action is not allowed or not valid, or {@code null} when it
	 * was applied (or a no-op)
	 * @param invalid whether it was refused for its input (a malformed version, a weight
	 * out of range: the endpoint answers 400) rather than for the release's state (409)
	 */
	public record Outcome(ReleaseStatus status, boolean changed, String refusal, boolean invalid) {

		static Outcome refused(ReleaseStatus current, String why) {
			return new Outcome(current, false, why, false);
		}

		static Outcome invalid(ReleaseStatus current, String why) {
			return new Outcome(current, false, why, true);
		}

		/** Whether the action was refused, for the release's state or for its input. */
		public boolean refused() {
			return this.refusal != null;
		}

	}

}
