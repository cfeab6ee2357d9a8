package io.canarygateway.control;

import java.time.Clock;
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
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.ServiceFigures;
import io.canarygateway.core.Verdict;
import io.canarygateway.store.ReleaseStoreUnavailableException;

/**
 * Runs each release's looks on the analysis thread, every {@code analysis.interval}:
 * drains the release's {@link Recorders}, adds the interval to the
 * {@link TrafficHistory}, asks its {@link Analyst} and applies the action the verdict
 * calls for through {@link ReleaseController#applyIfUnchanged}, so an action judged on a
 * record that has changed since (an operator, another gateway) is dropped. A scheduler
 * and nothing more: what a verdict means is decided by the {@code Analyst} and the
 * {@link io.canarygateway.core.Progression} policy.
 */
public class AnalysisLoop implements AutoCloseable {

	private static final System.Logger LOG = System.getLogger(AnalysisLoop.class.getName());

	private final ReleaseController controller;

	private final Recorders recorders;

	private final TrafficHistory history;

	private final Map<String, Analyst> analysts = new LinkedHashMap<>();

	private final Map<String, ServiceWindows> services = new LinkedHashMap<>();

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
		this.controller = controller;
		this.recorders = recorders;
		this.history = history;
		this.clock = clock;
		this.executor = executor;
		this.listener = listener;
		controller.releases().forEach((name, release) -> {
			this.analysts.put(name, analysts.apply(release.config()));
			this.services.put(name, new ServiceWindows());
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
			Analyst.Look look = analyst.look(status, interval, now);
			if (look.verdict() == null) {
				return null;
			}
			Verdict verdict = services.isEmpty() ? look.verdict() : look.verdict().withServices(services);
			managed.lastVerdict(verdict);
			this.listener.onVerdict(release, verdict);
			if (look.action() != null) {
				this.controller.applyIfUnchanged(status, look.action(), look.reason(), verdict);
			}
			return verdict;
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
