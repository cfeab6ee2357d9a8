package io.canarygateway.benchmarks.jmh;

import java.time.Clock;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import io.canarygateway.analysis.AnalysisLoop;
import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.benchmarks.Releases;
import io.canarygateway.breaker.CanaryBreakers;
import io.canarygateway.breaker.ResilienceKillSwitch;
import io.canarygateway.control.ManagedRelease;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;
import io.canarygateway.core.Bucketer;
import io.canarygateway.core.Decider;
import io.canarygateway.core.KeyHasher;
import io.canarygateway.core.Lane;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.metrics.CanaryMetrics;
import io.canarygateway.routing.RoutedRelease;
import io.canarygateway.store.InMemoryReleaseStore;

/**
 * One release wired as the auto-configuration wires it: a {@link ReleaseController} on the in-memory store, a
 * real Resilience4j breaker as kill switch, the analysis loop's recorders, the production {@link Decider}, the
 * per-release meters, and the breaker's own Resilience4j metrics bound to the same registry (as the
 * auto-configuration binds them when the application has no breaker registry of its own). The release is PAUSED at weight 10, so every rule of the decision runs and the breaker is
 * CLOSED. Routing: override header {@code X-Canary}, override cookie {@code canary}, sticky header
 * {@code X-User-Id}.
 */
final class Fixture implements AutoCloseable {

	static final String RELEASE = "orders";

	final ReleaseController controller;

	final ManagedRelease release;

	final Decider decider;

	final AnalysisLoop loop;

	final MeterRegistry meters;

	final RoutedRelease routed;

	/** 1,024 distinct sticky keys. */
	final String[] keys = new String[1024];

	/** 1,024 latencies, log-normal with median 20 ms and sigma 0.5, so the histograms see a realistic spread. */
	final long[] latencies = new long[1024];

	private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

	Fixture(String registry) {
		ReleaseConfig config = Releases.withRouting(Releases.defaults(RELEASE),
				new RoutingConfig("X-Canary", "canary", "X-User-Id", "", false, true));
		CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
		this.controller = new ReleaseController(List.of(config), new InMemoryReleaseStore(),
				(c) -> new ResilienceKillSwitch(CanaryBreakers.breaker(breakers, c), (opened) -> {
				}), Clock.systemUTC(), List.of());
		this.controller.start();
		this.controller.operate(RELEASE, Action.WEIGHT, 10);
		this.release = this.controller.release(RELEASE);
		if (this.release.status().state() != ReleaseState.PAUSED || this.release.status().weight() != 10) {
			throw new IllegalStateException("expected PAUSED at 10, was " + this.release.status());
		}
		this.decider = new Decider(new Bucketer(KeyHasher.MURMUR3),
				() -> ThreadLocalRandom.current().nextInt(Bucketer.BUCKETS));
		this.loop = new AnalysisLoop(this.controller, Clock.systemUTC(), this.executor, (r, v) -> {
		}, FleetWindows.LOCAL);
		this.meters = "prometheus".equals(registry) ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
				: new SimpleMeterRegistry();
		TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(this.meters);
		this.routed = new RoutedRelease(this.release, this.decider, "version", this.loop.recorder(RELEASE, Lane.STABLE),
				this.loop.recorder(RELEASE, Lane.CANARY), new CanaryMetrics(this.meters).register(this.release));
		SplittableRandom random = new SplittableRandom(42);
		for (int i = 0; i < this.keys.length; i++) {
			this.keys[i] = "user-" + random.nextInt(10_000_000);
			this.latencies[i] = (long) Math.exp(Math.log(20e6) + 0.5 * random.nextGaussian());
		}
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
