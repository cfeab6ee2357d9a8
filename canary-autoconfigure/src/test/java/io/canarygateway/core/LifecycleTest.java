package io.canarygateway.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static io.canarygateway.core.ReleaseState.IDLE;
import static io.canarygateway.core.ReleaseState.PAUSED;
import static io.canarygateway.core.ReleaseState.PROGRESSING;
import static io.canarygateway.core.ReleaseState.PROMOTED;
import static io.canarygateway.core.ReleaseState.ROLLED_BACK;
import static org.assertj.core.api.Assertions.assertThat;

class LifecycleTest {

	private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");

	private static final Instant NOW = T0.plus(Duration.ofMinutes(7));

	/** Who acts in these tests: every transition must record it. */
	private static final String BY = "alice";

	private static final StepSchedule STEPS = StepSchedule.of(List.of(5, 10, 25, 50, 100), List.of());

	private static final Verdict EVIDENCE = new Verdict(Verdict.Result.PASS, NOW, new LaneFigures(1000, 3, 0.003, 80),
			new LaneFigures(60, 0, 0, 75), Map.of("errorRate.z", 0.4), List.of());

	/** Outcome classes of an action in a state. */
	enum Expect {

		/** Allowed: the record changes. */
		A,
		/** A no-op: the record is returned unchanged. */
		N,
		/** Refused with a message. */
		R

	}

	/**
	 * The operator's actions of docs/operations.md ("Actions") plus the automatic ones of
	 * docs/analysis.md ("Progression"): ADVANCE only from PROGRESSING, ROLL_BACK from
	 * PROGRESSING and PAUSED, HALT from PROGRESSING. Columns: IDLE, PROGRESSING, PAUSED,
	 * PROMOTED, ROLLED_BACK.
	 */
	private static final Map<Action, List<Expect>> TABLE = new EnumMap<>(Action.class);

	static {
		TABLE.put(Action.START, row(Expect.A, Expect.R, Expect.R, Expect.A, Expect.A));
		TABLE.put(Action.PAUSE, row(Expect.R, Expect.A, Expect.N, Expect.R, Expect.R));
		TABLE.put(Action.RESUME, row(Expect.R, Expect.N, Expect.A, Expect.R, Expect.R));
		TABLE.put(Action.PROMOTE, row(Expect.R, Expect.A, Expect.A, Expect.N, Expect.R));
		TABLE.put(Action.ABORT, row(Expect.R, Expect.A, Expect.A, Expect.A, Expect.N));
		TABLE.put(Action.WEIGHT, row(Expect.R, Expect.A, Expect.A, Expect.R, Expect.R));
		TABLE.put(Action.ADVANCE, row(Expect.R, Expect.A, Expect.R, Expect.R, Expect.R));
		TABLE.put(Action.ROLL_BACK, row(Expect.R, Expect.A, Expect.A, Expect.R, Expect.R));
		TABLE.put(Action.HALT, row(Expect.R, Expect.A, Expect.R, Expect.R, Expect.R));
	}

	private static List<Expect> row(Expect idle, Expect progressing, Expect paused, Expect promoted,
			Expect rolledBack) {
		return List.of(idle, progressing, paused, promoted, rolledBack);
	}

	private static Expect expected(Action action, ReleaseState state) {
		return TABLE.get(action).get(state.ordinal());
	}

	private static Set<ReleaseState> allowedByTable(Action action) {
		Set<ReleaseState> allowed = EnumSet.noneOf(ReleaseState.class);
		for (ReleaseState state : ReleaseState.values()) {
			if (expected(action, state) == Expect.A) {
				allowed.add(state);
			}
		}
		return allowed;
	}

	static Stream<Arguments> everyActionInEveryState() {
		List<Arguments> out = new ArrayList<>();
		for (Action action : Action.values()) {
			for (ReleaseState state : ReleaseState.values()) {
				out.add(Arguments.of(action, state, expected(action, state)));
			}
		}
		return out.stream();
	}

	@Test
	void tableCoversEveryActionAndState() {
		assertThat(TABLE).containsOnlyKeys(Action.values());
		assertThat(TABLE.values()).allSatisfy((row) -> assertThat(row).hasSize(ReleaseState.values().length));
		assertThat(ReleaseState.values()).containsExactly(IDLE, PROGRESSING, PAUSED, PROMOTED, ROLLED_BACK);
	}

	@ParameterizedTest(name = "{0} in {1} → {2}")
	@MethodSource("everyActionInEveryState")
	void actionInState(Action action, ReleaseState state, Expect expect) {
		ReleaseStatus current = recordIn(state);
		Reason reason = reasonFor(action);
		Lifecycle.Outcome outcome = Lifecycle.apply(current, STEPS, action, 30, reason, BY, EVIDENCE, NOW);

		assertThat(Lifecycle.allowedFrom(action)).isEqualTo(allowedByTable(action));
		switch (expect) {
			case N -> {
				assertThat(outcome.changed()).isFalse();
				assertThat(outcome.refused()).isFalse();
				assertThat(outcome.refusal()).isNull();
				assertThat(outcome.status()).isSameAs(current);
			}
			case R -> {
				assertThat(outcome.changed()).isFalse();
				assertThat(outcome.refused()).isTrue();
				assertThat(outcome.status()).isSameAs(current);
				assertThat(outcome.refusal()).contains("cannot " + action.name().toLowerCase().replace('_', ' '))
					.contains("'orders'")
					.contains("state " + state.name());
				assertThat(outcome.refusal()).contains("allowed from");
				String allowedPart = outcome.refusal().substring(outcome.refusal().indexOf("allowed from"));
				// no state name is part of another, so "contains" is exact enough
				for (ReleaseState other : ReleaseState.values()) {
					if (allowedByTable(action).contains(other)) {
						assertThat(allowedPart).as("allowed states named").contains(other.name());
					}
					else {
						assertThat(allowedPart).as("only allowed states named").doesNotContain(other.name());
					}
				}
			}
			case A -> {
				assertThat(outcome.changed()).isTrue();
				assertThat(outcome.refused()).isFalse();
				assertThat(outcome.refusal()).isNull();
				assertChanged(current, outcome.status(), action, reason);
			}
		}
	}

	/**
	 * The documented result of an allowed action on {@link #recordIn(ReleaseState)} with
	 * weight argument 30.
	 */
	private static void assertChanged(ReleaseStatus current, ReleaseStatus next, Action action, Reason reason) {
		ReleaseState to;
		int weight;
		int step;
		Instant stepStartedAt;
		switch (action) {
			case START -> {
				to = PROGRESSING;
				weight = 5;
				step = 0;
				stepStartedAt = NOW;
			}
			case PAUSE, HALT -> {
				to = PAUSED;
				weight = current.weight();
				step = current.step();
				stepStartedAt = T0;
			}
			case RESUME -> {
				to = PROGRESSING;
				weight = current.weight();
				step = current.step();
				stepStartedAt = NOW;
			}
			case PROMOTE -> {
				to = PROMOTED;
				weight = 100;
				step = 4;
				stepStartedAt = NOW;
			}
			case ABORT, ROLL_BACK -> {
				to = ROLLED_BACK;
				weight = 0;
				step = current.step();
				stepStartedAt = NOW;
			}
			case WEIGHT -> {
				to = PAUSED;
				weight = 30;
				step = 2; // 25 is the last step at or below 30
				stepStartedAt = NOW;
			}
			case ADVANCE -> {
				// the current record is at 25 (step 2): the next step is 50
				to = PROGRESSING;
				weight = 50;
				step = 3;
				stepStartedAt = NOW;
			}
			default -> throw new AssertionError(action);
		}
		assertThat(next.release()).isEqualTo(current.release());
		assertThat(next.canaryVersion()).isEqualTo(current.canaryVersion());
		assertThat(next.state()).isEqualTo(to);
		assertThat(next.weight()).isEqualTo(weight);
		assertThat(next.step()).isEqualTo(step);
		assertThat(next.reason()).isEqualTo(reason);
		assertThat(next.stepStartedAt()).isEqualTo(stepStartedAt);
		assertThat(next.revision()).isEqualTo(current.revision() + 1);
		assertThat(next.rollout()).isEqualTo(current.rollout() + ((action == Action.START) ? 1 : 0));
		assertThat(next.history()).hasSize(current.history().size() + 1);
		assertThat(next.history().subList(0, current.history().size())).isEqualTo(current.history());
		assertThat(next.lastTransition())
			.isEqualTo(new Transition(NOW, current.state(), to, reason, weight, EVIDENCE, BY, "v2"));
	}

	@Test
	void startingAVersionRollsItOutAgainstTheStableOrThePromotedVersion() {
		// IDLE and ROLLED_BACK: against the current stable
		for (ReleaseState state : List.of(IDLE, ROLLED_BACK)) {
			Lifecycle.Outcome outcome = Lifecycle.start(recordIn(state), STEPS, "v3", Reason.MANUAL, BY, NOW);
			assertThat(outcome.changed()).as(state.name()).isTrue();
			ReleaseStatus next = outcome.status();
			assertThat(next.versions()).as(state.name()).isEqualTo(new Versions("v1", "v3", null, List.of(), "v2"));
			assertThat(next.state()).isEqualTo(PROGRESSING);
			assertThat(next.weight()).isEqualTo(5);
			assertThat(next.step()).isZero();
			assertThat(next.rollout()).isEqualTo(4);
			assertThat(next.revision()).isEqualTo(8);
			assertThat(next.stepStartedAt()).isEqualTo(NOW);
			assertThat(next.lastTransition())
				.isEqualTo(new Transition(NOW, state, PROGRESSING, Reason.MANUAL, 5, null, BY, "v3"));
		}
		// PROMOTED: the promotion hands over, v2 is the new stable
		ReleaseStatus handedOver = Lifecycle.start(recordIn(PROMOTED), STEPS, "v3", Reason.MANUAL, BY, NOW).status();
		assertThat(handedOver.versions()).isEqualTo(new Versions("v2", "v3", "v1", List.of(), "v2"));
		assertThat(handedOver.state()).isEqualTo(PROGRESSING);
		assertThat(handedOver.weight()).isEqualTo(5);
		// PROGRESSING and PAUSED: the new version supersedes the rollout in flight
		for (ReleaseState state : List.of(PROGRESSING, PAUSED)) {
			ReleaseStatus superseded = Lifecycle
				.start(recordIn(state), STEPS, "v3", Reason.DISCOVERY, Transition.GATEWAY, NOW)
				.status();
			assertThat(superseded.versions()).as(state.name())
				.isEqualTo(new Versions("v1", "v3", null, List.of(), "v2"));
			assertThat(superseded.weight()).isEqualTo(5);
			assertThat(superseded.rollout()).isEqualTo(4);
			assertThat(superseded.lastTransition()).isEqualTo(
					new Transition(NOW, state, PROGRESSING, Reason.DISCOVERY, 5, null, Transition.GATEWAY, "v3"));
		}
	}

	@Test
	void aStartedVersionEntersAGateAtTheFirstStepLikeAnyStart() {
		StepSchedule gated = StepSchedule.of(List.of(5, 50, 100), List.of(5));
		ReleaseStatus next = Lifecycle.start(recordIn(PROMOTED), gated, "v3", Reason.MANUAL, BY, NOW).status();
		assertThat(next.state()).isEqualTo(PAUSED);
		assertThat(next.reason()).isEqualTo(Reason.GATE);
		assertThat(next.canaryVersion()).isEqualTo("v3");
	}

	@Test
	void startingTheVersionInFlightIsRefusedAndRestartingAnEndedOneIsNot() {
		for (ReleaseState state : List.of(PROGRESSING, PAUSED)) {
			Lifecycle.Outcome outcome = Lifecycle.start(recordIn(state), STEPS, "v2", Reason.MANUAL, BY, NOW);
			assertThat(outcome.refused()).isTrue();
			assertThat(outcome.invalid()).isFalse();
			assertThat(outcome.refusal())
				.isEqualTo("release 'orders' is already rolling out version v2 (" + state + " at 25 %)");
			assertThat(outcome.status()).isEqualTo(recordIn(state));
		}
		for (ReleaseState state : List.of(IDLE, ROLLED_BACK)) {
			ReleaseStatus again = Lifecycle.start(recordIn(state), STEPS, "v2", Reason.MANUAL, BY, NOW).status();
			assertThat(again.versions().canary()).isEqualTo("v2");
			assertThat(again.state()).isEqualTo(PROGRESSING);
		}
	}

	@Test
	void aBadVersionIsInvalidSayingWhy() {
		assertInvalid(recordIn(IDLE), "", "version must not be blank");
		assertInvalid(recordIn(IDLE), " ", "version must not be blank");
		assertInvalid(recordIn(IDLE), "v3 beta",
				"version must be 1 to 64 letters, digits, '.', '_' or '-', was 'v3 beta'");
		assertInvalid(recordIn(IDLE), "v3/../x",
				"version must be 1 to 64 letters, digits, '.', '_' or '-', was 'v3/../x'");
		assertInvalid(recordIn(IDLE), "v".repeat(65),
				"version must be 1 to 64 letters, digits, '.', '_' or '-', was '" + "v".repeat(65) + "'");
		assertThat(Lifecycle.start(recordIn(IDLE), STEPS, "v".repeat(64), Reason.MANUAL, BY, NOW).changed()).isTrue();
		assertThat(Lifecycle.start(recordIn(IDLE), STEPS, "A-z_0.9", Reason.MANUAL, BY, NOW).changed()).isTrue();
		assertInvalid(recordIn(PAUSED), "v1",
				"version v1 is the stable version of release 'orders'; a rollout needs another version");
		// after a promotion the promoted canary is the stable version
		assertInvalid(recordIn(PROMOTED), "v2",
				"version v2 is the stable version of release 'orders' (promoted); a rollout needs another version");
		assertThat(Lifecycle.start(recordIn(PROMOTED), STEPS, "v1", Reason.MANUAL, BY, NOW).status().versions())
			.as("the version before may come back as a canary")
			.isEqualTo(new Versions("v2", "v1", "v1", List.of(), "v2"));
	}

	@Test
	void aReleaseOfSeveralServicesStartsASetOfVersionsNamingEachService() {
		ReleaseStatus promoted = new ReleaseStatus("checkout",
				Versions.of("orders=v1,payments=v7", "orders=v2,payments=v8"), 7, 3, PROMOTED, 100, 4, Reason.MANUAL,
				T0, List.of());
		// any order, any case of the service names: kept in the canonical form
		ReleaseStatus next = Lifecycle.start(promoted, STEPS, "Payments=v9, orders=v3", Reason.MANUAL, BY, NOW)
			.status();
		assertThat(next.versions()).isEqualTo(new Versions("orders=v2,payments=v8", "orders=v3,payments=v9",
				"orders=v1,payments=v7", List.of(), "orders=v2,payments=v8"));
		assertThat(next.state()).isEqualTo(PROGRESSING);
		assertThat(next.lastTransition().version()).isEqualTo("orders=v3,payments=v9");
		assertInvalid(promoted, "v3", "the release spans the services [orders, payments]: name a version for each, "
				+ "as orders=<version>,payments=<version>, was 'v3'");
		assertInvalid(promoted, "orders=v3",
				"must name a version for each of the release's services [orders, payments], named [orders]");
		assertInvalid(promoted, "orders=v3,payments=v9,inventory=i2",
				"must name a version for each of the release's services [orders, payments], named [inventory, orders, "
						+ "payments]");
		assertInvalid(promoted, "orders=v3,payments=v 9",
				"service payments: version must be 1 to 64 letters, digits, " + "'.', '_' or '-', was 'v 9'");
		assertInvalid(promoted, "orders=v3,orders=v4", "names service 'orders' twice in 'orders=v3,orders=v4'");
		// every service moves: payments v8 is its stable version once v8 was promoted
		assertInvalid(promoted, "orders=v3,payments=v8", "service payments: version v8 is its stable version in "
				+ "release 'checkout' (promoted); a rollout needs another version of every service of the release");
		ReleaseStatus inFlight = Lifecycle.start(promoted, STEPS, "orders=v3,payments=v9", Reason.MANUAL, BY, NOW)
			.status();
		Lifecycle.Outcome again = Lifecycle.start(inFlight, STEPS, "payments=v9,orders=v3", Reason.MANUAL, BY, NOW);
		assertThat(again.refused()).isTrue();
		assertThat(again.invalid()).isFalse();
	}

	private static void assertInvalid(ReleaseStatus current, String version, String why) {
		Lifecycle.Outcome outcome = Lifecycle.start(current, STEPS, version, Reason.MANUAL, BY, NOW);
		assertThat(outcome.invalid()).as(version).isTrue();
		assertThat(outcome.refusal()).isEqualTo(why);
		assertThat(outcome.status()).isSameAs(current);
	}

	@Test
	void aPlainStartNeedsACanaryVersion() {
		ReleaseStatus none = ReleaseStatus.idle("orders", Versions.of("v1", null), T0);
		Lifecycle.Outcome outcome = Lifecycle.start(none, STEPS, null, Reason.MANUAL, BY, NOW);
		assertThat(outcome.refused()).isTrue();
		assertThat(outcome.invalid()).isFalse();
		assertThat(outcome.refusal())
			.isEqualTo("release 'orders' has no canary version to start; name one: {\"version\": \"...\"}");
		assertThat(Lifecycle.start(none, STEPS, "v2", Reason.MANUAL, BY, NOW).status().canaryVersion()).isEqualTo("v2");
		// a plain start restarts the record's canary version
		assertThat(Lifecycle.start(recordIn(PROMOTED), STEPS, null, Reason.MANUAL, BY, NOW).status().versions())
			.isEqualTo(Versions.of("v1", "v2"));
	}

	@Test
	void aRollbackRemembersTheRolledBackVersionBoundedAndOnce() {
		for (Action action : List.of(Action.ROLL_BACK, Action.ABORT)) {
			ReleaseStatus rolledBack = Lifecycle
				.apply(recordIn(PROGRESSING), STEPS, action, 0, Reason.ANALYSIS, BY, null, NOW)
				.status();
			assertThat(rolledBack.versions().rolledBack()).containsExactly("v2");
			assertThat(rolledBack.lastTransition().version()).isEqualTo("v2");
		}
		List<String> many = new ArrayList<>();
		for (int i = 0; i < Versions.ROLLED_BACK_LIMIT; i++) {
			many.add("v0." + i);
		}
		ReleaseStatus full = new ReleaseStatus("orders", new Versions("v1", "v0.3", null, many, null), 7, 3,
				PROGRESSING, 25, 2, Reason.SCHEDULE, T0, List.of());
		List<String> after = Lifecycle.apply(full, STEPS, Action.ROLL_BACK, 0, Reason.ANALYSIS, BY, null, NOW)
			.status()
			.versions()
			.rolledBack();
		assertThat(after).hasSize(Versions.ROLLED_BACK_LIMIT).endsWith("v0.3").containsOnlyOnce("v0.3");
		ReleaseStatus fresh = new ReleaseStatus("orders", new Versions("v1", "v9", null, many, null), 7, 3, PROGRESSING,
				25, 2, Reason.SCHEDULE, T0, List.of());
		assertThat(Lifecycle.apply(fresh, STEPS, Action.ROLL_BACK, 0, Reason.ANALYSIS, BY, null, NOW)
			.status()
			.versions()
			.rolledBack()).hasSize(Versions.ROLLED_BACK_LIMIT).startsWith("v0.1").endsWith("v9");
	}

	/**
	 * A record in each state as it would be reached; PROGRESSING and PAUSED sit at 25 %
	 * (step 2).
	 */
	static ReleaseStatus recordIn(ReleaseState state) {
		List<Transition> history = List.of(new Transition(T0, IDLE, PROGRESSING, Reason.SCHEDULE, 5, null, BY, "v2"));
		return switch (state) {
			case IDLE ->
				new ReleaseStatus("orders", Versions.of("v1", "v2"), 7, 3, IDLE, 0, -1, Reason.SCHEDULE, T0, List.of());
			case PROGRESSING -> new ReleaseStatus("orders", Versions.of("v1", "v2"), 7, 3, PROGRESSING, 25, 2,
					Reason.SCHEDULE, T0, history);
			case PAUSED ->
				new ReleaseStatus("orders", Versions.of("v1", "v2"), 7, 3, PAUSED, 25, 2, Reason.MANUAL, T0, history);
			case PROMOTED -> new ReleaseStatus("orders", Versions.of("v1", "v2"), 7, 3, PROMOTED, 100, 4, Reason.MANUAL,
					T0, history);
			case ROLLED_BACK -> new ReleaseStatus("orders", Versions.of("v1", "v2"), 7, 3, ROLLED_BACK, 0, 2,
					Reason.BREAKER, T0, history);
		};
	}

	private static Reason reasonFor(Action action) {
		return switch (action) {
			case ADVANCE -> Reason.SCHEDULE;
			case ROLL_BACK -> Reason.BREAKER;
			case HALT -> Reason.DEADLINE;
			default -> Reason.MANUAL;
		};
	}

	@Test
	void advanceWalksTheScheduleAndPromotesAfterTheLastStep() {
		ReleaseStatus status = apply(idle(), STEPS, Action.START);
		assertThat(status.state()).isEqualTo(PROGRESSING);
		assertThat(status.weight()).isEqualTo(5);
		assertThat(status.step()).isZero();
		int[] weights = { 10, 25, 50, 100 };
		for (int i = 0; i < weights.length; i++) {
			status = apply(status, STEPS, Action.ADVANCE);
			assertThat(status.state()).isEqualTo(PROGRESSING);
			assertThat(status.weight()).isEqualTo(weights[i]);
			assertThat(status.step()).isEqualTo(i + 1);
			assertThat(status.reason()).isEqualTo(Reason.SCHEDULE);
		}
		ReleaseStatus promoted = apply(status, STEPS, Action.ADVANCE);
		assertThat(promoted.state()).isEqualTo(PROMOTED);
		assertThat(promoted.weight()).isEqualTo(100);
		assertThat(promoted.step()).isEqualTo(4);
		assertThat(promoted.reason()).isEqualTo(Reason.SCHEDULE);
		assertThat(promoted.lastTransition().from()).isEqualTo(PROGRESSING);
		assertThat(promoted.lastTransition().to()).isEqualTo(PROMOTED);
		assertThat(promoted.lastTransition().weight()).isEqualTo(100);
		assertThat(promoted.revision()).isEqualTo(idle().revision() + 6);
		assertThat(promoted.rollout()).isEqualTo(1);
		assertThat(promoted.history()).extracting(Transition::weight).containsExactly(5, 10, 25, 50, 100, 100);
	}

	@Test
	void advanceAfterTheLastStepOfAShortSchedulePromotes() {
		StepSchedule steps = StepSchedule.of(List.of(20, 60), List.of());
		ReleaseStatus status = apply(apply(idle(), steps, Action.START), steps, Action.ADVANCE);
		assertThat(status.weight()).isEqualTo(60);
		ReleaseStatus promoted = apply(status, steps, Action.ADVANCE);
		assertThat(promoted.state()).isEqualTo(PROMOTED);
		assertThat(promoted.weight()).isEqualTo(100);
		assertThat(promoted.step()).isEqualTo(1);
	}

	@Test
	void advanceIntoAManualGatePausesWithReasonGate() {
		StepSchedule gated = StepSchedule.of(List.of(5, 10, 25, 50, 100), List.of(50));
		ReleaseStatus at25 = apply(apply(apply(idle(), gated, Action.START), gated, Action.ADVANCE), gated,
				Action.ADVANCE);
		assertThat(at25.weight()).isEqualTo(25);
		ReleaseStatus gate = Lifecycle.apply(at25, gated, Action.ADVANCE, 0, Reason.SCHEDULE, BY, EVIDENCE, NOW)
			.status();
		assertThat(gate.state()).isEqualTo(PAUSED);
		assertThat(gate.reason()).isEqualTo(Reason.GATE);
		assertThat(gate.weight()).isEqualTo(50);
		assertThat(gate.step()).isEqualTo(3);
		assertThat(gate.stepStartedAt()).isEqualTo(NOW);
		assertThat(gate.lastTransition())
			.isEqualTo(new Transition(NOW, PROGRESSING, PAUSED, Reason.GATE, 50, EVIDENCE, BY, "v2"));

		assertThat(Lifecycle.apply(gate, gated, Action.ADVANCE, 0, Reason.SCHEDULE, BY, null, NOW).refused())
			.as("a gate holds the automatic progression")
			.isTrue();
		ReleaseStatus resumed = apply(gate, gated, Action.RESUME);
		assertThat(resumed.state()).isEqualTo(PROGRESSING);
		assertThat(resumed.weight()).isEqualTo(50);
		ReleaseStatus next = apply(resumed, gated, Action.ADVANCE);
		assertThat(next.state()).isEqualTo(PROGRESSING);
		assertThat(next.weight()).isEqualTo(100);
		assertThat(next.step()).isEqualTo(4);
	}

	@Test
	void startOnAGateAtTheFirstStepPausesThere() {
		StepSchedule gated = StepSchedule.of(List.of(5, 50, 100), List.of(5));
		ReleaseStatus started = Lifecycle.apply(idle(), gated, Action.START, 0, Reason.SCHEDULE, BY, null, NOW)
			.status();
		assertThat(started.state()).isEqualTo(PAUSED);
		assertThat(started.reason()).isEqualTo(Reason.GATE);
		assertThat(started.weight()).isEqualTo(5);
		assertThat(started.step()).isZero();
		assertThat(started.rollout()).isEqualTo(1);
		assertThat(started.lastTransition())
			.isEqualTo(new Transition(NOW, IDLE, PAUSED, Reason.GATE, 5, null, BY, "v2"));
	}

	@Test
	void startAfterAnEndedRolloutBeginsANewRolloutAtTheFirstStep() {
		ReleaseStatus rolledBack = apply(apply(idle(), STEPS, Action.START), STEPS, Action.ABORT);
		ReleaseStatus again = apply(rolledBack, STEPS, Action.START);
		assertThat(again.state()).isEqualTo(PROGRESSING);
		assertThat(again.weight()).isEqualTo(5);
		assertThat(again.step()).isZero();
		assertThat(again.rollout()).isEqualTo(2);
		ReleaseStatus third = apply(apply(again, STEPS, Action.PROMOTE), STEPS, Action.START);
		assertThat(third.rollout()).isEqualTo(3);
		assertThat(third.weight()).isEqualTo(5);
	}

	@Test
	void weightPausesAtTheWeightWithTheLastStepAtOrBelowIt() {
		ReleaseStatus progressing = recordIn(PROGRESSING);
		int[][] weightAndStep = { { 0, -1 }, { 4, -1 }, { 5, 0 }, { 9, 0 }, { 10, 1 }, { 30, 2 }, { 50, 3 }, { 99, 3 },
				{ 100, 4 } };
		for (int[] pair : weightAndStep) {
			Lifecycle.Outcome outcome = Lifecycle.apply(progressing, STEPS, Action.WEIGHT, pair[0], Reason.MANUAL, BY,
					null, NOW);
			assertThat(outcome.changed()).isTrue();
			assertThat(outcome.status().state()).isEqualTo(PAUSED);
			assertThat(outcome.status().weight()).isEqualTo(pair[0]);
			assertThat(outcome.status().step()).as("step at weight %d", pair[0]).isEqualTo(pair[1]);
			assertThat(outcome.status().lastTransition().weight()).isEqualTo(pair[0]);
		}
	}

	@Test
	void weightThatDoesNotChangeKeepsTheStepWindow() {
		ReleaseStatus paused = recordIn(PAUSED);
		ReleaseStatus same = Lifecycle.apply(paused, STEPS, Action.WEIGHT, 25, Reason.MANUAL, BY, null, NOW).status();
		assertThat(same.weight()).isEqualTo(25);
		assertThat(same.stepStartedAt()).isEqualTo(T0);
		assertThat(same.revision()).isEqualTo(paused.revision() + 1);
	}

	@Test
	void weightOutsideZeroToHundredIsRefused() {
		for (ReleaseState state : List.of(PROGRESSING, PAUSED)) {
			for (int weight : new int[] { -1, 101, Integer.MIN_VALUE, Integer.MAX_VALUE }) {
				ReleaseStatus current = recordIn(state);
				Lifecycle.Outcome outcome = Lifecycle.apply(current, STEPS, Action.WEIGHT, weight, Reason.MANUAL, BY,
						null, NOW);
				assertThat(outcome.refused()).isTrue();
				assertThat(outcome.changed()).isFalse();
				assertThat(outcome.status()).isSameAs(current);
				assertThat(outcome.refusal()).contains("weight")
					.contains("0")
					.contains("100")
					.contains(String.valueOf(weight));
			}
		}
	}

	@Test
	void weightIsIgnoredByOtherActions() {
		ReleaseStatus progressing = recordIn(PROGRESSING);
		ReleaseStatus paused = Lifecycle.apply(progressing, STEPS, Action.PAUSE, 101, Reason.MANUAL, BY, null, NOW)
			.status();
		assertThat(paused.state()).isEqualTo(PAUSED);
		assertThat(paused.weight()).isEqualTo(25);
	}

	@Test
	void advanceAfterAWeightActionContinuesAtTheFirstStepAboveTheWeight() {
		ReleaseStatus started = apply(idle(), STEPS, Action.START);
		ReleaseStatus weighted = Lifecycle.apply(started, STEPS, Action.WEIGHT, 30, Reason.MANUAL, BY, null, NOW)
			.status();
		ReleaseStatus resumed = apply(weighted, STEPS, Action.RESUME);
		assertThat(resumed.weight()).isEqualTo(30);
		ReleaseStatus advanced = apply(resumed, STEPS, Action.ADVANCE);
		assertThat(advanced.state()).isEqualTo(PROGRESSING);
		assertThat(advanced.weight()).isEqualTo(50);
		assertThat(advanced.step()).isEqualTo(3);

		ReleaseStatus atStep = apply(
				Lifecycle.apply(advanced, STEPS, Action.WEIGHT, 10, Reason.MANUAL, BY, null, NOW).status(), STEPS,
				Action.RESUME);
		assertThat(apply(atStep, STEPS, Action.ADVANCE).weight()).as("a weight equal to a step moves past it")
			.isEqualTo(25);

		ReleaseStatus full = apply(
				Lifecycle.apply(advanced, STEPS, Action.WEIGHT, 100, Reason.MANUAL, BY, null, NOW).status(), STEPS,
				Action.RESUME);
		assertThat(apply(full, STEPS, Action.ADVANCE).state()).isEqualTo(PROMOTED);

		ReleaseStatus zero = apply(
				Lifecycle.apply(advanced, STEPS, Action.WEIGHT, 0, Reason.MANUAL, BY, null, NOW).status(), STEPS,
				Action.RESUME);
		ReleaseStatus fromZero = apply(zero, STEPS, Action.ADVANCE);
		assertThat(fromZero.weight()).isEqualTo(5);
		assertThat(fromZero.step()).isZero();
	}

	@Test
	void historyKeepsTheNewestTransitionsUpToTheLimit() {
		ReleaseStatus status = apply(idle(), STEPS, Action.START);
		List<Transition> all = new ArrayList<>(status.history());
		int changes = 3 * ReleaseStatus.HISTORY_LIMIT + 7;
		for (int i = 0; i < changes; i++) {
			Instant at = NOW.plusSeconds(i);
			Action action = (status.state() == PROGRESSING) ? Action.PAUSE : Action.RESUME;
			status = Lifecycle.apply(status, STEPS, action, 0, Reason.MANUAL, BY, null, at).status();
			all.add(status.lastTransition());
			assertThat(status.history()).hasSizeLessThanOrEqualTo(ReleaseStatus.HISTORY_LIMIT);
		}
		assertThat(status.revision()).isEqualTo(idle().revision() + 1 + changes);
		assertThat(status.history()).hasSize(ReleaseStatus.HISTORY_LIMIT);
		assertThat(status.history()).isEqualTo(all.subList(all.size() - ReleaseStatus.HISTORY_LIMIT, all.size()));
		assertThat(status.lastTransition().at()).isEqualTo(NOW.plusSeconds(changes - 1));
	}

	@Test
	void historyIsImmutable() {
		ReleaseStatus status = apply(idle(), STEPS, Action.START);
		assertThat(status.history()).isUnmodifiable();
	}

	@Test
	void idleRecordIsAtRevisionOneRolloutZeroBelowTheFirstStep() {
		ReleaseStatus idle = ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0);
		assertThat(idle.revision()).isEqualTo(1);
		assertThat(idle.rollout()).isZero();
		assertThat(idle.state()).isEqualTo(IDLE);
		assertThat(idle.weight()).isZero();
		assertThat(idle.step()).isEqualTo(-1);
		assertThat(idle.history()).isEmpty();
		assertThat(idle.lastTransition()).isNull();
		assertThat(idle.withRevision(9).revision()).isEqualTo(9);
		assertThat(idle.withRevision(9)).usingRecursiveComparison().ignoringFields("revision").isEqualTo(idle);
	}

	@Test
	void withAPreRolloutPhaseARolloutBeginsAtWeightZeroAndAdvancesToTheFirstStep() {
		StepSchedule schedule = StepSchedule.of(List.of(5, 10, 100), List.of(10)).withPreRollout();
		ReleaseStatus started = Lifecycle.apply(idle(), schedule, Action.START, 0, Reason.MANUAL, BY, null, T0)
			.status();
		assertThat(started.state()).isEqualTo(ReleaseState.PROGRESSING);
		assertThat(started.weight()).isZero();
		assertThat(started.step()).isEqualTo(-1);
		ReleaseStatus first = Lifecycle
			.apply(started, schedule, Action.ADVANCE, 0, Reason.WEBHOOK, Transition.GATEWAY, EVIDENCE, NOW)
			.status();
		assertThat(first.weight()).isEqualTo(5);
		assertThat(first.step()).isZero();
		assertThat(first.reason()).isEqualTo(Reason.WEBHOOK);
		// a runtime version starts at weight 0 too
		ReleaseStatus next = Lifecycle.start(first, schedule, "v3", Reason.MANUAL, BY, NOW).status();
		assertThat(next.weight()).isZero();
		assertThat(next.canaryVersion()).isEqualTo("v3");
		// without the phase, the first step at once
		assertThat(Lifecycle.apply(idle(), STEPS, Action.START, 0, Reason.MANUAL, BY, null, T0).status().weight())
			.isEqualTo(5);
	}

	private static ReleaseStatus idle() {
		return ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0);
	}

	private static ReleaseStatus apply(ReleaseStatus current, StepSchedule schedule, Action action) {
		Reason reason = reasonFor(action);
		Lifecycle.Outcome outcome = Lifecycle.apply(current, schedule, action, 0, reason, BY, null, NOW);
		assertThat(outcome.changed()).as("%s from %s: %s", action, current.state(), outcome.refusal()).isTrue();
		return outcome.status();
	}

}
