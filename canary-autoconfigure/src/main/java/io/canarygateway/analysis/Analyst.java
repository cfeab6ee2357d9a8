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
 * Judges one release look after look: keeps the rollout's evidence and the current step's
 * window, combines the window with the other gateways' shares, asks the {@link Judge}
 * about what is new since the previous look and applies the {@link Progression} policy.
 * Does not act: {@link #look} returns the verdict and the action it calls for, and the
 * caller applies it. Not thread-safe: one caller (the analysis thread).
 * <p>
 * The evidence ({@link Judge.Evidence}) lasts the whole rollout and is dropped when a new
 * rollout begins. The window follows the steps: a new step (another rollout, weight or
 * step start) starts an empty window, and what was recorded in the interval that
 * straddles the change is dropped, so the canary is only ever compared with stable
 * requests of the same look. At a step without stable traffic (100 %) each look is
 * compared with one look's stable requests of the last step that had them, each used once
 * (docs/analysis.md, "Weight 100").
 */
public final class Analyst {

	/** Stable looks kept per step for a later step without stable traffic. */
	static final int BASELINE_LOOKS = 60;

	private final String release;

	private final Judge judge;

	private final Progression progression;

	private final FleetWindows fleet;

	private Progression.Step step;

	private long rollout = -1;

	private Judge.Evidence evidence = Judge.Evidence.NONE;

	private LaneSample stable = LaneSample.EMPTY;

	private LaneSample canary = LaneSample.EMPTY;

	private FleetWindows.Totals judged = new FleetWindows.Totals(LaneSample.EMPTY, LaneSample.EMPTY);

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
	 * One look at the release.
	 * @param status the release's record now
	 * @param interval what this gateway recorded since the last look
	 * @param now the time of the look
	 * @return the verdict and what it calls for; {@link Look#NONE} when there is nothing
	 * to judge (the release is not splitting traffic, or a new step just began)
	 * @throws RuntimeException what {@link FleetWindows#combine} throws when the fleet's
	 * shares cannot be read
	 */
	public Look look(ReleaseStatus status, Recorders.Interval interval, Instant now) {
		return look(status, interval, now, UnaryOperator.identity());
	}

	/**
	 * One look at the release, with more evidence than the lanes' figures: {@code checks}
	 * folds the answers of webhooks and metric checks (docs/integrations.md) into the
	 * judge's verdict before the progression policy reads it.
	 * @see #look(ReleaseStatus, Recorders.Interval, Instant)
	 */
	public Look look(ReleaseStatus status, Recorders.Interval interval, Instant now, UnaryOperator<Verdict> checks) {
		if (!status.state().isSplitting()) {
			this.step = null;
			return Look.NONE;
		}
		if (this.step == null || !this.step.isFor(status)) {
			beginStep(status);
			return Look.NONE;
		}
		this.stable = this.stable.plus(interval.stable());
		this.canary = this.canary.plus(interval.canary());
		Progression.Step looked = this.step.looked();
		FleetWindows.Totals totals = this.fleet.combine(this.release, status.rollout(), status.stepStartedAt(),
				this.stable, this.canary);
		LaneSample newStable = since(totals.stable(), this.judged.stable());
		LaneSample newCanary = since(totals.canary(), this.judged.canary());
		this.judged = totals;
		boolean carried = false;
		if (newStable.requests() > 0) {
			this.stepStable.addLast(newStable.toBytes());
			if (this.stepStable.size() > BASELINE_LOOKS) {
				this.stepStable.removeFirst();
			}
		}
		else if (newCanary.requests() > 0 && !this.baseline.isEmpty()) {
			newStable = LaneSample.fromBytes(this.baseline.removeFirst());
			carried = true;
		}
		Judge.Judgement judgement = this.judge.judge(this.evidence, newStable, newCanary, carried, totals.stable(),
				totals.canary(), looked.looks(), now);
		this.evidence = judgement.evidence();
		Verdict verdict = checks.apply(judgement.verdict());
		Progression.Decision decision = this.progression.decide(looked, status, verdict.result(), now);
		this.step = decision.step();
		return new Look(verdict, decision.action(), decision.reason());
	}

	private void beginStep(ReleaseStatus status) {
		if (status.rollout() != this.rollout) {
			this.rollout = status.rollout();
			this.evidence = Judge.Evidence.NONE;
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
		this.judged = new FleetWindows.Totals(LaneSample.EMPTY, LaneSample.EMPTY);
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
