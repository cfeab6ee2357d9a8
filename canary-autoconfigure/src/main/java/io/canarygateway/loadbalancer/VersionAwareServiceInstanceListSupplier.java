package io.canarygateway.loadbalancer;

import java.util.List;
import java.util.Map;

import reactor.core.publisher.Flux;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.loadbalancer.core.SelectedInstanceCallback;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

/**
 * Adds one rule on top of a load balancer's existing supplier chain (discovery, caching,
 * health checks …): when the request is being sent down a lane ({@link LaneRequest} with
 * a {@link LaneTarget}, put there by the canary handling), only the instances of that
 * lane's version are offered to the balancing algorithm, and the request learns whose
 * instances they were. Requests without one pass through untouched.
 * <p>
 * Unlike spring-cloud-loadbalancer's hint supplier this never falls back to all
 * instances.
 */
public class VersionAwareServiceInstanceListSupplier implements ServiceInstanceListSupplier, SelectedInstanceCallback {

	private final ServiceInstanceListSupplier delegate;

	public VersionAwareServiceInstanceListSupplier(ServiceInstanceListSupplier delegate) {
		this.delegate = delegate;
	}

	/** The supplier this one filters. */
	public ServiceInstanceListSupplier getDelegate() {
		return this.delegate;
	}

	@Override
	public String getServiceId() {
		return this.delegate.getServiceId();
	}

	@Override
	public Flux<List<ServiceInstance>> get() {
		return this.delegate.get();
	}

	@Override
	public Flux<List<ServiceInstance>> get(Request request) {
		LaneRequest lane = laneRequest(request);
		Flux<List<ServiceInstance>> instances = this.delegate.get(request);
		return (lane != null) ? instances.map(lane::offer) : instances;
	}

	@Override
	public void selectedServiceInstance(ServiceInstance serviceInstance) {
		if (this.delegate instanceof SelectedInstanceCallback callback) {
			callback.selectedServiceInstance(serviceInstance);
		}
	}

	private static LaneRequest laneRequest(Request<?> request) {
		if (request != null && request.getContext() instanceof RequestDataContext context) {
			RequestData data = context.getClientRequest();
			Map<String, Object> attributes = (data != null) ? data.getAttributes() : null;
			LaneRequest lane = (attributes != null) ? LaneRequest.handled(attributes) : null;
			if (lane != null && lane.target() != null) {
				return lane;
			}
		}
		return null;
	}

}
