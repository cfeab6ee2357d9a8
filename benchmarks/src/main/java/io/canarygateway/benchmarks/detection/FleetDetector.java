package io.canarygateway.benchmarks.detection;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

import io.canarygateway.analysis.Analyst;
import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.analysis.LaneRecorder;
import io.canarygateway.analysis.LaneSample;
import io.canarygateway.analysis.Ledger;
import io.canarygateway.analysis.Recorders;
import io.canarygateway.core.Action;
import io.canarygateway.core.Lane;
import io.canarygateway.core.Lifecycle;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Versions;

/**
 * Several gateways judging one release on a shared fleet window, as with
 * {@code canary.store.type: redis}: each gateway has its own recorders, its own
 * production {@link Analyst} and its own look timer (the gateways' looks are spread
 * evenly over the interval); every look publishes the gateway's share of the step's
 * window, as {@code RedisFleetWindows} does, and the gateway that leads the release
 * judges the fleet's sum on the rollout's shared {@link Ledger}, recorded by
 * compare-and-set. The lead moves to the next gateway every minute (a leader change in
 * every step: the worst case for the ledger). An action the leader calls for is applied
 * to the one shared record (the production state machine, {@link Lifecycle}). Each
 * request goes to a random gateway, its lane drawn at the record's weight. The analysis
 * only: no breaker.
 */
final class FleetDetector implements Detector {

	private final ReleaseConfig config;

	private final int gateways;

	private final double maxSeconds;

	FleetDetector(ReleaseConfig config, int gateways, double maxSeconds) {
		this.config = config;
		this.gateways = gateways;
		this.maxSeconds = maxSeconds;
	}

	@Override
	public String name() {
		return String.format(Locale.ROOT, "canary-gateway, %d gateways", this.gateways);
	}

	@Override
	public Run run(Scenario scenario, double rps, long seed) {
		String name = this.config.name();
		Map<String, Map<Integer, LaneSample[]>> windows = new HashMap<>();
		Map<Long, Ledger> ledgers = new HashMap<>();
		Recorders[] recorders = new Recorders[this.gateways];
		Analyst[] analysts = new Analyst[this.gateways];
		for (int g = 0; g < this.gateways; g++) {
			recorders[g] = new Recorders(List.of(name));
			analysts[g] = new Analyst(this.config, new Shared(g, windows, ledgers));
		}
		ReleaseStatus status = apply(ReleaseStatus.idle(name, Versions.of("v1", "v2"), Instant.EPOCH), Action.START,
				Reason.MANUAL, null, Instant.EPOCH);
		Traffic traffic = new Traffic(rps, seed);
		double interval = this.config.analysis().interval().toNanos() / 1e9;
		double[] nextTick = new double[this.gateways];
		double[] lookedAt = new double[this.gateways];
		for (int g = 0; g < this.gateways; g++) {
			nextTick[g] = interval * (g + 1) / this.gateways;
		}
		int fails = 0;
		long failedCanary = 0;
		long canaryRequests = 0;
		while (true) {
			double t = traffic.next();
			for (int g = next(nextTick); nextTick[g] <= t; g = next(nextTick)) {
				Instant now = at(nextTick[g]);
				boolean leads = ((long) (nextTick[g] / LEAD_SECONDS)) % this.gateways == g;
				Analyst.Look look = analysts[g].look(status, recorders[g].drain(name), at(lookedAt[g]), now, leads,
						UnaryOperator.identity());
				lookedAt[g] = nextTick[g];
				if (leads && look.verdict() != null && look.verdict().result() == Verdict.Result.FAIL) {
					fails++;
				}
				if (look.action() != null) {
					status = apply(status, look.action(), look.reason(), look.verdict(), now);
				}
				Run.End end = switch (status.state()) {
					case ROLLED_BACK -> Run.End.ROLLED_BACK;
					case PROMOTED -> Run.End.PROMOTED;
					case PAUSED -> Run.End.PAUSED;
					default -> null;
				};
				if (end != null) {
					return new Run(end, nextTick[g], failedCanary, canaryRequests, look.reason().tag(), fails);
				}
				nextTick[g] += interval;
			}
			if (t > this.maxSeconds) {
				return new Run(Run.End.TIME_LIMIT, this.maxSeconds, failedCanary, canaryRequests, "time limit", fails);
			}
			int gateway = traffic.random.nextInt(this.gateways);
			boolean toCanary = status.state() == ReleaseState.PROGRESSING
					&& traffic.random.nextInt(100) < status.weight();
			long outcome = traffic.serve(toCanary ? scenario.canary() : scenario.stable());
			boolean failure = outcome < 0;
			LaneRecorder recorder = recorders[gateway].recorder(name, toCanary ? Lane.CANARY : Lane.STABLE);
			recorder.record(Math.abs(outcome), failure);
			if (toCanary) {
				canaryRequests++;
				failedCanary += failure ? 1 : 0;
			}
		}
	}

	/** How long one gateway leads before the next takes over. */
	private static final double LEAD_SECONDS = 60;

	/**
	 * The shared windows and ledgers of one run, as one gateway sees them (what
	 * {@code RedisFleetWindows} keeps in Redis).
	 */
	private record Shared(int replica, Map<String, Map<Integer, LaneSample[]>> windows,
			Map<Long, Ledger> ledgers) implements FleetWindows {

		@Override
		public Totals combine(String release, long rollout, Instant stepStartedAt, LaneSample stable,
				LaneSample canary) {
			Map<Integer, LaneSample[]> shares = this.windows.computeIfAbsent(rollout + "@" + stepStartedAt,
					(key) -> new HashMap<>());
			shares.put(this.replica, new LaneSample[] { stable, canary });
			LaneSample fleetStable = LaneSample.EMPTY;
			LaneSample fleetCanary = LaneSample.EMPTY;
			for (LaneSample[] share : shares.values()) {
				fleetStable = fleetStable.plus(share[0]);
				fleetCanary = fleetCanary.plus(share[1]);
			}
			return new FleetWindows.Totals(fleetStable, fleetCanary);
		}

		@Override
		public boolean shared() {
			return true;
		}

		@Override
		public Ledger ledger(String release, long rollout) {
			return this.ledgers.get(rollout);
		}

		@Override
		public boolean record(String release, long rollout, long expectedLooks, Ledger next) {
			Ledger stored = this.ledgers.get(rollout);
			if (((stored != null) ? stored.looks() : 0) != expectedLooks) {
				return false;
			}
			this.ledgers.put(rollout, next);
			return true;
		}

	}

	private static int next(double[] ticks) {
		int first = 0;
		for (int g = 1; g < ticks.length; g++) {
			first = (ticks[g] < ticks[first]) ? g : first;
		}
		return first;
	}

	private ReleaseStatus apply(ReleaseStatus status, Action action, Reason reason, Verdict evidence, Instant now) {
		Lifecycle.Outcome outcome = Lifecycle.apply(status, this.config.schedule(), action, 0, reason,
				Transition.GATEWAY, evidence, now);
		if (outcome.refused()) {
			throw new IllegalStateException(action + " refused in " + status.state() + ": " + outcome.refusal());
		}
		return outcome.status();
	}

	private static Instant at(double seconds) {
		long whole = (long) seconds;
		return Instant.ofEpochSecond(whole, (long) ((seconds - whole) * 1e9));
	}

}
