package io.canarygateway.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.canarygateway.core.Action;
import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.Lifecycle;
import io.canarygateway.core.Progression;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Trigger;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Versions;

/**
 * A deterministic rollout simulator that runs the product's own analysis: synthetic
 * traffic per analysis interval, split between the lanes by the step's weight and
 * recorded through real {@link LaneRecorder}s, looked at by the production
 * {@link Analyst} (its step windows, the {@link Judge} and the {@link Progression}
 * policy), and every action it calls for applied by the production state machine
 * ({@link Lifecycle}). Only the store, the clock and the traffic are simulated: time
 * advances one {@code analysis.interval} per look, and an action takes effect at the look
 * that called for it.
 * <p>
 * Everything is drawn from one {@link SplittableRandom} seeded per run, so a run is a
 * pure function of its scenario and seed.
 */
final class RolloutSimulation {

	private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

	private final Scenario scenario;

	private final ReleaseConfig release;

	RolloutSimulation(Scenario scenario) {
		this.scenario = scenario;
		Duration interval = scenario.config().interval();
		this.release = new ReleaseConfig("simulated", "v1", "v2", true, scenario.steps(),
				interval.multipliedBy(scenario.looksPerStep()), List.of(),
				interval.multipliedBy(scenario.maxLooksPerStep()), RoutingConfig.defaults(), scenario.config(),
				BreakerConfig.defaults(), Trigger.MANUAL, Duration.ofSeconds(30));
	}

	/** One simulated rollout. */
	Outcome run(long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		Recorders recorders = new Recorders(List.of(this.release.name()));
		LaneRecorder stableRecorder = recorders.recorder(this.release.name(), io.canarygateway.core.Lane.STABLE);
		LaneRecorder canaryRecorder = recorders.recorder(this.release.name(), io.canarygateway.core.Lane.CANARY);
		Analyst analyst = new Analyst(this.release, FleetWindows.LOCAL);
		Instant now = T0;
		ReleaseStatus status = apply(ReleaseStatus.idle(this.release.name(), Versions.of("v1", "v2"), now),
				Action.START, null, null, now);
		for (int step = 0; step < this.scenario.firstStep(); step++) {
			status = apply(status, Action.ADVANCE, Reason.SCHEDULE, null, now);
		}
		List<Verdict> verdicts = new ArrayList<>();
		int intervals = 0;
		while (status.state().isSplitting()) {
			intervals++;
			Instant since = now;
			now = now.plus(this.scenario.config().interval());
			long canaryRequests = Math.round(this.scenario.requestsPerInterval() * status.weight() / 100.0);
			long stableRequests = this.scenario.requestsPerInterval() - canaryRequests;
			record(random, stableRecorder, stableRequests, this.scenario.stable());
			record(random, canaryRecorder, canaryRequests, this.scenario.canary());
			Analyst.Look look = analyst.look(status, recorders.drain(this.release.name()), since, now);
			if (look.verdict() != null) {
				verdicts.add(look.verdict());
			}
			if (look.action() != null) {
				status = apply(status, look.action(), look.reason(), look.verdict(), now);
			}
			if (status.state() == ReleaseState.PAUSED) {
				return new Outcome(End.PAUSED, intervals, status.step(), verdicts);
			}
		}
		End end = (status.state() == ReleaseState.ROLLED_BACK) ? End.ROLLED_BACK : End.PROMOTED;
		return new Outcome(end, intervals, status.step(), verdicts);
	}

	private ReleaseStatus apply(ReleaseStatus status, Action action, Reason reason, Verdict evidence, Instant now) {
		Lifecycle.Outcome outcome = Lifecycle.apply(status, this.release.schedule(), action, 0,
				(reason != null) ? reason : Reason.SCHEDULE, Transition.GATEWAY, evidence, now);
		if (outcome.refused()) {
			throw new IllegalStateException(action + " refused in " + status.state() + ": " + outcome.refusal());
		}
		return outcome.status();
	}

	private static void record(SplittableRandom random, LaneRecorder recorder, long requests, Lane lane) {
		for (long i = 0; i < requests; i++) {
			recorder.record(lane.latency().nanos(random), random.nextDouble() < lane.errorRate());
		}
	}

	/** How a lane behaves. */
	record Lane(double errorRate, LatencyModel latency) {
	}

	/**
	 * What to simulate.
	 *
	 * @param config the analysis settings
	 * @param steps canary weights in percent
	 * @param firstStep index of the step the simulation starts at (earlier steps are
	 * taken as passed)
	 * @param requestsPerInterval total requests per analysis interval, split by weight
	 * @param looksPerStep step-interval in analysis intervals: the least time in a step
	 * before it may be left
	 * @param maxLooksPerStep progress-deadline in analysis intervals: the time in a step
	 * after which it pauses
	 * @param stable the stable lane
	 * @param canary the canary lane
	 */
	record Scenario(AnalysisConfig config, List<Integer> steps, int firstStep, int requestsPerInterval,
			int looksPerStep, int maxLooksPerStep, Lane stable, Lane canary) {

		/**
		 * The defaults: steps 5, 10, 25, 50, 100; 1 m step-interval, 10 m
		 * progress-deadline, 10 s interval.
		 */
		static Scenario defaults(int requestsPerInterval, Lane stable, Lane canary) {
			return new Scenario(AnalysisConfig.defaults(), List.of(5, 10, 25, 50, 100), 0, requestsPerInterval, 6, 60,
					stable, canary);
		}

		Scenario startingAtStep(int index) {
			return new Scenario(this.config, this.steps, index, this.requestsPerInterval, this.looksPerStep,
					this.maxLooksPerStep, this.stable, this.canary);
		}

		Scenario withConfig(AnalysisConfig config) {
			return new Scenario(config, this.steps, this.firstStep, this.requestsPerInterval, this.looksPerStep,
					this.maxLooksPerStep, this.stable, this.canary);
		}

	}

	/** How a rollout ended. */
	enum End {

		PROMOTED, ROLLED_BACK, PAUSED

	}

	/**
	 * The result of one run.
	 *
	 * @param end how it ended
	 * @param intervals analysis intervals simulated until then
	 * @param step index of the step it ended in
	 * @param verdicts every verdict, in order
	 */
	record Outcome(End end, int intervals, int step, List<Verdict> verdicts) {

		/** The 1-based index of the first FAIL, or -1. */
		int firstFailAt() {
			for (int i = 0; i < this.verdicts.size(); i++) {
				if (this.verdicts.get(i).result() == Verdict.Result.FAIL) {
					return i + 1;
				}
			}
			return -1;
		}

	}

}
