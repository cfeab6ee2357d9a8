package io.canarygateway.it;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;
import org.springframework.cloud.gateway.support.ipresolver.XForwardedRemoteAddressResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code remote-address} rule behind a trusted proxy: with the application's
 * {@link RemoteAddressResolver} trusting one proxy hop (Spring Cloud Gateway's
 * {@link XForwardedRemoteAddressResolver}), the client address is the one the proxy
 * appended to {@code X-Forwarded-For}, and a client cannot choose it by sending more
 * entries.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
@Import(TargetingTrustedProxyIntegrationTests.TrustedProxy.class)
class TargetingTrustedProxyIntegrationTests {

	static final TestBackend v1 = new TestBackend("v1", "office-v1");

	static final TestBackend v2 = new TestBackend("v2", "office-v2");

	@Autowired
	WebTestClient client;

	@Autowired
	ReleaseController controller;

	@TestConfiguration(proxyBeanMethods = false)
	static class TrustedProxy {

		@Bean
		RemoteAddressResolver remoteAddressResolver() {
			return XForwardedRemoteAddressResolver.maxTrustedIndex(1);
		}

	}

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestRoutes.instances(registry, "office", 0, v1, v2);
		TestRoutes.loadBalanced(registry, 0, "office", "office");
		registry.add("canary.releases.office.stable-version", () -> "v1");
		registry.add("canary.releases.office.canary-version", () -> "v2");
		registry.add("canary.releases.office.auto-start", () -> "false");
		registry.add("canary.releases.office.analysis.interval", () -> "1h");
		registry.add("canary.releases.office.routing.expose-version", () -> "true");
		registry.add("canary.releases.office.routing.only-for[0].remote-address", () -> "10.0.0.0/8");
	}

	@AfterAll
	static void stopBackends() {
		List.of(v1, v2).forEach(TestBackend::close);
	}

	@Test
	void theTrustedProxysAddressEntryCounts() {
		this.controller.operate("office", Action.START, 0, "test");
		this.controller.operate("office", Action.WEIGHT, 100, "test");
		assertThat(served("10.1.2.3")).isEqualTo("v2");
		assertThat(served("203.0.113.7")).isEqualTo("v1");
		// a client that sends its own entry first: only the proxy's (the last) counts
		assertThat(served("10.1.2.3, 203.0.113.7")).isEqualTo("v1");
		assertThat(served(null)).as("the connection's address, 127.0.0.1, is outside 10/8").isEqualTo("v1");
	}

	private String served(String forwardedFor) {
		WebTestClient.RequestHeadersSpec<?> request = this.client.get().uri("/office/1");
		if (forwardedFor != null) {
			request = request.header("X-Forwarded-For", forwardedFor);
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
