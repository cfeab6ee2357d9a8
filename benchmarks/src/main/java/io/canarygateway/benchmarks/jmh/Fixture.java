package io.canarygateway.benchmarks.jmh;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;

import io.canarygateway.analysis.Analyst;
import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.analysis.Recorders;
import io.canarygateway.analysis.TrafficHistory;
import io.canarygateway.benchmarks.Releases;
import io.canarygateway.breaker.CanaryBreakerMetrics;
import io.canarygateway.breaker.CanaryBreakers;
import io.canarygateway.breaker.ResilienceKillSwitch;
import io.canarygateway.control.AnalysisLoop;
import io.canarygateway.control.ManagedRelease;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;
import io.canarygateway.core.Assignment;
import io.canarygateway.core.Bucketer;
import io.canarygateway.core.Decider;
import io.canarygateway.core.Defaults;
import io.canarygateway.core.KeyHasher;
import io.canarygateway.core.Lane;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.core.StickyKeyGenerator;
import io.canarygateway.core.TargetMatch;
import io.canarygateway.core.TargetRule;
import io.canarygateway.metrics.CanaryMetrics;
import io.canarygateway.routing.RoutedRelease;
import io.canarygateway.store.InMemoryReleaseStore;

/**
 * One release wired as the auto-configuration wires it: a {@link ReleaseController} on
 * the in-memory store, a real Resilience4j breaker as kill switch, the recorders, the
 * production {@link Decider}, the per-release meters, and the breaker's Resilience4j
 * meters ({@link CanaryBreakerMetrics}) on the same registry (as the auto-configuration
 * binds them when the application has no breaker registry of its own). The release is
 * PAUSED at weight 10, so every rule of the decision runs and the breaker is CLOSED.
 * Routing: override header {@code X-Canary}, override cookie {@code canary}, sticky
 * header {@code X-User-Id}. A second release, {@value #COOKIE_RELEASE}, is the same but
 * keyed by the sticky cookie {@value #STICKY_COOKIE} instead of a header.
 */
final class Fixture implements AutoCloseable {

	static final String RELEASE = "orders";

	/** The release keyed by a sticky cookie. */
	static final String COOKIE_RELEASE = "shop";

	/** The sticky cookie of {@value #COOKIE_RELEASE}. */
	static final String STICKY_COOKIE = "canary-key";

	final ReleaseController controller;

	final ManagedRelease release;

	final Decider decider;

	/** The sticky cookie's keys, from a {@link SecureRandom} as in the gateway. */
	final StickyKeyGenerator stickyKeys;

	final Recorders recorders;

	final AnalysisLoop loop;

	final MeterRegistry meters;

	final RoutedRelease routed;

	/** {@value #COOKIE_RELEASE}, keyed by the sticky cookie {@value #STICKY_COOKIE}. */
	final RoutedRelease cookieRouted;

	/** 1,024 distinct sticky keys. */
	final String[] keys = new String[1024];

	/**
	 * 1,024 latencies, log-normal with median 20 ms and sigma 0.5, so the histograms see
	 * a realistic spread.
	 */
	final long[] latencies = new long[1024];

	private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

	Fixture(String registry) {
		this(registry, List.of(), List.of());
	}

	/** The release with targeting rules ({@code only-for}, {@code always-for}). */
	Fixture(String registry, List<TargetRule> onlyFor, List<TargetRule> alwaysFor) {
		ReleaseConfig config = Releases.withRouting(Releases.defaults(RELEASE), new RoutingConfig("X-Canary", "canary",
				"X-User-Id", "", Defaults.STICKY_COOKIE_MAX_AGE, false, true, onlyFor, alwaysFor));
		ReleaseConfig cookieConfig = Releases.withRouting(Releases.defaults(COOKIE_RELEASE), new RoutingConfig(
				"X-Canary", "canary", "", STICKY_COOKIE, Defaults.STICKY_COOKIE_MAX_AGE, false, true));
		CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
		this.meters = "prometheus".equals(registry) ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
				: new SimpleMeterRegistry();
		this.controller = new ReleaseController(List.of(config, cookieConfig), new InMemoryReleaseStore(),
				(c, listener) -> {
					CircuitBreaker breaker = CanaryBreakers.breaker(breakers, c);
					return new ResilienceKillSwitch(breaker, Clock.systemUTC(), listener,
							CanaryBreakerMetrics.bind(breaker, this.meters));
				}, Clock.systemUTC(), this.executor, List.of());
		this.controller.start();
		this.release = pausedAt10(RELEASE);
		ManagedRelease cookieRelease = pausedAt10(COOKIE_RELEASE);
		this.decider = new Decider(new Bucketer(KeyHasher.MURMUR3),
				() -> ThreadLocalRandom.current().nextInt(Bucketer.BUCKETS));
		this.recorders = new Recorders(List.of(RELEASE, COOKIE_RELEASE));
		this.loop = new AnalysisLoop(this.controller, this.recorders, new TrafficHistory(),
				(c) -> new Analyst(c, FleetWindows.LOCAL), Clock.systemUTC(), this.executor, (r, v) -> {
				});
		CanaryMetrics metrics = new CanaryMetrics(this.meters);
		this.stickyKeys = new StickyKeyGenerator(new SecureRandom());
		RemoteAddressResolver connection = new RemoteAddressResolver() {
		};
		this.routed = new RoutedRelease(this.release, this.decider, this.stickyKeys, "version", this.recorders,
				metrics.register(this.release), connection);
		this.cookieRouted = new RoutedRelease(cookieRelease, this.decider, this.stickyKeys, "version", this.recorders,
				metrics.register(cookieRelease), connection);
		SplittableRandom random = new SplittableRandom(42);
		for (int i = 0; i < this.keys.length; i++) {
			this.keys[i] = "user-" + random.nextInt(10_000_000);
			this.latencies[i] = (long) Math.exp(Math.log(20e6) + 0.5 * random.nextGaussian());
		}
	}

	private ManagedRelease pausedAt10(String name) {
		this.controller.operate(name, Action.WEIGHT, 10, "benchmark");
		ManagedRelease paused = this.controller.release(name);
		if (paused.status().state() != ReleaseState.PAUSED || paused.status().weight() != 10) {
			throw new IllegalStateException("expected " + name + " PAUSED at 10, was " + paused.status());
		}
		return paused;
	}

	/**
	 * The decision alone, as {@link RoutedRelease} makes it: one read of the record and
	 * one of the breaker.
	 */
	Assignment decide(String overrideHeader, String overrideCookie, String stickyKey) {
		ReleaseStatus status = this.release.status();
		return this.decider.decide(RELEASE, status.state(), status.weight(), this.release.killSwitch().allowsCanary(),
				overrideHeader, overrideCookie, TargetMatch.NONE, stickyKey);
	}

	@Override
	public void close() throws Exception {
		this.executor.shutdownNow();
		this.controller.close();
		if (!this.release.killSwitch().allowsCanary()) {
			throw new IllegalStateException("the breaker opened during the benchmark");
		}
	}

}
