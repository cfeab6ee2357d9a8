package io.canarygateway.analysis;

import java.time.Instant;
import java.util.function.UnaryOperator;

import io.canarygateway.core.Action;
import io.canarygateway.core.Progression;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Verdict;

/**
 * Judges one release look after look: keeps the current step's window, combines it with
 * the other gateways' shares, asks the {@link Judge} and applies the {@link Progression}
 * policy. Does not act: {@link #look} returns the verdict and the action it calls for,
 * and the caller applies it. Not thread-safe: one caller (the analysis thread).
 * <p>
 * The canary is only ever compared with stable traffic of the same step: a new step
 * (another rollout, weight or step start) starts an empty window, and what was recorded
 * in the interval that straddles the change is dropped.
 */
public final class Analyst {

	private final String release;

	private final Judge judge;

	private final Progression progression;

	private final FleetWindows fleet;

	private Progression.Step step;

	private LaneSample stable = LaneSample.EMPTY;

	private LaneSample canary = LaneSample.EMPTY;

	/**
	 * @param config the release
	 * @param fleet combines this gateway's window with the other gateways'
	 * ({@link FleetWindows#LOCAL} when alone)
	 */
	public Analyst(ReleaseConfig config, FleetWindows fleet) {
		this.release = config.name();
		this.judge = new Judge(config.analysis(), looksPerStep(config));
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
			this.step = this.progression.begin(status);
			this.stable = LaneSample.EMPTY;
			this.canary = LaneSample.EMPTY;
			return Look.NONE;
		}
		this.stable = this.stable.plus(interval.stable());
		this.canary = this.canary.plus(interval.canary());
		Progression.Step looked = this.step.looked();
		FleetWindows.Totals totals = this.fleet.combine(this.release, status.rollout(), status.stepStartedAt(),
				this.stable, this.canary);
		Verdict verdict = checks.apply(this.judge.judge(totals.stable(), totals.canary(), looked.looks(), now));
		Progression.Decision decision = this.progression.decide(looked, status, verdict.result(), now);
		this.step = decision.step();
		return new Look(verdict, decision.action(), decision.reason());
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
