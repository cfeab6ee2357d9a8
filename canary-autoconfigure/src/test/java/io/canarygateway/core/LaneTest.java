package io.canarygateway.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class LaneTest {

	@Test
	void valuesAreLowerCaseNames() {
		assertThat(Lane.STABLE.value()).isEqualTo("stable");
		assertThat(Lane.CANARY.value()).isEqualTo("canary");
	}

	@Test
	void ofIgnoresCaseAndSurroundingSpace() {
		assertThat(Lane.of("canary")).isEqualTo(Lane.CANARY);
		assertThat(Lane.of("CANARY")).isEqualTo(Lane.CANARY);
		assertThat(Lane.of(" Stable ")).isEqualTo(Lane.STABLE);
	}

	@Test
	void ofRejectsOtherValuesNamingTheAcceptedOnes() {
		assertThatIllegalArgumentException().isThrownBy(() -> Lane.of("blue"))
			.withMessageContaining("'stable'")
			.withMessageContaining("'canary'")
			.withMessageContaining("'blue'");
		assertThatIllegalArgumentException().isThrownBy(() -> Lane.of(null)).withMessageContaining("null");
		assertThatIllegalArgumentException().isThrownBy(() -> Lane.of(""));
	}

}
