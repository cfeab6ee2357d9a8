package io.canarygateway.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import io.canarygateway.core.Action;
import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.Lifecycle;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Trigger;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Versions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Which interval the {@link Analyst} judges at a step change, and its {@link Ledger}
 * round trip: the interval that straddles a change is judged when every request in it
 * belongs to the rollout being judged, and dropped when a new rollout began within it.
 */
class AnalystTest {

	static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");

	static final Duration INTERVAL = Duration.ofSeconds(10);

	final ReleaseConfig config = new ReleaseConfig("orders", "v1", "v2", true, List.of(10, 50, 100),
			Duration.ofMinutes(1), List.of(), Duration.ofMinutes(10), RoutingConfig.defaults(),
			AnalysisConfig.defaults(), BreakerConfig.defaults(), Trigger.MANUAL, Duration.ofSeconds(30));

	ReleaseStatus apply(ReleaseStatus status, Action action, Instant now) {
		Lifecycle.Outcome outcome = Lifecycle.apply(status, this.config.schedule(), action, 0, Reason.MANUAL,
				Transition.GATEWAY, null, now);
		assertThat(outcome.refused()).isFalse();
		return outcome.status();
	}

	static Recorders.Interval interval(long stable, long canary) {
		return new Recorders.Interval(Samples.constant(stable, stable / 100, 50),
				Samples.constant(canary, canary / 100, 50));
	}

	@Test
	void theIntervalInWhichANewRolloutBeganIsDropped() {
		Analyst analyst = new Analyst(this.config, FleetWindows.LOCAL);
		ReleaseStatus idle = ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0);
		assertThat(analyst.look(idle, interval(900, 0), T0, T0.plus(INTERVAL))).isEqualTo(Analyst.Look.NONE);
		// started 5 s into the next interval: its requests of before may be another
		// version's
		ReleaseStatus started = apply(idle, Action.START, T0.plusSeconds(15));
		Instant first = T0.plus(INTERVAL.multipliedBy(2));
		assertThat(analyst.look(started, interval(900, 100), T0.plus(INTERVAL), first)).isEqualTo(Analyst.Look.NONE);
		Verdict verdict = analyst.look(started, interval(800, 200), first, first.plus(INTERVAL)).verdict();
		assertThat(verdict.canary().requests()).as("the dropped interval is not in the window").isEqualTo(200);
		assertThat(verdict.statistics()).containsEntry("rollout.looks", 1.0);
	}

	@Test
	void aGatewayThatStartsDuringAStepJudgesItsFirstInterval() {
		ReleaseStatus started = apply(ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0), Action.START, T0);
		Analyst analyst = new Analyst(this.config, FleetWindows.LOCAL);
		Instant since = T0.plusSeconds(3);
		Verdict verdict = analyst.look(started, interval(900, 100), since, since.plus(INTERVAL)).verdict();
		assertThat(verdict).isNotNull();
		assertThat(verdict.canary().requests()).isEqualTo(100);

		// but not when its recording began before the step did
		Analyst early = new Analyst(this.config, FleetWindows.LOCAL);
		assertThat(early.look(started, interval(900, 100), T0.minusSeconds(1), T0.plus(INTERVAL)))
			.isEqualTo(Analyst.Look.NONE);
	}

	@Test
	void theIntervalThatStraddlesAWeightChangeOfTheSameRolloutIsJudged() {
		ReleaseStatus started = apply(ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0), Action.START, T0);
		Analyst analyst = new Analyst(this.config, FleetWindows.LOCAL);
		Instant now = T0.plus(INTERVAL);
		assertThat(analyst.look(started, interval(900, 100), T0, now).verdict()).isNotNull();
		ReleaseStatus fifty = apply(started, Action.ADVANCE, now.plusSeconds(5));
		assertThat(fifty.weight()).isEqualTo(50);
		Verdict verdict = analyst.look(fifty, interval(700, 300), now, now.plus(INTERVAL)).verdict();
		assertThat(verdict.canary().requests()).as("the new step's window starts with that interval").isEqualTo(300);
		assertThat(verdict.statistics()).containsEntry("rollout.looks", 2.0).containsEntry("look", 1.0);
	}

	@Test
	void aFollowerShowsTheLedgersVerdictOnceAndNeverActs() {
		Ledger[] stored = { null };
		FleetWindows shared = new FleetWindows() {

			@Override
			public Totals combine(String release, long rollout, Instant stepStartedAt, LaneSample stable,
					LaneSample canary) {
				return new Totals(stable, canary);
			}

			@Override
			public boolean shared() {
				return true;
			}

			@Override
			public Ledger ledger(String release, long rollout) {
				return stored[0];
			}

			@Override
			public boolean record(String release, long rollout, long expectedLooks, Ledger next) {
				stored[0] = next;
				return true;
			}

		};
		ReleaseStatus started = apply(ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0), Action.START, T0);
		Analyst leader = new Analyst(this.config, shared);
		Analyst follower = new Analyst(this.config, shared);
		Instant now = T0.plus(INTERVAL);
		assertThat(follower.look(started, interval(10, 1), T0, now, false, UnaryOperator.identity()))
			.isEqualTo(Analyst.Look.NONE);
		Analyst.Look judged = leader.look(started, interval(900, 100), T0, now);
		Analyst.Look shown = follower.look(started, interval(10, 1), now, now.plus(INTERVAL), false,
				UnaryOperator.identity());
		assertThat(shown.verdict()).isEqualTo(judged.verdict());
		assertThat(shown.action()).isNull();
		assertThat(follower.look(started, interval(10, 1), now, now.plus(INTERVAL.multipliedBy(2)), false,
				UnaryOperator.identity()))
			.as("once")
			.isEqualTo(Analyst.Look.NONE);
	}

	/**
	 * A look reads the ledger before the fleet's window: when another gateway records a
	 * look in between (a lead hand-over), this look is not recorded, so the requests that
	 * other look judged are never judged twice.
	 */
	@Test
	void aLookRecordedWhileThisOneReadTheWindowWinsAndThisOneCountsForNothing() {
		Ledger[] stored = { null };
		Analyst[] other = { null };
		ReleaseStatus started = apply(ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0), Action.START, T0);
		Instant now = T0.plus(INTERVAL);
		class Shared implements FleetWindows {

			boolean interrupt;

			@Override
			public Totals combine(String release, long rollout, Instant stepStartedAt, LaneSample stable,
					LaneSample canary) {
				if (this.interrupt) {
					this.interrupt = false;
					// the other gateway's whole look happens while this one reads the
					// window
					assertThat(other[0].look(started, interval(900, 100), T0, now).verdict()).isNotNull();
				}
				return new Totals(stable, canary);
			}

			@Override
			public boolean shared() {
				return true;
			}

			@Override
			public Ledger ledger(String release, long rollout) {
				return stored[0];
			}

			@Override
			public boolean record(String release, long rollout, long expectedLooks, Ledger next) {
				if (((stored[0] != null) ? stored[0].looks() : 0) != expectedLooks) {
					return false;
				}
				stored[0] = next;
				return true;
			}

		}
		Shared shared = new Shared();
		other[0] = new Analyst(this.config, shared);
		Analyst late = new Analyst(this.config, shared);
		shared.interrupt = true;
		assertThat(late.look(started, interval(800, 200), T0, now)).isEqualTo(Analyst.Look.NONE);
		assertThat(stored[0].looks()).isOne();
		assertThat(stored[0].judged().canary().requests()).as("the other gateway's look stands").isEqualTo(100);
	}

	@Test
	void aLedgerRoundTripsThroughBytes() {
		Judge judge = new Judge(AnalysisConfig.defaults(), 3.45);
		Judge.Evidence evidence = Judge.Evidence.NONE;
		Verdict verdict = null;
		for (int look = 1; look <= 3; look++) {
			Judge.Judgement judgement = judge.judge(evidence, Samples.constant(900, 9, 50),
					Samples.constant(100, look, 70), false, Samples.constant(900 * look, 9, 50),
					Samples.constant(100 * look, look, 70), look, T0);
			evidence = judgement.evidence();
			verdict = judgement.verdict();
		}
		ReleaseStatus started = apply(ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0), Action.START, T0);
		Ledger ledger = new Ledger(new io.canarygateway.core.Progression(this.config).begin(started).looked(), evidence,
				new FleetWindows.Totals(Samples.constant(2700, 27, 50), Samples.constant(300, 6, 70)), verdict);
		Ledger back = Ledger.fromBytes(ledger.toBytes(), verdict);
		assertThat(back).isEqualTo(ledger);
		assertThat(back.looks()).isEqualTo(3);
		assertThat(back.evidence().toString()).isEqualTo(evidence.toString());

		byte[] bytes = ledger.toBytes();
		assertThatIllegalArgumentException().isThrownBy(() -> Ledger.fromBytes(new byte[] { 1, 2, 3 }, null))
			.withMessageContaining("corrupt analysis ledger");
		bytes[4] = 9;
		assertThatIllegalArgumentException().isThrownBy(() -> Ledger.fromBytes(bytes, null))
			.withMessage("unsupported analysis ledger format version 9");
	}

}
