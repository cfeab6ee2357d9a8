package io.canarygateway.core;

import java.time.Duration;
import java.time.Instant;

/**
 * The progression policy: what one verdict of the judge means for a release. A pure
 * function — the step's progress, the release's record, the verdict and the time of the
 * look in; the step's next progress and the automatic action out. No clock is read and
 * nothing is stored: the caller applies the action (docs/analysis.md, "Progression").
 * <ul>
 * <li>{@code failure-threshold} failed verdicts in a row → {@link Action#ROLL_BACK}
 * (reason {@code analysis});</li>
 * <li>one failed verdict blocks the step: it is not left until a new step begins, even if
 * later verdicts pass;</li>
 * <li>a passing verdict after {@code step-interval} in the step, with no failure in it →
 * {@link Action#ADVANCE};</li>
 * <li>{@code progress-deadline} in the step without advancing → {@link Action#HALT}
 * (pause, reason {@code deadline});</li>
 * <li>a paused release is still judged and can still be rolled back, but it neither
 * advances nor halts.</li>
 * </ul>
 * The analysis windows follow the steps: {@link #begin(ReleaseStatus)} starts a step's
 * progress when the record names a new step (another rollout, weight or step start).
 */
public final class Progression {

	private final int failureThreshold;

	private final Duration stepInterval;

	private final Duration progressDeadline;

	public Progression(ReleaseConfig config) {
		this(config.analysis().failureThreshold(), config.stepInterval(), config.progressDeadline());
	}

	/**
	 * @param failureThreshold failed verdicts in a row that roll back
	 * @param stepInterval the least time in a step before it may be left
	 * @param progressDeadline the time in a step after which the release pauses
	 */
	public Progression(int failureThreshold, Duration stepInterval, Duration progressDeadline) {
		this.failureThreshold = failureThreshold;
		this.stepInterval = stepInterval;
		this.progressDeadline = progressDeadline;
	}

	/** The progress of the step a record is in, before its first look. */
	public Step begin(ReleaseStatus status) {
		return new Step(status.rollout(), status.weight(), status.stepStartedAt(), 0, 0, false);
	}

	/**
	 * What a verdict calls for.
	 * @param step the step's progress, {@link Step#looks()} already counting this look
	 * @param status the record the verdict was made on
	 * @param result the verdict
	 * @param now when the look was made
	 * @return the step's progress after this verdict and the action to take, if any
	 */
	public Decision decide(Step step, ReleaseStatus status, Verdict.Result result, Instant now) {
		if (result == Verdict.Result.FAIL) {
			Step failed = step.withFailures(step.failuresInRow() + 1, true);
			return (failed.failuresInRow() >= this.failureThreshold)
					? new Decision(failed, Action.ROLL_BACK, Reason.ANALYSIS) : new Decision(failed, null, null);
		}
		Step next = step.withFailures(0, step.failedInStep());
		if (status.state() != ReleaseState.PROGRESSING) {
			return new Decision(next, null, null);
		}
		Duration inStep = Duration.between(status.stepStartedAt(), now);
		if (result == Verdict.Result.PASS && !next.failedInStep() && inStep.compareTo(this.stepInterval) >= 0) {
			return new Decision(next, Action.ADVANCE, Reason.SCHEDULE);
		}
		if (inStep.compareTo(this.progressDeadline) >= 0) {
			return new Decision(next, Action.HALT, Reason.DEADLINE);
		}
		return new Decision(next, null, null);
	}

	/**
	 * The progress of one step: which step it is and what the judge said in it so far.
	 *
	 * @param rollout the rollout the step belongs to
	 * @param weight the step's weight
	 * @param startedAt when the step began
	 * @param looks verdicts asked for in the step (the judge spends its error budget by
	 * this count)
	 * @param failuresInRow failed verdicts since the last one that did not fail
	 * @param failedInStep whether any verdict of the step failed
	 */
	public record Step(long rollout, int weight, Instant startedAt, int looks, int failuresInRow,
			boolean failedInStep) {

		/**
		 * Whether a record is still in this step (same rollout, weight and step start).
		 */
		public boolean isFor(ReleaseStatus status) {
			return status.rollout() == this.rollout && status.weight() == this.weight
					&& status.stepStartedAt().equals(this.startedAt);
		}

		/** This step with one more look. */
		public Step looked() {
			return new Step(this.rollout, this.weight, this.startedAt, this.looks + 1, this.failuresInRow,
					this.failedInStep);
		}

		Step withFailures(int inRow, boolean inStep) {
			return new Step(this.rollout, this.weight, this.startedAt, this.looks, inRow, inStep);
		}

	}

	/**
	 * What one verdict calls for.
	 *
	 * @param step the step's progress after the verdict
	 * @param action the automatic action to take, or {@code null} for none
	 * @param reason why ({@code analysis}, {@code schedule} or {@code deadline});
	 * {@code null} without an action
	 */
	public record Decision(Step step, Action action, Reason reason) {
	}

}
