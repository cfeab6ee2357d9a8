package io.canarygateway.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.kubernetes.commons.discovery.DefaultKubernetesServiceInstance;

import io.canarygateway.control.DiscoveryTrigger;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.testing.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The discovery trigger reads the versions of Spring Cloud Kubernetes instances as the
 * lanes do: the metadata key, then the pod label of that name, then the pod label
 * {@code app.kubernetes.io/version}. The instances are what Spring Cloud Kubernetes
 * discovery lists for one Service whose pods run two versions.
 */
class KubernetesDiscoveryTriggerTests {

	private static final String ROUTE = "spring.cloud.gateway.server.webflux.routes[0]";

	private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

	private final Pods pods = new Pods();

	private final ReactiveWebApplicationContextRunner runner = CanaryContexts.runner()
		.withBean(MutableClock.class, () -> this.clock)
		.withBean(ReactiveDiscoveryClient.class, () -> this.pods)
		.withPropertyValues(ROUTE + ".id=orders", ROUTE + ".uri=lb://orders", ROUTE + ".predicates[0]=Path=/orders/**",
				ROUTE + ".filters[0]=Canary=orders", "canary.releases.orders.stable-version=v1",
				"canary.releases.orders.trigger=discovery", "canary.releases.orders.trigger-settle=30s");

	@Test
	void versionsAreReadFromMetadataThenPodLabels() {
		this.pods.add(pod("orders-a", Map.of("version", "v1"), Map.of("version", "v9")));
		this.pods.add(pod("orders-b", Map.of(), Map.of("version", "v2", "app.kubernetes.io/version", "v8")));
		this.pods.add(pod("orders-c", Map.of(), Map.of("app.kubernetes.io/version", "v3")));
		this.pods.add(pod("orders-d", Map.of("app", "orders"), Map.of("app", "orders")));
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			DiscoveredVersions versions = new DiscoveredVersions(context.getBean(RouteLocator.class), this.pods,
					"version");
			assertThat(versions.versions("orders")).containsExactly("v1", "v2", "v3");
			assertThat(new DiscoveredVersions(context.getBean(RouteLocator.class), this.pods, "release")
				.versions("orders")).as("another key: only the recommended label is read").containsExactly("v3", "v8");
		});
	}

	@Test
	void podsLabelledWithANewVersionStartItsRollout() {
		this.pods.add(pod("orders-v1-a", Map.of(), Map.of("app.kubernetes.io/version", "v1")));
		this.pods.add(pod("orders-v1-b", Map.of(), Map.of("app", "orders")));
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			ReleaseController controller = context.getBean(ReleaseController.class);
			DiscoveryTrigger trigger = context.getBean(DiscoveryTrigger.class);
			trigger.poll();
			this.clock.advance(Duration.ofMinutes(1));
			trigger.poll();
			assertThat(controller.release("orders").status().state()).isEqualTo(ReleaseState.IDLE);

			this.pods.add(pod("orders-v2-a", Map.of(), Map.of("version", "v2", "app.kubernetes.io/version", "v2")));
			trigger.poll();
			this.clock.advance(Duration.ofSeconds(30));
			trigger.poll();

			ReleaseStatus started = controller.release("orders").status();
			assertThat(started.state()).isEqualTo(ReleaseState.PROGRESSING);
			assertThat(started.canaryVersion()).isEqualTo("v2");
			assertThat(started.lastTransition().reason()).isEqualTo(Reason.DISCOVERY);
		});
	}

	/**
	 * An endpoint of the Service {@code orders} as Spring Cloud Kubernetes discovery
	 * lists it with
	 * {@code spring.cloud.kubernetes.discovery.metadata.add-pod-labels=true}.
	 */
	private static DefaultKubernetesServiceInstance pod(String name, Map<String, String> metadata,
			Map<String, String> podLabels) {
		return new DefaultKubernetesServiceInstance(name, "orders", "10.0.0.1", 8080, metadata, false, "default", null,
				Map.of("labels", podLabels));
	}

	/** The pods behind the Service {@code orders}, changed by the test. */
	static final class Pods implements ReactiveDiscoveryClient {

		private final List<ServiceInstance> instances = new CopyOnWriteArrayList<>();

		void add(ServiceInstance instance) {
			this.instances.add(instance);
		}

		@Override
		public String description() {
			return "the test's pods";
		}

		@Override
		public Flux<ServiceInstance> getInstances(String serviceId) {
			return Flux.fromIterable(this.instances).filter((instance) -> instance.getServiceId().equals(serviceId));
		}

		@Override
		public Flux<String> getServices() {
			return Flux.just("orders");
		}

	}

}
