package io.canarygateway.analysis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.canarygateway.control.ManagedRelease;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;
import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.Lane;
import io.canarygateway.core.LaneFigures;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Verdict;
import io.canarygateway.store.ReleaseStoreUnavailableException;

/**
 * The automation around the judge (CONTRACT §5): every {@code analysis.interval} it drains each release's lane
 * recorders into the current step's window, asks the {@link Judge}, rolls back after {@code failure-threshold}
 * failed verdicts in a row, advances the step after {@code step-interval} when the latest verdict passed and none
 * failed in the step, and pauses when {@code progress-deadline} passes without an advance. It also turns a breaker
 * that opened into a rollback.
 * <p>
 * All work runs on one scheduler thread (state-changing calls may block on the store); {@link #tick(String)} is
 * public so tests can drive it with a fixed clock.
 */
public class AnalysisLoop implements AutoCloseable {

	private static final System.Logger LOG = System.getLogger(AnalysisLoop.class.getName());

	private final ReleaseController controller;

	private final Clock clock;

	private final ScheduledExecutorService executor;

	private final VerdictListener listener;

	private final FleetWindows fleet;

	private final Map<String, Window> windows = new LinkedHashMap<>();

	private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

	/** How many interval points each release keeps for the dashboard's charts. */
	public static final int HISTORY_POINTS = 120;

	/**
	 * @param controller applies the automatic transitions
	 * @param clock the time of looks and step timers
	 * @param executor runs the looks; owned by the caller
	 * @param listener told of every verdict (e.g. to count it)
	 * @param fleet combines this gateway's window with the other gateways' ({@link FleetWindows#LOCAL} when alone)
	 */
	public AnalysisLoop(ReleaseController controller, Clock clock, ScheduledExecutorService executor,
			VerdictListener listener, FleetWindows fleet) {
		this.controller = controller;
		this.clock = clock;
		this.executor = executor;
		this.listener = listener;
		this.fleet = fleet;
		controller.releases().forEach((name, release) -> this.windows.put(name, new Window(release)));
	}

	/** The recorder of a release's lane: the request path records every outcome into it. */
	public LaneRecorder recorder(String release, Lane lane) {
		Window window = this.windows.get(release);
		return (lane == Lane.CANARY) ? window.canaryRecorder : window.stableRecorder;
	}

	/** The release's recent interval figures, oldest first (at most {@link #HISTORY_POINTS}). */
	public List<TrafficPoint> recentTraffic(String release) {
		Window window = this.windows.get(release);
		if (window == null) {
			return List.of();
		}
		synchronized (window) {
			return List.copyOf(window.recent);
		}
	}

	/** Schedules each release's looks at its analysis interval. */
	public synchronized void start() {
		this.windows.forEach((name, window) -> {
			long period = Math.max(1, window.release.config().analysis().interval().toMillis());
			this.tasks.add(this.executor.scheduleAtFixedRate(() -> safeTick(name), period, period,
					TimeUnit.MILLISECONDS));
		});
	}

	private void safeTick(String release) {
		try {
			tick(release);
		}
		catch (ReleaseStoreUnavailableException ex) {
			// no look without the fleet's data: progression is frozen until the store is back (it logs the outage)
		}
		catch (RuntimeException ex) {
			LOG.log(System.Logger.Level.WARNING, "Analysis of release '" + release + "' failed", ex);
		}
	}

	/**
	 * One look at a release: drain its recorders, judge, and take the automatic transition the verdict calls for.
	 * @return the verdict, or {@code null} when the release is not splitting traffic (nothing to judge)
	 */
	public Verdict tick(String release) {
		Window window = this.windows.get(release);
		synchronized (window) {
			ManagedRelease managed = window.release;
			LaneSample stable = window.stableRecorder.sampleInterval();
			LaneSample canary = window.canaryRecorder.sampleInterval();
			ReleaseStatus status = managed.status();
			Instant now = this.clock.instant();
			window.remember(new TrafficPoint(now,
					(window.lastLook != null) ? Duration.between(window.lastLook, now).toMillis() / 1000.0
							: managed.config().analysis().interval().toMillis() / 1000.0,
					status.state().name(), status.weight(), stable.figures(), canary.figures()));
			window.lastLook = now;
			if (!status.state().isSplitting()) {
				window.clear();
				return null;
			}
			if (!window.isFor(status)) {
				// a new step: what was recorded since the last look straddles the change, so it is dropped
				window.begin(status);
				return null;
			}
			window.add(stable, canary);
			FleetWindows.Totals totals = this.fleet.combine(release, status.rollout(), status.stepStartedAt(),
					window.stable, window.canary);
			Verdict verdict = window.judge(totals, now);
			managed.lastVerdict(verdict);
			this.listener.onVerdict(release, verdict);
			act(managed, window, status, verdict, now);
			return verdict;
		}
	}

	private void act(ManagedRelease managed, Window window, ReleaseStatus status, Verdict verdict, Instant now) {
		AnalysisConfig analysis = managed.config().analysis();
		if (verdict.result() == Verdict.Result.FAIL) {
			window.failuresInRow++;
			window.failedInStep = true;
			if (window.failuresInRow >= analysis.failureThreshold()) {
				this.controller.applyIfUnchanged(status, Action.ROLL_BACK, Reason.ANALYSIS, verdict);
			}
			return;
		}
		window.failuresInRow = 0;
		if (status.state() != ReleaseState.PROGRESSING) {
			return;
		}
		Duration inStep = Duration.between(status.stepStartedAt(), now);
		if (verdict.result() == Verdict.Result.PASS && !window.failedInStep
				&& inStep.compareTo(managed.config().stepInterval()) >= 0) {
			this.controller.applyIfUnchanged(status, Action.ADVANCE, Reason.SCHEDULE, verdict);
		}
		else if (inStep.compareTo(managed.config().progressDeadline()) >= 0) {
			this.controller.applyIfUnchanged(status, Action.HALT, Reason.DEADLINE, verdict);
		}
	}

	/**
	 * Rolls a release back because its breaker opened; runs on the loop's thread, not the caller's.
	 * @param release the release
	 * @param evidence what the breaker saw
	 */
	public void breakerOpened(String release, Verdict evidence) {
		this.executor.execute(() -> {
			ManagedRelease managed = this.controller.release(release);
			if (managed != null && managed.status().state().isSplitting()) {
				managed.lastVerdict(evidence);
				this.controller.apply(release, Action.ROLL_BACK, 0, Reason.BREAKER, evidence);
			}
		});
	}

	@Override
	public synchronized void close() {
		this.tasks.forEach((task) -> task.cancel(false));
		this.tasks.clear();
	}

	/** Told of every verdict. */
	@FunctionalInterface
	public interface VerdictListener {

		void onVerdict(String release, Verdict verdict);

	}

	/** What the judge looks at for one release: the current step's data. Guarded by its own monitor. */
	private static final class Window {

		final ManagedRelease release;

		final LaneRecorder stableRecorder = new LaneRecorder();

		final LaneRecorder canaryRecorder = new LaneRecorder();

		final Judge judge;

		long rollout = -1;

		Instant stepStartedAt;

		int weight = -1;

		LaneSample stable = LaneSample.EMPTY;

		LaneSample canary = LaneSample.EMPTY;

		int look;

		int failuresInRow;

		boolean failedInStep;

		Instant lastLook;

		final ArrayDeque<TrafficPoint> recent = new ArrayDeque<>(HISTORY_POINTS);

		Window(ManagedRelease release) {
			this.release = release;
			this.judge = new Judge(release.config().analysis(), looksPerStep(release));
		}

		/** How many looks a step normally gets: step-interval / interval, at least 1. */
		static int looksPerStep(ManagedRelease release) {
			long interval = Math.max(1, release.config().analysis().interval().toMillis());
			long looks = (release.config().stepInterval().toMillis() + interval - 1) / interval;
			return (int) Math.max(1, Math.min(looks, 10_000));
		}

		boolean isFor(ReleaseStatus status) {
			return status.rollout() == this.rollout && status.weight() == this.weight
					&& status.stepStartedAt().equals(this.stepStartedAt);
		}

		void begin(ReleaseStatus status) {
			this.rollout = status.rollout();
			this.weight = status.weight();
			this.stepStartedAt = status.stepStartedAt();
			this.stable = LaneSample.EMPTY;
			this.canary = LaneSample.EMPTY;
			this.look = 0;
			this.failuresInRow = 0;
			this.failedInStep = false;
		}

		void remember(TrafficPoint point) {
			if (this.recent.size() == HISTORY_POINTS) {
				this.recent.removeFirst();
			}
			this.recent.addLast(point);
		}

		void clear() {
			this.rollout = -1;
			this.weight = -1;
			this.stepStartedAt = null;
			this.stable = LaneSample.EMPTY;
			this.canary = LaneSample.EMPTY;
		}

		void add(LaneSample stableInterval, LaneSample canaryInterval) {
			this.stable = this.stable.plus(stableInterval);
			this.canary = this.canary.plus(canaryInterval);
			this.look++;
		}

		/**
		 * Judges the fleet's window. The canary is only ever compared with stable traffic of the same step: at a
		 * weight where stable gets too little (100 %), the judge skips the relative tests and decides on the
		 * ceilings, rather than compare with an earlier step whose conditions (load, time of day) may differ.
		 */
		Verdict judge(FleetWindows.Totals totals, Instant now) {
			return this.judge.judge(totals.stable(), totals.canary(), this.look, now);
		}

	}

	/** A verdict for a breaker that opened, built from what the breaker's window holds. */
	public static Verdict breakerVerdict(String breakerName, long calls, long failed, float failureRate,
			float slowCallRate, float threshold, Instant at) {
		LaneFigures canary = new LaneFigures(calls, failed, (calls > 0) ? (double) failed / calls : 0, 0);
		return new Verdict(Verdict.Result.FAIL, at, LaneFigures.EMPTY, canary,
				Map.of("breaker.failureRate", (double) failureRate, "breaker.slowCallRate", (double) slowCallRate,
						"breaker.failureRateThreshold", (double) threshold),
				List.of("breaker " + breakerName + " opened: failure rate " + failureRate + " % of the last " + calls
						+ " canary calls (threshold " + threshold + " %), slow-call rate " + slowCallRate + " %"));
	}

}
