package io.canarygateway.propagation;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class CanaryContextTests {

	@Test
	void readsTheGatewaysHeaders() {
		CanaryContext context = CanaryContext.parse("canary", "orders=v2,payments=v8");
		assertThat(context.lane()).isEqualTo(CanaryContext.Lane.CANARY);
		assertThat(context.versions()).isEqualTo(Map.of("orders", "v2", "payments", "v8"));
		assertThat(context.laneHeader()).isEqualTo("canary");
		assertThat(context.versionsHeader()).isEqualTo("orders=v2,payments=v8");
	}

	@Test
	void serviceNamesIgnoreCaseAndSpacesAroundPairsAreAllowed() {
		CanaryContext context = CanaryContext.parse(" stable ", " Orders=v1.2_rc-1 ,\tpayments=v7 ");
		assertThat(context.lane()).isEqualTo(CanaryContext.Lane.STABLE);
		assertThat(context.versionOf("ORDERS")).isEqualTo("v1.2_rc-1");
		assertThat(context.versionOf("payments")).isEqualTo("v7");
		assertThat(context.versionOf("billing")).isNull();
		assertThat(context.versionsHeader()).isEqualTo("Orders=v1.2_rc-1 ,\tpayments=v7");
	}

	@Test
	void noHeadersIsNoContext() {
		assertThat(CanaryContext.parse(null, null)).isNull();
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|', nullValues = "NULL", value = { "canary|NULL|X-Canary-Lane without X-Canary-Versions",
			"NULL|orders=v2|X-Canary-Versions without X-Canary-Lane",
			"Canary|orders=v2|X-Canary-Lane must be 'stable' or 'canary', was 'Canary'",
			"beta|orders=v2|X-Canary-Lane must be 'stable' or 'canary'", "canary|''|each entry must be service=version",
			"canary|orders|each entry must be service=version", "canary|orders=v2,|each entry must be service=version",
			"canary|orders=v2,,payments=v8|each entry must be service=version",
			"canary|=v2|a service must be 1 to 100 characters", "canary|orders=|a version must be 1 to 64 characters",
			"canary|orders=v2=v3|a version may hold only letters", "canary|orders=v 2|a version may hold only letters",
			"canary|ord/ers=v2|a service may hold only letters",
			"canary|orders=v2;payments=v8|a version may hold only letters",
			"canary|orders=v2,ORDERS=v3|service 'ORDERS' is named twice" })
	void rejectsMalformedHeadersSayingWhy(String lane, String versions, String problem) {
		assertThatExceptionOfType(MalformedCanaryHeadersException.class)
			.isThrownBy(() -> CanaryContext.parse(lane, versions))
			.withMessageContaining(problem);
	}

	@Test
	void boundsTheNumberOfServicesAndTheLengths() {
		StringBuilder services = new StringBuilder();
		for (int i = 0; i < CanaryContext.MAX_SERVICES; i++) {
			services.append((i > 0) ? "," : "").append("s").append(i).append("=v1");
		}
		assertThat(CanaryContext.parse("canary", services.toString()).versions()).hasSize(CanaryContext.MAX_SERVICES);
		assertThatExceptionOfType(MalformedCanaryHeadersException.class)
			.isThrownBy(() -> CanaryContext.parse("canary", services + ",extra=v1"))
			.withMessageContaining("at most 32 services");
		assertThatExceptionOfType(MalformedCanaryHeadersException.class)
			.isThrownBy(() -> CanaryContext.parse("canary", "orders=" + "v".repeat(65)))
			.withMessageContaining("a version must be 1 to 64 characters");
		assertThat(CanaryContext.parse("canary", "orders=" + "v".repeat(64)).versionOf("orders")).hasSize(64);
		assertThatExceptionOfType(MalformedCanaryHeadersException.class)
			.isThrownBy(() -> CanaryContext.parse("canary", "o".repeat(101) + "=v1"))
			.withMessageContaining("a service must be 1 to 100 characters");
		assertThatExceptionOfType(MalformedCanaryHeadersException.class)
			.isThrownBy(() -> CanaryContext.parse("canary", "x".repeat(CanaryContext.MAX_HEADER_LENGTH + 1)))
			.withMessageContaining("is longer than");
	}

	@Test
	void aLongMalformedValueIsShortenedInTheMessage() {
		assertThatExceptionOfType(MalformedCanaryHeadersException.class)
			.isThrownBy(() -> CanaryContext.parse("canary", "orders=v2," + "!".repeat(1000)))
			.satisfies((ex) -> assertThat(ex.getMessage()).hasSizeLessThan(300));
	}

}
