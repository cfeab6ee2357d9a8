package io.canarygateway.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpMethod;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retry on stable with a request body, against real backends that echo what they
 * received: service {@code echo}, whose canary reads the body and answers 500, and
 * service {@code dead}, whose canary refuses connections. Every request is forced to the
 * canary lane ({@code X-Canary: always}); forced requests are never judged, so the canary
 * is not rolled back meanwhile.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
class CanaryRetryBodyIntegrationTests {

	static final EchoBackend echoStable = new EchoBackend("v1", 200);

	static final EchoBackend echoCanary = new EchoBackend("v2", 500);

	static final EchoBackend deadStable = new EchoBackend("v1", 200);

	static final int DEAD_PORT = freePort();

	static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {
	};

	@Autowired
	WebTestClient client;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		String simple = "spring.cloud.discovery.client.simple.instances.";
		registry.add(simple + "echo[0].uri", echoStable::uri);
		registry.add(simple + "echo[0].metadata.version", () -> "v1");
		registry.add(simple + "echo[1].uri", echoCanary::uri);
		registry.add(simple + "echo[1].metadata.version", () -> "v2");
		registry.add(simple + "dead[0].uri", deadStable::uri);
		registry.add(simple + "dead[0].metadata.version", () -> "v1");
		registry.add(simple + "dead[1].uri", () -> "http://127.0.0.1:" + DEAD_PORT);
		registry.add(simple + "dead[1].metadata.version", () -> "v2");
		String routes = "spring.cloud.gateway.server.webflux.routes";
		int i = 0;
		for (String name : List.of("echo", "dead")) {
			registry.add(routes + "[" + i + "].id", () -> name);
			registry.add(routes + "[" + i + "].uri", () -> "lb://" + name);
			registry.add(routes + "[" + i + "].predicates[0]", () -> "Path=/" + name + "/**");
			registry.add(routes + "[" + i + "].filters[0]", () -> "Canary=" + name);
			registry.add("canary.releases." + name + ".stable-version", () -> "v1");
			i++;
		}
		registry.add("canary.defaults.canary-version", () -> "v2");
		registry.add("canary.defaults.routing.expose-version", () -> "true");
		registry.add("canary.defaults.analysis.interval", () -> "1h");
		// a backend waiting for a body that never comes answers nothing: make that a
		// 504, not a hang
		registry.add("spring.cloud.gateway.server.webflux.httpclient.response-timeout", () -> "10s");
	}

	@AfterAll
	static void stopBackends() {
		List.of(echoStable, echoCanary, deadStable).forEach(EchoBackend::close);
	}

	@BeforeEach
	void resetBackends() {
		List.of(echoStable, echoCanary, deadStable).forEach(EchoBackend::reset);
	}

	@Test
	void aGetWithABodyThatFailedOnTheCanaryIsRetriedOnStableWithItsBody() {
		for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.OPTIONS)) {
			String body = "{\"query\": \"" + method + " " + "x".repeat(5000) + "\"}";
			EntityExchangeResult<Map<String, Object>> result = send(method, "/echo/search", body);
			assertThat(result.getStatus().value()).as("%s: %s", method, result).isEqualTo(200);
			assertThat(result.getResponseBody()).as(method.name())
				.containsEntry("version", "v1")
				.containsEntry("contentLength", Integer.toString(body.length()))
				.containsEntry("body", body);
		}
		assertThat(echoCanary.requests()).as("the canary got (and failed) each one first").isEqualTo(2);
		assertThat(echoCanary.lastBody()).endsWith("x\"}");
	}

	@Test
	void aPostWhoseCanaryRefusedTheConnectionIsRetriedOnStableWithItsBody() {
		String body = "{\"order\": \"" + "y".repeat(10_000) + "\"}";
		EntityExchangeResult<Map<String, Object>> result = send(HttpMethod.POST, "/dead/orders", body);
		assertThat(result.getStatus().value()).as("%s", result).isEqualTo(200);
		assertThat(result.getResponseBody()).containsEntry("version", "v1").containsEntry("body", body);
	}

	@Test
	void aGetWithABodyTooLargeToKeepIsRetriedOnlyWhenItNeverReachedTheCanary() {
		String large = "z".repeat(300 * 1024);
		// sent to the canary, which failed: not kept, so not retried; the client sees the
		// canary's answer
		EntityExchangeResult<Map<String, Object>> failed = send(HttpMethod.GET, "/echo/search", large);
		assertThat(failed.getStatus().value()).isEqualTo(500);
		assertThat(failed.getResponseBody()).containsEntry("version", "v2");
		assertThat(echoStable.requests()).isZero();
		// never sent (connection refused): the body was not read, so stable gets it whole
		EntityExchangeResult<Map<String, Object>> retried = send(HttpMethod.GET, "/dead/search", large);
		assertThat(retried.getStatus().value()).isEqualTo(200);
		assertThat(retried.getResponseBody()).containsEntry("version", "v1")
			.containsEntry("contentLength", Integer.toString(large.length()))
			.containsEntry("received", large.length());
	}

	@Test
	void aGetWithAStreamedBodyOfUnknownLengthIsNotRetriedOnceSent() throws Exception {
		// a stream: sent chunked, without Content-Length
		byte[] chunks = "chunk-0;chunk-1;chunk-2;chunk-3;".getBytes(StandardCharsets.UTF_8);
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/echo/search"))
			.header("X-Canary", "always")
			.method("GET", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(chunks)))
			.timeout(Duration.ofSeconds(60))
			.build();
		HttpResponse<String> response = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.build()
			.send(request, HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(500);
		assertThat(response.body()).contains("\"version\":\"v2\"");
		assertThat(echoCanary.lastBody()).isEqualTo("chunk-0;chunk-1;chunk-2;chunk-3;");
		assertThat(echoStable.requests()).isZero();
	}

	@Test
	void aGetWithoutABodyIsRetriedAsBefore() {
		EntityExchangeResult<Map<String, Object>> result = this.client.get()
			.uri("/echo/search")
			.header("X-Canary", "always")
			.exchange()
			.expectBody(JSON)
			.returnResult();
		assertThat(result.getStatus().value()).isEqualTo(200);
		assertThat(result.getResponseBody()).containsEntry("version", "v1").containsEntry("body", "");
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private EntityExchangeResult<Map<String, Object>> send(HttpMethod method, String path, String body) {
		return this.client.method(method)
			.uri(path)
			.header("X-Canary", "always")
			.header("Content-Type", "application/json")
			.bodyValue(body)
			.exchange()
			.expectBody(JSON)
			.returnResult();
	}

	/**
	 * A backend that reads the whole request body and answers, with a fixed status, what
	 * it received: its version, the request's {@code Content-Length}, the body and its
	 * length.
	 */
	static final class EchoBackend implements AutoCloseable {

		private final DisposableServer server;

		private final AtomicLong requests = new AtomicLong();

		private volatile String lastBody;

		EchoBackend(String version, int status) {
			this.server = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
				String contentLength = request.requestHeaders().get("Content-Length", "none");
				return request.receive()
					.aggregate()
					.asString(StandardCharsets.UTF_8)
					.defaultIfEmpty("")
					.flatMap((body) -> {
						this.requests.incrementAndGet();
						this.lastBody = body;
						// a large body is not echoed: the test client reads at most 256
						// KB
						String echo = (body.length() <= 64 * 1024) ? body.replace("\"", "\\\"") : "(not echoed)";
						String json = "{\"version\":\"" + version + "\",\"contentLength\":\"" + contentLength
								+ "\",\"received\":" + body.length() + ",\"body\":\"" + echo + "\"}";
						return response.status(status)
							.header("Content-Type", "application/json")
							.sendString(Mono.just(json))
							.then();
					})
					// never answered synchronously: Reactor Netty 1.3.6 can then stop
					// reading the gateway's keep-alive connection
					// (reactor/reactor-netty#4361)
					.subscribeOn(Schedulers.parallel());
			}).bindNow();
		}

		String uri() {
			return "http://127.0.0.1:" + this.server.port();
		}

		long requests() {
			return this.requests.get();
		}

		String lastBody() {
			return this.lastBody;
		}

		void reset() {
			this.requests.set(0);
			this.lastBody = null;
		}

		@Override
		public void close() {
			this.server.disposeNow();
		}

	}

}
