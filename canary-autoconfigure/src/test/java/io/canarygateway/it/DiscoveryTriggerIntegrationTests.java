package io.canarygateway.it;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.cloud.client.discovery.simple.InstanceProperties;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code trigger: discovery} on a real gateway: the release starts with no canary
 * version, all traffic on v1; when an instance of v2 registers (the simple discovery
 * client's instances changed at runtime, a real backend behind it), its rollout starts by
 * itself and canary requests reach it.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
class DiscoveryTriggerIntegrationTests {

	static final TestBackend v1 = new TestBackend("v1", "orders-v1");

	static final TestBackend v2 = new TestBackend("v2", "orders-v2");

	@Autowired
	WebTestClient client;

	@Autowired
	ReleaseController controller;

	/** What the gateway's load balancer and the discovery trigger ask. */
	@Autowired
	SimpleReactiveDiscoveryProperties discovery;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestRoutes.instances(registry, "orders", 0, v1);
		// instances change at runtime: the load balancer must not serve a cached list
		registry.add("spring.cloud.loadbalancer.cache.enabled", () -> "false");
		TestRoutes.loadBalanced(registry, 0, "orders", "orders");
		registry.add("canary.releases.orders.stable-version", () -> "v1");
		registry.add("canary.releases.orders.trigger", () -> "discovery");
		registry.add("canary.releases.orders.trigger-settle", () -> "2s");
		registry.add("canary.releases.orders.routing.expose-version", () -> "true");
		registry.add("canary.releases.orders.analysis.interval", () -> "1h");
		registry.add("management.endpoints.web.exposure.include", () -> "canary");
	}

	@AfterAll
	static void stopBackends() {
		List.of(v1, v2).forEach(TestBackend::close);
	}

	@Test
	void anInstanceOfANewVersionStartsItsRollout() {
		assertThat(this.controller.release("orders").status().state()).isEqualTo(ReleaseState.IDLE);
		assertThat(this.controller.release("orders").status().canaryVersion()).isNull();
		assertThat(served("always")).as("no canary version yet: everything on stable").isEqualTo("v1");

		List<InstanceProperties> instances = new ArrayList<>(this.discovery.getInstances("orders"));
		InstanceProperties added = new InstanceProperties();
		added.setInstanceId("orders-v2");
		added.setServiceId("orders");
		added.setUri(URI.create(v2.uri()));
		added.getMetadata().put("version", "v2");
		instances.add(added);
		this.discovery.setInstances(Map.of("orders", instances));

		await().atMost(Duration.ofSeconds(120))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> this.controller.release("orders").status().state() == ReleaseState.PROGRESSING);
		ReleaseStatus started = this.controller.release("orders").status();
		assertThat(started.canaryVersion()).isEqualTo("v2");
		assertThat(started.lastTransition().reason()).isEqualTo(Reason.DISCOVERY);
		assertThat(started.lastTransition().by()).isEqualTo("gateway");
		assertThat(served("always")).isEqualTo("v2");
		assertThat(served("never")).isEqualTo("v1");
	}

	private String served(String override) {
		return this.client.get()
			.uri("/orders/1")
			.header("X-Canary", override)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseHeaders()
			.getFirst("X-Canary-Version");
	}

}
