package io.canarygateway.propagation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.loadbalancer.core.DelegatingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.http.HttpHeaders;

/**
 * Adds version routing on top of a load balancer's supplier chain (discovery, caching,
 * health checks …): a call whose request carries {@value CanaryHeaders#LANE} and
 * {@value CanaryHeaders#VERSIONS} naming a version for the target service is offered only
 * the instances that lane may reach (docs/multi-service.md, "Which instance a call
 * reaches"):
 * <ul>
 * <li>stable lane: instances tagged with the named version or with none (untagged
 * instances count as stable, as on the gateway); never another version, so never a
 * canary;</li>
 * <li>canary lane: instances tagged with the named version; when none is up, every
 * instance that is (the stable ones: none is of the canary version), counted as a
 * fallback.</li>
 * </ul>
 * A call without the headers, with malformed ones, or to a service they do not name is
 * passed through untouched. (Malformed headers on an outgoing call are the application's
 * own: an incoming request's malformed headers are counted once, where they arrive, and
 * never forwarded.) The headers are read from the outgoing request itself, never from a
 * thread: the choice may run on another thread than the call.
 * <p>
 * Selections are cached per lane against the identity of the list they came from, so
 * while the chain serves the same cached list (the usual case) a call allocates no list.
 */
public class VersionRoutingServiceInstanceListSupplier extends DelegatingServiceInstanceListSupplier {

	private final String metadataKey;

	private final PropagationMetrics metrics;

	private volatile @Nullable Selection stable;

	private volatile @Nullable Selection canary;

	/**
	 * @param delegate the supplier whose instances this one filters
	 * @param metadataKey the instance metadata that names an instance's version
	 * ({@code canary.instance-metadata-key})
	 * @param metrics counts fallbacks
	 */
	public VersionRoutingServiceInstanceListSupplier(ServiceInstanceListSupplier delegate, String metadataKey,
			PropagationMetrics metrics) {
		super(delegate);
		this.metadataKey = metadataKey;
		this.metrics = metrics;
	}

	@Override
	public Flux<List<ServiceInstance>> get() {
		return this.delegate.get();
	}

	@Override
	public Flux<List<ServiceInstance>> get(Request request) {
		CanaryContext context = contextOf(request);
		String version = (context != null) ? context.versionOf(getServiceId()) : null;
		if (version == null) {
			return this.delegate.get(request);
		}
		CanaryContext.Lane lane = context.lane();
		return this.delegate.get(request).map((instances) -> select(instances, version, lane));
	}

	private @Nullable CanaryContext contextOf(@Nullable Request<?> request) {
		if (request == null || !(request.getContext() instanceof RequestDataContext context)) {
			return null;
		}
		RequestData data = context.getClientRequest();
		HttpHeaders headers = (data != null) ? data.getHeaders() : null;
		if (headers == null) {
			return null;
		}
		List<String> lane = headers.get(CanaryHeaders.LANE);
		List<String> versions = headers.get(CanaryHeaders.VERSIONS);
		if (lane == null && versions == null) {
			return null;
		}
		if ((lane != null && lane.size() > 1) || (versions != null && versions.size() > 1)) {
			return null;
		}
		try {
			return CanaryContext.parse(first(lane), first(versions));
		}
		catch (MalformedCanaryHeadersException ex) {
			return null;
		}
	}

	private static @Nullable String first(@Nullable List<String> values) {
		return (values == null || values.isEmpty()) ? null : values.get(0);
	}

	List<ServiceInstance> select(List<ServiceInstance> instances, String version, CanaryContext.Lane lane) {
		boolean isStable = lane == CanaryContext.Lane.STABLE;
		Selection cached = isStable ? this.stable : this.canary;
		Selection selection;
		if (cached != null && cached.source == instances && cached.version.equals(version)) {
			selection = cached;
		}
		else {
			selection = isStable ? stable(instances, version) : canary(instances, version);
			if (isStable) {
				this.stable = selection;
			}
			else {
				this.canary = selection;
			}
		}
		if (selection.fallback) {
			this.metrics.fallback(getServiceId(), version, lane);
		}
		return selection.instances;
	}

	private Selection stable(List<ServiceInstance> instances, String version) {
		List<ServiceInstance> selected = new ArrayList<>(instances.size());
		for (ServiceInstance instance : instances) {
			String tagged = versionOf(instance);
			if (tagged == null || tagged.equals(version)) {
				selected.add(instance);
			}
		}
		return new Selection(instances, version, List.copyOf(selected), false);
	}

	private Selection canary(List<ServiceInstance> instances, String version) {
		List<ServiceInstance> selected = new ArrayList<>(instances.size());
		for (ServiceInstance instance : instances) {
			if (version.equals(versionOf(instance))) {
				selected.add(instance);
			}
		}
		if (selected.isEmpty() && !instances.isEmpty()) {
			return new Selection(instances, version, instances, true);
		}
		return new Selection(instances, version, List.copyOf(selected), false);
	}

	private @Nullable String versionOf(ServiceInstance instance) {
		Map<String, String> metadata = instance.getMetadata();
		String version = (metadata != null) ? metadata.get(this.metadataKey) : null;
		return (version == null || version.isBlank()) ? null : version.strip();
	}

	private record Selection(List<ServiceInstance> source, String version, List<ServiceInstance> instances,
			boolean fallback) {
	}

}
