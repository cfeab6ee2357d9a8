package io.canarygateway.it;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sticky-cookie issuance end to end (docs/routing.md, "Stickiness"): one gateway, a
 * load-balanced route to real v1 and v2 backends, release {@code orders} with
 * {@code routing.sticky-cookie: canary-key}, and a predicate-mode pair of routes for
 * {@code payments}, with the same cookie. Each browser is a
 * {@link java.net.CookieManager}: it keeps what {@code Set-Cookie} gives and sends it
 * back, as a browser does. The keys come from the gateway's own
 * {@link java.security.SecureRandom}.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
class StickyCookieIntegrationTests {

	static final TestBackend v1 = new TestBackend("v1", "orders-v1");

	static final TestBackend v2 = new TestBackend("v2", "orders-v2");

	static final TestBackend payV1 = new TestBackend("v1", "payments-v1");

	static final TestBackend payV2 = new TestBackend("v2", "payments-v2");

	private static final String COOKIE = "canary-key";

	/**
	 * {@code Set-Cookie} as the gateway writes it over http, in the order and spelling of
	 * Reactor Netty's cookie encoder (attribute names are case-insensitive, RFC 6265);
	 * group 1 is the key, group 2 the expiry date ({@code Expires}, which the encoder
	 * adds to {@code Max-Age} for older clients).
	 */
	private static final Pattern SET_COOKIE = Pattern
		.compile(COOKIE + "=([A-Za-z0-9_-]{22}); Max-Age=2592000; Expires=([A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} "
				+ "\\d{2}:\\d{2}:\\d{2} GMT); Path=/; HTTPOnly; SameSite=Lax");

	@Autowired
	WebTestClient client;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestRoutes.instances(registry, "orders", 0, v1, v2);
		TestRoutes.loadBalanced(registry, 0, "orders", "orders");
		// a release that is never started: IDLE
		TestRoutes.loadBalanced(registry, 1, "idle", "orders");
		String routes = "spring.cloud.gateway.server.webflux.routes";
		// predicate mode: the lane is decided while the route is looked up
		registry.add(routes + "[2].id", () -> "payments-canary");
		registry.add(routes + "[2].uri", payV2::uri);
		registry.add(routes + "[2].predicates[0]", () -> "Path=/pay/**");
		registry.add(routes + "[2].predicates[1]", () -> "Canary=payments, canary");
		registry.add(routes + "[3].id", () -> "payments-stable");
		registry.add(routes + "[3].uri", payV1::uri);
		registry.add(routes + "[3].predicates[0]", () -> "Path=/pay/**");
		registry.add(routes + "[3].predicates[1]", () -> "Canary=payments, stable");
		registry.add("canary.defaults.stable-version", () -> "v1");
		registry.add("canary.defaults.canary-version", () -> "v2");
		registry.add("canary.defaults.auto-start", () -> "false");
		registry.add("canary.defaults.routing.sticky-cookie", () -> COOKIE);
		registry.add("canary.defaults.routing.expose-version", () -> "true");
		// the judge stays out: the tests set weights by hand
		registry.add("canary.defaults.analysis.interval", () -> "1h");
		registry.add("canary.releases.orders.steps", () -> "5,100");
		registry.add("canary.releases.idle.steps", () -> "5,100");
		registry.add("canary.releases.payments.steps", () -> "5,100");
		registry.add("management.endpoints.web.exposure.include", () -> "canary");
		// X-Forwarded-Proto: https counts, as behind a proxy that terminates TLS
		registry.add("server.forward-headers-strategy", () -> "framework");
	}

	@AfterAll
	static void stopBackends() {
		List.of(v1, v2, payV1, payV2).forEach(TestBackend::close);
	}

	@BeforeEach
	void resetBackends() {
		List.of(v1, v2, payV1, payV2).forEach(TestBackend::reset);
	}

	@Test
	void anAnonymousBrowserKeepsItsLaneAcross50Requests() {
		weight(50);
		for (int b = 0; b < 10; b++) {
			Browser browser = new Browser();
			Response first = browser.get("/orders/" + b);
			assertThat(first.setCookies()).as("the first response gives the key").hasSize(1);
			for (int i = 1; i < 50; i++) {
				Response next = browser.get("/orders/" + b + "/items/" + i);
				assertThat(next.version()).as("browser %d, request %d", b, i).isEqualTo(first.version());
				assertThat(next.setCookies()).as("a request with the key is given nothing").isEmpty();
			}
		}
		assertThat(v1.requests() + v2.requests()).isEqualTo(500);
	}

	@Test
	void predicateRoutesGiveTheCookieToo() {
		weight("payments", 50);
		for (int b = 0; b < 10; b++) {
			Browser browser = new Browser();
			Response first = browser.get("/pay/" + b);
			assertThat(key(first)).isNotEmpty();
			for (int i = 1; i < 20; i++) {
				Response next = browser.get("/pay/" + b + "/" + i);
				assertThat(next.version()).as("browser %d, request %d", b, i).isEqualTo(first.version());
				assertThat(next.setCookies()).isEmpty();
			}
		}
		assertThat(payV1.requests() + payV2.requests()).isEqualTo(200);
		assertThat(payV1.lane("canary") + payV2.lane("stable")).isZero();
	}

	/**
	 * 1,000 fresh browsers at weight 5, the first step of a default rollout: the number
	 * on the canary is Binomial(1000, 0.05), mean 50 and standard deviation 6.9. The
	 * bound ±3 points (20 to 80) is 4.35 standard deviations: the exact binomial chance
	 * of falling outside is 2.1 × 10⁻⁵.
	 */
	@Test
	void freshBrowsersSplitByTheWeight() {
		weight(5);
		int canary = 0;
		Set<String> keys = new HashSet<>();
		for (int b = 0; b < 1000; b++) {
			Browser browser = new Browser();
			Response first = browser.get("/orders/1");
			keys.add(key(first));
			if (first.version().equals("v2")) {
				canary++;
			}
			Response second = browser.get("/orders/2");
			assertThat(second.version()).as("browser %d's second request", b).isEqualTo(first.version());
			assertThat(second.setCookies()).isEmpty();
		}
		assertThat(keys).as("every browser its own key").hasSize(1000);
		assertThat(canary).as("browsers on the canary at 5 %%, of 1,000").isBetween(20, 80);
		assertThat(v2.requests()).isEqualTo(2L * canary);
	}

	@Test
	void browsersStayPutWhenTheWeightRises() {
		weight(20);
		List<Browser> browsers = new ArrayList<>();
		List<String> at20 = new ArrayList<>();
		for (int b = 0; b < 300; b++) {
			Browser browser = new Browser();
			browsers.add(browser);
			at20.add(browser.get("/orders/1").version());
		}
		assertThat(at20).contains("v1", "v2");
		weight(50);
		int moved = 0;
		for (int b = 0; b < browsers.size(); b++) {
			Response at50 = browsers.get(b).get("/orders/1");
			assertThat(at50.setCookies()).isEmpty();
			if (at20.get(b).equals("v2")) {
				assertThat(at50.version()).as("browser %d was on the canary at 20 %%", b).isEqualTo("v2");
			}
			else if (at50.version().equals("v2")) {
				moved++;
			}
		}
		// the stable browsers move to the canary with probability 30/80: about 90 of
		// them
		assertThat(moved).as("stable browsers that moved to the canary").isPositive();
	}

	@Test
	void theSetCookieHeaderExactly() {
		weight(50);
		List<String> setCookies = get("/orders/1", new HttpHeaders());
		assertThat(setCookies).hasSize(1);
		Matcher matcher = SET_COOKIE.matcher(setCookies.get(0));
		assertThat(matcher.matches()).as(setCookies.get(0)).isTrue();
		ZonedDateTime expires = ZonedDateTime.parse(matcher.group(2), DateTimeFormatter.RFC_1123_DATE_TIME);
		assertThat(Duration.between(ZonedDateTime.now(), expires)).isBetween(Duration.ofDays(29), Duration.ofDays(31));

		HttpHeaders https = new HttpHeaders();
		https.set("X-Forwarded-Proto", "https");
		List<String> secure = get("/orders/1", https);
		assertThat(secure).singleElement()
			.asString()
			.matches(COOKIE + "=[A-Za-z0-9_-]{22}; Max-Age=2592000; Expires=[^;]+ GMT; Path=/; Secure; HTTPOnly; "
					+ "SameSite=Lax");

		HttpHeaders withKey = new HttpHeaders();
		withKey.set(HttpHeaders.COOKIE, COOKIE + "=" + matcher.group(1));
		assertThat(get("/orders/1", withKey)).as("a request with the cookie is given none").isEmpty();
	}

	@Test
	void aCookieTheBackendSetsOfTheSameNameIsNotOverwritten() {
		weight(50);
		List.of(v1, v2).forEach((backend) -> backend.setCookie(COOKIE + "=from-the-app; Path=/"));
		assertThat(get("/orders/1", new HttpHeaders())).containsExactly(COOKIE + "=from-the-app; Path=/");
		List.of(v1, v2).forEach((backend) -> backend.setCookie("theme=dark"));
		assertThat(get("/orders/1", new HttpHeaders())).hasSize(2)
			.contains("theme=dark")
			.anySatisfy((header) -> assertThat(header).matches(SET_COOKIE));
	}

	@Test
	void noCookieWhereNoKeyDecidesTheLane() {
		weight(50);
		HttpHeaders always = new HttpHeaders();
		always.set("X-Canary", "always");
		assertThat(get("/orders/1", always)).as("forced by the override header").isEmpty();
		HttpHeaders neverCookie = new HttpHeaders();
		neverCookie.set(HttpHeaders.COOKIE, "canary=never");
		assertThat(get("/orders/1", neverCookie)).as("forced by the override cookie").isEmpty();
		assertThat(get("/idle/1", new HttpHeaders())).as("IDLE").isEmpty();

		post("/actuator/canary/orders/promote");
		assertThat(get("/orders/1", new HttpHeaders())).as("PROMOTED").isEmpty();
		post("/actuator/canary/orders/abort");
		assertThat(get("/orders/1", new HttpHeaders())).as("ROLLED_BACK").isEmpty();
		assertThat(v2.requests()).as("the forced canary request and the promoted one").isEqualTo(2);
	}

	/** The {@code Set-Cookie} headers of the answer to a GET with these headers. */
	private List<String> get(String path, HttpHeaders headers) {
		return this.client.get()
			.uri(path)
			.headers((h) -> h.addAll(headers))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseHeaders()
			.getOrEmpty(HttpHeaders.SET_COOKIE);
	}

	private static String key(Response response) {
		assertThat(response.setCookies()).hasSize(1);
		Matcher matcher = SET_COOKIE.matcher(response.setCookies().get(0));
		assertThat(matcher.matches()).as(response.setCookies().get(0)).isTrue();
		return matcher.group(1);
	}

	private void weight(int weight) {
		weight("orders", weight);
	}

	private void weight(String release, int weight) {
		String state = this.client.get()
			.uri("/actuator/canary/" + release)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody()
			.get("state")
			.toString();
		if (!state.equals("PROGRESSING") && !state.equals("PAUSED")) {
			post("/actuator/canary/" + release + "/start");
		}
		this.client.post()
			.uri("/actuator/canary/" + release + "/weight")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"weight\": " + weight + "}")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult();
	}

	private void post(String uri) {
		this.client.post().uri(uri).exchange().expectStatus().isOk().expectBody().returnResult();
	}

	/** What a browser got: the version that served, and the cookies it was given. */
	record Response(String version, List<String> setCookies) {
	}

	/** A browser with its own cookie jar. */
	private final class Browser {

		private final CookieManager jar = new CookieManager();

		Response get(String path) {
			URI uri = URI.create("http://localhost:" + StickyCookieIntegrationTests.this.port + path);
			List<String> cookies = jar(uri);
			EntityExchangeResult<byte[]> result = StickyCookieIntegrationTests.this.client.get()
				.uri(path)
				.headers((headers) -> {
					if (!cookies.isEmpty()) {
						headers.set(HttpHeaders.COOKIE, String.join("; ", cookies));
					}
				})
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.returnResult();
			List<String> setCookies = result.getResponseHeaders().getOrEmpty(HttpHeaders.SET_COOKIE);
			try {
				this.jar.put(uri, Map.of(HttpHeaders.SET_COOKIE, setCookies));
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
			return new Response(result.getResponseHeaders().getFirst("X-Canary-Version"), setCookies);
		}

		private List<String> jar(URI uri) {
			try {
				return this.jar.get(uri, Map.of()).getOrDefault(HttpHeaders.COOKIE, List.of());
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
