package io.canarygateway.analysis;

import java.util.Arrays;
import java.util.SplittableRandom;

import io.canarygateway.core.LaneFigures;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

class LaneSampleTest {

	@Test
	void emptyHasNoRequestsAndEmptyFigures() {
		assertThat(LaneSample.EMPTY.requests()).isZero();
		assertThat(LaneSample.EMPTY.errors()).isZero();
		assertThat(LaneSample.EMPTY.errorRate()).isZero();
		assertThat(LaneSample.EMPTY.p99Millis()).isZero();
		assertThat(LaneSample.EMPTY.countAboveMicros(0)).isZero();
		assertThat(LaneSample.EMPTY.figures()).isEqualTo(LaneFigures.EMPTY);
	}

	@Test
	void figuresGiveErrorRateAndP99InMilliseconds() {
		LaneSample sample = Samples.constant(200, 10, 42.0);
		LaneFigures figures = sample.figures();
		assertThat(figures.requests()).isEqualTo(200);
		assertThat(figures.errors()).isEqualTo(10);
		assertThat(figures.errorRate()).isEqualTo(0.05);
		assertThat(figures.p99Ms()).isCloseTo(42.0, within(42.0 * 0.01));
	}

	@Test
	void minusGivesWhatASampleHoldsBeyondAnEarlierPartOfIt() {
		LaneSample earlier = Samples.constant(99, 1, 10.0);
		LaneSample later = Samples.constant(5, 2, 900.0);
		LaneSample since = earlier.plus(later).minus(earlier);
		assertThat(since.requests()).isEqualTo(5);
		assertThat(since.errors()).isEqualTo(2);
		assertThat(since.countAboveMicros(100_000)).isEqualTo(5);
		assertThat(since.maxMicros()).isEqualTo(later.maxMicros());
		assertThat(earlier.minus(LaneSample.EMPTY)).isSameAs(earlier);
		assertThat(earlier.minus(earlier)).isSameAs(LaneSample.EMPTY);
	}

	@Test
	void minusRefusesASampleThatIsNotAnEarlierPart() {
		LaneSample sample = Samples.constant(10, 1, 10.0);
		assertThatIllegalArgumentException().isThrownBy(() -> sample.minus(Samples.constant(11, 0, 10.0)))
			.withMessageContaining("it is not an earlier part of this sample");
		assertThatIllegalArgumentException().isThrownBy(() -> sample.minus(Samples.constant(5, 0, 900.0)))
			.withMessageContaining("it is not an earlier part of this sample");
	}

	@Test
	void plusAddsCountsAndLatencies() {
		LaneSample fast = Samples.constant(99, 1, 10.0);
		LaneSample slow = Samples.constant(1, 1, 900.0);
		LaneSample both = fast.plus(slow);
		assertThat(both.requests()).isEqualTo(100);
		assertThat(both.errors()).isEqualTo(2);
		assertThat(both.valueAtPercentileMicros(99)).isCloseTo(10_000, within(100L));
		assertThat(both.valueAtPercentileMicros(100)).isCloseTo(900_000, within(9_000L));
		assertThat(fast.requests()).as("operands are unchanged").isEqualTo(99);
		assertThat(slow.requests()).isEqualTo(1);
		assertThat(fast.plus(LaneSample.EMPTY)).isSameAs(fast);
		assertThat(LaneSample.EMPTY.plus(slow)).isSameAs(slow);
	}

	@Test
	void plusAcceptsSamplesOfDifferentPrecision() {
		LaneRecorder coarse = new LaneRecorder(1_000_000, 1);
		coarse.record(5_000_000, false);
		LaneSample sum = Samples.constant(3, 0, 2.0).plus(coarse.sampleInterval());
		assertThat(sum.requests()).isEqualTo(4);
		assertThat(sum.significantDigits()).isEqualTo(LaneRecorder.DEFAULT_SIGNIFICANT_DIGITS);
		assertThat(sum.valueAtPercentileMicros(100)).isCloseTo(5_000, within(500L));
	}

	@Test
	void holdsAPrivateCopyOfTheHistogram() {
		Histogram histogram = new Histogram(1, 3_600_000_000L, 2);
		histogram.recordValueWithCount(1_000, 10);
		LaneSample sample = LaneSample.of(2, histogram);
		histogram.recordValueWithCount(5_000_000, 1_000);
		assertThat(sample.requests()).isEqualTo(10);
		assertThat(sample.maxMicros()).isCloseTo(1_000, within(10L));
	}

	@Test
	void rejectsMoreErrorsThanRequests() {
		Histogram histogram = new Histogram(1, 1_000, 2);
		histogram.recordValue(10);
		assertThatIllegalArgumentException().isThrownBy(() -> LaneSample.of(2, histogram))
			.withMessageContaining("errors must be between 0 and the number of requests (1), was 2");
		assertThatIllegalArgumentException().isThrownBy(() -> LaneSample.of(-1, histogram));
	}

	@Test
	void countAboveCountsOnlyBucketsWhollyAboveTheValue() {
		LaneSample sample = Samples.constant(90, 0, 10.0).plus(Samples.constant(10, 0, 50.0));
		assertThat(sample.countAboveMicros(9_000)).isEqualTo(100);
		assertThat(sample.countAboveMicros(10_000)).as("the value's own bucket is not counted").isEqualTo(10);
		assertThat(sample.countAboveMicros(49_000)).isEqualTo(10);
		assertThat(sample.countAboveMicros(50_000)).isZero();
		assertThat(sample.countAboveMicros(Long.MAX_VALUE)).isZero();
		assertThat(sample.countAboveMicros(-1)).isEqualTo(100);
	}

	@Test
	void bytesRoundTrip() {
		LaneSample sample = Samples.random(new SplittableRandom(42), 5_000, 0.03, LatencyModel.logNormal(20, 0.8));
		byte[] bytes = sample.toBytes();
		LaneSample decoded = LaneSample.fromBytes(bytes);

		assertThat(decoded).isEqualTo(sample).hasSameHashCodeAs(sample);
		assertThat(decoded.requests()).isEqualTo(5_000);
		assertThat(decoded.errors()).isEqualTo(sample.errors());
		assertThat(decoded.figures()).isEqualTo(sample.figures());
		assertThat(decoded.valueAtPercentileMicros(99.9)).isEqualTo(sample.valueAtPercentileMicros(99.9));
		assertThat(decoded.significantDigits()).isEqualTo(sample.significantDigits());
		assertThat(bytes.length).as("compressed: a few hundred bytes, not the 27 KB counts array").isLessThan(1_024);
		assertThat(decoded.plus(sample).requests()).isEqualTo(10_000);
	}

	@Test
	void emptyRoundTripsToEmpty() {
		assertThat(LaneSample.fromBytes(LaneSample.EMPTY.toBytes())).isSameAs(LaneSample.EMPTY);
		LaneRecorder recorder = new LaneRecorder();
		assertThat(LaneSample.fromBytes(recorder.sampleInterval().toBytes())).isSameAs(LaneSample.EMPTY);
	}

	@Test
	void corruptBytesAreRejected() {
		byte[] bytes = Samples.constant(10, 1, 5.0).toBytes();
		assertThatIllegalArgumentException().isThrownBy(() -> LaneSample.fromBytes(new byte[] { 1, 2, 3 }));
		assertThatIllegalArgumentException().isThrownBy(() -> LaneSample.fromBytes(Arrays.copyOf(bytes, 20)))
			.withMessageContaining("length");
		byte[] badMagic = bytes.clone();
		badMagic[0] ^= 0x7f;
		assertThatIllegalArgumentException().isThrownBy(() -> LaneSample.fromBytes(badMagic))
			.withMessageContaining("magic");
		byte[] badBody = bytes.clone();
		for (int i = 20; i < badBody.length; i++) {
			badBody[i] = (byte) 0xff;
		}
		assertThatIllegalArgumentException().isThrownBy(() -> LaneSample.fromBytes(badBody));
	}

	@Test
	void equalSamplesAreEqual() {
		assertThat(Samples.constant(10, 1, 5.0)).isEqualTo(Samples.constant(10, 1, 5.0))
			.hasSameHashCodeAs(Samples.constant(10, 1, 5.0))
			.isNotEqualTo(Samples.constant(10, 2, 5.0))
			.isNotEqualTo(Samples.constant(10, 1, 6.0));
		assertThat(Samples.constant(10, 1, 5.0).toString()).contains("requests=10", "errors=1");
	}

}
