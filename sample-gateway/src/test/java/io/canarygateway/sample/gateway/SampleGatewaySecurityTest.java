package io.canarygateway.sample.gateway;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample gateway's security, over HTTP: releases and health are open to read, other
 * actuator reads (metrics, prometheus) need a user, writes need the admin; a write from
 * another site's page is refused even with the admin's valid basic credentials (the
 * browser would add them) and changes nothing, while the same write from curl works and
 * an anonymous one gets 401. CSRF tokens are off in the sample; this is what stands in
 * for them.
 */
@SpringBootTest(classes = SampleGatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "CANARY_ADMIN_PASSWORD=" + SampleGatewaySecurityTest.PASSWORD,
				"canary.defaults.auto-start=false", "canary.defaults.analysis.interval=1h" })
class SampleGatewaySecurityTest {

	static final String PASSWORD = "security-test-password";

	private static final String EVIL = "https://evil.example";

	@LocalServerPort
	int port;

	@Test
	void crossSiteWriteWithValidCredentialsIsRefusedAndChangesNothing() {
		WebTestClient client = client();
		Map<String, Object> before = release(client);

		client.post()
			.uri("/actuator/canary/orders/start")
			.headers((headers) -> headers.setBasicAuth("admin", PASSWORD))
			.header(HttpHeaders.ORIGIN, EVIL)
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.doesNotExist(HttpHeaders.WWW_AUTHENTICATE)
			.expectBody()
			.jsonPath("$.error")
			.value((String error) -> assertThat(error).contains("cross-site").contains(EVIL));
		client.post()
			.uri("/actuator/canary/orders/start")
			.headers((headers) -> headers.setBasicAuth("admin", PASSWORD))
			.header("Sec-Fetch-Site", "cross-site")
			.exchange()
			.expectStatus()
			.isForbidden();
		// refused before Spring Security: no 401, so no browser asks for a password
		client.post()
			.uri("/actuator/canary/orders/abort")
			.header(HttpHeaders.ORIGIN, EVIL)
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.doesNotExist(HttpHeaders.WWW_AUTHENTICATE);

		Map<String, Object> after = release(client);
		assertThat(after.get("state")).isEqualTo("IDLE");
		assertThat(after.get("revision")).isEqualTo(before.get("revision"));
		assertThat(after.get("history")).isEqualTo(before.get("history"));
	}

	@Test
	void curlWithCredentialsWritesAndAnonymousWritesGet401() {
		WebTestClient client = client();

		client.post()
			.uri("/actuator/canary/payments/start")
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.valueMatches(HttpHeaders.WWW_AUTHENTICATE, "Basic.*");
		client.post()
			.uri("/actuator/canary/payments/start")
			.headers((headers) -> headers.setBasicAuth("admin", "not-" + PASSWORD))
			.exchange()
			.expectStatus()
			.isUnauthorized();
		assertThat(client.get()
			.uri("/actuator/canary/payments")
			.exchange()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody()).contains("\"state\":\"IDLE\"");

		client.post()
			.uri("/actuator/canary/payments/start")
			.headers((headers) -> headers.setBasicAuth("admin", PASSWORD))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("PROGRESSING");
		// the dashboard's buttons: same origin, after signing in
		client.post()
			.uri("/actuator/canary/payments/pause")
			.headers((headers) -> headers.setBasicAuth("admin", PASSWORD))
			.header(HttpHeaders.ORIGIN, "http://127.0.0.1:" + this.port)
			.header("Sec-Fetch-Site", "same-origin")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("PAUSED");
	}

	@Test
	void releasesAndHealthAreOpenOtherActuatorReadsNeedAUser() {
		WebTestClient client = client();

		client.get().uri("/actuator/canary").exchange().expectStatus().isOk();
		client.get().uri("/actuator/canary/orders").exchange().expectStatus().isOk();
		client.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.exists()
			.jsonPath("$.components")
			.doesNotExist();
		for (String path : new String[] { "/actuator/prometheus", "/actuator/metrics",
				"/actuator/metrics/canary.weight", "/actuator" }) {
			client.get().uri(path).exchange().expectStatus().isUnauthorized();
		}

		String scraped = client.get()
			.uri("/actuator/prometheus")
			.headers((headers) -> headers.setBasicAuth("admin", PASSWORD))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(scraped).contains("canary_weight_percent{release=\"orders\"}");
		client.get()
			.uri("/actuator/metrics")
			.headers((headers) -> headers.setBasicAuth("admin", PASSWORD))
			.exchange()
			.expectStatus()
			.isOk();
		client.get()
			.uri("/actuator/health")
			.headers((headers) -> headers.setBasicAuth("admin", PASSWORD))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.components")
			.exists();
	}

	private WebTestClient client() {
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + this.port)
			.responseTimeout(Duration.ofSeconds(60))
			.build();
	}

	private static Map<String, Object> release(WebTestClient client) {
		return client.get()
			.uri("/actuator/canary/orders")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
			})
			.returnResult()
			.getResponseBody();
	}

}
