package io.canarygateway.benchmarks.detection;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.canarygateway.analysis.Analyst;
import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.analysis.LaneRecorder;
import io.canarygateway.analysis.LaneSample;
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
 * window and judges the fleet's sum, as {@code RedisFleetWindows} does; an action any
 * gateway calls for is applied to the one shared record (the production state machine,
 * {@link Lifecycle}). Each request goes to a random gateway, its lane drawn at the
 * record's weight. The analysis only: no breaker.
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
		Recorders[] recorders = new Recorders[this.gateways];
		Analyst[] analysts = new Analyst[this.gateways];
		for (int g = 0; g < this.gateways; g++) {
			int replica = g;
			recorders[g] = new Recorders(List.of(name));
			FleetWindows shared = (release, rollout, stepStartedAt, stable, canary) -> {
				Map<Integer, LaneSample[]> shares = windows.computeIfAbsent(rollout + "@" + stepStartedAt,
						(key) -> new HashMap<>());
				shares.put(replica, new LaneSample[] { stable, canary });
				LaneSample fleetStable = LaneSample.EMPTY;
				LaneSample fleetCanary = LaneSample.EMPTY;
				for (LaneSample[] share : shares.values()) {
					fleetStable = fleetStable.plus(share[0]);
					fleetCanary = fleetCanary.plus(share[1]);
				}
				return new FleetWindows.Totals(fleetStable, fleetCanary);
			};
			analysts[g] = new Analyst(this.config, shared);
		}
		ReleaseStatus status = apply(ReleaseStatus.idle(name, Versions.of("v1", "v2"), Instant.EPOCH), Action.START,
				Reason.MANUAL, null, Instant.EPOCH);
		Traffic traffic = new Traffic(rps, seed);
		double interval = this.config.analysis().interval().toNanos() / 1e9;
		double[] nextTick = new double[this.gateways];
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
				Analyst.Look look = analysts[g].look(status, recorders[g].drain(name), now);
				if (look.verdict() != null && look.verdict().result() == Verdict.Result.FAIL) {
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
