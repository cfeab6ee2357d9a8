package io.canarygateway.loadbalancer;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.canarygateway.core.Lane;
import io.canarygateway.core.ServiceVersions;
import io.canarygateway.core.Versions;

/**
 * The {@link LaneTarget}s of both lanes for one set of a release's versions, per service.
 * A request takes the set of the record it was decided on and keeps it to the end, retry
 * included, so it never reaches a version of another rollout even when the versions move
 * forward meanwhile.
 * <p>
 * A single-service release has the same versions on every route; a release of several
 * services (docs/multi-service.md) has each service's own. Either way the targets of a
 * service are made on its first request and then found by one map lookup.
 */
public final class LaneTargets {

	private final String metadataKey;

	private final Versions versions;

	/** Each service's stable and canary versions; {@code null} for one service. */
	private final Map<String, String> stable;

	private final Map<String, String> canary;

	private final Map<String, LaneTarget[]> byService = new ConcurrentHashMap<>();

	public LaneTargets(String metadataKey, Versions versions) {
		this.metadataKey = metadataKey;
		this.versions = versions;
		boolean set = ServiceVersions.isSet(versions.stable());
		this.stable = set ? ServiceVersions.parse(versions.stable()) : null;
		this.canary = (set && versions.canary() != null) ? ServiceVersions.parse(versions.canary()) : null;
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

	/**
	 * The target of a lane on a route to {@code service}.
	 * @param service the route's service id, lower case
	 * ({@link ServiceVersions#normalize})
	 */
	public LaneTarget target(Lane lane, String service) {
		LaneTarget[] targets = this.byService.get(service);
		if (targets == null) {
			targets = this.byService.computeIfAbsent(service, this::targets);
		}
		return targets[lane.ordinal()];
	}

	private LaneTarget[] targets(String service) {
		String stableVersion;
		String canaryVersion;
		String stableHeader;
		String canaryHeader;
		if (this.stable == null) {
			stableVersion = this.versions.stable();
			canaryVersion = this.versions.canary();
			stableHeader = service + "=" + stableVersion;
			canaryHeader = (canaryVersion != null) ? service + "=" + canaryVersion : null;
		}
		else {
			stableHeader = this.versions.stable();
			canaryHeader = this.versions.canary();
			if (!this.stable.containsKey(service)) {
				return new LaneTarget[] { LaneTarget.unrestricted(Lane.STABLE, stableHeader, canaryHeader),
						LaneTarget.unrestricted(Lane.CANARY, stableHeader, canaryHeader) };
			}
			stableVersion = this.stable.get(service);
			canaryVersion = (this.canary != null) ? this.canary.get(service) : null;
		}
		return new LaneTarget[] {
				LaneTarget.of(this.metadataKey, stableVersion, canaryVersion, Lane.STABLE, stableHeader, canaryHeader),
				LaneTarget.of(this.metadataKey, stableVersion, canaryVersion, Lane.CANARY, stableHeader,
						canaryHeader) };
	}

}
