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

	private StepSchedule(int[] steps, boolean[] gate) {
		this.steps = steps;
		this.gate = gate;
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
		return new StepSchedule(weights, gates);
	}

	/** How many steps there are. */
	public int size() {
		return this.steps.length;
	}

	/** The weight of step {@code index}. */
	public int weight(int index) {
		return this.steps[index];
	}

	/** Whether progression waits for an operator on reaching step {@code index}. */
	public boolean isGate(int index) {
		return this.gate[index];
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
