package io.canarygateway.core;

import java.util.Arrays;
import java.util.List;

/**
 * The canary weights a release moves through, and the weights at which it waits for an
 * operator. Immutable; weights are percent in (0,100], strictly increasing.
 */
public final class StepSchedule {

	private final int[] steps;

	private final boolean[] gate;

	private final boolean preRollout;

	private StepSchedule(int[] steps, boolean[] gate, boolean preRollout) {
		this.steps = steps;
		this.gate = gate;
		this.preRollout = preRollout;
	}

	/**
	 * A schedule from already validated steps and gates (see
	 * {@link ReleaseConfig#violations()}).
	 */
	public static StepSchedule of(List<Integer> steps, List<Integer> manualGates) {
		int[] weights = steps.stream().mapToInt(Integer::intValue).toArray();
		boolean[] gates = new boolean[weights.length];
		for (int i = 0; i < weights.length; i++) {
			gates[i] = manualGates.contains(weights[i]);
		}
		return new StepSchedule(weights, gates, false);
	}

	/**
	 * This schedule with a pre-rollout phase: a rollout begins at weight 0, before the
	 * first step (index -1), and moves to the first step only when advanced
	 * (docs/integrations.md, "pre-rollout").
	 */
	public StepSchedule withPreRollout() {
		return new StepSchedule(this.steps, this.gate, true);
	}

	/** Whether a rollout begins at weight 0, before the first step. */
	public boolean hasPreRollout() {
		return this.preRollout;
	}

	/** The index a rollout begins at: 0, or -1 with a pre-rollout phase. */
	public int first() {
		return this.preRollout ? -1 : 0;
	}

	/** How many steps there are. */
	public int size() {
		return this.steps.length;
	}

	/** The weight of step {@code index}; 0 for -1 (before the first step). */
	public int weight(int index) {
		return (index < 0) ? 0 : this.steps[index];
	}

	/** Whether progression waits for an operator on reaching step {@code index}. */
	public boolean isGate(int index) {
		return index >= 0 && this.gate[index];
	}

	/**
	 * The index of the first step whose weight is above {@code weight}, or -1 when there
	 * is none.
	 */
	public int nextAbove(int weight) {
		for (int i = 0; i < this.steps.length; i++) {
			if (this.steps[i] > weight) {
				return i;
			}
		}
		return -1;
	}

	/**
	 * The index of the last step whose weight is at most {@code weight}, or -1 when there
	 * is none.
	 */
	public int indexAtOrBelow(int weight) {
		int index = -1;
		for (int i = 0; i < this.steps.length && this.steps[i] <= weight; i++) {
			index = i;
		}
		return index;
	}

	/** The weights, in order. */
	public List<Integer> weights() {
		return Arrays.stream(this.steps).boxed().toList();
	}

	@Override
	public String toString() {
		return Arrays.toString(this.steps);
	}

}
