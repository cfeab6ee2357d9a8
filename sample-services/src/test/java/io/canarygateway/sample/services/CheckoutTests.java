package io.canarygateway.sample.services;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The orders → payments call of the sample: orders v2 and two real payments instances (v7
 * stable, v8 canary) in-process, payments found through Spring Cloud's simple discovery
 * with each instance's version in its metadata.
 */
class CheckoutTests {

	private final List<ConfigurableApplicationContext> started = new ArrayList<>();

	private WebTestClient payments7;

	private WebTestClient payments8;

	private WebTestClient orders;

	@BeforeEach
	void start() {
		ConfigurableApplicationContext v7 = start("sample.service-name=payments", "sample.version=v7",
				"sample.instance-id=v7-a");
		ConfigurableApplicationContext v8 = start("sample.service-name=payments", "sample.version=v8",
				"sample.instance-id=v8-a");
		this.payments7 = client(v7);
		this.payments8 = client(v8);
		this.orders = client(start("sample.version=v2", "sample.instance-id=v2-a",
				"spring.cloud.discovery.client.simple.instances.payments[0].uri=http://localhost:" + port(v7),
				"spring.cloud.discovery.client.simple.instances.payments[0].metadata.version=v7",
				"spring.cloud.discovery.client.simple.instances.payments[1].uri=http://localhost:" + port(v8),
				"spring.cloud.discovery.client.simple.instances.payments[1].metadata.version=v8"));
	}

	@AfterEach
	void close() {
		this.started.forEach(ConfigurableApplicationContext::close);
	}

	@Test
	void theCanaryLaneReachesTheCanaryOfPaymentsAndAnswersWithBothVersions() {
		for (int i = 0; i < 10; i++) {
			checkout("canary", "orders=v2,payments=v8").expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.service")
				.isEqualTo("orders")
				.jsonPath("$.version")
				.isEqualTo("v2")
				.jsonPath("$.lane")
				.isEqualTo("canary")
				.jsonPath("$.payments.service")
				.isEqualTo("payments")
				.jsonPath("$.payments.version")
				.isEqualTo("v8")
				.jsonPath("$.payments.instance")
				.isEqualTo("v8-a")
				.jsonPath("$.payments.lane")
				.isEqualTo("canary")
				.jsonPath("$.payments.path")
				.isEqualTo("/payments/charge");
		}
		this.payments7.get().uri("/_sample/stats").exchange().expectBody().jsonPath("$.requests").isEqualTo(0);
		this.payments8.get().uri("/_sample/stats").exchange().expectBody().jsonPath("$.requests").isEqualTo(10);
	}

	@Test
	void theStableLaneNeverReachesTheCanaryOfPayments() {
		for (int i = 0; i < 10; i++) {
			checkout("stable", "orders=v1,payments=v7").expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.payments.version")
				.isEqualTo("v7");
		}
		this.payments8.get().uri("/_sample/stats").exchange().expectBody().jsonPath("$.requests").isEqualTo(0);
	}

	@Test
	void withoutLaneBothVersionsOfPaymentsAreReached() {
		Set<String> versions = new HashSet<>();
		for (int i = 0; i < 6; i++) {
			versions.add(paymentsVersion(checkout(null, null)));
		}
		assertThat(versions).containsExactlyInAnyOrder("v7", "v8");
	}

	@Test
	void aFailingPaymentsCanaryFailsTheCanaryCheckoutsOfOrdersOnly() {
		this.payments8.put()
			.uri("/_sample/faults")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"errorRate\":1,\"errorStatus\":503}")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult();
		checkout("canary", "orders=v2,payments=v8").expectStatus()
			.isEqualTo(HttpStatus.BAD_GATEWAY)
			.expectHeader()
			.valueEquals(SampleHandler.VERSION_HEADER, "v2")
			.expectBody()
			.jsonPath("$.error")
			.isEqualTo("payments failed: status 503")
			.jsonPath("$.version")
			.isEqualTo("v2")
			.jsonPath("$.payments.error")
			.isEqualTo("injected fault")
			.jsonPath("$.payments.version")
			.isEqualTo("v8");
		checkout("stable", "orders=v1,payments=v7").expectStatus().isOk().expectBody().returnResult();
		this.orders.get()
			.uri("/_sample/stats")
			.exchange()
			.expectBody()
			.jsonPath("$.requests")
			.isEqualTo(2)
			.jsonPath("$.failed")
			.isEqualTo(1)
			.jsonPath("$.byStatus.502")
			.isEqualTo(1);
	}

	@Test
	void noPaymentsInstanceUpIsA502NamingTheProblem() {
		this.started.get(0).close();
		this.started.get(1).close();
		checkout("canary", "orders=v2,payments=v8").expectStatus()
			.isEqualTo(HttpStatus.BAD_GATEWAY)
			.expectBody()
			.jsonPath("$.error")
			.value((error) -> assertThat((String) error).startsWith("payments failed: no answer"));
	}

	@Test
	void ordersOwnFaultsApplyBeforeTheCall() {
		this.orders.put()
			.uri("/_sample/faults")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"errorRate\":1}")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult();
		checkout("canary", "orders=v2,payments=v8").expectStatus()
			.isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR)
			.expectBody()
			.jsonPath("$.error")
			.isEqualTo("injected fault");
		this.payments8.get().uri("/_sample/stats").exchange().expectBody().jsonPath("$.requests").isEqualTo(0);
	}

	@Test
	void withoutACheckoutServiceTheCheckoutPathIsAnOrdinaryDemoRequest() {
		WebTestClient alone = client(start("sample.checkout-service="));
		alone.get()
			.uri("/orders/checkout")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.path")
			.isEqualTo("/orders/checkout")
			.jsonPath("$.payments")
			.doesNotExist();
		this.payments7.get()
			.uri("/payments/checkout")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.service")
			.isEqualTo("payments")
			.jsonPath("$.payments")
			.doesNotExist();
	}

	private WebTestClient.ResponseSpec checkout(String lane, String versions) {
		return this.orders.get().uri("/orders/checkout").headers((headers) -> {
			if (lane != null) {
				headers.set("X-Canary-Lane", lane);
				headers.set("X-Canary-Versions", versions);
			}
		}).exchange();
	}

	private static String paymentsVersion(WebTestClient.ResponseSpec response) {
		byte[] body = response.expectStatus().isOk().expectBody().returnResult().getResponseBodyContent();
		String json = new String(body, java.nio.charset.StandardCharsets.UTF_8);
		int payments = json.indexOf("\"payments\":");
		int version = json.indexOf("\"version\":\"", payments) + "\"version\":\"".length();
		return json.substring(version, json.indexOf('"', version));
	}

	private ConfigurableApplicationContext start(String... properties) {
		List<String> all = new ArrayList<>(List.of(properties));
		all.add("server.port=0");
		ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleServiceApplication.class)
			.properties(all.toArray(String[]::new))
			.run();
		this.started.add(context);
		return context;
	}

	private static int port(ConfigurableApplicationContext context) {
		return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
	}

	private static WebTestClient client(ConfigurableApplicationContext context) {
		return WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + port(context))
			.responseTimeout(Duration.ofSeconds(60))
			.build();
	}

}
