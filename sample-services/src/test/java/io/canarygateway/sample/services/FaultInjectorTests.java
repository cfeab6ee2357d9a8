package io.canarygateway.sample.services;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class FaultInjectorTests {

	@Test
	void noFaultsMeansNoFailureAndNoDelay() {
		FaultInjector injector = new FaultInjector(FaultSettings.NONE, new SplittableRandom(1));
		IntStream.range(0, 1000).mapToObj((i) -> injector.decide()).forEach((decision) -> {
			assertThat(decision.failed()).isFalse();
			assertThat(decision.status()).isEqualTo(200);
			assertThat(decision.delayMs()).isZero();
		});
	}

	@Test
	void errorRateIsTheProbabilityOfFailure() {
		FaultInjector injector = new FaultInjector(new FaultSettings(0.3, 503, 0, 0), new SplittableRandom(7));
		long failures = IntStream.range(0, 10_000).mapToObj((i) -> injector.decide()).filter((decision) -> {
			assertThat(decision.status()).isEqualTo(decision.failed() ? 503 : 200);
			return decision.failed();
		}).count();
		// binomial(10000, 0.3): standard deviation 46, so ±200 is more than 4 of them
		assertThat(failures).isBetween(2800L, 3200L);
	}

	@Test
	void jitterAddsAUniformDelayOnTopOfTheLatency() {
		FaultInjector injector = new FaultInjector(new FaultSettings(0, 500, 100, 10), new SplittableRandom(3));
		List<Long> delays = IntStream.range(0, 2000).mapToObj((i) -> injector.decide().delayMs()).toList();
		assertThat(delays).allSatisfy((delay) -> assertThat(delay).isBetween(100L, 110L));
		assertThat(delays).contains(100L, 110L); // both ends are reachable
	}

	@Test
	void sameSeedSameDecisions() {
		FaultSettings settings = new FaultSettings(0.5, 500, 0, 50);
		FaultInjector one = new FaultInjector(settings, new SplittableRandom(11));
		FaultInjector two = new FaultInjector(settings, new SplittableRandom(11));
		for (int i = 0; i < 100; i++) {
			assertThat(one.decide()).isEqualTo(two.decide());
		}
	}

	@Test
	void anInvalidUpdateChangesNothing() {
		FaultInjector injector = new FaultInjector(new FaultSettings(0.1, 500, 5, 0), new SplittableRandom());
		assertThatExceptionOfType(FaultSettings.InvalidFaultException.class)
			.isThrownBy(() -> injector.update((current) -> new FaultSettings(2, 500, 5, 0)))
			.withMessage("errorRate must be between 0 and 1, was 2.0")
			.satisfies((ex) -> assertThat(ex.getField()).isEqualTo("errorRate"));
		assertThat(injector.settings()).isEqualTo(new FaultSettings(0.1, 500, 5, 0));
		assertThat(injector.reset()).isEqualTo(FaultSettings.NONE);
		assertThat(injector.settings()).isEqualTo(FaultSettings.NONE);
	}

	@Test
	void nanIsNotAValidErrorRate() {
		assertThatExceptionOfType(FaultSettings.InvalidFaultException.class)
			.isThrownBy(() -> new FaultSettings(Double.NaN, 500, 0, 0).validate((name) -> name))
			.withMessageContaining("errorRate must be between 0 and 1");
	}

}
