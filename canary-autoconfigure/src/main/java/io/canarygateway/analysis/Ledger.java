package io.canarygateway.analysis;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Objects;

import io.canarygateway.core.Progression;
import io.canarygateway.core.Verdict;

/**
 * The analysis of one rollout as the fleet shares it: one sequence of looks, whichever
 * gateway made each. Each look reads the ledger, judges what the fleet's window holds
 * beyond {@link #judged()}, and writes the next ledger only if no other look was written
 * in between ({@link FleetWindows#record}), so every request is judged once and the
 * rollout's evidence is one e-process however many gateways there are (docs/analysis.md,
 * "Several gateways"). Immutable.
 *
 * @param step the progress of the step the last look was in (looks, failures in a row)
 * @param evidence the rollout's evidence after the last look; its
 * {@link Judge.Evidence#looks() looks} number the ledger's versions
 * @param judged the fleet's window of {@code step} as far as it was judged
 * @param verdict the last look's verdict, {@code null} before the first
 */
public record Ledger(Progression.Step step, Judge.Evidence evidence, FleetWindows.Totals judged, Verdict verdict) {

	private static final int MAGIC = 0x43474c47; // "CGLG": Canary Gateway LedGer

	private static final byte VERSION = 1;

	public Ledger {
		Objects.requireNonNull(step, "step must not be null");
		Objects.requireNonNull(evidence, "evidence must not be null");
		Objects.requireNonNull(judged, "judged must not be null");
	}

	/** A rollout's ledger before its first look, in the step of {@code step}. */
	static Ledger start(Progression.Step step) {
		return new Ledger(step, Judge.Evidence.NONE, FleetWindows.Totals.EMPTY, null);
	}

	/** The looks recorded in the ledger: 0 before the first. */
	public long looks() {
		return this.evidence.looks();
	}

	/** The rollout the ledger is about. */
	public long rollout() {
		return this.step.rollout();
	}

	/**
	 * The ledger carried into another step of the same rollout: the evidence stays, the
	 * step's progress and its judged window start again.
	 */
	Ledger inStep(Progression.Step next) {
		return new Ledger(next, this.evidence, FleetWindows.Totals.EMPTY, this.verdict);
	}

	/**
	 * Everything but the verdict as bytes: magic {@code "CGLG"}, format version, the
	 * step, the evidence, the two judged lanes ({@link LaneSample#toBytes()}). A store
	 * keeps the verdict beside them in its own format; {@link #fromBytes} takes it back.
	 */
	public byte[] toBytes() {
		byte[] evidence = this.evidence.toBytes();
		byte[] stable = this.judged.stable().toBytes();
		byte[] canary = this.judged.canary().toBytes();
		ByteBuffer out = ByteBuffer.allocate(Integer.BYTES + 1 + Long.BYTES + Integer.BYTES + Long.BYTES + Integer.BYTES
				+ 2 * Integer.BYTES + 1 + 3 * Integer.BYTES + evidence.length + stable.length + canary.length);
		out.putInt(MAGIC).put(VERSION);
		out.putLong(this.step.rollout())
			.putInt(this.step.weight())
			.putLong(this.step.startedAt().getEpochSecond())
			.putInt(this.step.startedAt().getNano())
			.putInt(this.step.looks())
			.putInt(this.step.failuresInRow())
			.put((byte) (this.step.failedInStep() ? 1 : 0));
		out.putInt(evidence.length).put(evidence);
		out.putInt(stable.length).put(stable);
		out.putInt(canary.length).put(canary);
		return out.array();
	}

	/**
	 * Reads a ledger written by {@link #toBytes()}, with the verdict kept beside it.
	 * @throws IllegalArgumentException if the bytes are not such a ledger
	 */
	public static Ledger fromBytes(byte[] bytes, Verdict verdict) {
		try {
			ByteBuffer in = ByteBuffer.wrap(bytes);
			if (in.getInt() != MAGIC) {
				throw new IllegalArgumentException("not an encoded analysis ledger (bad magic number)");
			}
			byte version = in.get();
			if (version != VERSION) {
				throw new IllegalArgumentException("unsupported analysis ledger format version " + version);
			}
			Progression.Step step = new Progression.Step(in.getLong(), in.getInt(),
					Instant.ofEpochSecond(in.getLong(), in.getInt()), in.getInt(), in.getInt(), in.get() == 1);
			Judge.Evidence evidence = Judge.Evidence.fromBytes(chunk(in));
			LaneSample stable = LaneSample.fromBytes(chunk(in));
			LaneSample canary = LaneSample.fromBytes(chunk(in));
			if (in.hasRemaining()) {
				throw new IllegalArgumentException(in.remaining() + " bytes after the end of an analysis ledger");
			}
			return new Ledger(step, evidence, new FleetWindows.Totals(stable, canary), verdict);
		}
		catch (BufferUnderflowException | IndexOutOfBoundsException | java.time.DateTimeException ex) {
			throw new IllegalArgumentException("corrupt analysis ledger: " + ex, ex);
		}
	}

	private static byte[] chunk(ByteBuffer in) {
		int length = in.getInt();
		if (length < 0 || length > in.remaining()) {
			throw new IllegalArgumentException(
					"corrupt analysis ledger: a part of " + length + " bytes where " + in.remaining() + " remain");
		}
		byte[] bytes = new byte[length];
		in.get(bytes);
		return bytes;
	}

}
