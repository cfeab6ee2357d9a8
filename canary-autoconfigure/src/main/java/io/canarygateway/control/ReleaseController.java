package io.canarygateway.control;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.canarygateway.core.Action;
import io.canarygateway.core.Lifecycle;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.StepSchedule;
import io.canarygateway.core.Transition;
import io.canarygateway.core.UnreadableRecord;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Versions;
import io.canarygateway.store.ReleaseRecordUnreadableException;
import io.canarygateway.store.ReleaseStore;
import io.canarygateway.store.ReleaseStoreOutcomeUnknownException;
import io.canarygateway.store.ReleaseStoreUnavailableException;

/**
 * Runs the configured releases: adopts or creates their records at start, applies every
 * action (an operator's or an automatic one) as a compare-and-set against the
 * {@link ReleaseStore}, keeps each {@link ManagedRelease}'s local view and kill switch in
 * line with the store, and tells the {@link TransitionListener}s.
 * <p>
 * Thread-safe. Methods that change state may block on the store: call them off request
 * threads.
 */
public class ReleaseController implements AutoCloseable {

	private static final System.Logger LOG = System.getLogger(ReleaseController.class.getName());

	/**
	 * Attempts at one compare-and-set before giving up (each failure means another writer
	 * just won).
	 */
	private static final int MAX_ATTEMPTS = 16;

	/** How long an auto-start the store could not take waits before it is tried again. */
	static final Duration AUTO_START_RETRY = Duration.ofSeconds(2);

	private final Map<String, ManagedRelease> releases;

	private final ReleaseStore store;

	private final Clock clock;

	private final List<TransitionListener> listeners;

	private final Executor executor;

	private AutoCloseable subscription;

	private volatile boolean closed;

	/**
	 * @param configs the validated release configurations
	 * @param store where records live
	 * @param killSwitches makes the kill switch of a release; the controller listens to
	 * each
	 * @param clock the time of transitions
	 * @param executor runs the rollbacks kill switches call for, off the request thread
	 * that opened them, and the retries of auto-starts the store could not take (calls
	 * may block on the store)
	 * @param listeners told of every transition this controller makes
	 */
	public ReleaseController(Collection<ReleaseConfig> configs, ReleaseStore store, KillSwitch.Factory killSwitches,
			Clock clock, Executor executor, List<TransitionListener> listeners) {
		this(configs, ReleaseConfig::schedule, store, killSwitches, clock, executor, listeners);
	}

	/**
	 * @param configs the validated release configurations
	 * @param schedules the step schedule of a release (e.g. its configured one with a
	 * pre-rollout phase, see {@link StepSchedule#withPreRollout()})
	 * @param store where records live
	 * @param killSwitches makes the kill switch of a release; the controller listens to
	 * each
	 * @param clock the time of transitions
	 * @param executor as for the other constructor
	 * @param listeners told of every transition this controller makes
	 */
	public ReleaseController(Collection<ReleaseConfig> configs, Function<ReleaseConfig, StepSchedule> schedules,
			ReleaseStore store, KillSwitch.Factory killSwitches, Clock clock, Executor executor,
			List<TransitionListener> listeners) {
		this.store = store;
		this.clock = clock;
		this.executor = executor;
		this.listeners = List.copyOf(listeners);
		Map<String, ManagedRelease> map = new LinkedHashMap<>();
		Instant now = clock.instant();
		for (ReleaseConfig config : configs) {
			String name = config.name();
			KillSwitch killSwitch = killSwitches.create(config, () -> switchOpened(name));
			map.put(name, new ManagedRelease(config, schedules.apply(config), killSwitch,
					ReleaseStatus.idle(name, seedVersions(config), now).withRevision(0)));
		}
		this.releases = Collections.unmodifiableMap(map);
	}

	/**
	 * Adopts each release's stored record (a restarted gateway resumes where the release
	 * stands: the record, not the configuration, says which versions serve), or stores
	 * the one its configuration seeds when the store holds none. With {@code auto-start},
	 * a configured canary version is then started: on a fresh record, on one never
	 * started, or when the configuration names a new canary version (see
	 * {@link #startsFromConfig}); a start the store cannot take is retried until it lands
	 * (see {@link #autoStart}). Then follows the store's changes.
	 * <p>
	 * A release whose stored record cannot be read starts with all its traffic on stable
	 * (its initial {@code IDLE} state, nothing written) and is set up as above once the
	 * record can be read: when the store delivers one, or at the latest at the next
	 * {@link #initializeIfWaiting} (the analysis loop's). The other releases start as
	 * usual.
	 */
	public void start() {
		this.subscription = this.store.subscribe(this::onStored);
		for (ManagedRelease release : this.releases.values()) {
			try {
				initialize(release);
			}
			catch (ReleaseRecordUnreadableException ex) {
				release.waitingForRecord = true;
				LOG.log(System.Logger.Level.WARNING,
						"Release ''{0}'' starts with all its traffic on stable: {1}; it "
								+ "is set up as configured once its record can be read",
						release.name(), ex.getMessage());
			}
		}
	}

	/**
	 * Sets up a release whose record could not be read at start (see {@link #start()}),
	 * if it still waits and the record can be read now. Blocks on the store: call it off
	 * request threads.
	 */
	public void initializeIfWaiting(String name) {
		ManagedRelease release = this.releases.get(name);
		if (release == null || !release.waitingForRecord) {
			return;
		}
		synchronized (release.waitingForRecordLock) {
			if (!release.waitingForRecord) {
				return;
			}
			try {
				initialize(release);
			}
			catch (ReleaseRecordUnreadableException | ReleaseStoreUnavailableException ex) {
				// still waiting; the store reports the problem
				return;
			}
			release.waitingForRecord = false;
		}
		LOG.log(System.Logger.Level.INFO, "Release ''{0}'' is set up now that its record can be read: {1} at {2} %",
				name, release.status().state(), release.status().weight());
	}

	private void initialize(ManagedRelease release) {
		ReleaseConfig config = release.config();
		Instant now = this.clock.instant();
		for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
			Optional<ReleaseStatus> stored = this.store.find(config.name());
			if (stored.isPresent()) {
				ReleaseStatus record = stored.get();
				release.accept(record);
				startFromConfig(release, record);
				return;
			}
			ReleaseStatus fresh = ReleaseStatus.idle(config.name(), seedVersions(config), now).withRevision(1);
			if (this.store.compareAndSet(fresh, 0).swapped()) {
				release.accept(fresh);
				if (config.autoStart() && config.canaryVersion() != null) {
					autoStart(release, fresh, null, 1);
				}
				return;
			}
		}
		throw new IllegalStateException("could not initialize release '" + config.name()
				+ "': its stored record kept changing under " + MAX_ATTEMPTS + " attempts");
	}

	private static Versions seedVersions(ReleaseConfig config) {
		return Versions.of(config.stableVersion(), config.canaryVersion());
	}

	/**
	 * Starts the configured canary version on a stored record when
	 * {@link #startsFromConfig} says so, or says why it does not when the configuration
	 * names a version the record does not roll out.
	 */
	private void startFromConfig(ManagedRelease release, ReleaseStatus record) {
		ReleaseConfig config = release.config();
		String configured = config.canaryVersion();
		switch (startsFromConfig(config, record)) {
			case RESUME -> autoStart(release, record, null, 1);
			case NEW_VERSION -> autoStart(release, record, configured, 1);
			case NOT_STARTED -> LOG.log(System.Logger.Level.INFO,
					"Release ''{0}'' is configured with canary version {1}, which its record does not roll out "
							+ "(stable {2}, canary {3}, {4}); with auto-start off it is not started: start it with "
							+ "POST .../canary/{0}/start '{'\"version\": \"{1}\"'}'",
					release.name(), configured, record.stableVersion(), record.canaryVersion(), record.state());
			default -> {
			}
		}
	}

	/**
	 * Whether the configured canary version starts a rollout on a stored record: a record
	 * stored but never started resumes its start; a configured version that differs from
	 * the one the configuration last asked for (the configuration changed), and from the
	 * record's stable and canary versions, and that the release did not roll back, starts
	 * a new rollout. Otherwise the record wins: a restart never replays an old configured
	 * version over a rollout started at runtime.
	 */
	static ConfigStart startsFromConfig(ReleaseConfig config, ReleaseStatus record) {
		String configured = config.canaryVersion();
		if (configured == null) {
			return ConfigStart.NONE;
		}
		Versions versions = record.versions();
		if (configured.equals(versions.canary())) {
			return (config.autoStart() && record.state() == ReleaseState.IDLE) ? ConfigStart.RESUME : ConfigStart.NONE;
		}
		if (configured.equals(versions.configured()) || configured.equals(versions.stable())
				|| versions.rolledBack().contains(configured)) {
			return ConfigStart.NONE;
		}
		return config.autoStart() ? ConfigStart.NEW_VERSION : ConfigStart.NOT_STARTED;
	}

	/** What the configuration does to a stored record. */
	enum ConfigStart {

		/** Nothing: the record wins. */
		NONE,
		/** Start the record's canary version, stored but never started. */
		RESUME,
		/** Start a rollout of the configured canary version. */
		NEW_VERSION,
		/** The configuration names a new version, but auto-start is off. */
		NOT_STARTED

	}

	/**
	 * Starts a release that auto-starts, from the record this gateway stored or adopted:
	 * its canary version when {@code version} is {@code null}, otherwise a rollout of the
	 * configured {@code version} (reason {@code schedule}). The start must not be lost:
	 * when the store cannot take it, it is logged and tried again every
	 * {@link #AUTO_START_RETRY} (on the executor) until it lands, or until the record has
	 * changed meanwhile — started by another gateway (or by a late write of an earlier
	 * attempt), or steered by an operator — which makes it moot.
	 */
	private void autoStart(ManagedRelease release, ReleaseStatus from, String version, int attempt) {
		if (this.closed) {
			return;
		}
		ActionResult result = change(release.name(), "start", Transition.GATEWAY, from.revision(),
				(current) -> Lifecycle.start(
						(version != null) ? current.withVersions(current.versions().configuredAs(version)) : current,
						release.schedule(), version, Reason.SCHEDULE, Transition.GATEWAY, this.clock.instant()));
		switch (result.kind()) {
			case APPLIED -> {
				if (attempt > 1) {
					LOG.log(System.Logger.Level.INFO, "Auto-started release ''{0}'' at attempt {1}", release.name(),
							attempt);
				}
			}
			case CONFLICT, INVALID -> {
				if (attempt > 1 || result.kind() == ActionResult.Kind.INVALID) {
					ReleaseStatus now = result.status();
					LOG.log(System.Logger.Level.INFO,
							"Release ''{0}'' was not auto-started (now {1}, canary version {2}, revision {3}): {4}",
							release.name(), now.state(), now.canaryVersion(), now.revision(), result.message());
				}
			}
			default -> {
				if (attempt == 1) {
					LOG.log(System.Logger.Level.WARNING,
							"Could not auto-start release ''{0}'' ({1}); it stays {2}, and the start is tried again "
									+ "every {3} s until it lands or the release is started elsewhere",
							release.name(), result.message(), from.state(), AUTO_START_RETRY.toSeconds());
				}
				retryAutoStart(release, from, version, attempt + 1);
			}
		}
	}

	private void retryAutoStart(ManagedRelease release, ReleaseStatus from, String version, int attempt) {
		// after the delay, handed to the executor (off the thread that started the
		// gateway); a closed controller retries no more
		CompletableFuture.delayedExecutor(AUTO_START_RETRY.toMillis(), TimeUnit.MILLISECONDS, this.executor)
			.execute(() -> autoStart(release, from, version, attempt));
	}

	/** The managed releases by name, in configuration order. */
	public Map<String, ManagedRelease> releases() {
		return this.releases;
	}

	/** The release of that name, or {@code null}. */
	public ManagedRelease release(String name) {
		return this.releases.get(name);
	}

	/**
	 * Why the stored record of a release cannot be read, if the store found it so: the
	 * release then keeps the state this gateway last knew, and actions on it are refused.
	 */
	public Optional<UnreadableRecord> unreadableRecord(String name) {
		return this.store.unreadable(name);
	}

	/**
	 * An operator's action (reason {@code manual}).
	 * @param by who acts: the authenticated principal's name, or
	 * {@link Transition#ANONYMOUS}
	 */
	public ActionResult operate(String name, Action action, int weight, String by) {
		if (!action.isOperatorAction()) {
			return new ActionResult(ActionResult.Kind.INVALID, null,
					"'" + action.path() + "' is not an operator action");
		}
		if (action == Action.WEIGHT && (weight < 0 || weight > 100)) {
			ManagedRelease release = this.releases.get(name);
			return (release == null) ? notFound(name) : new ActionResult(ActionResult.Kind.INVALID, release.status(),
					"weight must be a whole number from 0 to 100, was " + weight);
		}
		return apply(name, action, weight, Reason.MANUAL, by, null, -1);
	}

	/**
	 * Starts a rollout of a version (docs/operations.md, "Shipping the next version"): an
	 * operator's ({@code manual}) or the discovery trigger's ({@code discovery}) start.
	 * {@code version == null} is a plain start of the record's canary version.
	 * @param expectedRevision the revision the start was decided on ({@code -1}: any)
	 */
	public ActionResult start(String name, String version, Reason reason, String by, long expectedRevision) {
		ManagedRelease release = this.releases.get(name);
		if (release == null) {
			return notFound(name);
		}
		return change(name, "start", by, expectedRevision,
				(current) -> Lifecycle.start(current, release.schedule(), version, reason, by, this.clock.instant()));
	}

	/**
	 * Applies an automatic action decided on {@code judged}, only if the stored record is
	 * still that one: a decision made on a record that has since changed (by an operator,
	 * another gateway's breaker, or a gateway that led the release before this one) is
	 * dropped rather than re-applied.
	 */
	public ActionResult applyIfUnchanged(ReleaseStatus judged, Action action, Reason reason, Verdict evidence) {
		return apply(judged.release(), action, 0, reason, Transition.GATEWAY, evidence, judged.revision());
	}

	/**
	 * Whether this gateway leads the release for the next {@code ttl}: makes the calls
	 * the fleet makes once per look (see {@link ReleaseStore#lead}). Blocks on the store.
	 */
	public boolean leads(String name, Duration ttl) {
		return this.store.lead(name, ttl);
	}

	/**
	 * Applies an automatic action ({@link Transition#GATEWAY} acts): computes the next
	 * record from the stored one and compare-and-sets it, retrying when another writer
	 * won, then updates the local view, logs the transition and tells the listeners.
	 */
	public ActionResult apply(String name, Action action, int weight, Reason reason, Verdict evidence) {
		return apply(name, action, weight, reason, Transition.GATEWAY, evidence, -1);
	}

	private ActionResult apply(String name, Action action, int weight, Reason reason, String by, Verdict evidence,
			long expectedRevision) {
		ManagedRelease release = this.releases.get(name);
		if (release == null) {
			return notFound(name);
		}
		return change(name, action.path(), by, expectedRevision, (current) -> Lifecycle.apply(current,
				release.schedule(), action, weight, reason, by, evidence, this.clock.instant()));
	}

	/**
	 * Changes a release: computes the next record from the stored one and
	 * compare-and-sets it, retrying when another writer won, then updates the local view,
	 * logs the transition and tells the listeners.
	 * @param what the action's name, for messages
	 * @param expectedRevision the revision the change was decided on, or {@code -1}
	 * @param next the change
	 */
	private ActionResult change(String name, String what, String by, long expectedRevision,
			Function<ReleaseStatus, Lifecycle.Outcome> next) {
		ManagedRelease release = this.releases.get(name);
		try {
			for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
				ReleaseStatus current = this.store.find(name).orElse(release.status());
				if (expectedRevision >= 0 && current.revision() != expectedRevision) {
					release.accept(current);
					return new ActionResult(ActionResult.Kind.CONFLICT, current,
							"release '" + name + "' changed since it was judged (revision " + expectedRevision
									+ ", now " + current.revision() + ")");
				}
				Lifecycle.Outcome outcome = next.apply(current);
				if (outcome.refused()) {
					release.accept(current);
					return new ActionResult(outcome.invalid() ? ActionResult.Kind.INVALID : ActionResult.Kind.CONFLICT,
							current, outcome.refusal());
				}
				if (!outcome.changed()) {
					release.accept(current);
					return new ActionResult(ActionResult.Kind.APPLIED, current, null);
				}
				ReleaseStore.Swap swap = this.store.compareAndSet(outcome.status(), current.revision());
				if (swap.swapped()) {
					release.accept(outcome.status());
					notifyListeners(outcome.status());
					return new ActionResult(ActionResult.Kind.APPLIED, outcome.status(), null);
				}
			}
			return new ActionResult(ActionResult.Kind.CONFLICT, release.status(),
					"release '" + name + "' kept changing under " + MAX_ATTEMPTS + " attempts; try again");
		}
		catch (ReleaseStoreOutcomeUnknownException ex) {
			// a late write is announced like any other: every replica follows it
			return new ActionResult(ActionResult.Kind.OUTCOME_UNKNOWN, release.status(),
					"the release store did not confirm the change in time: it may have been applied, or may still be; "
							+ "read the release to see its state before trying again (" + ex.getMessage() + ")");
		}
		catch (ReleaseStoreUnavailableException ex) {
			// the store reports its outages itself, once each: no log line per refused
			// action
			return new ActionResult(ActionResult.Kind.UNAVAILABLE, release.status(),
					"the release store is unavailable: " + ex.getMessage());
		}
		catch (ReleaseRecordUnreadableException ex) {
			// reported by the store too, once per record
			return new ActionResult(ActionResult.Kind.UNREADABLE, release.status(),
					"cannot " + what + ": " + ex.getMessage());
		}
		catch (RuntimeException ex) {
			LOG.log(System.Logger.Level.WARNING, "Could not " + what + " release '" + name + "' (by " + by + ")", ex);
			return new ActionResult(ActionResult.Kind.UNAVAILABLE, release.status(),
					"the release store is unavailable: " + ex.getMessage());
		}
	}

	/**
	 * Takes a record stored by anyone; older revisions are ignored. A store calls this
	 * whenever it reads a record, so a record arriving after an outage also writes the
	 * rollback a kill switch called for while the store could not take it.
	 */
	public void onStored(ReleaseStatus status) {
		ManagedRelease release = this.releases.get(status.release());
		if (release != null && release.waitingForRecord) {
			queueInitialization(release);
		}
		else if (release != null) {
			release.accept(status);
			if (release.killSwitch().openedByItself() != null && release.status().state().isSplitting()) {
				queueSwitchRollback(release);
			}
		}
	}

	/**
	 * A release's kill switch opened on failures (on a request thread): roll the release
	 * back off that thread.
	 */
	private void switchOpened(String name) {
		ManagedRelease release = this.releases.get(name);
		if (release != null) {
			queueSwitchRollback(release);
		}
	}

	private void queueInitialization(ManagedRelease release) {
		try {
			this.executor.execute(() -> initializeIfWaiting(release.name()));
		}
		catch (RejectedExecutionException ex) {
			// shutting down
		}
	}

	private void queueSwitchRollback(ManagedRelease release) {
		if (release.switchRollbackQueued.compareAndSet(false, true)) {
			try {
				this.executor.execute(() -> {
					release.switchRollbackQueued.set(false);
					rollBackOpenedSwitch(release);
				});
			}
			catch (RejectedExecutionException ex) {
				// shutting down: the switch still stops canary traffic until the gateway
				// stops
				release.switchRollbackQueued.set(false);
			}
		}
	}

	/**
	 * Rolls a release back (reason {@code breaker}, the switch's figures as evidence)
	 * while its kill switch is open by itself and the release still splits traffic. When
	 * the store is unavailable nothing is written: the switch already stops canary
	 * traffic through this gateway, and the next record the store delivers retries.
	 */
	private void rollBackOpenedSwitch(ManagedRelease release) {
		Verdict evidence = release.killSwitch().openedByItself();
		if (evidence == null || !release.status().state().isSplitting()) {
			return;
		}
		release.lastVerdict(evidence);
		ActionResult result = apply(release.name(), Action.ROLL_BACK, 0, Reason.BREAKER, evidence);
		boolean unconfirmed = result.kind() == ActionResult.Kind.UNAVAILABLE
				|| result.kind() == ActionResult.Kind.OUTCOME_UNKNOWN;
		if (unconfirmed && release.pendingSwitchRollbackLogged.compareAndSet(false, true)) {
			LOG.log(System.Logger.Level.WARNING, "The breaker of release ''{0}'' opened, but the store is unavailable: "
					+ "canary traffic through this gateway is stopped, and the rollback is written when the store "
					+ "is back", release.name());
		}
		else if (result.kind() == ActionResult.Kind.UNREADABLE
				&& release.pendingSwitchRollbackLogged.compareAndSet(false, true)) {
			LOG.log(System.Logger.Level.WARNING, "The breaker of release ''{0}'' opened, but its record cannot be "
					+ "read: canary traffic through this gateway is stopped, and the rollback is written when the "
					+ "record can be read", release.name());
		}
		else if (result.kind() == ActionResult.Kind.APPLIED && release.pendingSwitchRollbackLogged.getAndSet(false)) {
			LOG.log(System.Logger.Level.INFO, "Wrote the rollback of release ''{0}'' that its breaker called for while "
					+ "the store was unavailable or the record unreadable", release.name());
		}
	}

	private void notifyListeners(ReleaseStatus status) {
		Transition transition = status.lastTransition();
		LOG.log(System.Logger.Level.INFO, "Release ''{0}'' {1} -> {2} (reason {3}, weight {4}, by {5})",
				status.release(), transition.from(), transition.to(), transition.reason().tag(), transition.weight(),
				transition.by());
		for (TransitionListener listener : this.listeners) {
			try {
				listener.onTransition(status, transition);
			}
			catch (RuntimeException ex) {
				LOG.log(System.Logger.Level.WARNING,
						"Transition listener " + listener + " failed for release '" + status.release() + "'", ex);
			}
		}
	}

	private static ActionResult notFound(String name) {
		return new ActionResult(ActionResult.Kind.NOT_FOUND, null, "no release named '" + name + "'");
	}

	@Override
	public void close() throws Exception {
		this.closed = true;
		if (this.subscription != null) {
			this.subscription.close();
		}
	}

}
