package io.canarygateway.analysis;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.SplittableRandom;

import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.Verdict;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The judge must be cheap enough to look at 1,000 releases every second. */
class JudgeCostTest {

	private final Judge judge = new Judge(AnalysisConfig.defaults(), 5);

	private final LaneSample stable;

	private final LaneSample canary;

	JudgeCostTest() {
		SplittableRandom random = new SplittableRandom(11);
		LatencyModel latency = LatencyModel.logNormal(20, 1.0);
		this.stable = Samples.random(random, 54_000, 0.01, latency);
		this.canary = Samples.random(random, 6_000, 0.01, latency);
	}

	@Test
	void aLookTakesMicrosecondsAndCopiesNoHistogram() {
		for (int i = 0; i < 5_000; i++) {
			this.judge.judge(this.stable, this.canary, 1 + i % 6, Instant.EPOCH);
		}
		int looks = 20_000;
		long allocatedBefore = allocatedBytes();
		long start = System.nanoTime();
		Verdict last = null;
		for (int i = 0; i < looks; i++) {
			last = this.judge.judge(this.stable, this.canary, 1 + i % 6, Instant.EPOCH);
		}
		long nanosPerLook = (System.nanoTime() - start) / looks;
		long bytesPerLook = (allocatedBytes() - allocatedBefore) / looks;
		System.out.printf("judge: %d µs and %d bytes per look%n", nanosPerLook / 1_000, bytesPerLook);

		assertThat(last.result()).isEqualTo(Verdict.Result.PASS);
		// 1,000 releases a second at this cost stay under 20 % of a core, even on a slow
		// CI machine
		assertThat(nanosPerLook).isLessThan(200_000);
		// the verdict itself (map, list, figures) and no copy of a ~27 KB histogram
		assumeTrue(allocatedBefore >= 0, "the JVM does not count allocated bytes per thread");
		assertThat(bytesPerLook).isLessThan(8 * 1024);
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
