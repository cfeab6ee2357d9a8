package io.canarygateway.control;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.canarygateway.analysis.Analyst;
import io.canarygateway.analysis.Recorders;
import io.canarygateway.analysis.ServiceWindows;
import io.canarygateway.analysis.TrafficHistory;
import io.canarygateway.core.Action;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.ServiceFigures;
import io.canarygateway.core.Verdict;
import io.canarygateway.store.ReleaseStoreUnavailableException;

/**
 * Runs each release's looks on the analysis thread, every {@code analysis.interval}:
 * drains the release's {@link Recorders}, adds the interval to the
 * {@link TrafficHistory}, asks its {@link Analyst} and applies the action the verdict
 * calls for through {@link ReleaseController#applyIfUnchanged}, so an action judged on a
 * record that has changed since (an operator, another gateway) is dropped. What a verdict
 * means is decided by the {@code Analyst} and the
 * {@link io.canarygateway.core.Progression} policy.
 * <p>
 * A release's {@link ReleaseProbes} (webhooks and metric checks, docs/integrations.md)
 * are asked without waiting: each look starts a {@link ProbeRound} and reads the one an
 * earlier look started once it has answered, so a slow hook holds up no look. The checks'
 * answers are folded into the verdict; the pre-rollout gates decide while the release
 * waits at weight 0 (it is not judged then), the confirm-promotion gates whether the
 * advance past the last step happens. With a shared store only the gateway that
 * {@link ReleaseController#leads leads} a release judges it, asks its probes and acts on
 * its verdicts (one sequence of looks for the fleet, see {@link Analyst}); the others
 * publish their share of the window and show the leader's verdicts. Any gateway still
 * rolls back at once when its breaker opens.
 */
public class AnalysisLoop implements AutoCloseable {

	private static final System.Logger LOG = System.getLogger(AnalysisLoop.class.getName());

	private final ReleaseController controller;

	private final Recorders recorders;

	private final TrafficHistory history;

	private final Map<String, Analyst> analysts = new LinkedHashMap<>();

	private final Map<String, ServiceWindows> services = new LinkedHashMap<>();

	private final Map<String, Probing> probing = new LinkedHashMap<>();

	/** When each release's recorders were last drained (or the loop was made). */
	private final Map<String, Instant> lookedAt = new ConcurrentHashMap<>();

	private final Clock clock;

	private final ScheduledExecutorService executor;

	private final VerdictListener listener;

	private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

	/** The failure each release's looks currently end in (what was logged). */
	private final Map<String, String> failures = new ConcurrentHashMap<>();

	/**
	 * @param controller the releases, and who applies the automatic actions
	 * @param recorders what the request path recorded
	 * @param history where each interval's figures go
	 * @param analysts makes the analyst of a release
	 * @param clock the time of looks
	 * @param executor runs the looks; owned by the caller
	 * @param listener told of every verdict (e.g. to count it)
	 */
	public AnalysisLoop(ReleaseController controller, Recorders recorders, TrafficHistory history,
			Function<ReleaseConfig, Analyst> analysts, Clock clock, ScheduledExecutorService executor,
			VerdictListener listener) {
		this(controller, recorders, history, analysts, (config) -> ReleaseProbes.NONE, clock, executor, listener);
	}

	/**
	 * @param controller the releases, and who applies the automatic actions
	 * @param recorders what the request path recorded
	 * @param history where each interval's figures go
	 * @param analysts makes the analyst of a release
	 * @param probes the webhooks and metric checks of a release
	 * @param clock the time of looks
	 * @param executor runs the looks; owned by the caller
	 * @param listener told of every verdict (e.g. to count it)
	 */
	public AnalysisLoop(ReleaseController controller, Recorders recorders, TrafficHistory history,
			Function<ReleaseConfig, Analyst> analysts, Function<ReleaseConfig, ReleaseProbes> probes, Clock clock,
			ScheduledExecutorService executor, VerdictListener listener) {
		this.controller = controller;
		this.recorders = recorders;
		this.history = history;
		this.clock = clock;
		this.executor = executor;
		this.listener = listener;
		controller.releases().forEach((name, release) -> {
			this.analysts.put(name, analysts.apply(release.config()));
			this.services.put(name, new ServiceWindows());
			this.probing.put(name, new Probing(probes.apply(release.config())));
			this.lookedAt.put(name, clock.instant());
		});
	}

	/** Schedules each release's looks at its analysis interval. */
	public synchronized void start() {
		this.controller.releases().forEach((name, release) -> {
			long period = Math.max(1, release.config().analysis().interval().toMillis());
			this.tasks
				.add(this.executor.scheduleAtFixedRate(() -> safeTick(name), period, period, TimeUnit.MILLISECONDS));
		});
	}

	/**
	 * A scheduled look: never throws. A failure is logged at WARNING when it starts (or
	 * its message changes), at DEBUG while it repeats, and its end at INFO: a problem
	 * that lasts (e.g. a key of the wrong type in Redis) is one log line, not one per
	 * interval.
	 */
	void safeTick(String release) {
		try {
			this.controller.initializeIfWaiting(release);
			tick(release);
			String ended = this.failures.remove(release);
			if (ended != null) {
				LOG.log(System.Logger.Level.INFO, "Analysis of release ''{0}'' works again (it failed with: {1})",
						release, ended);
			}
		}
		catch (ReleaseStoreUnavailableException ex) {
			// no look without the fleet's data: progression is frozen until the store is
			// back (it logs the outage)
		}
		catch (RuntimeException ex) {
			String problem = String.valueOf(ex);
			if (problem.equals(this.failures.put(release, problem))) {
				LOG.log(System.Logger.Level.DEBUG, "Analysis of release '" + release + "' still fails", ex);
			}
			else {
				LOG.log(System.Logger.Level.WARNING,
						"Analysis of release '" + release
								+ "' failed; its progression waits until a look succeeds (logged again when it does)",
						ex);
			}
		}
	}

	/**
	 * One look at a release: drain its recorders, judge, and take the automatic action
	 * the verdict calls for. Runs on the analysis thread (tests and simulations call it
	 * directly, with their own clock).
	 * @return the verdict, or {@code null} when nothing was judged
	 */
	public Verdict tick(String release) {
		ManagedRelease managed = this.controller.release(release);
		Analyst analyst = this.analysts.get(release);
		synchronized (analyst) {
			Recorders.Interval interval = this.recorders.drain(release);
			ReleaseStatus status = managed.status();
			Instant now = this.clock.instant();
			this.history.add(status, interval, now, managed.config().analysis().interval());
			Map<String, ServiceFigures> services = this.services.get(release).add(status, interval);
			Probing probing = this.probing.get(release);
			ReleaseProbes probes = probing.probes;
			Instant since = this.lookedAt.put(release, now);
			boolean leads = !status.state().isSplitting() || this.controller.leads(release, leadFor(managed));
			if (!status.state().isSplitting() || !leads) {
				probing.reset(managed);
			}
			if (probes.waitsForPreRollout(status)) {
				// no traffic shifted yet: nothing to judge
				if (leads) {
					preRollout(managed, status, probing, now);
				}
				return null;
			}
			// probes only ask about a release that splits traffic
			List<Probe.Answer> checks = (leads && status.state().isSplitting()) ? probing.checks(status, now) : null;
			List<Probe.Answer> confirmation = leads ? probing.confirmation(managed, status, now) : null;
			Analyst.Look look = analyst.look(status, interval, since, now, leads,
					(verdict) -> ProbeVerdicts.combine(verdict, probes.checks(), checks));
			if (look.verdict() == null) {
				return null;
			}
			Verdict verdict = services.isEmpty() ? look.verdict() : look.verdict().withServices(services);
			managed.lastVerdict(verdict);
			if (leads) {
				// counted once by the fleet: by the gateway that judged it
				this.listener.onVerdict(release, verdict);
			}
			Action action = look.action();
			Reason reason = look.reason();
			Verdict evidence = verdict;
			if (action == Action.ADVANCE && probing.confirms(managed, status)) {
				if (confirmation == null || !ProbeVerdicts.allPassed(confirmation)) {
					managed.waiting("waiting for " + ((confirmation == null)
							? "an answer of " + String.join(", ",
									probes.confirmPromotion().stream().map(Probe::describe).toList())
							: ProbeVerdicts.failing(confirmation)));
					action = null;
				}
				else {
					managed.waiting(null);
					reason = Reason.WEBHOOK;
					evidence = ProbeVerdicts.gate(confirmation, now);
				}
			}
			if (action != null) {
				this.controller.applyIfUnchanged(status, action, reason, evidence);
			}
			return verdict;
		}
	}

	/**
	 * How long this gateway leads a release: a few analysis intervals, so a leader that
	 * stops is replaced within them.
	 */
	private static Duration leadFor(ManagedRelease managed) {
		return managed.config().analysis().interval().multipliedBy(3).plusSeconds(1);
	}

	/**
	 * A look at a release waiting for its pre-rollout hooks: reads the round of calls
	 * started at an earlier look, if it has answered, and starts the next. All answers
	 * 2xx → the first step (reason {@code webhook}); {@code failure-threshold} rounds in
	 * a row with a failure → rolled back (reason {@code webhook}).
	 */
	private void preRollout(ManagedRelease managed, ReleaseStatus status, Probing probing, Instant now) {
		ProbeRound round = probing.preRollout;
		if (round != null && round.rollout != status.rollout()) {
			round = null;
			probing.preRolloutFailures = 0;
		}
		if (round != null && round.done()) {
			List<Probe.Answer> answers = round.answers();
			Verdict evidence = ProbeVerdicts.gate(answers, now);
			probing.preRollout = null;
			if (ProbeVerdicts.allPassed(answers)) {
				probing.preRolloutFailures = 0;
				managed.waiting(null);
				this.controller.applyIfUnchanged(status, Action.ADVANCE, Reason.WEBHOOK, evidence);
				return;
			}
			int threshold = managed.config().analysis().failureThreshold();
			int failures = ++probing.preRolloutFailures;
			if (failures >= threshold) {
				probing.preRolloutFailures = 0;
				managed.waiting(null);
				this.controller.applyIfUnchanged(status, Action.ROLL_BACK, Reason.WEBHOOK, evidence);
				return;
			}
			managed.waiting("waiting for " + ProbeVerdicts.failing(answers) + " (" + failures + " of " + threshold
					+ " failures in a row before a rollback)");
		}
		if (probing.preRollout == null || probing.preRollout.rollout != status.rollout()) {
			probing.preRollout = ProbeRound.start(probing.probes.preRollout(), status, now);
		}
	}

	/**
	 * A release's probes and the rounds of calls in flight or answered. Used only on the
	 * analysis thread, under the release's analyst's lock.
	 */
	private static final class Probing {

		final ReleaseProbes probes;

		ProbeRound preRollout;

		int preRolloutFailures;

		private ProbeRound checks;

		private ProbeRound confirm;

		private List<Probe.Answer> confirmed;

		private long confirmedRollout = -1;

		Probing(ReleaseProbes probes) {
			this.probes = probes;
		}

		/**
		 * The checks' answers since the last look ({@code null} when they have not all
		 * answered), starting the next round when the last one has answered.
		 */
		List<Probe.Answer> checks(ReleaseStatus status, Instant now) {
			if (this.probes.checks().isEmpty()) {
				return List.of();
			}
			List<Probe.Answer> answers = null;
			if (this.checks != null && this.checks.done()) {
				answers = (this.checks.rollout == status.rollout()) ? this.checks.answers() : null;
				this.checks = null;
			}
			if (this.checks == null) {
				this.checks = ProbeRound.start(this.probes.checks(), status, now);
			}
			return answers;
		}

		/** Whether the release waits at its last step for its confirm-promotion hooks. */
		boolean confirms(ManagedRelease managed, ReleaseStatus status) {
			return !this.probes.confirmPromotion().isEmpty() && status.state() == ReleaseState.PROGRESSING
					&& managed.schedule().nextAbove(status.weight()) < 0;
		}

		/**
		 * At the last step: the confirm-promotion hooks' latest answers for this rollout
		 * ({@code null} before the first), starting the next round when the last one has
		 * answered.
		 */
		List<Probe.Answer> confirmation(ManagedRelease managed, ReleaseStatus status, Instant now) {
			if (!confirms(managed, status)) {
				this.confirm = null;
				this.confirmed = null;
				managed.waiting(null);
				return null;
			}
			if (this.confirm != null && this.confirm.done()) {
				this.confirmed = this.confirm.answers();
				this.confirmedRollout = this.confirm.rollout;
				this.confirm = null;
			}
			if (this.confirm == null) {
				this.confirm = ProbeRound.start(this.probes.confirmPromotion(), status, now);
			}
			return (this.confirmedRollout == status.rollout()) ? this.confirmed : null;
		}

		/**
		 * Forgets every round: the release stopped splitting, or another gateway leads.
		 */
		void reset(ManagedRelease managed) {
			this.preRollout = null;
			this.preRolloutFailures = 0;
			this.checks = null;
			this.confirm = null;
			this.confirmed = null;
			managed.waiting(null);
		}

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

}
