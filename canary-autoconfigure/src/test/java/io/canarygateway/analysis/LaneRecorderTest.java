package io.canarygateway.analysis;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LaneRecorderTest {

	@Test
	void concurrentRecordingFromSeveralThreadsCountsExactly() throws Exception {
		LaneRecorder recorder = new LaneRecorder();
		int threads = 4;
		int perThread = 250_000;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch start = new CountDownLatch(1);
		AtomicBoolean done = new AtomicBoolean();
		try {
			List<Future<?>> writers = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				long latencyNanos = (t + 1) * 1_000_000L;
				writers.add(pool.submit(() -> {
					start.await();
					for (int i = 0; i < perThread; i++) {
						recorder.record(latencyNanos, i % 10 == 0);
					}
					return null;
				}));
			}
			// Sample while the writers run: no request may be lost or counted twice
			// across intervals,
			// and every interval must be consistent in itself.
			LaneSample total = LaneSample.EMPTY;
			start.countDown();
			int intervals = 0;
			while (!done.get()) {
				done.set(writers.stream().allMatch(Future::isDone));
				LaneSample interval = recorder.sampleInterval();
				assertThat(interval.errors()).isLessThanOrEqualTo(interval.requests());
				total = total.plus(interval);
				intervals++;
			}
			for (Future<?> writer : writers) {
				writer.get();
			}
			total = total.plus(recorder.sampleInterval());
			assertThat(total.requests()).isEqualTo((long) threads * perThread);
			assertThat(total.errors()).isEqualTo((long) threads * perThread / 10);
			assertThat(total.valueAtPercentileMicros(100)).isCloseTo(4_000, within(40L));
			assertThat(intervals).isGreaterThan(1);
		}
		finally {
			pool.shutdownNow();
			assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void sampleIntervalReturnsWhatWasRecordedSinceTheLastCallAndResets() {
		LaneRecorder recorder = new LaneRecorder();
		recorder.record(20_000_000, false);
		recorder.record(20_000_000, true);
		recorder.record(30_000_000, false);

		LaneSample first = recorder.sampleInterval();
		assertThat(first.requests()).isEqualTo(3);
		assertThat(first.errors()).isEqualTo(1);
		assertThat(first.valueAtPercentileMicros(100)).isCloseTo(30_000, within(300L));

		assertThat(recorder.sampleInterval()).isSameAs(LaneSample.EMPTY);

		recorder.record(5_000_000, true);
		LaneSample third = recorder.sampleInterval();
		assertThat(third.requests()).isEqualTo(1);
		assertThat(third.errors()).isEqualTo(1);
		assertThat(third.p99Millis()).isCloseTo(5.0, within(0.05));
		assertThat(first.requests()).as("an earlier sample is not affected by later recording").isEqualTo(3);
	}

	@Test
	void latenciesAreRecordedInMicrosecondsToTwoSignificantDigits() {
		LaneRecorder recorder = new LaneRecorder();
		for (int ms = 1; ms <= 100; ms++) {
			recorder.record(ms * 1_000_000L, false);
		}
		LaneSample sample = recorder.sampleInterval();
		assertThat(sample.p99Millis()).isCloseTo(99.0, within(99.0 * 0.01));
		assertThat(sample.valueAtPercentileMicros(50)).isCloseTo(50_000, within(500L));
		assertThat(sample.significantDigits()).isEqualTo(LaneRecorder.DEFAULT_SIGNIFICANT_DIGITS);
	}

	@Test
	void valuesOutsideTheRangeAreClampedNotThrown() {
		LaneRecorder recorder = new LaneRecorder(60_000_000L, 3);
		recorder.record(Long.MAX_VALUE, true);
		recorder.record(TimeUnit.HOURS.toNanos(2), false);
		recorder.record(-5, false);
		recorder.record(999, false);

		LaneSample sample = recorder.sampleInterval();
		assertThat(sample.requests()).isEqualTo(4);
		assertThat(sample.errors()).isEqualTo(1);
		assertThat(sample.maxMicros()).isCloseTo(60_000_000L, within(60_000L));
		assertThat(sample.valueAtPercentileMicros(0)).isZero();
		assertThat(sample.valueAtPercentileMicros(50)).isZero();
	}

	@Test
	void memoryStaysTheSameWhateverTheTraffic() {
		LaneRecorder recorder = new LaneRecorder();
		recorder.record(1_000_000, false);
		int recorderBefore = recorder.estimatedFootprintInBytes();
		LaneSample first = recorder.sampleInterval();

		SplittableRandom random = new SplittableRandom(7);
		for (int i = 0; i < 1_000_000; i++) {
			// from below 1 µs to beyond the highest trackable hour
			recorder.record((long) Math.exp(random.nextDouble(0, 30)), i % 100 == 0);
		}
		LaneSample second = recorder.sampleInterval();

		assertThat(second.requests()).isEqualTo(1_000_000);
		assertThat(recorder.estimatedFootprintInBytes()).isEqualTo(recorderBefore);
		// 1 µs .. 1 h at 2 digits: about 27 KB per histogram
		assertThat(recorderBefore).isLessThan(2 * 32 * 1024);
		assertThat(second.toBytes().length).as("encoded size is bounded by the bucket count").isLessThan(32 * 1024);
		assertThat(first.requests()).isEqualTo(1);
	}

	@Test
	void recordAllocatesNothing() {
		java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
		assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs HotSpot's allocation counter");
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
		assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
				"thread allocation accounting is off");
		LaneRecorder recorder = new LaneRecorder();
		for (int i = 0; i < 200_000; i++) {
			recorder.record(i * 997L, (i & 7) == 0);
		}
		long before = threads.getCurrentThreadAllocatedBytes();
		for (int i = 0; i < 1_000_000; i++) {
			recorder.record(i * 997L, (i & 7) == 0);
		}
		long allocated = threads.getCurrentThreadAllocatedBytes() - before;
		// A few hundred bytes of noise at most (e.g. the MXBean call itself), never bytes
		// per call.
		assertThat(allocated).isLessThan(16 * 1024);
	}

	@Test
	void rejectsAnUnusableRange() {
		assertThatIllegalArgumentException().isThrownBy(() -> new LaneRecorder(1, 2))
			.withMessageContaining("highestTrackableMicros");
		assertThatIllegalArgumentException().isThrownBy(() -> new LaneRecorder(1000, 6))
			.withMessageContaining("significantDigits");
	}

}
