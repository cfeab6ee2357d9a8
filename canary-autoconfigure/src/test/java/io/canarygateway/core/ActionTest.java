package io.canarygateway.core;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ActionTest {

	@Test
	void operatorActionsAreTheEndpointsSix() {
		assertThat(Arrays.stream(Action.values()).filter(Action::isOperatorAction).map(Action::path))
			.containsExactly("start", "pause", "resume", "promote", "abort", "weight");
		assertThat(Action.ADVANCE.isOperatorAction()).isFalse();
		assertThat(Action.ROLL_BACK.isOperatorAction()).isFalse();
		assertThat(Action.HALT.isOperatorAction()).isFalse();
	}

	@Test
	void ofOperatorIgnoresCase() {
		assertThat(Action.ofOperator("pause")).isEqualTo(Action.PAUSE);
		assertThat(Action.ofOperator("WEIGHT")).isEqualTo(Action.WEIGHT);
		assertThat(Action.ofOperator("Abort")).isEqualTo(Action.ABORT);
	}

	@Test
	void ofOperatorRefusesAutomaticAndUnknownActionsNamingTheAcceptedOnes() {
		for (String path : new String[] { "advance", "roll_back", "halt", "restart", "" }) {
			assertThatIllegalArgumentException().isThrownBy(() -> Action.ofOperator(path))
				.withMessageContaining("'" + path + "'")
				.withMessageContaining("start, pause, resume, promote, abort, weight");
		}
	}

	@Test
	void reasonTagsAreLowerCase() {
		assertThat(Arrays.stream(Reason.values()).map(Reason::tag)).containsExactly("manual", "analysis", "breaker",
				"gate", "deadline", "schedule", "discovery", "webhook");
		assertThat(Verdict.Result.INCONCLUSIVE.tag()).isEqualTo("inconclusive");
	}

}
