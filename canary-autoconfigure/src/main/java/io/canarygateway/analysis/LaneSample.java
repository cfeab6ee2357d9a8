package io.canarygateway.analysis;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;

import io.canarygateway.core.LaneFigures;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;

/**
 * What one lane did over some time: request and error counts and the latency
 * distribution, as an immutable value. One interval of a {@link LaneRecorder}, or several
 * added with {@link #plus} into the window a {@link Judge} looks at.
 *
 * <p>
 * The latency histogram (microseconds) is a private copy that is never mutated after
 * construction, so a sample may be read from any thread. The request count is the
 * histogram's total count: every request has a latency. Reads (counts, percentiles,
 * figures) cost at most one pass over the histogram's counts array (a few thousand longs
 * at the recorder's default precision) and allocate nothing; {@link #plus} and
 * {@link #toBytes()} copy it.
 *
 * <p>
 * Samples can be shipped between gateway replicas with {@link #toBytes()} and
 * {@link #fromBytes}: a small header, the error count and HdrHistogram's compressed
 * (zlib) encoding of the histogram, which is typically a few hundred bytes because empty
 * buckets compress away.
 */
public final class LaneSample {

	/** No requests. */
	public static final LaneSample EMPTY = new LaneSample(0, new Histogram(1, 2, 1));

	private static final int MAGIC = 0x43474c53; // "CGLS": Canary Gateway Lane Sample

	private static final byte VERSION = 1;

	private static final int HEADER_BYTES = Integer.BYTES + 1 + Long.BYTES + Integer.BYTES;

	private final long errors;

	private final Histogram latencyMicros;

	private LaneSample(long errors, Histogram ownedLatencyMicros) {
		this.errors = errors;
		this.latencyMicros = ownedLatencyMicros;
	}

	/**
	 * A sample of the requests in {@code latencyMicros}, of which {@code errors} failed.
	 * The histogram is copied; the caller may go on mutating its own.
	 * @param errors how many of the requests failed, between 0 and the histogram's total
	 * count
	 * @param latencyMicros one value per request: its latency in microseconds
	 */
	public static LaneSample of(long errors, AbstractHistogram latencyMicros) {
		if (latencyMicros.getTotalCount() == 0 && errors == 0) {
			return EMPTY;
		}
		Histogram copy = new Histogram(latencyMicros.getLowestDiscernibleValue(),
				latencyMicros.getHighestTrackableValue(), latencyMicros.getNumberOfSignificantValueDigits());
		copy.add(latencyMicros);
		return ofOwned(errors, copy);
	}

	private static LaneSample ofOwned(long errors, Histogram latencyMicros) {
		long requests = latencyMicros.getTotalCount();
		if (errors < 0 || errors > requests) {
			throw new IllegalArgumentException(
					"errors must be between 0 and the number of requests (" + requests + "), was " + errors);
		}
		// Start and end time stamps are not part of a sample's value (they would break
		// equality).
		latencyMicros.setStartTimeStamp(0);
		latencyMicros.setEndTimeStamp(0);
		return new LaneSample(errors, latencyMicros);
	}

	/** Requests completed in the lane. */
	public long requests() {
		return this.latencyMicros.getTotalCount();
	}

	/** Requests that failed (5xx, connection failure, timeout). */
	public long errors() {
		return this.errors;
	}

	/** {@code errors / requests}, 0 without requests. */
	public double errorRate() {
		long requests = requests();
		return (requests == 0) ? 0.0 : (double) this.errors / requests;
	}

	/**
	 * The latency at the given percentile in microseconds: the highest value equivalent
	 * (within the histogram's precision) to the recorded value at or below which
	 * {@code percentile} % of the requests fall; 0 without requests. Costs one pass over
	 * the counts up to that value.
	 * @param percentile in [0, 100]
	 */
	public long valueAtPercentileMicros(double percentile) {
		return (requests() == 0) ? 0 : this.latencyMicros.getValueAtPercentile(percentile);
	}

	/** The 99th percentile latency in milliseconds, 0 without requests. */
	public double p99Millis() {
		return valueAtPercentileMicros(99.0) / 1_000.0;
	}

	/**
	 * The highest latency recorded, in microseconds (within the histogram's precision); 0
	 * without requests.
	 */
	public long maxMicros() {
		return (requests() == 0) ? 0 : this.latencyMicros.getMaxValue();
	}

	/**
	 * The number of requests whose latency is certainly above {@code micros}: those in
	 * histogram buckets entirely above the one holding {@code micros}. Requests in that
	 * bucket are not counted, so the count errs low, never high. Costs one pass over the
	 * counts up to {@code micros}.
	 */
	public long countAboveMicros(long micros) {
		long requests = requests();
		if (requests == 0 || micros >= this.latencyMicros.getMaxValue()) {
			return 0;
		}
		if (micros < 0) {
			return requests;
		}
		return requests - this.latencyMicros.getCountBetweenValues(0, micros);
	}

	/**
	 * What this sample holds beyond {@code earlier}, a sample it grew from (the same
	 * lane's window at an earlier look): the requests, errors and latencies recorded
	 * since. Costs a copy of this sample's histogram.
	 * @throws IllegalArgumentException if {@code earlier} holds requests or errors this
	 * sample does not
	 */
	public LaneSample minus(LaneSample earlier) {
		if (earlier.requests() == 0 && earlier.errors == 0) {
			return this;
		}
		if (earlier.errors > this.errors || earlier.requests() > requests()) {
			throw new IllegalArgumentException(
					"cannot take " + earlier + " from " + this + ": it is not an earlier part of this sample");
		}
		Histogram difference = this.latencyMicros.copy();
		try {
			difference.subtract(earlier.latencyMicros);
		}
		catch (IllegalArgumentException | IndexOutOfBoundsException ex) {
			throw new IllegalArgumentException(
					"cannot take " + earlier + " from " + this + ": it is not an earlier part of this sample", ex);
		}
		return (difference.getTotalCount() == 0 && this.errors == earlier.errors) ? EMPTY
				: ofOwned(this.errors - earlier.errors, difference);
	}

	/**
	 * The latency histogram itself, for the judge's rank tests in this package: read it,
	 * never change it.
	 */
	AbstractHistogram latencyHistogram() {
		return this.latencyMicros;
	}

	/**
	 * The precision of the latency histogram: the number of significant decimal digits
	 * every recorded value is kept to.
	 */
	public int significantDigits() {
		return this.latencyMicros.getNumberOfSignificantValueDigits();
	}

	/**
	 * This sample and {@code other} together (e.g. the next interval of a window). Costs
	 * a copy of both histograms; returns {@code this} or {@code other} unchanged when the
	 * other one is empty.
	 */
	public LaneSample plus(LaneSample other) {
		if (other.requests() == 0) {
			return this;
		}
		if (requests() == 0) {
			return other;
		}
		Histogram a = this.latencyMicros;
		Histogram b = other.latencyMicros;
		Histogram sum = new Histogram(Math.min(a.getLowestDiscernibleValue(), b.getLowestDiscernibleValue()),
				Math.max(a.getHighestTrackableValue(), b.getHighestTrackableValue()),
				Math.max(a.getNumberOfSignificantValueDigits(), b.getNumberOfSignificantValueDigits()));
		sum.add(a);
		sum.add(b);
		return ofOwned(this.errors + other.errors, sum);
	}

	/** The figures a verdict shows for this lane. */
	public LaneFigures figures() {
		if (requests() == 0) {
			return LaneFigures.EMPTY;
		}
		return new LaneFigures(requests(), this.errors, errorRate(), p99Millis());
	}

	/**
	 * This sample as bytes: magic {@code "CGLS"}, format version, error count, length of
	 * the histogram encoding, HdrHistogram's compressed histogram encoding. Read back
	 * with {@link #fromBytes}. Costs a copy of the histogram and a deflate of its
	 * (run-length encoded) counts.
	 */
	public byte[] toBytes() {
		// HdrHistogram caches a buffer the size of the counts array in a histogram it
		// compresses; encoding
		// a throwaway copy keeps this sample's histogram untouched and its memory
		// unchanged.
		Histogram scratch = this.latencyMicros.copy();
		ByteBuffer histogram = ByteBuffer.allocate(scratch.getNeededByteBufferCapacity());
		int length = scratch.encodeIntoCompressedByteBuffer(histogram, Deflater.BEST_SPEED);
		ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + length);
		out.putInt(MAGIC).put(VERSION).putLong(this.errors).putInt(length);
		out.put(histogram.array(), 0, length);
		return out.array();
	}

	/**
	 * Reads a sample written by {@link #toBytes()}.
	 * @throws IllegalArgumentException if the bytes are not such a sample
	 */
	public static LaneSample fromBytes(byte[] bytes) {
		try {
			ByteBuffer in = ByteBuffer.wrap(bytes);
			if (in.getInt() != MAGIC) {
				throw new IllegalArgumentException("not an encoded lane sample (bad magic number)");
			}
			byte version = in.get();
			if (version != VERSION) {
				throw new IllegalArgumentException("unsupported lane sample format version " + version);
			}
			long errors = in.getLong();
			int length = in.getInt();
			if (length != in.remaining()) {
				throw new IllegalArgumentException("lane sample histogram length " + length + " does not match the "
						+ in.remaining() + " bytes that follow");
			}
			Histogram latency = Histogram.decodeFromCompressedByteBuffer(in, 0);
			return (latency.getTotalCount() == 0 && errors == 0) ? EMPTY : ofOwned(errors, latency);
		}
		catch (BufferUnderflowException | DataFormatException | IndexOutOfBoundsException ex) {
			throw new IllegalArgumentException("corrupt encoded lane sample: " + ex, ex);
		}
	}

	@Override
	public boolean equals(Object other) {
		return (other instanceof LaneSample that) && this.errors == that.errors
				&& this.latencyMicros.equals(that.latencyMicros);
	}

	@Override
	public int hashCode() {
		return Long.hashCode(this.errors) * 31 + this.latencyMicros.hashCode();
	}

	@Override
	public String toString() {
		return "LaneSample[requests=" + requests() + ", errors=" + this.errors + ", p99Ms=" + p99Millis() + "]";
	}

}
