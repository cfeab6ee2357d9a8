package io.canarygateway.loadbalancer;

import java.util.ArrayList;
import java.util.List;

import org.springframework.cloud.client.ServiceInstance;

import io.canarygateway.core.Lane;

/**
 * Which instances of a load-balanced service one lane of one release may reach. Put on the exchange by the
 * canary filter and read by {@link VersionAwareServiceInstanceListSupplier}.
 * <p>
 * Stable reaches instances whose version metadata is the stable version, or that have none; canary reaches
 * instances of the canary version only, and stable ones when there is no canary instance (a fallback the filter
 * counts). No lane ever reaches a third version.
 * <p>
 * The filtered list is cached against the identity of the list it came from, so while the supplier chain serves
 * the same cached list (the usual case) a request costs no allocation here.
 */
public final class LaneTarget {

	private final String metadataKey;

	private final String stableVersion;

	private final String canaryVersion;

	private final Lane lane;

	private volatile Filtered cache;

	public LaneTarget(String metadataKey, String stableVersion, String canaryVersion, Lane lane) {
		this.metadataKey = metadataKey;
		this.stableVersion = stableVersion;
		this.canaryVersion = canaryVersion;
		this.lane = lane;
	}

	public Lane lane() {
		return this.lane;
	}

	/** The instances this lane may reach out of {@code instances}. */
	public List<ServiceInstance> select(List<ServiceInstance> instances) {
		Filtered cached = this.cache;
		if (cached != null && cached.source == instances) {
			return cached.result;
		}
		List<ServiceInstance> result = (this.lane == Lane.CANARY) ? canaryOrStable(instances) : stable(instances);
		this.cache = new Filtered(instances, result);
		return result;
	}

	/** The version an instance serves: its metadata, or the stable version when it has none. */
	public String versionOf(ServiceInstance instance) {
		String version = (instance.getMetadata() != null) ? instance.getMetadata().get(this.metadataKey) : null;
		return (version == null || version.isBlank()) ? this.stableVersion : version;
	}

	private List<ServiceInstance> canaryOrStable(List<ServiceInstance> instances) {
		List<ServiceInstance> canary = new ArrayList<>();
		for (ServiceInstance instance : instances) {
			if (this.canaryVersion.equals(versionOf(instance))) {
				canary.add(instance);
			}
		}
		return canary.isEmpty() ? stable(instances) : List.copyOf(canary);
	}

	private List<ServiceInstance> stable(List<ServiceInstance> instances) {
		List<ServiceInstance> stable = new ArrayList<>();
		for (ServiceInstance instance : instances) {
			if (this.stableVersion.equals(versionOf(instance))) {
				stable.add(instance);
			}
		}
		return List.copyOf(stable);
	}

	@Override
	public String toString() {
		return this.lane.value() + " (" + (this.lane == Lane.CANARY ? this.canaryVersion : this.stableVersion) + ")";
	}

	private record Filtered(List<ServiceInstance> source, List<ServiceInstance> result) {
	}

}
