package io.canarygateway.routing;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import io.canarygateway.analysis.Recorders;
import io.canarygateway.control.KillSwitch;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;
import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.Bucketer;
import io.canarygateway.core.Decider;
import io.canarygateway.core.KeyHasher;
import io.canarygateway.core.Lane;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.core.StickyKeyGenerator;
import io.canarygateway.core.Trigger;
import io.canarygateway.core.Verdict;
import io.canarygateway.metrics.CanaryMetrics;
import io.canarygateway.store.InMemoryReleaseStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sticky-cookie issuance at the exchange level (docs/routing.md, "Stickiness"): the real
 * {@link RoutedRelease} on mock exchanges. A request without a sticky key whose lane is
 * drawn is given a fresh key in the sticky cookie and decided by it; every other request
 * is given nothing.
 */
class StickyCookieTest {

	private static final String COOKIE = "canary-key";

	/**
	 * The random bucket when no key decides: 0, canary at every weight above 0. Requests
	 * decided by their keys are not all canary.
	 */
	private final Decider decider = new Decider(new Bucketer(KeyHasher.MURMUR3), () -> 0);

	private final StickyKeyGenerator keys = new StickyKeyGenerator(new SplittableRandom(42));

	private final Map<String, ReleaseController> controllers = new HashMap<>();

	private final Switch killSwitch = new Switch();

	@AfterEach
	void close() throws Exception {
		for (ReleaseController controller : this.controllers.values()) {
			controller.close();
		}
	}

	@Test
	void aRequestWithoutAKeyIsGivenOneAndDecidedByItAsItsNextRequestsAre() {
		RoutedRelease release = release("orders", routing(COOKIE, Duration.ofDays(30)), 50);
		Set<Lane> lanes = EnumSet.noneOf(Lane.class);
		for (int i = 0; i < 200; i++) {
			MockServerWebExchange first = exchange(MockServerHttpRequest.get("http://gateway.example/orders/1"));
			Lane lane = release.lane(first);
			ResponseCookie cookie = single(first);
			String key = cookie.getValue();
			assertThat(key).matches("[A-Za-z0-9_-]{22}");
			assertThat(lane).isEqualTo(this.decider.drawByKey("orders", 50, key).lane());
			assertThat(release.laneRequest(first).assignment().drawn()).isTrue();
			MockServerWebExchange next = exchange(MockServerHttpRequest.get("http://gateway.example/api/x")
				.cookie(new HttpCookie(COOKIE, cookie.getValue())));
			assertThat(release.lane(next)).as("the next request, with the cookie").isEqualTo(lane);
			assertThat(next.getResponse().getCookies()).as("the next request is given nothing").isEmpty();
			lanes.add(lane);
		}
		assertThat(lanes).as("decided by the keys, not by the random bucket (always canary)")
			.containsExactlyInAnyOrder(Lane.STABLE, Lane.CANARY);
	}

	@Test
	void theCookiesAttributes() {
		RoutedRelease release = release("orders", routing(COOKIE, Duration.ofMinutes(90)), 50);
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://gateway.example/orders/1"));
		release.lane(exchange);
		ResponseCookie cookie = single(exchange);
		assertThat(cookie.getName()).isEqualTo(COOKIE);
		assertThat(cookie.getPath()).isEqualTo("/");
		assertThat(cookie.getMaxAge()).isEqualTo(Duration.ofSeconds(5400));
		assertThat(cookie.isHttpOnly()).isTrue();
		assertThat(cookie.getSameSite()).isEqualTo("Lax");
		assertThat(cookie.isSecure()).as("over http").isFalse();
		assertThat(cookie.getDomain()).isNull();
		assertThat(cookie.toString()).startsWith(COOKIE + "=" + cookie.getValue() + "; Path=/; Max-Age=5400; Expires=")
			.endsWith("; HttpOnly; SameSite=Lax");

		MockServerWebExchange https = exchange(MockServerHttpRequest.get("https://gateway.example/orders/1"));
		release.lane(https);
		assertThat(single(https).isSecure()).as("over https").isTrue();
		assertThat(single(https).toString()).endsWith("; Secure; HttpOnly; SameSite=Lax");
	}

	@Test
	void aRequestWithAKeyIsGivenNothing() {
		RoutedRelease release = release("orders", routing(COOKIE, Duration.ofDays(30)), 50);
		MockServerWebExchange cookie = exchange(
				MockServerHttpRequest.get("http://gateway.example/orders/1").cookie(new HttpCookie(COOKIE, "user-1")));
		assertThat(release.lane(cookie)).isEqualTo(this.decider.drawByKey("orders", 50, "user-1").lane());
		assertThat(cookie.getResponse().getCookies()).isEmpty();

		MockServerWebExchange header = exchange(
				MockServerHttpRequest.get("http://gateway.example/orders/1").header("X-User-Id", "user-2"));
		assertThat(release.lane(header)).isEqualTo(this.decider.drawByKey("orders", 50, "user-2").lane());
		assertThat(header.getResponse().getCookies()).as("the sticky header is a key").isEmpty();
	}

	@Test
	void anEmptyCookieIsNoKey() {
		RoutedRelease release = release("orders", routing(COOKIE, Duration.ofDays(30)), 50);
		MockServerWebExchange exchange = exchange(
				MockServerHttpRequest.get("http://gateway.example/orders/1").cookie(new HttpCookie(COOKIE, "")));
		Lane lane = release.lane(exchange);
		assertThat(lane).isEqualTo(this.decider.drawByKey("orders", 50, single(exchange).getValue()).lane());
	}

	@Test
	void aForcedLaneIsGivenNothing() {
		RoutedRelease release = release("orders", routing(COOKIE, Duration.ofDays(30)), 50);
		MockServerWebExchange header = exchange(
				MockServerHttpRequest.get("http://gateway.example/orders/1").header("X-Canary", "never"));
		assertThat(release.lane(header)).isEqualTo(Lane.STABLE);
		assertThat(header.getResponse().getCookies()).isEmpty();
		MockServerWebExchange cookie = exchange(MockServerHttpRequest.get("http://gateway.example/orders/1")
			.cookie(new HttpCookie("canary", "always")));
		assertThat(release.lane(cookie)).isEqualTo(Lane.CANARY);
		assertThat(cookie.getResponse().getCookies()).isEmpty();

		this.killSwitch.open = true;
		MockServerWebExchange breakerOpen = exchange(MockServerHttpRequest.get("http://gateway.example/orders/1"));
		assertThat(release.lane(breakerOpen)).isEqualTo(Lane.STABLE);
		assertThat(breakerOpen.getResponse().getCookies()).as("breaker open").isEmpty();
	}

	@Test
	void aReleaseThatDoesNotSplitGivesNothing() {
		RoutingConfig routing = routing(COOKIE, Duration.ofDays(30));
		RoutedRelease idle = release("idle", routing, -1);
		assertThat(idle.release().status().state()).isEqualTo(ReleaseState.IDLE);
		assertGivesNothing(idle, Lane.STABLE);

		RoutedRelease promoted = release("promoted", routing, 50);
		operate(promoted, Action.PROMOTE);
		assertThat(promoted.release().status().state()).isEqualTo(ReleaseState.PROMOTED);
		assertGivesNothing(promoted, Lane.CANARY);

		RoutedRelease aborted = release("aborted", routing, 50);
		operate(aborted, Action.ABORT);
		this.killSwitch.open = false;
		assertThat(aborted.release().status().state()).isEqualTo(ReleaseState.ROLLED_BACK);
		assertGivesNothing(aborted, Lane.STABLE);
	}

	@Test
	void atWeightZeroTheKeyIsGivenAllTheSame() {
		RoutedRelease release = release("orders", routing(COOKIE, Duration.ofDays(30)), 0);
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://gateway.example/orders/1"));
		assertThat(release.lane(exchange)).isEqualTo(Lane.STABLE);
		assertThat(single(exchange).getValue()).as("kept for when the weight rises").isNotEmpty();
	}

	@Test
	void aReleaseWithoutAStickyCookieGivesNothing() {
		RoutedRelease release = release("orders", routing("", Duration.ofDays(30)), 50);
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://gateway.example/orders/1"));
		assertThat(release.lane(exchange)).as("the random bucket").isEqualTo(Lane.CANARY);
		assertThat(exchange.getResponse().getCookies()).isEmpty();
	}

	@Test
	void theBackendsOwnCookieOfTheSameNameWins() {
		RoutedRelease release = release("orders", routing(COOKIE, Duration.ofDays(30)), 50);
		MockServerWebExchange app = exchange(MockServerHttpRequest.get("http://gateway.example/orders/1"));
		release.lane(app);
		// as the routing filter copies the backend's headers
		app.getResponse().getHeaders().add(HttpHeaders.SET_COOKIE, "theme=dark");
		app.getResponse().getHeaders().add(HttpHeaders.SET_COOKIE, " canary-key=from-the-app; Path=/");
		app.getResponse().setComplete().block(Duration.ofSeconds(30));
		assertThat(app.getResponse().getHeaders().get(HttpHeaders.SET_COOKIE)).containsExactly("theme=dark",
				" canary-key=from-the-app; Path=/");

		MockServerWebExchange other = exchange(MockServerHttpRequest.get("http://gateway.example/orders/1"));
		release.lane(other);
		String key = single(other).getValue();
		other.getResponse().getHeaders().add(HttpHeaders.SET_COOKIE, "canary-key-2=x");
		other.getResponse().getHeaders().add(HttpHeaders.SET_COOKIE, "my-canary-key=x");
		other.getResponse().setComplete().block(Duration.ofSeconds(30));
		assertThat(other.getResponse().getHeaders().get(HttpHeaders.SET_COOKIE)).as("other names")
			.hasSize(3)
			.anySatisfy((header) -> assertThat(header).startsWith(COOKIE + "=" + key + "; Path=/"));
	}

	@Test
	void aRequestIsGivenOneKeyPerCookieName() {
		RoutedRelease orders = release("orders", routing(COOKIE, Duration.ofDays(30)), 50);
		RoutedRelease payments = release("payments", routing(COOKIE, Duration.ofDays(30)), 50);
		RoutedRelease shop = release("shop", routing("shop-key", Duration.ofDays(30)), 50);
		for (int i = 0; i < 50; i++) {
			MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://gateway.example/orders/1"));
			Lane ordersLane = orders.lane(exchange);
			Lane paymentsLane = payments.lane(exchange);
			shop.lane(exchange);
			orders.lane(exchange);
			Map<String, List<ResponseCookie>> cookies = exchange.getResponse().getCookies();
			assertThat(cookies).containsOnlyKeys(COOKIE, "shop-key");
			assertThat(cookies.get(COOKIE)).as("decided once per release, one key per name").hasSize(1);
			assertThat(cookies.get("shop-key")).hasSize(1);
			String key = cookies.get(COOKIE).get(0).getValue();
			assertThat(ordersLane).isEqualTo(this.decider.drawByKey("orders", 50, key).lane());
			assertThat(paymentsLane).isEqualTo(this.decider.drawByKey("payments", 50, key).lane());
		}
	}

	private void assertGivesNothing(RoutedRelease release, Lane lane) {
		MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("http://gateway.example/orders/1"));
		assertThat(release.lane(exchange)).as(release.name()).isEqualTo(lane);
		assertThat(release.laneRequest(exchange).assignment().drawn()).isFalse();
		assertThat(exchange.getResponse().getCookies()).as(release.name()).isEmpty();
	}

	private static ResponseCookie single(MockServerWebExchange exchange) {
		List<ResponseCookie> cookies = exchange.getResponse().getCookies().get(COOKIE);
		assertThat(cookies).as("Set-Cookie " + COOKIE).hasSize(1);
		assertThat(exchange.getResponse().getCookies()).hasSize(1);
		return cookies.get(0);
	}

	private static MockServerWebExchange exchange(MockServerHttpRequest.BaseBuilder<?> request) {
		return MockServerWebExchange.from(request);
	}

	private static RoutingConfig routing(String stickyCookie, Duration maxAge) {
		return new RoutingConfig("X-Canary", "canary", "X-User-Id", stickyCookie, maxAge, false, true);
	}

	private void operate(RoutedRelease release, Action action) {
		this.controllers.get(release.name()).operate(release.name(), action, 0, "test");
	}

	/**
	 * A release on its own controller, PAUSED at a weight; IDLE (never started) for a
	 * negative weight.
	 */
	private RoutedRelease release(String name, RoutingConfig routing, int weight) {
		ReleaseConfig config = new ReleaseConfig(name, "v1", "v2", false, ReleaseConfig.DEFAULT_STEPS,
				Duration.ofMinutes(1), List.of(), Duration.ofMinutes(10), routing, AnalysisConfig.defaults(),
				BreakerConfig.defaults(), Trigger.MANUAL, Duration.ofSeconds(30));
		assertThat(config.violations()).isEmpty();
		ReleaseController controller = new ReleaseController(List.of(config), new InMemoryReleaseStore(),
				(c, listener) -> this.killSwitch, Clock.systemUTC(), Runnable::run, List.of());
		this.controllers.put(name, controller);
		controller.start();
		if (weight >= 0) {
			controller.operate(name, Action.START, 0, "test");
			controller.operate(name, Action.WEIGHT, weight, "test");
			assertThat(controller.release(name).status().state()).isEqualTo(ReleaseState.PAUSED);
		}
		return new RoutedRelease(controller.release(name), this.decider, this.keys, "version",
				new Recorders(List.of(name)),
				new CanaryMetrics(new SimpleMeterRegistry()).register(controller.release(name)),
				new RemoteAddressResolver() {
				});
	}

	/** A kill switch that is closed unless told otherwise. */
	private static final class Switch implements KillSwitch {

		volatile boolean open;

		@Override
		public boolean allowsCanary() {
			return !this.open;
		}

		@Override
		public void trip() {
			this.open = true;
		}

		@Override
		public void reset() {
			this.open = false;
		}

		@Override
		public void record(long latencyNanos, boolean failure) {
		}

		@Override
		public Verdict openedByItself() {
			return null;
		}

		@Override
		public String stateName() {
			return this.open ? "FORCED_OPEN" : "CLOSED";
		}

	}

}
