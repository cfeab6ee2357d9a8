package io.canarygateway.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.canarygateway.autoconfigure.InvalidCanaryConfigurationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Actuator writes from another site's page are refused, on a real gateway: a cross-site
 * {@code Origin} (or {@code Origin: null}) or {@code Sec-Fetch-Site: cross-site} gets 403
 * with a reason and the release does not change, on the {@code canary} endpoint and on
 * the others ({@code loggers}); requests without {@code Origin} (curl) and from the
 * gateway's own origin work; reads and proxied routes are not touched; forwarded headers
 * count only when the application turned Spring's handling of them on; and
 * {@code canary.security.allowed-origins} adds trusted origins, rejecting text that is
 * not one.
 */
class CrossSiteWriteIntegrationTests {

	private static final String EVIL = "https://evil.example";

	private final List<ConfigurableApplicationContext> started = new ArrayList<>();

	private final List<TestBackend> backends = new ArrayList<>();

	@AfterEach
	void stop() {
		this.started.forEach(ConfigurableApplicationContext::close);
		this.backends.forEach(TestBackend::close);
	}

	@Test
	void crossSiteOriginIsRefusedAndChangesNothing() {
		Gateway gateway = start();

		gateway.post("/actuator/canary/orders/start", EVIL, null)
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(403)
			.jsonPath("$.error")
			.value((String error) -> assertThat(error).contains("cross-site")
				.contains("nothing was changed")
				.contains("Origin " + EVIL)
				.contains(gateway.origin()));
		gateway.assertUnchanged();

		// a body, typed as a simple form would be, changes nothing either
		gateway.client.post()
			.uri("/actuator/canary/orders/weight")
			.header(HttpHeaders.ORIGIN, EVIL)
			.contentType(MediaType.TEXT_PLAIN)
			.bodyValue("{\"weight\": 50}")
			.exchange()
			.expectStatus()
			.isForbidden();
		// a page in a sandboxed frame, or after a cross-site redirect, sends Origin: null
		gateway.post("/actuator/canary/orders/start", "null", null).expectStatus().isForbidden();
		// the same host on another port or scheme is another origin
		gateway.post("/actuator/canary/orders/start", "http://127.0.0.1:1", null).expectStatus().isForbidden();
		gateway.post("/actuator/canary/orders/start", "https://127.0.0.1:" + gateway.port, null)
			.expectStatus()
			.isForbidden();
		gateway.post("/actuator/canary/orders/start", "not an origin", null).expectStatus().isForbidden();
		gateway.assertUnchanged();
	}

	@Test
	void secFetchSiteCrossSiteIsRefused() {
		Gateway gateway = start();

		gateway.post("/actuator/canary/orders/start", null, "cross-site")
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error")
			.value((String error) -> assertThat(error).contains("Sec-Fetch-Site: cross-site"));
		// even with the gateway's own Origin: the browser says the request came from
		// another site
		gateway.post("/actuator/canary/orders/start", gateway.origin(), "cross-site").expectStatus().isForbidden();
		gateway.assertUnchanged();
	}

	@Test
	void requestsWithoutOriginAndFromTheGatewaysOwnOriginWork() {
		Gateway gateway = start();

		// curl, a pipeline
		gateway.post("/actuator/canary/orders/start", null, null)
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("PROGRESSING");
		// the dashboard's buttons: a same-origin fetch
		gateway.post("/actuator/canary/orders/pause", gateway.origin(), "same-origin")
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("PAUSED");
		// Origin as browsers write it: the host in any case, the default port implied
		gateway.post("/actuator/canary/orders/resume", "HTTP://127.0.0.1:" + gateway.port, null).expectStatus().isOk();
		gateway.client.post()
			.uri("/actuator/canary/orders/weight")
			.header(HttpHeaders.ORIGIN, gateway.origin())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"weight\": 30}")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.weight")
			.isEqualTo(30);
	}

	@Test
	void everyActuatorEndpointsWritesAreGuardedButNotReadsNorRoutes() {
		// its own (a closing gateway context disposes Reactor Netty's global resources)
		TestBackend backend = new TestBackend("v1", "forms");
		this.backends.add(backend);
		String route = "spring.cloud.gateway.server.webflux.routes[0].";
		Gateway gateway = start(route + "id=forms", route + "uri=" + backend.uri(),
				route + "predicates[0]=Path=/forms/**");
		String logger = "/actuator/loggers/io.canarygateway.actuate.CrossSiteWriteFilter";

		gateway.client.post()
			.uri(logger)
			.header(HttpHeaders.ORIGIN, EVIL)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"configuredLevel\": \"TRACE\"}")
			.exchange()
			.expectStatus()
			.isForbidden();
		gateway.client.get()
			.uri(logger)
			.header(HttpHeaders.ORIGIN, EVIL)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.configuredLevel")
			.doesNotExist();
		gateway.client.post()
			.uri(logger)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"configuredLevel\": \"TRACE\"}")
			.exchange()
			.expectStatus()
			.isNoContent();
		gateway.client.get().uri(logger).exchange().expectBody().jsonPath("$.configuredLevel").isEqualTo("TRACE");

		// the application's own routes are its business: a cross-site form post goes
		// through
		long before = backend.requests();
		gateway.client.post()
			.uri("/forms/submit")
			.header(HttpHeaders.ORIGIN, EVIL)
			.header("Sec-Fetch-Site", "cross-site")
			.contentType(MediaType.APPLICATION_FORM_URLENCODED)
			.bodyValue("a=b")
			.exchange()
			.expectStatus()
			.isOk();
		assertThat(backend.requests()).isEqualTo(before + 1);
	}

	@Test
	void forwardedHeadersCountOnlyWhenTheApplicationHandlesThem() {
		String publicOrigin = "https://gw.example.com";
		Gateway plain = start();
		plain.client.post()
			.uri("/actuator/canary/orders/start")
			.header(HttpHeaders.ORIGIN, publicOrigin)
			.header("X-Forwarded-Proto", "https")
			.header("X-Forwarded-Host", "gw.example.com")
			.exchange()
			.expectStatus()
			.isForbidden();
		plain.assertUnchanged();

		Gateway forwarded = start("server.forward-headers-strategy=framework");
		forwarded.client.post()
			.uri("/actuator/canary/orders/start")
			.header(HttpHeaders.ORIGIN, publicOrigin)
			.header("X-Forwarded-Proto", "https")
			.header("X-Forwarded-Host", "gw.example.com")
			.exchange()
			.expectStatus()
			.isOk();
		forwarded.client.post()
			.uri("/actuator/canary/orders/pause")
			.header(HttpHeaders.ORIGIN, "https://other.example.com")
			.header("X-Forwarded-Proto", "https")
			.header("X-Forwarded-Host", "gw.example.com")
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error")
			.value((String error) -> assertThat(error).contains("https://gw.example.com:443"));
	}

	@Test
	void allowedOriginsAreTrusted() {
		Gateway gateway = start("canary.security.allowed-origins=https://OPS.example.com, http://localhost:3000");

		// a trusted page on another site: the browser says cross-site, the Origin wins
		gateway.post("/actuator/canary/orders/start", "https://ops.example.com:443", "cross-site")
			.expectStatus()
			.isOk();
		gateway.post("/actuator/canary/orders/pause", "http://localhost:3000", "same-site").expectStatus().isOk();
		gateway.post("/actuator/canary/orders/resume", "http://localhost:3001", "same-site")
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.error")
			.value((String error) -> assertThat(error).contains("canary.security.allowed-origins"));
		gateway.post("/actuator/canary/orders/resume", "https://ops.example.com.evil.example", null)
			.expectStatus()
			.isForbidden();
	}

	@Test
	void anAllowedOriginThatIsNotAnOriginFailsStartup() {
		assertThatExceptionOfType(Exception.class)
			.isThrownBy(() -> start("canary.security.allowed-origins=https://ops.example.com/, *, ops.example.com"))
			.havingRootCause()
			.isInstanceOf(InvalidCanaryConfigurationException.class)
			.satisfies((ex) -> assertThat(((InvalidCanaryConfigurationException) ex).getProblems()).containsExactly(
					"canary.security.allowed-origins[0]: must be an origin as a browser sends it, scheme://host[:port]"
							+ " without path (such as https://ops.example.com), was 'https://ops.example.com/'",
					"canary.security.allowed-origins[1]: must be an origin as a browser sends it, scheme://host[:port]"
							+ " without path (such as https://ops.example.com), was '*'",
					"canary.security.allowed-origins[2]: must be an origin as a browser sends it, scheme://host[:port]"
							+ " without path (such as https://ops.example.com), was 'ops.example.com'"));
	}

	private Gateway start(String... properties) {
		List<String> all = new ArrayList<>(List.of("server.port=0", "spring.main.banner-mode=off",
				"canary.releases.orders.stable-version=v1", "canary.releases.orders.canary-version=v2",
				"canary.releases.orders.auto-start=false", "canary.defaults.analysis.interval=1h",
				"management.endpoints.web.exposure.include=canary,loggers"));
		all.addAll(List.of(properties));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayTestApplication.class)
			.web(WebApplicationType.REACTIVE)
			.properties(all.toArray(String[]::new))
			.run();
		this.started.add(context);
		int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		return new Gateway(port,
				WebTestClient.bindToServer()
					.baseUrl("http://127.0.0.1:" + port)
					.responseTimeout(Duration.ofSeconds(60))
					.build());
	}

	/**
	 * A started gateway whose {@code orders} release is {@code IDLE} until written to.
	 */
	private record Gateway(int port, WebTestClient client) {

		String origin() {
			return "http://127.0.0.1:" + this.port;
		}

		WebTestClient.ResponseSpec post(String path, String origin, String secFetchSite) {
			WebTestClient.RequestBodySpec request = this.client.post().uri(path);
			if (origin != null) {
				request.header(HttpHeaders.ORIGIN, origin);
			}
			if (secFetchSite != null) {
				request.header("Sec-Fetch-Site", secFetchSite);
			}
			return request.exchange();
		}

		void assertUnchanged() {
			Map<String, Object> release = this.client.get()
				.uri("/actuator/canary/orders")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(new ParameterizedTypeReference<Map<String, Object>>() {
				})
				.returnResult()
				.getResponseBody();
			assertThat(release).containsEntry("state", "IDLE").containsEntry("weight", 0);
			assertThat((List<?>) release.get("history")).isEmpty();
		}

	}

}
