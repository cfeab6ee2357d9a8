package io.canarygateway.benchmarks.detection;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

import io.canarygateway.analysis.Analyst;
import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.analysis.LaneRecorder;
import io.canarygateway.analysis.Recorders;
import io.canarygateway.analysis.TrafficHistory;
import io.canarygateway.breaker.CanaryBreakers;
import io.canarygateway.breaker.ResilienceKillSwitch;
import io.canarygateway.control.AnalysisLoop;
import io.canarygateway.control.KillSwitch;
import io.canarygateway.control.ManagedRelease;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Bucketer;
import io.canarygateway.core.Decider;
import io.canarygateway.core.KeyHasher;
import io.canarygateway.core.Lane;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.TargetMatch;
import io.canarygateway.core.Verdict;
import io.canarygateway.store.InMemoryReleaseStore;
import io.canarygateway.testing.MutableClock;

/**
 * Canary Gateway itself, with nothing stubbed but time and traffic, wired as the
 * auto-configuration wires it: a {@link ReleaseController} on the in-memory store with
 * the release's real Resilience4j breaker as kill switch (the controller rolls back when
 * it opens), the {@link Recorders}, the real {@link AnalysisLoop} with the production
 * {@link Analyst} (step windows, {@code Judge}, {@code Progression} policy), and the
 * production {@link Decider} (its random bucket drawn from the run's seeded generator).
 * Each request: the lane is decided on the release's record and breaker, the lane's model
 * gives its outcome, which is recorded into that lane's recorder and, for the canary
 * lane, the kill switch — what {@code RoutedRelease.record} does, minus the Micrometer
 * timer. Every {@code analysis.interval} of virtual time the loop's {@code tick} runs.
 * Work the controller hands to its executor (the rollback after the breaker opened) runs
 * right after the request that caused it.
 * <p>
 * Simplification: an outcome is recorded at the request's arrival time rather than after
 * its latency (latencies here are tens of milliseconds against intervals of seconds).
 */
final class CanaryGatewayDetector implements Detector {

	private final ReleaseConfig config;

	private final double maxSeconds;

	CanaryGatewayDetector(ReleaseConfig config, double maxSeconds) {
		this.config = config;
		this.maxSeconds = maxSeconds;
	}

	@Override
	public String name() {
		return "canary-gateway (defaults)";
	}

	/** The release this detector rolls out. */
	ReleaseConfig config() {
		return this.config;
	}

	@Override
	public Run run(Scenario scenario, double rps, long seed) {
		String name = this.config.name();
		MutableClock clock = new MutableClock(Instant.EPOCH);
		QueueExecutor executor = new QueueExecutor();
		CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
		ReleaseController controller = new ReleaseController(List.of(this.config), new InMemoryReleaseStore(), (release,
				listener) -> new ResilienceKillSwitch(CanaryBreakers.breaker(breakers, release), clock, listener, null),
				clock, executor, List.of());
		controller.start();
		Recorders recorders = new Recorders(List.of(name));
		int[] fails = { 0 };
		AnalysisLoop loop = new AnalysisLoop(controller, recorders, new TrafficHistory(),
				(release) -> new Analyst(release, FleetWindows.LOCAL), clock, executor, (release, verdict) -> {
					if (verdict.result() == Verdict.Result.FAIL) {
						fails[0]++;
					}
				});
		ManagedRelease release = controller.release(name);
		if (release.status().state() != ReleaseState.PROGRESSING) {
			throw new IllegalStateException("the release did not start: " + release.status());
		}
		Traffic traffic = new Traffic(rps, seed);
		Decider decider = new Decider(new Bucketer(KeyHasher.MURMUR3), () -> traffic.random.nextInt(Bucketer.BUCKETS));
		LaneRecorder stable = recorders.recorder(name, Lane.STABLE);
		LaneRecorder canary = recorders.recorder(name, Lane.CANARY);
		KillSwitch killSwitch = release.killSwitch();
		double interval = this.config.analysis().interval().toNanos() / 1e9;
		double nextTick = interval;
		long failedCanary = 0;
		long canaryRequests = 0;
		while (true) {
			double t = traffic.next();
			while (nextTick <= t) {
				clock.set(at(nextTick));
				loop.tick(name);
				executor.runAll();
				Run end = ended(release, nextTick, failedCanary, canaryRequests, fails[0]);
				if (end != null) {
					return end;
				}
				nextTick += interval;
			}
			if (t > this.maxSeconds) {
				return new Run(Run.End.TIME_LIMIT, this.maxSeconds, failedCanary, canaryRequests, "time limit",
						fails[0]);
			}
			clock.set(at(t));
			ReleaseStatus status = release.status();
			Lane lane = decider
				.decide(name, status.state(), status.weight(), killSwitch.allowsCanary(), null, null, TargetMatch.NONE,
						null)
				.lane();
			long outcome = traffic.serve((lane == Lane.CANARY) ? scenario.canary() : scenario.stable());
			boolean failure = outcome < 0;
			long nanos = Math.abs(outcome);
			if (lane == Lane.CANARY) {
				canaryRequests++;
				failedCanary += failure ? 1 : 0;
				canary.record(nanos, failure);
				killSwitch.record(nanos, failure);
				if (executor.runAll()) {
					Run end = ended(release, t, failedCanary, canaryRequests, fails[0]);
					if (end != null) {
						return end;
					}
				}
			}
			else {
				stable.record(nanos, failure);
			}
		}
	}

	/** An instant {@code seconds} after the epoch. */
	private static Instant at(double seconds) {
		long whole = (long) seconds;
		return Instant.ofEpochSecond(whole, (long) ((seconds - whole) * 1e9));
	}

	private static Run ended(ManagedRelease release, double t, long failedCanary, long canaryRequests, int fails) {
		ReleaseStatus status = release.status();
		String reason = (status.lastTransition() != null) ? status.lastTransition().reason().tag() : "";
		return switch (status.state()) {
			case ROLLED_BACK -> new Run(Run.End.ROLLED_BACK, t, failedCanary, canaryRequests, reason, fails);
			case PROMOTED -> new Run(Run.End.PROMOTED, t, failedCanary, canaryRequests, reason, fails);
			case PAUSED -> new Run(Run.End.PAUSED, t, failedCanary, canaryRequests, reason, fails);
			default -> null;
		};
	}

	/**
	 * The controller's executor: tasks queue up and run when the simulation says (on its
	 * one thread). Nothing is scheduled: the simulation calls {@code tick} itself.
	 */
	static final class QueueExecutor extends AbstractExecutorService implements ScheduledExecutorService {

		private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

		@Override
		public void execute(Runnable command) {
			this.tasks.add(command);
		}

		/** Runs every queued task; whether there was any. */
		boolean runAll() {
			if (this.tasks.isEmpty()) {
				return false;
			}
			while (!this.tasks.isEmpty()) {
				this.tasks.poll().run();
			}
			return true;
		}

		@Override
		public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
			throw new UnsupportedOperationException("the simulation drives the loop itself");
		}

		@Override
		public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
			throw new UnsupportedOperationException("the simulation drives the loop itself");
		}

		@Override
		public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
			throw new UnsupportedOperationException("the simulation drives the loop itself");
		}

		@Override
		public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
				TimeUnit unit) {
			throw new UnsupportedOperationException("the simulation drives the loop itself");
		}

		@Override
		public void shutdown() {
		}

		@Override
		public List<Runnable> shutdownNow() {
			return List.of();
		}

		@Override
		public boolean isShutdown() {
			return false;
		}

		@Override
		public boolean isTerminated() {
			return false;
		}

		@Override
		public boolean awaitTermination(long timeout, TimeUnit unit) {
			return true;
		}

	}

}
