package io.canarygateway.it;

import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Targeting rules end to end, against real backends behind {@code lb://} routes:
 * {@code only-for} on a header value at weight 100 sends matching requests to the canary
 * and the others to stable; {@code always-for} on a cookie regex reaches the canary at
 * weight 0; a {@code remote-address} rule reads the connection's address, never
 * {@code X-Forwarded-For} (the trusted-proxy case is
 * {@code TargetingTrustedProxyIntegrationTests}); forced requests are counted.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
class TargetingIntegrationTests {

	static final List<TestBackend> backends = List.of(new TestBackend("v1", "eu-v1"), new TestBackend("v2", "eu-v2"),
			new TestBackend("v1", "beta-v1"), new TestBackend("v2", "beta-v2"), new TestBackend("v1", "office-v1"),
			new TestBackend("v2", "office-v2"));

	@Autowired
	WebTestClient client;

	@Autowired
	ReleaseController controller;

	@Autowired
	MeterRegistry meters;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		String[] releases = { "eu", "beta", "office" };
		for (int i = 0; i < releases.length; i++) {
			TestRoutes.instances(registry, releases[i], 0, backends.get(2 * i), backends.get(2 * i + 1));
			TestRoutes.loadBalanced(registry, i, releases[i], releases[i]);
		}
		registry.add("canary.defaults.stable-version", () -> "v1");
		registry.add("canary.defaults.canary-version", () -> "v2");
		registry.add("canary.defaults.auto-start", () -> "false");
		registry.add("canary.defaults.analysis.interval", () -> "1h");
		registry.add("canary.defaults.routing.expose-version", () -> "true");
		// eu: only requests from eu-west-1 or eu-north-1 may see the canary
		registry.add("canary.releases.eu.routing.only-for[0].header", () -> "X-Region");
		registry.add("canary.releases.eu.routing.only-for[0].values", () -> "eu-west-1,eu-north-1");
		// beta: testers (a cookie beta=yes-...) always see it
		registry.add("canary.releases.beta.routing.always-for[0].cookie", () -> "beta");
		registry.add("canary.releases.beta.routing.always-for[0].regex", () -> "yes-.*");
		// office: only the local network (the test client connects from 127.0.0.1)
		registry.add("canary.releases.office.routing.only-for[0].remote-address", () -> "127.0.0.0/8,::1/128");
		registry.add("management.endpoints.web.exposure.include", () -> "canary");
	}

	@AfterAll
	static void stopBackends() {
		backends.forEach(TestBackend::close);
	}

	@BeforeEach
	void start() {
		for (String release : List.of("eu", "beta", "office")) {
			this.controller.operate(release, Action.START, 0, "test");
		}
	}

	@Test
	void onlyForSendsMatchingRequestsToTheCanaryAndTheOthersToStable() {
		this.controller.operate("eu", Action.WEIGHT, 100, "test");
		double excluded = counter("eu", "only-for");
		for (int i = 0; i < 20; i++) {
			assertThat(served("/eu/" + i, "X-Region", "eu-west-1")).isEqualTo("v2");
			assertThat(served("/eu/" + i, "X-Region", "eu-north-1")).isEqualTo("v2");
			assertThat(served("/eu/" + i, "X-Region", "us-east-1")).isEqualTo("v1");
			assertThat(served("/eu/" + i, "X-Region", "EU-WEST-1")).as("exact values").isEqualTo("v1");
			assertThat(served("/eu/" + i, null, null)).isEqualTo("v1");
		}
		assertThat(counter("eu", "only-for")).isEqualTo(excluded + 60);
		// the overrides still win over the rules
		assertThat(served("/eu/1", "X-Canary", "always")).isEqualTo("v2");
		// the endpoint (and the dashboard) show the rules
		this.client.get()
			.uri("/actuator/canary/eu")
			.exchange()
			.expectBody()
			.jsonPath("$.onlyFor[0]")
			.isEqualTo("header X-Region in [eu-west-1, eu-north-1]")
			.jsonPath("$.alwaysFor")
			.isEmpty();
	}

	@Test
	void alwaysForReachesTheCanaryAtWeightZero() {
		this.controller.operate("beta", Action.WEIGHT, 0, "test");
		double targeted = counter("beta", "always-for");
		for (int i = 0; i < 20; i++) {
			assertThat(served("/beta/" + i, "Cookie", "beta=yes-please")).isEqualTo("v2");
			assertThat(served("/beta/" + i, "Cookie", "beta=no")).isEqualTo("v1");
			assertThat(served("/beta/" + i, "Cookie", "beta=xyes-please")).as("the whole value").isEqualTo("v1");
			assertThat(served("/beta/" + i, null, null)).isEqualTo("v1");
		}
		assertThat(counter("beta", "always-for")).isEqualTo(targeted + 20);
	}

	@Test
	void remoteAddressIsTheConnectionsNotAForwardedHeader() {
		this.controller.operate("office", Action.WEIGHT, 100, "test");
		assertThat(served("/office/1", null, null)).isEqualTo("v2");
		assertThat(served("/office/1", "X-Forwarded-For", "203.0.113.7")).as("no resolver trusts the header")
			.isEqualTo("v2");
	}

	private double counter(String release, String rule) {
		return this.meters.counter("canary.targeting", "release", release, "rule", rule).count();
	}

	private String served(String path, String header, String value) {
		WebTestClient.RequestHeadersSpec<?> request = this.client.get().uri(path);
		if (header != null) {
			request = request.header(header, value);
		}
		return request.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseHeaders()
			.getFirst("X-Canary-Version");
	}

}
