package io.canarygateway.event;

import org.springframework.context.ApplicationEvent;

import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Verdict;

/**
 * Published for every transition this gateway makes, so that applications can notify
 * people or systems (chat, paging, deployment tooling). A listener that throws is logged
 * and changes nothing.
 */
public class CanaryTransitionEvent extends ApplicationEvent {

	private final ReleaseStatus status;

	private final Transition transition;

	public CanaryTransitionEvent(Object source, ReleaseStatus status, Transition transition) {
		super(source);
		this.status = status;
		this.transition = transition;
	}

	/** The release name. */
	public String getRelease() {
		return this.status.release();
	}

	public ReleaseState getFrom() {
		return this.transition.from();
	}

	public ReleaseState getTo() {
		return this.transition.to();
	}

	public Reason getReason() {
		return this.transition.reason();
	}

	/** The canary weight after the transition. */
	public int getWeight() {
		return this.transition.weight();
	}

	/**
	 * The verdict that caused the transition, or {@code null} (e.g. for a manual action).
	 */
	public Verdict getEvidence() {
		return this.transition.evidence();
	}

	/** The release's whole record after the transition. */
	public ReleaseStatus getStatus() {
		return this.status;
	}

	public Transition getTransition() {
		return this.transition;
	}

	@Override
	public String toString() {
		return "CanaryTransitionEvent[" + getRelease() + ": " + getFrom() + " -> " + getTo() + " (" + getReason().tag()
				+ ", weight " + getWeight() + ")]";
	}

}
