package io.canarygateway.control;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Trigger;
import io.canarygateway.core.Versions;

/**
 * Starts a rollout when instances of a new version appear among a release's services
 * ({@code trigger: discovery}; docs/operations.md, "Starting rollouts when a new version
 * is deployed"). A version is new when the release never rolled it out: it is not the
 * stable, canary or previous version, not one the release rolled back, and not named by a
 * transition in its history. Once instances of exactly one new version have been seen
 * without a break for {@code trigger-settle}, its rollout starts (reason
 * {@code discovery}) as an operator's {@code start} with that version would, decided on
 * the record this gateway knows: when several gateways see it, the first one's start
 * lands and the others' find the record changed. Several new versions at once are
 * ambiguous: none is started, and a warning says so.
 * <p>
 * Runs on the analysis thread; {@link #poll()} is what each run does.
 */
public class DiscoveryTrigger implements AutoCloseable {

	private static final System.Logger LOG = System.getLogger(DiscoveryTrigger.class.getName());

	/** How often at most the instances are looked at. */
	static final Duration MIN_POLL = Duration.ofSeconds(1);

	/** How often at least the instances are looked at. */
	static final Duration MAX_POLL = Duration.ofSeconds(10);

	/** The versions among the instances of a release's services. */
	@FunctionalInterface
	public interface InstanceVersions {

		/**
		 * The versions named by the instances of the release's load-balanced services now
		 * (instances without a version are left out).
		 * @throws RuntimeException when the instances cannot be listed (the look is
		 * skipped)
		 */
		Set<String> versions(String release);

	}

	private final ReleaseController controller;

	private final InstanceVersions instances;

	private final Clock clock;

	/** Release → new version → when it was first seen in the current unbroken run. */
	private final Map<String, Map<String, Instant>> seen = new HashMap<>();

	/** Release → what was last logged about it, so each situation is logged once. */
	private final Map<String, String> logged = new HashMap<>();

	private ScheduledFuture<?> task;

	public DiscoveryTrigger(ReleaseController controller, InstanceVersions instances, Clock clock) {
		this.controller = controller;
		this.instances = instances;
		this.clock = clock;
	}

	/** Whether any of these releases starts rollouts on discovery. */
	public static boolean anyDiscovery(Iterable<ReleaseConfig> configs) {
		for (ReleaseConfig config : configs) {
			if (config.trigger() == Trigger.DISCOVERY) {
				return true;
			}
		}
		return false;
	}

	/**
	 * How often the instances are looked at: half the shortest {@code trigger-settle},
	 * within [1 s, 10 s].
	 */
	static Duration pollInterval(Iterable<ReleaseConfig> configs) {
		Duration interval = MAX_POLL;
		for (ReleaseConfig config : configs) {
			if (config.trigger() == Trigger.DISCOVERY && config.triggerSettle().dividedBy(2).compareTo(interval) < 0) {
				interval = config.triggerSettle().dividedBy(2);
			}
		}
		return (interval.compareTo(MIN_POLL) < 0) ? MIN_POLL : interval;
	}

	/** Schedules the looks on {@code executor} (owned by the caller). */
	public synchronized void start(ScheduledExecutorService executor) {
		List<ReleaseConfig> configs = new ArrayList<>();
		this.controller.releases().values().forEach((release) -> configs.add(release.config()));
		long period = pollInterval(configs).toMillis();
		this.task = executor.scheduleWithFixedDelay(this::safePoll, period, period, TimeUnit.MILLISECONDS);
	}

	private void safePoll() {
		try {
			poll();
		}
		catch (RuntimeException ex) {
			// a scheduled task that throws is never run again
			LOG.log(System.Logger.Level.WARNING, "The discovery trigger's look failed", ex);
		}
	}

	/** Looks at the instances of every release with {@code trigger: discovery} once. */
	public synchronized void poll() {
		Instant now = this.clock.instant();
		for (ManagedRelease release : this.controller.releases().values()) {
			if (release.config().trigger() == Trigger.DISCOVERY) {
				look(release, now);
			}
		}
	}

	private void look(ManagedRelease release, Instant now) {
		String name = release.name();
		Set<String> versions;
		try {
			versions = this.instances.versions(name);
		}
		catch (RuntimeException ex) {
			logOnce(name, System.Logger.Level.WARNING, "The discovery trigger of release '" + name
					+ "' cannot list its instances (" + ex.getMessage() + "); it tries again at the next look");
			return;
		}
		ReleaseStatus status = release.status();
		Set<String> rolledOut = rolledOut(status);
		Map<String, Instant> firstSeen = this.seen.computeIfAbsent(name, (key) -> new HashMap<>());
		// a version whose instances went away starts its settle time afresh
		firstSeen.keySet().retainAll(versions);
		Set<String> settled = new TreeSet<>();
		for (String version : versions) {
			if (rolledOut.contains(version)) {
				continue;
			}
			if (Versions.problem(version) != null) {
				logOnce(name + "/" + version, System.Logger.Level.WARNING,
						"Instances of release '" + name + "' name version '" + version
								+ "', which the discovery trigger cannot start: " + Versions.problem(version));
				continue;
			}
			Instant first = firstSeen.computeIfAbsent(version, (key) -> now);
			if (!now.isBefore(first.plus(release.config().triggerSettle()))) {
				settled.add(version);
			}
		}
		if (settled.size() > 1) {
			logOnce(name, System.Logger.Level.WARNING,
					"Instances of several new versions of release '" + name + "' are up: " + settled
							+ "; the discovery trigger starts none of them. Start one with POST " + ".../canary/" + name
							+ "/start '{\"version\": \"...\"}', or take the others down");
			return;
		}
		if (settled.isEmpty()) {
			return;
		}
		String version = settled.iterator().next();
		ActionResult result = this.controller.start(name, version, Reason.DISCOVERY, Transition.GATEWAY,
				status.revision());
		switch (result.kind()) {
			case APPLIED -> {
				this.logged.remove(name);
				LOG.log(System.Logger.Level.INFO,
						"Instances of version {0} of release ''{1}'' have been up for {2} s: started its rollout",
						version, name, release.config().triggerSettle().toSeconds());
			}
			case CONFLICT -> {
				// the record changed since this gateway saw it (another gateway may have
				// started it): decided again at the next look, on the new record
			}
			default ->
				logOnce(name, System.Logger.Level.WARNING, "The discovery trigger could not start version " + version
						+ " of release '" + name + "': " + result.message() + "; it tries again at the next look");
		}
	}

	/** Every version the release has rolled out, or serves. */
	private static Set<String> rolledOut(ReleaseStatus status) {
		Versions versions = status.versions();
		Set<String> out = new HashSet<>(versions.rolledBack());
		out.add(versions.stable());
		if (versions.canary() != null) {
			out.add(versions.canary());
		}
		if (versions.previous() != null) {
			out.add(versions.previous());
		}
		for (Transition transition : status.history()) {
			if (transition.version() != null) {
				out.add(transition.version());
			}
		}
		return out;
	}

	private void logOnce(String key, System.Logger.Level level, String message) {
		if (!message.equals(this.logged.put(key, message))) {
			LOG.log(level, message);
		}
	}

	@Override
	public synchronized void close() {
		if (this.task != null) {
			this.task.cancel(false);
		}
	}

}
