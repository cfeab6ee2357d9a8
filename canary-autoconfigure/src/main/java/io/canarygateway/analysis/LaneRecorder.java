package io.canarygateway.analysis;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.AtomicHistogram;
import org.HdrHistogram.WriterReaderPhaser;

/**
 * Records what one lane (stable or canary) of one release does, request by request, and
 * hands out interval snapshots for the judge.
 *
 * <p>
 * <b>Algorithm.</b> Two interval buffers, each an {@link AtomicHistogram} of latencies in
 * microseconds (whose total count is the request count) and a {@link LongAdder} of
 * errors. Writers record into the active buffer inside a {@link WriterReaderPhaser}
 * critical section; {@link #sampleInterval()} swaps the buffers, waits (via
 * {@link WriterReaderPhaser#flipPhase()}) until no writer is still inside the old one,
 * copies it into an immutable {@link LaneSample} and clears it for reuse as the next
 * spare. This is the double-buffering scheme of HdrHistogram's
 * {@code org.HdrHistogram.Recorder}, done by hand so that the request count, the error
 * count and the latency histogram of a sample always describe exactly the same requests
 * (with a {@code Recorder} next to separate adders, a request in flight at the swap could
 * be counted in one interval and its latency in the next, giving samples with more errors
 * than requests).
 *
 * <p>
 * <b>Cost.</b> {@link #record} is lock-free, and wait-free on platforms with an atomic
 * increment (x86, ARMv8.1+) except for a short CAS loop when a new minimum or maximum
 * latency is seen: two phaser increments, two atomic increments in the histogram (bucket
 * and total count) and, for a failure, one {@code LongAdder} increment. It allocates
 * nothing once the adder's cells for the current contention exist, and never throws:
 * latencies are clamped to {@code [0, highestTrackableMicros]}. {@link #sampleInterval()}
 * is called by one thread at a time (it is {@code synchronized}); it waits only for
 * writers already inside their few-nanosecond critical section and costs one copy of the
 * histogram's counts array.
 *
 * <p>
 * <b>Memory.</b> Fixed at construction, whatever the traffic: two histograms whose
 * footprint depends only on the range and precision (about 27 KB each for the default 1
 * µs..1 h at 2 significant digits; about 190 KB each at 3 digits), plus the adders' cells
 * (bounded by the number of CPUs).
 */
public final class LaneRecorder {

	/**
	 * Default highest trackable latency: one hour, in microseconds. Longer latencies are
	 * clamped.
	 */
	public static final long DEFAULT_HIGHEST_TRACKABLE_MICROS = TimeUnit.HOURS.toMicros(1);

	/**
	 * Default precision: 2 significant decimal digits, i.e. every recorded latency is
	 * known to within 1 %. That is ample for a judge whose latency tolerance is tens of
	 * percent, and keeps a lane's recorder at ~55 KB (3 digits: ~380 KB, i.e. ~0.75 GB
	 * for 1,000 releases before a single window is kept).
	 */
	public static final int DEFAULT_SIGNIFICANT_DIGITS = 2;

	private final long highestTrackableMicros;

	private final int significantDigits;

	private final WriterReaderPhaser phaser = new WriterReaderPhaser();

	private volatile Interval active;

	/**
	 * The spare buffer; only touched by {@link #sampleInterval()} under the phaser's
	 * reader lock.
	 */
	private Interval inactive;

	/** A recorder for latencies from 1 µs to one hour at 2 significant digits. */
	public LaneRecorder() {
		this(DEFAULT_HIGHEST_TRACKABLE_MICROS, DEFAULT_SIGNIFICANT_DIGITS);
	}

	/**
	 * A recorder for latencies from 1 µs to {@code highestTrackableMicros}.
	 * @param highestTrackableMicros the highest latency told apart, in microseconds (at
	 * least 2); higher latencies are recorded as this value
	 * @param significantDigits the precision of the latency histogram, 1 to 5 significant
	 * decimal digits
	 */
	public LaneRecorder(long highestTrackableMicros, int significantDigits) {
		if (highestTrackableMicros < 2) {
			throw new IllegalArgumentException(
					"highestTrackableMicros must be at least 2 (microseconds), was " + highestTrackableMicros);
		}
		if (significantDigits < 1 || significantDigits > 5) {
			throw new IllegalArgumentException("significantDigits must be between 1 and 5, was " + significantDigits);
		}
		this.highestTrackableMicros = highestTrackableMicros;
		this.significantDigits = significantDigits;
		this.active = new Interval(highestTrackableMicros, significantDigits);
		this.inactive = new Interval(highestTrackableMicros, significantDigits);
	}

	/**
	 * Records one completed request. Safe to call from any number of threads at once;
	 * never blocks, never allocates, never throws.
	 * @param latencyNanos how long the request took, in nanoseconds (negative values
	 * count as 0, values beyond the range as the highest trackable latency)
	 * @param failure whether the request failed (5xx, connection failure, timeout:
	 * docs/routing.md, "What counts as a failure")
	 */
	public void record(long latencyNanos, boolean failure) {
		long micros = Math.min(Math.max(latencyNanos / 1_000L, 0L), this.highestTrackableMicros);
		long phase = this.phaser.writerCriticalSectionEnter();
		try {
			Interval interval = this.active;
			interval.latencyMicros.recordValue(micros);
			if (failure) {
				interval.errors.increment();
			}
		}
		finally {
			this.phaser.writerCriticalSectionExit(phase);
		}
	}

	/**
	 * Returns everything recorded since the previous call (or since construction) and
	 * starts a new interval. The returned sample is immutable and owns its histogram.
	 */
	public synchronized LaneSample sampleInterval() {
		this.phaser.readerLock();
		try {
			Interval finished = this.active;
			this.active = this.inactive;
			// Waits until every writer that may have seen 'finished' as active has left
			// it.
			this.phaser.flipPhase();
			LaneSample sample = finished.latencyMicros.getTotalCount() == 0 ? LaneSample.EMPTY
					: LaneSample.of(finished.errors.sum(), finished.latencyMicros);
			finished.reset();
			this.inactive = finished;
			return sample;
		}
		finally {
			this.phaser.readerUnlock();
		}
	}

	/** The highest latency this recorder tells apart, in microseconds. */
	public long highestTrackableMicros() {
		return this.highestTrackableMicros;
	}

	/** The precision of the latency histogram in significant decimal digits. */
	public int significantDigits() {
		return this.significantDigits;
	}

	/**
	 * The memory held by the recorder's two interval histograms, in bytes. Constant for
	 * the life of the recorder; exposed so that tests (and operators) can check it does
	 * not grow with traffic.
	 */
	public int estimatedFootprintInBytes() {
		this.phaser.readerLock();
		try {
			return this.active.latencyMicros.getEstimatedFootprintInBytes()
					+ this.inactive.latencyMicros.getEstimatedFootprintInBytes();
		}
		finally {
			this.phaser.readerUnlock();
		}
	}

	@Override
	public String toString() {
		return "LaneRecorder[1.." + this.highestTrackableMicros + " µs, " + this.significantDigits + " digits]";
	}

	/** One interval's worth of recording state, reused after it has been sampled. */
	private static final class Interval {

		final AtomicHistogram latencyMicros;

		final LongAdder errors = new LongAdder();

		Interval(long highestTrackableMicros, int significantDigits) {
			this.latencyMicros = new AtomicHistogram(1, highestTrackableMicros, significantDigits);
		}

		void reset() {
			this.latencyMicros.reset();
			this.errors.reset();
		}

	}

}
