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

}
