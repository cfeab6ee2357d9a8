package io.canarygateway.loadbalancer;

import java.util.Objects;

import io.canarygateway.core.Lane;
import io.canarygateway.core.Versions;

/**
 * The {@link LaneTarget}s of both lanes for one set of a release's versions. A request
 * takes the set of the record it was decided on and keeps it to the end, retry included,
 * so it never reaches a version of another rollout even when the versions move forward
 * meanwhile.
 */
public final class LaneTargets {

	private final Versions versions;

	private final LaneTarget[] targets;

	public LaneTargets(String metadataKey, Versions versions) {
		this.versions = versions;
		this.targets = new LaneTarget[] {
				new LaneTarget(metadataKey, versions.stable(), versions.canary(), Lane.STABLE),
				new LaneTarget(metadataKey, versions.stable(), versions.canary(), Lane.CANARY) };
	}

	/** The versions these targets serve. */
	public Versions versions() {
		return this.versions;
	}

	/** Whether these targets serve the lanes of {@code versions}. */
	public boolean serves(Versions other) {
		return other == this.versions || (other.stable().equals(this.versions.stable())
				&& Objects.equals(other.canary(), this.versions.canary()));
	}

	/** The target of a lane. */
	public LaneTarget target(Lane lane) {
		return this.targets[lane.ordinal()];
	}

}
