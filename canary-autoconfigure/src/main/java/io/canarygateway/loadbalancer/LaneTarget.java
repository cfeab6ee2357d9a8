package io.canarygateway.loadbalancer;

import java.util.ArrayList;
import java.util.List;

import org.springframework.cloud.client.ServiceInstance;

import io.canarygateway.core.Lane;

/**
 * Which instances of a load-balanced service one lane of one release may reach. Set on
 * the request's {@link LaneRequest} by the canary handling and applied by
 * {@link VersionAwareServiceInstanceListSupplier}.
 * <p>
 * Stable reaches instances whose version ({@link InstanceVersion}) is the stable version,
 * or that have none; canary reaches instances of the canary version only, and stable ones
 * when there is no canary instance (a fallback the canary handling counts). No lane ever
 * reaches a third version.
 * <p>
 * The selection is cached against the identity of the list it came from, so while the
 * supplier chain serves the same cached list (the usual case) a request costs no
 * allocation here.
 */
public final class LaneTarget {

	private final String metadataKey;

	private final String stableVersion;

	private final String canaryVersion;

	private final Lane lane;

	/** {@code X-Canary-Versions} of each lane, or {@code null}. */
	private final String[] versionsHeaders;

	/**
	 * Whether this target offers every instance (a service its release does not name).
	 */
	private final boolean unrestricted;

	private volatile Cached cache;

	private LaneTarget(String metadataKey, String stableVersion, String canaryVersion, Lane lane, String stableHeader,
			String canaryHeader, boolean unrestricted) {
		this.metadataKey = metadataKey;
		this.stableVersion = stableVersion;
		this.canaryVersion = canaryVersion;
		this.lane = lane;
		this.versionsHeaders = new String[] { stableHeader, canaryHeader };
		this.unrestricted = unrestricted;
	}

	/**
	 * The target of one lane for one service.
	 * @param metadataKey the instance metadata that names an instance's version
	 * @param stableVersion the service's stable version
	 * @param canaryVersion the service's canary version, or {@code null} when there is
	 * none
	 * @param lane the lane this target serves
	 * @param stableHeader the {@code X-Canary-Versions} value of a request stable served
	 * @param canaryHeader the {@code X-Canary-Versions} value of a request the canary
	 * served, or {@code null}
	 */
	static LaneTarget of(String metadataKey, String stableVersion, String canaryVersion, Lane lane, String stableHeader,
			String canaryHeader) {
		return new LaneTarget(metadataKey, stableVersion, canaryVersion, lane, stableHeader, canaryHeader, false);
	}

	/**
	 * A target that offers every instance of its service: for a route whose service its
	 * release of several services does not name (startup refuses such a route; one added
	 * at runtime is reported), so that its requests still reach the service.
	 */
	static LaneTarget unrestricted(Lane lane, String stableHeader, String canaryHeader) {
		return new LaneTarget(null, null, null, lane, stableHeader, canaryHeader, true);
	}

	public Lane lane() {
		return this.lane;
	}

	/**
	 * The version of the service that a lane serves, or {@code null} when it has none (an
	 * unrestricted target: unknown).
	 */
	public String version(Lane lane) {
		return (lane == Lane.CANARY) ? this.canaryVersion : this.stableVersion;
	}

	/**
	 * The {@code X-Canary-Versions} value of a request a lane served
	 * (docs/multi-service.md), or {@code null} when there is none.
	 */
	public String versionsHeader(Lane lane) {
		return this.versionsHeaders[lane.ordinal()];
	}

	/** The instances this lane may reach out of {@code instances}, and whose they are. */
	public Selection select(List<ServiceInstance> instances) {
		Cached cached = this.cache;
		if (cached != null && cached.source == instances) {
			return cached.selection;
		}
		Selection selection = this.unrestricted ? new Selection(instances, Lane.STABLE) : (this.lane == Lane.CANARY)
				? canaryOrStable(instances) : new Selection(ofVersion(instances, this.stableVersion), Lane.STABLE);
		this.cache = new Cached(instances, selection);
		return selection;
	}

	/**
	 * The version an instance serves: the one it is tagged with
	 * ({@link InstanceVersion}), or the stable version when it has none.
	 */
	public String versionOf(ServiceInstance instance) {
		String version = InstanceVersion.of(instance, this.metadataKey);
		return (version != null) ? version : this.stableVersion;
	}

	private Selection canaryOrStable(List<ServiceInstance> instances) {
		List<ServiceInstance> canary = ofVersion(instances, this.canaryVersion);
		if (!canary.isEmpty()) {
			return new Selection(canary, Lane.CANARY);
		}
		List<ServiceInstance> stable = ofVersion(instances, this.stableVersion);
		// no instance at all: the attempt fails as a canary attempt, and may be retried
		// on stable
		return stable.isEmpty() ? new Selection(stable, Lane.CANARY) : new Selection(stable, Lane.STABLE);
	}

	private List<ServiceInstance> ofVersion(List<ServiceInstance> instances, String version) {
		if (version == null) {
			// a release without a canary version: no instance is a canary
			return List.of();
		}
		List<ServiceInstance> matching = new ArrayList<>();
		for (ServiceInstance instance : instances) {
			if (version.equals(versionOf(instance))) {
				matching.add(instance);
			}
		}
		return List.copyOf(matching);
	}

	@Override
	public String toString() {
		return this.lane.value() + " (" + (this.lane == Lane.CANARY ? this.canaryVersion : this.stableVersion) + ")";
	}

	/**
	 * What one lane may reach.
	 *
	 * @param instances the instances offered to the balancing algorithm
	 * @param lane the lane they serve (stable for a canary lane that found no canary
	 * instance)
	 */
	public record Selection(List<ServiceInstance> instances, Lane lane) {
	}

	private record Cached(List<ServiceInstance> source, Selection selection) {
	}

}
