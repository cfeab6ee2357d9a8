package io.canarygateway.sample.services;

import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.json.JsonCompareMode;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "sample.version=v2", "sample.instance-id=v2-a" })
@AutoConfigureWebTestClient(timeout = "60s")
class SampleServiceApplicationTests {

	@Autowired
	private WebTestClient client;

	@TestConfiguration(proxyBeanMethods = false)
	static class SeededRandom {

		@Bean
		@Primary
		RandomGenerator seededRandom() {
			return new SplittableRandom(42);
		}

	}

	@BeforeEach
	void reset() {
		this.client.delete().uri("/_sample/faults").exchange().expectStatus().isOk().expectBody().returnResult();
		this.client.delete().uri("/_sample/stats").exchange().expectStatus().isOk().expectBody().returnResult();
	}

	@Test
	void answersWithItsVersionAndInstance() {
		this.client.get()
			.uri("/orders/42")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentType(MediaType.APPLICATION_JSON)
			.expectHeader()
			.valueEquals("X-Sample-Version", "v2")
			.expectHeader()
			.valueEquals("X-Sample-Instance", "v2-a")
			.expectBody()
			.jsonPath("$.service")
			.isEqualTo("orders")
			.jsonPath("$.version")
			.isEqualTo("v2")
			.jsonPath("$.instance")
			.isEqualTo("v2-a")
			.jsonPath("$.path")
			.isEqualTo("/orders/42")
			.jsonPath("$.method")
			.isEqualTo("GET")
			.jsonPath("$.lane")
			.isEqualTo(null);
	}

	@ParameterizedTest
	@CsvSource({ "POST", "PUT", "DELETE", "PATCH" })
	void answersAnyMethodOnAnyPath(String method) {
		this.client.method(HttpMethod.valueOf(method))
			.uri("/any/where?x=1")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"item\":1}")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.path")
			.isEqualTo("/any/where")
			.jsonPath("$.method")
			.isEqualTo(method);
	}

	@Test
	void echoesTheCanaryLaneHeader() {
		this.client.get()
			.uri("/orders")
			.header("X-Canary-Lane", "canary")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.lane")
			.isEqualTo("canary");
	}

	@Test
	void errorRateOneFailsEveryRequestWithTheErrorStatus() {
		putFaults("{\"errorRate\":1}").expectStatus().isOk().expectBody().returnResult();
		for (int i = 0; i < 20; i++) {
			this.client.get()
				.uri("/orders/" + i)
				.exchange()
				.expectStatus()
				.isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR)
				.expectHeader()
				.valueEquals("X-Sample-Version", "v2")
				.expectBody()
				.json("{\"error\":\"injected fault\",\"version\":\"v2\",\"instance\":\"v2-a\"}",
						JsonCompareMode.STRICT);
		}
		putFaults("{\"errorStatus\":503}").expectStatus().isOk().expectBody().returnResult();
		this.client.post()
			.uri("/orders")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectBody()
			.returnResult();
		assertThat(stats()).containsEntry("requests", 21)
			.containsEntry("failed", 21)
			.containsEntry("succeeded", 0)
			.containsEntry("byStatus", Map.of("500", 20, "503", 1));
	}

	@Test
	void errorRateIsTheFractionOfFailures() {
		putFaults("{\"errorRate\":0.3}").expectStatus().isOk().expectBody().returnResult();
		int requests = 1000;
		int failures = 0;
		for (int i = 0; i < requests; i++) {
			HttpStatus status = HttpStatus
				.resolve(this.client.get().uri("/orders").exchange().expectBody().returnResult().getStatus().value());
			assertThat(status).isIn(HttpStatus.OK, HttpStatus.INTERNAL_SERVER_ERROR);
			if (status != HttpStatus.OK) {
				failures++;
			}
		}
		// binomial(1000, 0.3): standard deviation 14.5, so ±50 is more than 3.4 of them
		assertThat(failures).isBetween(250, 350);
		assertThat(stats()).containsEntry("requests", requests)
			.containsEntry("failed", failures)
			.containsEntry("succeeded", requests - failures);
	}

	@Test
	void latencyDelaysEveryRequestByAtLeastThatMuch() {
		putFaults("{\"latencyMs\":300}").expectStatus().isOk().expectBody().returnResult();
		for (int i = 0; i < 3; i++) {
			long start = System.nanoTime();
			this.client.get().uri("/orders").exchange().expectStatus().isOk().expectBody().returnResult();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
		}
	}

	@Test
	void controlEndpointsAreNeverFaultyNorCounted() {
		putFaults("{\"errorRate\":1,\"latencyMs\":30000}").expectStatus().isOk().expectBody().returnResult();
		long start = System.nanoTime();
		this.client.get().uri("/_sample/faults").exchange().expectStatus().isOk().expectBody().returnResult();
		this.client.get().uri("/_sample/stats").exchange().expectStatus().isOk().expectBody().returnResult();
		// delayed, the two would take at least 60 s
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
		assertThat(stats()).containsEntry("requests", 0);
	}

	@Test
	void putChangesFaultsAtRuntimePartiallyAndDeleteResets() {
		this.client.get()
			.uri("/_sample/faults")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.json("{\"errorRate\":0,\"errorStatus\":500,\"latencyMs\":0,\"latencyJitterMs\":0}",
					JsonCompareMode.STRICT);
		putFaults("{\"errorRate\":1,\"errorStatus\":502}").expectBody()
			.json("{\"errorRate\":1,\"errorStatus\":502,\"latencyMs\":0,\"latencyJitterMs\":0}",
					JsonCompareMode.STRICT);
		this.client.get()
			.uri("/orders")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.BAD_GATEWAY)
			.expectBody()
			.returnResult();

		putFaults("{\"latencyMs\":10,\"latencyJitterMs\":5}").expectBody()
			.json("{\"errorRate\":1,\"errorStatus\":502,\"latencyMs\":10,\"latencyJitterMs\":5}",
					JsonCompareMode.STRICT);

		this.client.delete()
			.uri("/_sample/faults")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.json("{\"errorRate\":0,\"errorStatus\":500,\"latencyMs\":0,\"latencyJitterMs\":0}",
					JsonCompareMode.STRICT);
		this.client.get().uri("/orders").exchange().expectStatus().isOk().expectBody().returnResult();
	}

	@Test
	void putAcceptsABodyWithoutContentType() {
		this.client.put()
			.uri("/_sample/faults")
			.bodyValue("{\"errorRate\":0.5}")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.errorRate")
			.isEqualTo(0.5);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			textBlock = """
					{"errorRate":1.5}          | errorRate       | errorRate must be between 0 and 1, was 1.5
					{"errorRate":-0.1}         | errorRate       | errorRate must be between 0 and 1, was -0.1
					{"errorRate":"high"}       | errorRate       | errorRate must be a number between 0 and 1, was "high"
					{"errorStatus":200}        | errorStatus     | errorStatus must be between 400 and 599, was 200
					{"errorStatus":600}        | errorStatus     | errorStatus must be between 400 and 599, was 600
					{"errorStatus":500.5}      | errorStatus     | errorStatus must be a whole number, was 500.5
					{"latencyMs":-1}           | latencyMs       | latencyMs must be between 0 and 3600000 (milliseconds), was -1
					{"latencyJitterMs":-5}     | latencyJitterMs | latencyJitterMs must be between 0 and 3600000 (milliseconds), was -5
					{"latencyJitterMs":3600001}| latencyJitterMs | latencyJitterMs must be between 0 and 3600000 (milliseconds), was 3600001
					{"errorRat":1}             | errorRat        | unknown field errorRat, expected any of [errorRate, errorStatus, latencyMs, latencyJitterMs]
					""")
	void badFaultValuesAreRejectedNamingTheFieldAndChangeNothing(String body, String field, String message) {
		putFaults("{\"latencyMs\":7}").expectStatus().isOk().expectBody().returnResult();
		putFaults(body).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error")
			.isEqualTo(message)
			.jsonPath("$.field")
			.isEqualTo(field)
			.jsonPath("$.trace")
			.doesNotExist();
		this.client.get()
			.uri("/_sample/faults")
			.exchange()
			.expectBody()
			.json("{\"errorRate\":0,\"errorStatus\":500,\"latencyMs\":7,\"latencyJitterMs\":0}",
					JsonCompareMode.STRICT);
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			textBlock = """
					{oops   | request body is not valid JSON
					[1, 2]  | request body must be a JSON object with any of [errorRate, errorStatus, latencyMs, latencyJitterMs]
					""")
	void malformedFaultBodiesAreRejected(String body, String message) {
		putFaults(body).expectStatus().isBadRequest().expectBody().jsonPath("$.error").value((String error) -> {
			assertThat(error).startsWith(message);
		});
	}

	@Test
	void statsCountDemoRequestsPerStatusAndDeleteResetsThem() {
		this.client.get().uri("/orders/1").exchange().expectStatus().isOk().expectBody().returnResult();
		this.client.get().uri("/orders/2").exchange().expectStatus().isOk().expectBody().returnResult();
		putFaults("{\"errorRate\":1,\"errorStatus\":503}").expectStatus().isOk().expectBody().returnResult();
		this.client.get()
			.uri("/orders/3")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectBody()
			.returnResult();
		assertThat(stats()).containsEntry("version", "v2")
			.containsEntry("instance", "v2-a")
			.containsEntry("requests", 3)
			.containsEntry("succeeded", 2)
			.containsEntry("failed", 1)
			.containsEntry("byStatus", Map.of("200", 2, "503", 1))
			.containsKey("since");
		this.client.delete()
			.uri("/_sample/stats")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.requests")
			.isEqualTo(0);
		assertThat(stats()).containsEntry("requests", 0).containsEntry("byStatus", Map.of());
	}

	@Test
	void unknownControlPathsAndMethodsAreRefused() {
		this.client.post()
			.uri("/_sample/faults")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.METHOD_NOT_ALLOWED)
			.expectHeader()
			.valueEquals("Allow", "GET,PUT,DELETE")
			.expectBody()
			.returnResult();
		this.client.put()
			.uri("/_sample/stats")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.METHOD_NOT_ALLOWED)
			.expectBody()
			.returnResult();
		this.client.get().uri("/_sample/other").exchange().expectStatus().isNotFound().expectBody().returnResult();
		assertThat(stats()).containsEntry("requests", 0);
	}

	private WebTestClient.ResponseSpec putFaults(String json) {
		return this.client.put()
			.uri("/_sample/faults")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(json)
			.exchange();
	}

	@SuppressWarnings("unchecked")
	private Map<String, Object> stats() {
		return this.client.get()
			.uri("/_sample/stats")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody();
	}

}
