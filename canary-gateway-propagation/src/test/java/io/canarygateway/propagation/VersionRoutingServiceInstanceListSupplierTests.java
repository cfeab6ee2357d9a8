package io.canarygateway.propagation;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.util.LinkedMultiValueMap;

import static org.assertj.core.api.Assertions.assertThat;

class VersionRoutingServiceInstanceListSupplierTests {

	private static final ServiceInstance V7 = instance("v7-a", "v7");

	private static final ServiceInstance V8 = instance("v8-a", "v8");

	private static final ServiceInstance UNTAGGED = instance("untagged", null);

	private static final ServiceInstance BLANK = instance("blank", " ");

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final AtomicReference<List<ServiceInstance>> instances = new AtomicReference<>(
			List.of(V7, V8, UNTAGGED, BLANK));

	private final VersionRoutingServiceInstanceListSupplier supplier = new VersionRoutingServiceInstanceListSupplier(
			new FixedSupplier(this.instances), "version", new MicrometerPropagationMetrics(this.registry));

	@Test
	void stableLaneGetsTheNamedVersionAndUntaggedInstances() {
		assertThat(choose("stable", "payments=v7")).containsExactly(V7, UNTAGGED, BLANK);
	}

	@Test
	void stableLaneNeverFallsBackToAnotherVersion() {
		assertThat(choose("stable", "payments=v6")).containsExactly(UNTAGGED, BLANK);
		this.instances.set(List.of(V7, V8));
		assertThat(choose("stable", "payments=v6")).isEmpty();
		assertThat(fallbacks()).isZero();
	}

	@Test
	void canaryLaneGetsTheNamedVersionOnly() {
		assertThat(choose("canary", "payments=v8")).containsExactly(V8);
		assertThat(fallbacks()).isZero();
	}

	@Test
	void canaryLaneWithNoInstanceOfItsVersionGetsEveryInstanceCounted() {
		assertThat(choose("canary", "Payments=v9")).containsExactly(V7, V8, UNTAGGED, BLANK);
		assertThat(this.registry.get("canary.propagation.fallback")
			.tags("service", "payments", "version", "v9", "lane", "canary")
			.counter()
			.count()).isEqualTo(1);
	}

	@Test
	void noInstancesAtAllIsNoFallback() {
		this.instances.set(List.of());
		assertThat(choose("canary", "payments=v8")).isEmpty();
		assertThat(fallbacks()).isZero();
	}

	@Test
	void serviceIdsAreComparedIgnoringCase() {
		assertThat(choose("canary", "PAYMENTS=v8")).containsExactly(V8);
	}

	@Test
	void untouchedWithoutHeadersForOtherServicesOrWithMalformedOnes() {
		assertThat(choose(null, null)).containsExactly(V7, V8, UNTAGGED, BLANK);
		assertThat(choose("stable", "orders=v1")).containsExactly(V7, V8, UNTAGGED, BLANK);
		assertThat(choose("stable", "payments=v7,payments=v8")).containsExactly(V7, V8, UNTAGGED, BLANK);
		assertThat(choose("stable", null)).containsExactly(V7, V8, UNTAGGED, BLANK);
		// the application's own outgoing headers are not counted: incoming ones were
		assertThat(this.registry.get("canary.propagation.malformed").counter().count()).isZero();
	}

	@Test
	void readsTheConfiguredMetadataKey() {
		ServiceInstance release = new DefaultServiceInstance("r", "payments", "localhost", 1, false,
				Map.of("release", "v8"));
		VersionRoutingServiceInstanceListSupplier byRelease = new VersionRoutingServiceInstanceListSupplier(
				new FixedSupplier(new AtomicReference<>(List.of(V8, release))), "release", PropagationMetrics.NONE);
		assertThat(byRelease.get(request("canary", "payments=v8")).blockFirst()).containsExactly(release);
	}

	@Test
	void aRepeatedChoiceFromTheSameListReusesTheSelection() {
		List<ServiceInstance> first = choose("canary", "payments=v8");
		assertThat(choose("canary", "payments=v8")).isSameAs(first);
		assertThat(choose("canary", "payments=v7")).isNotSameAs(first);
	}

	private List<ServiceInstance> choose(String lane, String versions) {
		return this.supplier.get(request(lane, versions)).blockFirst();
	}

	private double fallbacks() {
		return this.registry.find("canary.propagation.fallback")
			.counters()
			.stream()
			.mapToDouble((c) -> c.count())
			.sum();
	}

	private static Request<RequestDataContext> request(String lane, String versions) {
		HttpHeaders headers = new HttpHeaders();
		if (lane != null) {
			headers.set(CanaryHeaders.LANE, lane);
		}
		if (versions != null) {
			headers.set(CanaryHeaders.VERSIONS, versions);
		}
		RequestData data = new RequestData(HttpMethod.GET, URI.create("http://payments/pay"), headers,
				new LinkedMultiValueMap<>(), Map.of());
		return new DefaultRequest<>(new RequestDataContext(data));
	}

	private static ServiceInstance instance(String id, String version) {
		Map<String, String> metadata = (version != null) ? Map.of("version", version) : Map.of();
		return new DefaultServiceInstance(id, "payments", "localhost", 8080, false, metadata);
	}

	/**
	 * Serves the same list object on every call until it is replaced, as a caching chain
	 * does.
	 */
	private record FixedSupplier(
			AtomicReference<List<ServiceInstance>> instances) implements ServiceInstanceListSupplier {

		@Override
		public String getServiceId() {
			return "payments";
		}

		@Override
		public Flux<List<ServiceInstance>> get() {
			return Flux.just(this.instances.get());
		}

	}

}
