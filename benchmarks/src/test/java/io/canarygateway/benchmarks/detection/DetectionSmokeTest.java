package io.canarygateway.benchmarks.detection;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import io.canarygateway.core.ReleaseConfig;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The only test `mvn verify` runs in this module (the benchmarks themselves run from the
 * scripts): one detection scenario, five seeded rollouts per detector, in about a second.
 * Checks that the simulator still drives the library as the benchmark reports assume: a
 * fully broken canary is rolled back by the breaker within seconds, and a Flagger-like
 * threshold of 1 rolls it back at its first check.
 */
class DetectionSmokeTest {

	@Test
	void aHardFailureIsRolledBackByTheBreakerWithinSeconds() throws Exception {
		Scenario hardFailure = DetectionSimulator.scenarios().get(0);
		assertThat(hardFailure.name()).startsWith("hard failure");
		List<Detector> detectors = DetectionSimulator.detectors(ReleaseConfig.DEFAULT_STEPS);
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			Summary canary = DetectionSimulator.simulate(detectors.get(0), hardFailure, 100, 5, 1, pool);
			assertThat(canary.runs()).allSatisfy((run) -> {
				assertThat(run.end()).isEqualTo(Run.End.ROLLED_BACK);
				assertThat(run.reason()).isEqualTo("breaker");
				assertThat(run.seconds()).isLessThan(30);
				assertThat(run.failedCanary()).isBetween(1L, 20L);
			});
			Summary flagger = DetectionSimulator.simulate(detectors.get(1), hardFailure, 100, 5, 1, pool);
			assertThat(flagger.runs()).allSatisfy((run) -> {
				assertThat(run.end()).isEqualTo(Run.End.ROLLED_BACK);
				assertThat(run.seconds()).isEqualTo(60.0);
			});
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void theTargetsDetectorsRunTheirRollouts() throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			Scenario doubled = Targets.rows().get(3).scenario();
			assertThat(doubled.name()).isEqualTo("latency x 2");
			Summary fleet = DetectionSimulator
				.simulate(
						new FleetDetector(Targets.withSteps(io.canarygateway.benchmarks.Releases.defaults("orders"),
								ReleaseConfig.DEFAULT_STEPS), 3, DetectionSimulator.MAX_SECONDS),
						doubled, 100, 3, 1, pool);
			assertThat(fleet.runs()).allSatisfy((run) -> {
				assertThat(run.end()).isEqualTo(Run.End.ROLLED_BACK);
				assertThat(run.reason()).isEqualTo("analysis");
				// failure-threshold 1: the leader's first failed look rolls back
				assertThat(run.fails()).isOne();
			});
			for (AnchorDetector.Kind kind : AnchorDetector.Kind.values()) {
				AnchorDetector anchor = new AnchorDetector(kind, ReleaseConfig.DEFAULT_STEPS, 0.05, 250, 0.01, 0.2,
						DetectionSimulator.MAX_SECONDS);
				Summary summary = DetectionSimulator.simulate(anchor, doubled, 100, 3, 1, pool);
				assertThat(summary.runs()).as(kind.name())
					.allSatisfy((run) -> assertThat(run.end()).isEqualTo(Run.End.ROLLED_BACK));
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void mannWhitneyGivesTheExactUpperTail() {
		// 6 against 6, the canary's points all larger: 1 of the 924 splits
		double[] high = { 7, 8, 9, 10, 11, 12 };
		double[] low = { 1, 2, 3, 4, 5, 6 };
		assertThat(MannWhitney.upperP(high, low)).isEqualTo(1.0 / 924);
		assertThat(MannWhitney.upperP(low, high)).isEqualTo(1.0);
		assertThat(MannWhitney.upperP(new double[] { 1, 1 }, new double[] { 1, 1 })).isEqualTo(1.0);
	}

}
