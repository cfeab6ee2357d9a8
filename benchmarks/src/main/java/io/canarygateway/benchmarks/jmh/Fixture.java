package io.canarygateway.benchmarks.jmh;

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
import io.canarygateway.core.KeyHasher;
import io.canarygateway.core.Lane;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.RoutingConfig;
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
 * header {@code X-User-Id}.
 */
final class Fixture implements AutoCloseable {

	static final String RELEASE = "orders";

	final ReleaseController controller;

	final ManagedRelease release;

	final Decider decider;

	final Recorders recorders;

	final AnalysisLoop loop;

	final MeterRegistry meters;

	final RoutedRelease routed;

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
		ReleaseConfig config = Releases.withRouting(Releases.defaults(RELEASE),
				new RoutingConfig("X-Canary", "canary", "X-User-Id", "", false, true, onlyFor, alwaysFor));
		CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
		this.meters = "prometheus".equals(registry) ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
				: new SimpleMeterRegistry();
		this.controller = new ReleaseController(List.of(config), new InMemoryReleaseStore(), (c, listener) -> {
			CircuitBreaker breaker = CanaryBreakers.breaker(breakers, c);
			return new ResilienceKillSwitch(breaker, Clock.systemUTC(), listener,
					CanaryBreakerMetrics.bind(breaker, this.meters));
		}, Clock.systemUTC(), this.executor, List.of());
		this.controller.start();
		this.controller.operate(RELEASE, Action.WEIGHT, 10, "benchmark");
		this.release = this.controller.release(RELEASE);
		if (this.release.status().state() != ReleaseState.PAUSED || this.release.status().weight() != 10) {
			throw new IllegalStateException("expected PAUSED at 10, was " + this.release.status());
		}
		this.decider = new Decider(new Bucketer(KeyHasher.MURMUR3),
				() -> ThreadLocalRandom.current().nextInt(Bucketer.BUCKETS));
		this.recorders = new Recorders(List.of(RELEASE));
		this.loop = new AnalysisLoop(this.controller, this.recorders, new TrafficHistory(),
				(c) -> new Analyst(c, FleetWindows.LOCAL), Clock.systemUTC(), this.executor, (r, v) -> {
				});
		this.routed = new RoutedRelease(this.release, this.decider, "version", this.recorders,
				new CanaryMetrics(this.meters).register(this.release), new RemoteAddressResolver() {
				});
		SplittableRandom random = new SplittableRandom(42);
		for (int i = 0; i < this.keys.length; i++) {
			this.keys[i] = "user-" + random.nextInt(10_000_000);
			this.latencies[i] = (long) Math.exp(Math.log(20e6) + 0.5 * random.nextGaussian());
		}
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
