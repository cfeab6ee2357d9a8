package io.canarygateway.routing;

import java.net.ConnectException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import io.canarygateway.analysis.LaneSample;
import io.canarygateway.analysis.Recorders;
import io.canarygateway.control.KillSwitch;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.Bucketer;
import io.canarygateway.core.Decider;
import io.canarygateway.core.Defaults;
import io.canarygateway.core.KeyHasher;
import io.canarygateway.core.Lane;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.core.StickyKeyGenerator;
import io.canarygateway.core.Trigger;
import io.canarygateway.core.Verdict;
import io.canarygateway.loadbalancer.LaneRequest;
import io.canarygateway.loadbalancer.VersionAwareServiceInstanceListSupplier;
import io.canarygateway.metrics.CanaryMetrics;
import io.canarygateway.store.InMemoryReleaseStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The canary handling of one request, at the exchange level: a mock exchange, the real
 * {@link RoutedRelease}, {@link CanaryExchangeHandler} and version-aware supplier, and a
 * chain that plays load balancer and backend. The retry matrix — method × failure kind ×
 * lane — and what is recorded, counted and answered in each case.
 */
class CanaryExchangeHandlerTest {

	private static final URI LB_URL = URI.create("lb://orders/orders/1");

	private final List<ReleaseController> controllers = new ArrayList<>();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final CanaryExchangeHandler handler = new CanaryExchangeHandler();

	@AfterEach
	void close() throws Exception {
		for (ReleaseController controller : this.controllers) {
			controller.close();
		}
	}

	/** How a canary backend fails. */
	enum Failure {

		/** It answers 500. */
		STATUS_500(true),
		/** It answers 503. */
		STATUS_503(true),
		/** The connection is refused: the request never reached it. */
		CONNECTION_REFUSED(false),
		/** No instance was there to send it to. */
		NO_INSTANCE(false),
		/** It did not answer in time. */
		TIMEOUT(true),
		/** The gateway's response timeout (a 504 ResponseStatusException). */
		GATEWAY_TIMEOUT(true);

		/**
		 * Whether the request may have reached the backend (so retrying is safe only for
		 * idempotent methods).
		 */
		final boolean reached;

		Failure(boolean reached) {
			this.reached = reached;
		}

	}

	@Test
	void retryMatrix() {
		List<HttpMethod> methods = List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS, HttpMethod.POST,
				HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);
		int cases = 0;
		for (HttpMethod method : methods) {
			for (Failure failure : Failure.values()) {
				for (Lane lane : Lane.values()) {
					Setup setup = new Setup(true);
					Backends backends = new Backends(failure, lane == Lane.STABLE);
					MockServerWebExchange exchange = setup.exchange(method, lane);
					Throwable error = run(setup, exchange, backends);
					String what = method + " " + failure + " on the " + lane.value() + " lane";
					boolean idempotent = method == HttpMethod.GET || method == HttpMethod.HEAD
							|| method == HttpMethod.OPTIONS;
					boolean retried = lane == Lane.CANARY && (!failure.reached || idempotent);
					assertThat(backends.calls).as(what + ": attempts")
						.containsExactlyElementsOf(retried ? List.of("v2", "v1") : List.of(backends.first(lane)));
					assertThat(setup.counter(CanaryMetrics.RETRY)).as(what + ": retries counted")
						.isEqualTo(retried ? 1 : 0);
					if (retried) {
						assertThat(error).as(what).isNull();
						assertThat(exchange.getResponse().getStatusCode()).as(what).isEqualTo(HttpStatus.OK);
						assertThat(exchange.getResponse().getHeaders().getFirst(CanaryHeaders.VERSION)).as(what)
							.isEqualTo("v1");
						LaneSample canary = setup.drain().canary();
						assertThat(canary.requests()).as(what + ": the canary failure still counts").isEqualTo(1);
						assertThat(canary.errors()).as(what).isEqualTo(1);
					}
					else if (lane == Lane.CANARY) {
						assertFailed(what, failure, exchange, error, "v2");
						assertThat(setup.drain().canary().errors()).as(what).isEqualTo(1);
					}
					else {
						assertFailed(what, failure, exchange, error, "v1");
						Recorders.Interval interval = setup.drain();
						assertThat(interval.stable().errors()).as(what).isEqualTo(1);
						assertThat(interval.canary().requests()).as(what).isZero();
					}
					cases++;
				}
			}
		}
		assertThat(cases).isEqualTo(7 * 6 * 2);
	}

	@Test
	void retryOnStableSwitchedOffNeverRetries() {
		Setup setup = new Setup(false);
		Backends backends = new Backends(Failure.CONNECTION_REFUSED, false);
		MockServerWebExchange exchange = setup.exchange(HttpMethod.GET, Lane.CANARY);
		Throwable error = run(setup, exchange, backends);
		assertThat(backends.calls).containsExactly("v2");
		assertThat(CanaryExchangeHandler.notSent(error)).isTrue();
	}

	@Test
	void aRouteThatIsNotLoadBalancedIsNeverRetried() {
		Setup setup = new Setup(true);
		MockServerWebExchange exchange = setup.exchange(HttpMethod.GET, Lane.CANARY);
		List<String> calls = new ArrayList<>();
		GatewayFilterChain backend = (ex) -> {
			calls.add(LaneRequest.handled(ex.getAttributes()).attempt().value());
			ex.getResponse().setStatusCode(HttpStatus.BAD_GATEWAY);
			return Mono.empty();
		};
		this.handler.handle(exchange, backend, setup.release, false).block(Duration.ofSeconds(5));
		assertThat(calls).containsExactly("canary");
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_GATEWAY);
		assertThat(setup.drain().canary().errors()).isEqualTo(1);
	}

	@Test
	void aCanaryRequestWithNoCanaryInstanceIsServedByStableAndCountedOnce() {
		Setup setup = new Setup(true);
		Backends backends = new Backends(null, false);
		backends.canaryUp = false;
		MockServerWebExchange exchange = setup.exchange(HttpMethod.GET, Lane.CANARY);
		assertThat(run(setup, exchange, backends)).isNull();
		assertThat(backends.calls).containsExactly("v1");
		assertThat(exchange.getResponse().getHeaders().getFirst(CanaryHeaders.VERSION)).isEqualTo("v1");
		assertThat(setup.counter(CanaryMetrics.NO_CANARY_INSTANCE)).isEqualTo(1);
		Recorders.Interval interval = setup.drain();
		assertThat(interval.stable().requests()).as("recorded against the lane that served").isEqualTo(1);
		assertThat(interval.canary().requests()).isZero();
	}

	@Test
	void aSecondCanaryFilterOnTheSameRequestPassesItThrough() {
		Setup setup = new Setup(true);
		Backends backends = new Backends(null, false);
		MockServerWebExchange exchange = setup.exchange(HttpMethod.GET, Lane.CANARY);
		GatewayFilterChain inner = (ex) -> backends.filter(ex);
		// the outer handler's chain runs the handler again, as a second Canary filter
		// would
		GatewayFilterChain outer = (ex) -> this.handler.handle(ex, inner, setup.release, true);
		this.handler.handle(exchange, outer, setup.release, true).block(Duration.ofSeconds(5));
		assertThat(backends.calls).containsExactly("v2");
		assertThat(setup.drain().canary().requests()).as("recorded once").isEqualTo(1);
	}

	@Test
	void theLaneIsDecidedOnceAndTheBreakerGateComesFirst() {
		Setup setup = new Setup(true);
		MockServerWebExchange exchange = setup.forced(HttpMethod.GET, Lane.CANARY);
		assertThat(setup.release.lane(exchange)).isEqualTo(Lane.CANARY);
		setup.killSwitch.open = true;
		assertThat(setup.release.lane(exchange)).as("decided once per request").isEqualTo(Lane.CANARY);
		MockServerWebExchange next = setup.forced(HttpMethod.GET, Lane.CANARY);
		assertThat(setup.release.lane(next)).as("an open breaker wins over the override").isEqualTo(Lane.STABLE);
	}

	@Test
	void forcedRequestsAreServedAndCountedButNeverJudged() {
		Setup setup = new Setup(true);
		for (Lane lane : Lane.values()) {
			Backends backends = new Backends(Failure.STATUS_500, true);
			MockServerWebExchange exchange = setup.forced(HttpMethod.POST, lane);
			assertThat(run(setup, exchange, backends)).isNull();
			assertThat(backends.calls).containsExactly(backends.first(lane));
			assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		}
		Recorders.Interval interval = setup.drain();
		assertThat(interval.stable().requests()).as("the judge's stable sample").isZero();
		assertThat(interval.canary().requests()).as("the judge's canary sample").isZero();
		assertThat(setup.killSwitch.records).as("the breaker").isZero();
		for (Lane lane : Lane.values()) {
			assertThat(this.meters.get(CanaryMetrics.REQUESTS)
				.tags("lane", lane.value(), "outcome", "failure", "assignment", "forced")
				.timer()
				.count()).as("counted, told apart: " + lane).isEqualTo(1);
			assertThat(this.meters.get(CanaryMetrics.REQUESTS)
				.tags("lane", lane.value(), "assignment", "drawn")
				.timers()
				.stream()
				.mapToLong((timer) -> timer.count())
				.sum()).isZero();
		}

		Backends drawn = new Backends(Failure.STATUS_500, true);
		run(setup, setup.exchange(HttpMethod.POST, Lane.CANARY), drawn);
		assertThat(setup.drain().canary().errors()).as("a drawn request is judged").isEqualTo(1);
		assertThat(setup.killSwitch.records).isEqualTo(1);
	}

	private Throwable run(Setup setup, MockServerWebExchange exchange, Backends backends) {
		try {
			this.handler.handle(exchange, backends::filter, setup.release, true).block(Duration.ofSeconds(5));
			return null;
		}
		catch (RuntimeException ex) {
			return (ex.getCause() != null && !(ex instanceof ResponseStatusException)
					&& !(ex instanceof NotFoundException)) ? ex.getCause() : ex;
		}
	}

	private static void assertFailed(String what, Failure failure, MockServerWebExchange exchange, Throwable error,
			String version) {
		switch (failure) {
			case STATUS_500, STATUS_503 -> {
				assertThat(error).as(what).isNull();
				assertThat(exchange.getResponse().getStatusCode().is5xxServerError()).as(what).isTrue();
				assertThat(exchange.getResponse().getHeaders().getFirst(CanaryHeaders.VERSION)).as(what)
					.isEqualTo(version);
			}
			default -> assertThat(error).as(what + ": the failure is passed on").isNotNull();
		}
	}

	/**
	 * One release at weight 5, on a fresh controller; a request's lane is drawn (the
	 * random bucket is chosen for the lane asked for), or forced by the override header.
	 */
	private final class Setup {

		final SwitchStub killSwitch = new SwitchStub();

		/** The next random bucket: 0 is canary at weight 5, the last bucket stable. */
		volatile int bucket;

		final Recorders recorders = new Recorders(List.of("orders"));

		final RoutedRelease release;

		final CanaryMetrics.ReleaseMeters releaseMeters;

		Setup(boolean retryOnStable) {
			ReleaseConfig config = new ReleaseConfig("orders", "v1", "v2", true, ReleaseConfig.DEFAULT_STEPS,
					Duration.ofMinutes(1), List.of(), Duration.ofMinutes(10),
					new RoutingConfig("X-Canary", "canary", "", "", Defaults.STICKY_COOKIE_MAX_AGE, true,
							retryOnStable),
					AnalysisConfig.defaults(), BreakerConfig.defaults(), Trigger.MANUAL, Duration.ofSeconds(30));
			ReleaseController controller = new ReleaseController(List.of(config), new InMemoryReleaseStore(),
					(c, listener) -> this.killSwitch, Clock.systemUTC(), Runnable::run, List.of());
			CanaryExchangeHandlerTest.this.controllers.add(controller);
			controller.start();
			SimpleMeterRegistry registry = CanaryExchangeHandlerTest.this.meters;
			registry.clear();
			this.releaseMeters = new CanaryMetrics(registry).register(controller.release("orders"));
			this.release = new RoutedRelease(controller.release("orders"),
					new Decider(new Bucketer(KeyHasher.MURMUR3), () -> this.bucket),
					new StickyKeyGenerator(new SplittableRandom(1)), "version", this.recorders, this.releaseMeters,
					new RemoteAddressResolver() {
					});
		}

		/** A request whose lane is drawn: the lane asked for. */
		MockServerWebExchange exchange(HttpMethod method, Lane lane) {
			this.bucket = (lane == Lane.CANARY) ? 0 : Bucketer.BUCKETS - 1;
			return lbExchange(MockServerHttpRequest.method(method, LB_URL));
		}

		/** A request whose lane the client forces with the override header. */
		MockServerWebExchange forced(HttpMethod method, Lane lane) {
			return lbExchange(MockServerHttpRequest.method(method, LB_URL)
				.header("X-Canary", (lane == Lane.CANARY) ? "always" : "never"));
		}

		private MockServerWebExchange lbExchange(MockServerHttpRequest.BaseBuilder<?> request) {
			MockServerWebExchange exchange = MockServerWebExchange.from(request);
			exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, LB_URL);
			return exchange;
		}

		double counter(String reason) {
			return CanaryExchangeHandlerTest.this.meters.get(CanaryMetrics.FALLBACKS)
				.tag("reason", reason)
				.counter()
				.count();
		}

		Recorders.Interval drain() {
			return this.recorders.drain("orders");
		}

	}

	/**
	 * Plays the load balancer (the real version-aware supplier over v1 and v2 instances)
	 * and the backends: v2 fails as told, v1 answers 200 unless it is told to fail too.
	 */
	private static final class Backends {

		final Failure canaryFailure;

		final boolean stableFails;

		boolean canaryUp = true;

		final List<String> calls = new ArrayList<>();

		Backends(Failure canaryFailure, boolean stableFails) {
			this.canaryFailure = canaryFailure;
			this.stableFails = stableFails;
		}

		String first(Lane lane) {
			return (lane == Lane.CANARY) ? "v2" : "v1";
		}

		Mono<Void> filter(ServerWebExchange exchange) {
			List<ServiceInstance> all = new ArrayList<>();
			all.add(instance("v1"));
			if (this.canaryUp) {
				all.add(instance("v2"));
			}
			ServiceInstanceListSupplier discovery = new ServiceInstanceListSupplier() {
				@Override
				public String getServiceId() {
					return "orders";
				}

				@Override
				public Flux<List<ServiceInstance>> get() {
					return Flux.just(all);
				}
			};
			List<ServiceInstance> offered = new VersionAwareServiceInstanceListSupplier(discovery)
				.get(new DefaultRequest<>(
						new RequestDataContext(new RequestData(exchange.getRequest(), exchange.getAttributes()))))
				.blockFirst();
			boolean canaryCall = this.canaryFailure != null && this.canaryUp
					&& LaneRequest.handled(exchange.getAttributes()).attempt() == Lane.CANARY;
			Failure failure = canaryCall ? this.canaryFailure : (this.stableFails ? this.stableFailure() : null);
			if (failure == Failure.NO_INSTANCE) {
				this.calls.add(canaryCall ? "v2" : "v1");
				return Mono.error(NotFoundException.create(true, "Unable to find instance for orders"));
			}
			String version = offered.get(0).getMetadata().get("version");
			this.calls.add(version);
			if (failure == null) {
				exchange.getResponse().setStatusCode(HttpStatus.OK);
				return Mono.empty();
			}
			return switch (failure) {
				case STATUS_500 -> status(exchange, HttpStatus.INTERNAL_SERVER_ERROR);
				case STATUS_503 -> status(exchange, HttpStatus.SERVICE_UNAVAILABLE);
				case CONNECTION_REFUSED ->
					Mono.error(new RuntimeException("io error", new ConnectException("refused")));
				case TIMEOUT -> Mono.error(new TimeoutException("no answer"));
				case GATEWAY_TIMEOUT -> Mono.error(new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT));
				case NO_INSTANCE -> throw new IllegalStateException();
			};
		}

		/**
		 * Stable fails the same way the canary would (only asked for stable-lane
		 * requests).
		 */
		private Failure stableFailure() {
			return this.canaryFailure;
		}

		private static Mono<Void> status(ServerWebExchange exchange, HttpStatus status) {
			exchange.getResponse().setStatusCode(status);
			return Mono.empty();
		}

		private static ServiceInstance instance(String version) {
			return new DefaultServiceInstance("orders-" + version, "orders", "127.0.0.1", 1, false,
					Map.of("version", version));
		}

	}

	/** A kill switch that is closed unless told otherwise, and counts what it records. */
	private static final class SwitchStub implements KillSwitch {

		volatile boolean open;

		volatile int records;

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
			this.records++;
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
