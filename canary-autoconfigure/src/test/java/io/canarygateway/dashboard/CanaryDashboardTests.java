package io.canarygateway.dashboard;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.canarygateway.it.GatewayTestApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard as a browser fetches it from a running gateway: the page at the default
 * and at a configured path, the actuator endpoint's URL in its {@code canary-endpoint}
 * meta, its two assets, the redirect to the trailing-slash form, nothing from another
 * origin — and no page at all unless it is switched on.
 */
class CanaryDashboardTests {

	private static final String[] GATEWAY = { "server.port=0", "spring.main.banner-mode=off",
			"canary.releases.orders.stable-version=v1", "canary.releases.orders.canary-version=v2",
			"canary.releases.orders.auto-start=false", "management.endpoints.web.exposure.include=canary" };

	/**
	 * An absolute or protocol-relative URL: anything that would make the page load from
	 * another origin.
	 */
	private static final Pattern EXTERNAL = Pattern.compile("(?i)(https?:|wss?:|ftp:)?//[a-z0-9.-]+\\.[a-z]{2,}|"
			+ "(?i)(src|href|action)\\s*=\\s*[\"']?\\s*//|(?i)@import|(?i)url\\(\\s*[\"']?(https?:)?//");

	private final List<ConfigurableApplicationContext> started = new ArrayList<>();

	@AfterEach
	void stop() {
		this.started.forEach(ConfigurableApplicationContext::close);
	}

	@Test
	void servesThePageAtTheDefaultPathWithTheEndpointUrl() {
		WebTestClient client = start("canary.dashboard.enabled=true");

		String page = body(client, "/canary-dashboard/", MediaType.TEXT_HTML);
		assertThat(page).contains("<meta name=\"canary-endpoint\" content=\"/actuator/canary\">")
			.doesNotContain(DashboardRouter.ENDPOINT_PLACEHOLDER)
			.contains("src=\"dashboard.js\"")
			.contains("href=\"dashboard.css\"");
		client.get()
			.uri("/canary-dashboard/")
			.exchange()
			.expectHeader()
			.valueEquals("Content-Security-Policy", DashboardRouter.CONTENT_SECURITY_POLICY);
		assertThat(body(client, "/canary-dashboard/index.html", MediaType.TEXT_HTML)).isEqualTo(page);
		assertThat(body(client, "/canary-dashboard/dashboard.js", MediaType.valueOf("text/javascript")))
			.contains("'same-origin'")
			.contains("canary-endpoint");
		assertThat(body(client, "/canary-dashboard/dashboard.css", MediaType.valueOf("text/css"))).contains(".release");

		client.get()
			.uri("/canary-dashboard")
			.exchange()
			.expectStatus()
			.isFound()
			.expectHeader()
			.location("/canary-dashboard/");
		client.get().uri("/canary-dashboard/other.js").exchange().expectStatus().isNotFound();
		// the endpoint the page polls is there
		client.get()
			.uri("/actuator/canary")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.releases.orders.state")
			.isEqualTo("IDLE");
	}

	@Test
	void servesThePageAtAConfiguredPathWithTheActuatorsBasePath() {
		WebTestClient client = start("canary.dashboard.enabled=true", "canary.dashboard.path=/ops/canary",
				"management.endpoints.web.base-path=/manage");

		assertThat(body(client, "/ops/canary/", MediaType.TEXT_HTML))
			.contains("<meta name=\"canary-endpoint\" content=\"/manage/canary\">");
		assertThat(body(client, "/ops/canary/dashboard.js", MediaType.valueOf("text/javascript"))).isNotEmpty();
		client.get()
			.uri("/ops/canary?x=1")
			.exchange()
			.expectStatus()
			.isFound()
			.expectHeader()
			.location("/ops/canary/?x=1");
		client.get().uri("/canary-dashboard/").exchange().expectStatus().isNotFound();
	}

	@Test
	void pageAndAssetsReferenceNothingOutsideTheGateway() {
		WebTestClient client = start("canary.dashboard.enabled=true");
		for (String file : List.of("", "dashboard.js", "dashboard.css")) {
			String text = body(client, "/canary-dashboard/" + file, null);
			assertThat(text).as(file.isEmpty() ? "index.html" : file)
				.doesNotContainIgnoringCase("http://")
				.doesNotContainIgnoringCase("https://")
				.doesNotContainPattern(EXTERNAL);
		}
	}

	@Test
	void absentUnlessEnabled() {
		WebTestClient client = start();
		client.get().uri("/canary-dashboard/").exchange().expectStatus().isNotFound();
		client.get().uri("/canary-dashboard/dashboard.js").exchange().expectStatus().isNotFound();
	}

	@Test
	void absentWhenCanaryGatewayIsSwitchedOff() {
		WebTestClient client = start("canary.enabled=false", "canary.dashboard.enabled=true");
		client.get().uri("/canary-dashboard/").exchange().expectStatus().isNotFound();
	}

	private WebTestClient start(String... properties) {
		List<String> all = new ArrayList<>(List.of(GATEWAY));
		all.addAll(List.of(properties));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayTestApplication.class)
			.web(WebApplicationType.REACTIVE)
			.properties(all.toArray(String[]::new))
			.run();
		this.started.add(context);
		String port = context.getEnvironment().getProperty("local.server.port");
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(java.time.Duration.ofSeconds(60))
			.build();
	}

	private static String body(WebTestClient client, String path, MediaType type) {
		WebTestClient.ResponseSpec response = client.get().uri(path).exchange().expectStatus().isOk();
		if (type != null) {
			response.expectHeader().contentTypeCompatibleWith(type);
		}
		byte[] body = response.expectBody().returnResult().getResponseBody();
		assertThat(body).as("body of " + path).isNotNull();
		return new String(body, StandardCharsets.UTF_8);
	}

}
