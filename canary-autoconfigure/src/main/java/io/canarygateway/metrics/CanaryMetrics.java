package io.canarygateway.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import io.canarygateway.control.ManagedRelease;
import io.canarygateway.control.TransitionListener;
import io.canarygateway.core.Assignment;
import io.canarygateway.core.Lane;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.ServiceVersions;
import io.canarygateway.core.Versions;

/**
 * The meters of docs/operations.md ("Prometheus metrics"). Per-request meters are created
 * once per release up front, so recording a request is an array index and a
 * {@code Timer.record}: no tag lookup, no allocation.
 */
public class CanaryMetrics implements TransitionListener {

	public static final String REQUESTS = "canary.requests";

	public static final String WEIGHT = "canary.weight";

	public static final String STATE = "canary.state";

	public static final String TRANSITIONS = "canary.transitions";

	public static final String ANALYSIS = "canary.analysis";

	public static final String FALLBACKS = "canary.fallbacks";

	/** Requests a targeting rule forced, by release and rule. */
	public static final String TARGETING = "canary.targeting";

	/**
	 * Fallback reason: a canary-lane request found no canary instance and went to stable.
	 */
	public static final String NO_CANARY_INSTANCE = "no-canary-instance";

	/** Fallback reason: a failed canary request was retried on stable. */
	public static final String RETRY = "retry";

	/**
	 * The {@code version} tag of a canary lane while the release has no canary version.
	 */
	public static final String NO_VERSION = "none";

	private final MeterRegistry registry;

	public CanaryMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	/** Registers the gauges of a release and returns its per-request instruments. */
	public ReleaseMeters register(ManagedRelease release) {
		String name = release.name();
		Gauge.builder(WEIGHT, release, (r) -> r.status().weight())
			.tag("release", name)
			.description("Canary weight of the release in percent")
			.baseUnit("percent")
			.register(this.registry);
		for (ReleaseState state : ReleaseState.values()) {
			Gauge.builder(STATE, release, (r) -> (r.status().state() == state) ? 1 : 0)
				.tags("release", name, "state", state.name())
				.description("1 for the release's current state, 0 for the others")
				.register(this.registry);
		}
		return new ReleaseMeters(this.registry, name, fallbacks(name, NO_CANARY_INSTANCE), fallbacks(name, RETRY),
				targeted(name, "always-for"), targeted(name, "only-for"));
	}

	/**
	 * The request timers of one route of a release for one set of its versions, tagged
	 * with the version of the route's service each lane serves.
	 */
	private static Timers timers(MeterRegistry registry, String release, String route, String service,
			Versions versions) {
		Timer[][][] timers = new Timer[Lane.values().length][2][2];
		for (Lane lane : Lane.values()) {
			String version = versions.of(lane);
			if (version != null && ServiceVersions.isSet(version)) {
				version = ServiceVersions.versionOf(version, service);
			}
			version = (version != null) ? version : NO_VERSION;
			for (int failure = 0; failure < 2; failure++) {
				for (int drawn = 0; drawn < 2; drawn++) {
					timers[lane.ordinal()][failure][drawn] = Timer.builder(REQUESTS)
						.tags("release", release, "route", route, "service", service, "lane", lane.value(), "version",
								version, "outcome", (failure == 1) ? "failure" : "success", "assignment",
								(drawn == 1) ? "drawn" : "forced")
						.description("Requests of a release by route, service, the lane and version that served "
								+ "them, and whether their lane was drawn (judged) or forced (not judged)")
						.register(registry);
				}
			}
		}
		return new Timers(versions, timers);
	}

	private record Timers(Versions versions, Timer[][][] timers) {
	}

	private Counter targeted(String release, String rule) {
		return Counter.builder(TARGETING)
			.tags("release", release, "rule", rule)
			.description("Requests whose lane a targeting rule forced: to the canary (always-for), or to stable "
					+ "because they matched no only-for rule")
			.register(this.registry);
	}

	private Counter fallbacks(String release, String reason) {
		return Counter.builder(FALLBACKS)
			.tags("release", release, "reason", reason)
			.description("Canary-lane requests that were served by stable instead")
			.register(this.registry);
	}

	/** Counts a verdict of the judge. */
	public void verdict(String release, Verdict verdict) {
		Counter.builder(ANALYSIS)
			.tags("release", release, "verdict", verdict.result().tag())
			.description("Verdicts of the canary judge")
			.register(this.registry)
			.increment();
	}

	@Override
	public void onTransition(ReleaseStatus release, Transition transition) {
		Counter.builder(TRANSITIONS)
			.tags("release", release.release(), "state", transition.to().name(), "reason", transition.reason().tag())
			.description("State changes of a release made by this gateway")
			.register(this.registry)
			.increment();
	}

	/**
	 * The per-request instruments of one release: its counters, and the request timers of
	 * each of its routes ({@link #route}).
	 */
	public static final class ReleaseMeters {

		private final MeterRegistry registry;

		private final String release;

		private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();

		private final Counter noCanaryInstance;

		private final Counter retries;

		private final Counter alwaysFor;

		private final Counter excluded;

		ReleaseMeters(MeterRegistry registry, String release, Counter noCanaryInstance, Counter retries,
				Counter alwaysFor, Counter excluded) {
			this.registry = registry;
			this.release = release;
			this.noCanaryInstance = noCanaryInstance;
			this.retries = retries;
			this.alwaysFor = alwaysFor;
			this.excluded = excluded;
		}

		/**
		 * The request timers of one route of the release, made on first use.
		 * @param route the route's id
		 * @param service the route's service id, lower case; empty on a route that is not
		 * load-balanced
		 */
		public RouteMeters route(String route, String service) {
			RouteMeters meters = this.routes.get(route);
			if (meters == null || !meters.service.equals(service)) {
				meters = new RouteMeters(this.registry, this.release, route, service);
				this.routes.put(route, meters);
			}
			return meters;
		}

		/**
		 * Counts a request a targeting rule forced ({@link Assignment#CANARY_TARGETED} or
		 * {@link Assignment#STABLE_EXCLUDED}).
		 */
		public void targeted(Assignment assignment) {
			((assignment == Assignment.CANARY_TARGETED) ? this.alwaysFor : this.excluded).increment();
		}

		/** Counts a canary-lane request that had no canary instance to go to. */
		public void noCanaryInstance() {
			this.noCanaryInstance.increment();
		}

		/** Counts a failed canary request retried on stable. */
		public void retried() {
			this.retries.increment();
		}

	}

	/**
	 * The request timers of one route of a release. They are tagged with the version that
	 * served: they follow the release's versions as they move forward, registered once
	 * per set of versions.
	 */
	public static final class RouteMeters {

		private final MeterRegistry registry;

		private final String release;

		private final String route;

		private final String service;

		private volatile Timers timers;

		RouteMeters(MeterRegistry registry, String release, String route, String service) {
			this.registry = registry;
			this.release = release;
			this.route = route;
			this.service = service;
		}

		/**
		 * Records one request served by {@code lane} of {@code versions} (those it was
		 * decided on), its lane drawn or forced.
		 */
		public void record(Versions versions, Lane lane, boolean failure, boolean drawn, long nanos) {
			Timers current = this.timers;
			if (current == null || current.versions() != versions) {
				current = timers(this.registry, this.release, this.route, this.service, versions);
				this.timers = current;
			}
			current.timers()[lane.ordinal()][failure ? 1 : 0][drawn ? 1 : 0].record(nanos, TimeUnit.NANOSECONDS);
		}

	}

}
