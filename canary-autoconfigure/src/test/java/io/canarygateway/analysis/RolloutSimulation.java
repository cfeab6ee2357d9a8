package io.canarygateway.analysis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.Verdict;

/**
 * A deterministic rollout simulator for testing the judge: synthetic traffic per analysis interval,
 * split between the lanes by the step's weight, recorded through real {@link LaneRecorder}s, added into
 * per-step windows and judged look after look, with the release rules of CONTRACT §5: {@code
 * failureThreshold} FAILs in a row roll back; a step is left when at least {@code looksPerStep} looks
 * (step-interval / interval) have been made and the latest verdict is a PASS; the window starts afresh
 * each step; {@code maxLooksPerStep} looks without advancing pause the release (progress deadline).
 *
 * <p>Everything is drawn from one {@link SplittableRandom} seeded per run, so a run is a pure function of
 * its scenario and seed.
 */
final class RolloutSimulation {

	private final Scenario scenario;

	private final Judge judge;

	RolloutSimulation(Scenario scenario) {
		this.scenario = scenario;
		this.judge = new Judge(scenario.config(), scenario.looksPerStep());
	}

	/** One simulated rollout. */
	Outcome run(long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		LaneRecorder stableRecorder = new LaneRecorder();
		LaneRecorder canaryRecorder = new LaneRecorder();
		List<Verdict> verdicts = new ArrayList<>();
		Instant now = Instant.EPOCH;
		int intervals = 0;
		for (int step = this.scenario.firstStep(); step < this.scenario.steps().size(); step++) {
			int weight = this.scenario.steps().get(step);
			long canaryRequests = Math.round(this.scenario.requestsPerInterval() * weight / 100.0);
			long stableRequests = this.scenario.requestsPerInterval() - canaryRequests;
			LaneSample stableWindow = LaneSample.EMPTY;
			LaneSample canaryWindow = LaneSample.EMPTY;
			int failuresInARow = 0;
			for (int look = 1;; look++) {
				intervals++;
				now = now.plus(this.scenario.config().interval());
				record(random, stableRecorder, stableRequests, this.scenario.stable());
				record(random, canaryRecorder, canaryRequests, this.scenario.canary());
				stableWindow = stableWindow.plus(stableRecorder.sampleInterval());
				canaryWindow = canaryWindow.plus(canaryRecorder.sampleInterval());
				Verdict verdict = this.judge.judge(stableWindow, canaryWindow, look, now);
				verdicts.add(verdict);
				if (verdict.result() == Verdict.Result.FAIL) {
					if (++failuresInARow >= this.scenario.config().failureThreshold()) {
						return new Outcome(End.ROLLED_BACK, intervals, step, verdicts);
					}
				}
				else {
					failuresInARow = 0;
				}
				if (look >= this.scenario.looksPerStep() && verdict.result() == Verdict.Result.PASS) {
					break;
				}
				if (look >= this.scenario.maxLooksPerStep()) {
					return new Outcome(End.PAUSED, intervals, step, verdicts);
				}
			}
		}
		return new Outcome(End.PROMOTED, intervals, this.scenario.steps().size() - 1, verdicts);
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
	 * @param config the analysis settings
	 * @param steps canary weights in percent
	 * @param firstStep index of the step the simulation starts at (earlier steps are taken as passed)
	 * @param requestsPerInterval total requests per analysis interval, split by weight
	 * @param looksPerStep looks before a step may be left (step-interval / interval)
	 * @param maxLooksPerStep looks after which a step that has not passed pauses the release
	 * @param stable the stable lane
	 * @param canary the canary lane
	 */
	record Scenario(AnalysisConfig config, List<Integer> steps, int firstStep, int requestsPerInterval,
			int looksPerStep, int maxLooksPerStep, Lane stable, Lane canary) {

		/** CONTRACT §2 defaults: steps 5, 10, 25, 50, 100; 1 m step-interval / 10 s interval = 6 looks. */
		static Scenario defaults(int requestsPerInterval, Lane stable, Lane canary) {
			return new Scenario(AnalysisConfig.defaults(), List.of(5, 10, 25, 50, 100), 0, requestsPerInterval, 6,
					60, stable, canary);
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
