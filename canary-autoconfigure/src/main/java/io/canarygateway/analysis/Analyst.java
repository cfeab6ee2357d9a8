package io.canarygateway.analysis;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.function.UnaryOperator;

import io.canarygateway.core.Action;
import io.canarygateway.core.Progression;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Verdict;

/**
 * Judges one release look after look: keeps this gateway's share of the current step's
 * window, combines it with the other gateways' shares, asks the {@link Judge} about what
 * is new since the rollout's previous look and applies the {@link Progression} policy.
 * Does not act: {@link #look} returns the verdict and the action it calls for, and the
 * caller applies it. Not thread-safe: one caller (the analysis thread).
 * <p>
 * The rollout's analysis — evidence, the step's progress and how much of the fleet's
 * window was judged — is its {@link Ledger}, dropped when a new rollout begins. A gateway
 * alone keeps it here; gateways sharing a store keep one ledger per rollout there, and a
 * look counts only when it is recorded on the ledger it was judged on
 * ({@link FleetWindows#record}), so the fleet has one sequence of looks. Only the gateway
 * that leads the release judges ({@code leads}); the others publish their share and show
 * the ledger's last verdict.
 * <p>
 * The window follows the steps: a new step (another rollout, weight or step start) starts
 * an empty window. The interval that straddles the change is judged when every request in
 * it belongs to the same rollout (a new weight of the same versions, or a step that began
 * before the interval did); otherwise — the first look of a new rollout — it is dropped,
 * so no request of another version is ever judged. At a step without stable traffic (100
 * %) each look is compared with one look's stable requests of the last step that had
 * them, each used once (docs/analysis.md, "Weight 100").
 */
public final class Analyst {

	/** Stable looks kept per step for a later step without stable traffic. */
	static final int BASELINE_LOOKS = 60;

	private final String release;

	private final Judge judge;

	private final Progression progression;

	private final FleetWindows fleet;

	/** The step this gateway's window is for; {@code null} when not splitting. */
	private Progression.Step step;

	/** The rollout of the record at the previous look; -1 before the first. */
	private long rollout = -1;

	/** The rollout's ledger, when this gateway is alone (else it is in the store). */
	private Ledger ledger;

	/** The looks of the ledger whose verdict was last shown by a gateway that follows. */
	private long shown = -1;

	private LaneSample stable = LaneSample.EMPTY;

	private LaneSample canary = LaneSample.EMPTY;

	/** The rollout the stable looks below belong to. */
	private long baselineRollout = -1;

	/** This step's stable looks (encoded), oldest first. */
	private ArrayDeque<byte[]> stepStable = new ArrayDeque<>();

	/** The last step with stable traffic: its stable looks not used yet, oldest first. */
	private ArrayDeque<byte[]> baseline = new ArrayDeque<>();

	/**
	 * @param config the release
	 * @param fleet combines this gateway's window with the other gateways'
	 * ({@link FleetWindows#LOCAL} when alone)
	 */
	public Analyst(ReleaseConfig config, FleetWindows fleet) {
		this.release = config.name();
		this.judge = new Judge(config.analysis(), Judge.plannedInformation(config.steps(), looksPerStep(config)));
		this.progression = new Progression(config);
		this.fleet = fleet;
	}

	/** How many looks a step normally gets: step-interval / interval, at least 1. */
	static int looksPerStep(ReleaseConfig config) {
		long interval = Math.max(1, config.analysis().interval().toMillis());
		long looks = (config.stepInterval().toMillis() + interval - 1) / interval;
		return (int) Math.max(1, Math.min(looks, 10_000));
	}

	/**
	 * One look at the release by the gateway that judges it, without webhooks or metric
	 * checks.
	 * @see #look(ReleaseStatus, Recorders.Interval, Instant, Instant, boolean,
	 * UnaryOperator)
	 */
	public Look look(ReleaseStatus status, Recorders.Interval interval, Instant since, Instant now) {
		return look(status, interval, since, now, true, UnaryOperator.identity());
	}

	/**
	 * One look at the release.
	 * @param status the release's record now
	 * @param interval what this gateway recorded since the last look
	 * @param since when {@code interval} began: the previous look, or when recording
	 * began
	 * @param now the time of the look
	 * @param leads whether this gateway judges the release (it leads it, or is alone); a
	 * gateway that does not only publishes its share of the window, and its look carries
	 * the fleet's last verdict (once per recorded look) and no action
	 * @param checks folds the answers of webhooks and metric checks
	 * (docs/integrations.md) into the judge's verdict before the progression policy reads
	 * it
	 * @return the verdict and what it calls for; {@link Look#NONE} when there is nothing
	 * to judge (the release is not splitting traffic, a new rollout's first interval, or
	 * another gateway's look was recorded first)
	 * @throws RuntimeException what {@link FleetWindows} throws when the fleet's shares
	 * or ledger cannot be read or written
	 */
	public Look look(ReleaseStatus status, Recorders.Interval interval, Instant since, Instant now, boolean leads,
			UnaryOperator<Verdict> checks) {
		long previousRollout = this.rollout;
		this.rollout = status.rollout();
		if (!status.state().isSplitting()) {
			this.step = null;
			return Look.NONE;
		}
		if (this.step == null || !this.step.isFor(status)) {
			beginStep(status);
			boolean sameRollout = (previousRollout == status.rollout())
					|| (previousRollout < 0 && !status.stepStartedAt().isAfter(since));
			if (!sameRollout) {
				return Look.NONE;
			}
		}
		this.stable = this.stable.plus(interval.stable());
		this.canary = this.canary.plus(interval.canary());
		// the ledger before the window: a ledger recorded after it was read fails this
		// look's compare-and-set, so no request is judged twice
		Ledger current = this.fleet.shared() ? this.fleet.ledger(this.release, status.rollout()) : this.ledger;
		FleetWindows.Totals totals = this.fleet.combine(this.release, status.rollout(), status.stepStartedAt(),
				this.stable, this.canary);
		if (current == null || current.rollout() != status.rollout()) {
			current = Ledger.start(this.progression.begin(status));
		}
		else if (!current.step().isFor(status)) {
			current = current.inStep(this.progression.begin(status));
		}
		if (!leads) {
			if (current.verdict() == null || current.looks() == this.shown) {
				return Look.NONE;
			}
			this.shown = current.looks();
			return new Look(current.verdict(), null, null);
		}
		LaneSample newStable = since(totals.stable(), current.judged().stable());
		LaneSample newCanary = since(totals.canary(), current.judged().canary());
		boolean carried = false;
		if (newStable.requests() == 0 && newCanary.requests() > 0 && !this.baseline.isEmpty()) {
			newStable = LaneSample.fromBytes(this.baseline.removeFirst());
			carried = true;
		}
		Progression.Step looked = current.step().looked();
		Judge.Judgement judgement = this.judge.judge(current.evidence(), newStable, newCanary, carried, totals.stable(),
				totals.canary(), looked.looks(), now);
		Verdict verdict = checks.apply(judgement.verdict());
		Progression.Decision decision = this.progression.decide(looked, status, verdict.result(), now);
		Ledger next = new Ledger(decision.step(), judgement.evidence(), totals, verdict);
		if (this.fleet.shared()) {
			if (!this.fleet.record(this.release, status.rollout(), current.looks(), next)) {
				return Look.NONE;
			}
		}
		else {
			this.ledger = next;
		}
		this.shown = next.looks();
		if (!carried && newStable.requests() > 0) {
			this.stepStable.addLast(newStable.toBytes());
			if (this.stepStable.size() > BASELINE_LOOKS) {
				this.stepStable.removeFirst();
			}
		}
		return new Look(verdict, decision.action(), decision.reason());
	}

	private void beginStep(ReleaseStatus status) {
		if (status.rollout() != this.baselineRollout) {
			this.baselineRollout = status.rollout();
			this.baseline = new ArrayDeque<>();
			this.stepStable = new ArrayDeque<>();
		}
		else if (!this.stepStable.isEmpty()) {
			this.baseline = this.stepStable;
			this.stepStable = new ArrayDeque<>();
		}
		this.step = this.progression.begin(status);
		this.stable = LaneSample.EMPTY;
		this.canary = LaneSample.EMPTY;
	}

	/**
	 * What a lane's fleet window holds beyond what was judged before; nothing when the
	 * window is not a continuation of it (a replica's share expired or could not be
	 * read): those requests are then left out of the evidence rather than counted twice.
	 */
	private static LaneSample since(LaneSample window, LaneSample judged) {
		try {
			return window.minus(judged);
		}
		catch (IllegalArgumentException ex) {
			return LaneSample.EMPTY;
		}
	}

	/**
	 * What one look came to.
	 *
	 * @param verdict the judge's verdict, or {@code null} when nothing was judged
	 * @param action the automatic action it calls for, or {@code null}
	 * @param reason the action's reason, or {@code null}
	 */
	public record Look(Verdict verdict, Action action, Reason reason) {

		/** Nothing judged, nothing to do. */
		public static final Look NONE = new Look(null, null, null);

	}

}
