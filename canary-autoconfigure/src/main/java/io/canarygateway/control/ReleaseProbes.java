package io.canarygateway.control;

import java.util.List;

import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;

/**
 * The probes of one release, by the part they play in its looks (docs/integrations.md).
 *
 * @param preRollout gates between a start and the first step: the release stays at weight
 * 0 until all pass at one look
 * @param checks step hooks and metric checks, folded into every verdict
 * @param confirmPromotion gates before the promotion: the release stays at its last step
 * until all pass
 */
public record ReleaseProbes(List<Probe> preRollout, List<Probe> checks, List<Probe> confirmPromotion) {

	/** A release without probes. */
	public static final ReleaseProbes NONE = new ReleaseProbes(List.of(), List.of(), List.of());

	public ReleaseProbes {
		preRollout = List.copyOf(preRollout);
		checks = List.copyOf(checks);
		confirmPromotion = List.copyOf(confirmPromotion);
	}

	/** Whether the release has no probe at all. */
	public boolean isEmpty() {
		return this.preRollout.isEmpty() && this.checks.isEmpty() && this.confirmPromotion.isEmpty();
	}

	/**
	 * Whether a record waits for the pre-rollout gates: progressing at weight 0, before
	 * the first step.
	 */
	boolean waitsForPreRollout(ReleaseStatus status) {
		return !this.preRollout.isEmpty() && status.state() == ReleaseState.PROGRESSING && status.step() < 0
				&& status.weight() == 0;
	}

}
