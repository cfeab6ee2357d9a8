package io.canarygateway.core;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import static io.canarygateway.core.Verdict.Result.FAIL;
import static io.canarygateway.core.Verdict.Result.INCONCLUSIVE;
import static io.canarygateway.core.Verdict.Result.PASS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The progression policy on a virtual clock: every rule, and its edges (exactly at
 * step-interval and progress-deadline, one failure short of the threshold, a pass after a
 * failure).
 */
class ProgressionTest {

	private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

	private static final Duration STEP = Duration.ofMinutes(1);

	private static final Duration DEADLINE = Duration.ofMinutes(10);

	private final Progression policy = new Progression(2, STEP, DEADLINE);

	private final ReleaseStatus progressing = status(ReleaseState.PROGRESSING);

	@Test
	void aPassAdvancesOnceTheStepIntervalHasPassed() {
		Progression.Step step = this.policy.begin(this.progressing).looked();
		assertThat(this.policy.decide(step, this.progressing, PASS, T0.plus(STEP).minusMillis(1)).action()).isNull();
		Progression.Decision atInterval = this.policy.decide(step, this.progressing, PASS, T0.plus(STEP));
		assertThat(atInterval.action()).isEqualTo(Action.ADVANCE);
		assertThat(atInterval.reason()).isEqualTo(Reason.SCHEDULE);
	}

	@Test
	void anInconclusiveVerdictNeverAdvancesButTheDeadlinePauses() {
		Progression.Step step = this.policy.begin(this.progressing).looked();
		assertThat(this.policy.decide(step, this.progressing, INCONCLUSIVE, T0.plus(STEP)).action()).isNull();
		assertThat(this.policy.decide(step, this.progressing, INCONCLUSIVE, T0.plus(DEADLINE).minusMillis(1)).action())
			.isNull();
		Progression.Decision atDeadline = this.policy.decide(step, this.progressing, INCONCLUSIVE, T0.plus(DEADLINE));
		assertThat(atDeadline.action()).isEqualTo(Action.HALT);
		assertThat(atDeadline.reason()).isEqualTo(Reason.DEADLINE);
	}

	@Test
	void failuresInARowRollBackAndAPassInBetweenStartsTheCountAgain() {
		Progression.Step step = this.policy.begin(this.progressing);
		Progression.Decision first = this.policy.decide(step.looked(), this.progressing, FAIL, T0.plusSeconds(10));
		assertThat(first.action()).as("one short of the threshold").isNull();
		assertThat(first.step().failuresInRow()).isEqualTo(1);
		Progression.Decision pass = this.policy.decide(first.step().looked(), this.progressing, PASS,
				T0.plusSeconds(20));
		assertThat(pass.step().failuresInRow()).isZero();
		Progression.Decision again = this.policy.decide(pass.step().looked(), this.progressing, FAIL,
				T0.plusSeconds(30));
		assertThat(again.action()).isNull();
		Progression.Decision rollBack = this.policy.decide(again.step().looked(), this.progressing, FAIL,
				T0.plusSeconds(40));
		assertThat(rollBack.action()).isEqualTo(Action.ROLL_BACK);
		assertThat(rollBack.reason()).isEqualTo(Reason.ANALYSIS);
		assertThat(rollBack.step().looks()).isEqualTo(4);
	}

	@Test
	void aFailureBlocksTheStepEvenWhenLaterVerdictsPass() {
		Progression.Decision failed = this.policy.decide(this.policy.begin(this.progressing).looked(), this.progressing,
				FAIL, T0.plusSeconds(10));
		Progression.Decision pass = this.policy.decide(failed.step().looked(), this.progressing, PASS,
				T0.plus(STEP).plus(STEP));
		assertThat(pass.action()).as("blocked: no advance").isNull();
		assertThat(pass.step().failedInStep()).isTrue();
		assertThat(this.policy.decide(pass.step(), this.progressing, PASS, T0.plus(DEADLINE)).action())
			.as("the deadline still pauses it")
			.isEqualTo(Action.HALT);
	}

	@Test
	void aPausedReleaseIsStillRolledBackButNeitherAdvancesNorHalts() {
		ReleaseStatus paused = status(ReleaseState.PAUSED);
		Progression.Step step = this.policy.begin(paused).looked();
		assertThat(this.policy.decide(step, paused, PASS, T0.plus(DEADLINE)).action()).isNull();
		Progression.Decision failed = this.policy.decide(step, paused, FAIL, T0.plus(DEADLINE));
		assertThat(this.policy.decide(failed.step(), paused, FAIL, T0.plus(DEADLINE)).action())
			.isEqualTo(Action.ROLL_BACK);
	}

	@Test
	void aStepIsTheRecordsRolloutWeightAndStart() {
		Progression.Step step = this.policy.begin(this.progressing);
		assertThat(step.looks()).isZero();
		assertThat(step.isFor(this.progressing)).isTrue();
		ReleaseStatus otherWeight = new ReleaseStatus("orders", Versions.of("v1", "v2"), 4, 1, ReleaseState.PROGRESSING,
				25, 2, Reason.SCHEDULE, T0, List.of());
		ReleaseStatus otherRollout = new ReleaseStatus("orders", Versions.of("v1", "v2"), 4, 2,
				ReleaseState.PROGRESSING, 10, 1, Reason.SCHEDULE, T0, List.of());
		ReleaseStatus otherStart = new ReleaseStatus("orders", Versions.of("v1", "v2"), 4, 1, ReleaseState.PROGRESSING,
				10, 1, Reason.SCHEDULE, T0.plusSeconds(1), List.of());
		assertThat(step.isFor(otherWeight)).isFalse();
		assertThat(step.isFor(otherRollout)).isFalse();
		assertThat(step.isFor(otherStart)).isFalse();
	}

	@Test
	void itsSettingsComeFromTheReleaseConfiguration() {
		ReleaseConfig config = new ReleaseConfig("orders", "v1", "v2", true, ReleaseConfig.DEFAULT_STEPS,
				Duration.ofSeconds(30), List.of(), Duration.ofMinutes(2), RoutingConfig.defaults(),
				AnalysisConfig.defaults(), BreakerConfig.defaults(), Trigger.MANUAL, Duration.ofSeconds(30));
		Progression fromConfig = new Progression(config);
		Progression.Step step = fromConfig.begin(this.progressing).looked();
		assertThat(fromConfig.decide(step, this.progressing, PASS, T0.plusSeconds(30)).action())
			.isEqualTo(Action.ADVANCE);
		assertThat(fromConfig.decide(step, this.progressing, INCONCLUSIVE, T0.plusSeconds(120)).action())
			.isEqualTo(Action.HALT);
	}

	private static ReleaseStatus status(ReleaseState state) {
		return new ReleaseStatus("orders", Versions.of("v1", "v2"), 3, 1, state, 10, 1, Reason.SCHEDULE, T0, List.of());
	}

}
