package io.canarygateway.analysis;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.SplittableRandom;

import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.Verdict;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The judge must be cheap: its cost grows with the requests new since the previous look
 * (the latency counts' hypergeometric terms), not with the rollout's length.
 */
class JudgeCostTest {

	private final Judge judge = new Judge(AnalysisConfig.defaults(), 3.45);

	private final LaneSample stable;

	private final LaneSample canary;

	JudgeCostTest() {
		SplittableRandom random = new SplittableRandom(11);
		LatencyModel latency = LatencyModel.logNormal(20, 1.0);
		this.stable = Samples.random(random, 9_000, 0.01, latency);
		this.canary = Samples.random(random, 1_000, 0.01, latency);
	}

	@Test
	void aLookTakesMicrosecondsAndCopiesNoHistogram() {
		for (int i = 0; i < 500; i++) {
			this.judge
				.judge(Judge.Evidence.NONE, this.stable, this.canary, false, this.stable, this.canary, 1 + i % 6,
						Instant.EPOCH)
				.verdict();
		}
		int looks = 2_000;
		long allocatedBefore = allocatedBytes();
		long start = System.nanoTime();
		Verdict last = null;
		for (int i = 0; i < looks; i++) {
			last = this.judge
				.judge(Judge.Evidence.NONE, this.stable, this.canary, false, this.stable, this.canary, 1 + i % 6,
						Instant.EPOCH)
				.verdict();
		}
		long nanosPerLook = (System.nanoTime() - start) / looks;
		long bytesPerLook = (allocatedBytes() - allocatedBefore) / looks;
		System.out.printf("judge: %d µs and %d bytes per look%n", nanosPerLook / 1_000, bytesPerLook);

		assertThat(last.result()).isEqualTo(Verdict.Result.PASS);
		// a look at 10,000 new requests (1,000 req/s at the 10 s default interval): 100
		// such releases looked at every second stay under 10 % of a core, even on a slow
		// CI machine
		assertThat(nanosPerLook).isLessThan(1_000_000);
		// the verdict itself (map, list, figures) and both lanes' bucket lists (a few
		// hundred entries each), no copy of a histogram's ~27 KB counts array
		assumeTrue(allocatedBefore >= 0, "the JVM does not count allocated bytes per thread");
		assertThat(bytesPerLook).isLessThan(48 * 1024);
	}

	/** Bytes this thread has allocated so far, or -1 where the JVM cannot tell. */
	private static long allocatedBytes() {
		if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
				&& threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()) {
			return threads.getCurrentThreadAllocatedBytes();
		}
		return -1;
	}

}
