package io.canarygateway.core;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StepScheduleTest {

	private final StepSchedule schedule = StepSchedule.of(List.of(5, 10, 25, 50, 100), List.of(25, 100));

	@Test
	void exposesWeightsAndGates() {
		assertThat(this.schedule.size()).isEqualTo(5);
		assertThat(this.schedule.weights()).containsExactly(5, 10, 25, 50, 100);
		assertThat(this.schedule.weight(0)).isEqualTo(5);
		assertThat(this.schedule.weight(4)).isEqualTo(100);
		assertThat(this.schedule.isGate(0)).isFalse();
		assertThat(this.schedule.isGate(2)).isTrue();
		assertThat(this.schedule.isGate(3)).isFalse();
		assertThat(this.schedule.isGate(4)).isTrue();
		assertThat(this.schedule).hasToString("[5, 10, 25, 50, 100]");
	}

	@Test
	void nextAboveIsTheFirstStepStrictlyAboveTheWeight() {
		assertThat(this.schedule.nextAbove(0)).isZero();
		assertThat(this.schedule.nextAbove(4)).isZero();
		assertThat(this.schedule.nextAbove(5)).isEqualTo(1);
		assertThat(this.schedule.nextAbove(30)).isEqualTo(3);
		assertThat(this.schedule.nextAbove(99)).isEqualTo(4);
		assertThat(this.schedule.nextAbove(100)).isEqualTo(-1);
	}

	@Test
	void indexAtOrBelowIsTheLastStepNotAboveTheWeight() {
		assertThat(this.schedule.indexAtOrBelow(0)).isEqualTo(-1);
		assertThat(this.schedule.indexAtOrBelow(4)).isEqualTo(-1);
		assertThat(this.schedule.indexAtOrBelow(5)).isZero();
		assertThat(this.schedule.indexAtOrBelow(30)).isEqualTo(2);
		assertThat(this.schedule.indexAtOrBelow(50)).isEqualTo(3);
		assertThat(this.schedule.indexAtOrBelow(100)).isEqualTo(4);
	}

	@Test
	void weightsAreACopy() {
		assertThat(this.schedule.weights()).isUnmodifiable();
	}

}
