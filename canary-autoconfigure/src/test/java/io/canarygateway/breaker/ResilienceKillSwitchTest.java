package io.canarygateway.breaker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.core.Trigger;
import io.canarygateway.core.Verdict;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kill switch on a real Resilience4j breaker: it reports each opening once with the
 * breaker's figures, is told nothing when held open, and publishes exactly the meters
 * resilience4j-micrometer would — without the per-call event consumers that make
 * Resilience4j build an event object for every recorded call.
 */
class ResilienceKillSwitchTest {

	private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC);

	private static final ReleaseConfig ORDERS = new ReleaseConfig("orders", "v1", "v2", true,
			ReleaseConfig.DEFAULT_STEPS, Duration.ofMinutes(1), List.of(), Duration.ofMinutes(10),
			RoutingConfig.defaults(), AnalysisConfig.defaults(), BreakerConfig.defaults(), Trigger.MANUAL,
			Duration.ofSeconds(30));

	private final AtomicInteger openings = new AtomicInteger();

	@Test
	void failuresOpenTheBreakerAndTheOpeningIsReportedOnceWithItsEvidence() {
		ResilienceKillSwitch killSwitch = new ResilienceKillSwitch(
				CanaryBreakers.breaker(CircuitBreakerRegistry.ofDefaults(), ORDERS), CLOCK,
				this.openings::incrementAndGet, null);
		for (int i = 0; i < 9; i++) {
			killSwitch.record(1_000_000, true);
		}
		assertThat(killSwitch.allowsCanary()).as("9 calls: below the minimum of 10").isTrue();
		assertThat(killSwitch.openedByItself()).isNull();
		killSwitch.record(1_000_000, true);
		assertThat(killSwitch.allowsCanary()).isFalse();
		assertThat(this.openings).hasValue(1);
		killSwitch.record(1_000_000, true);
		assertThat(this.openings).as("once per opening").hasValue(1);

		Verdict evidence = killSwitch.openedByItself();
		assertThat(evidence.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(evidence.at()).isEqualTo(CLOCK.instant());
		assertThat(evidence.canary().requests()).isEqualTo(10);
		assertThat(evidence.canary().errors()).isEqualTo(10);
		assertThat(evidence.statistics()).containsEntry("breaker.failureRate", 100.0)
			.containsEntry("breaker.failureRateThreshold", 50.0);
		assertThat(evidence.reasons()).singleElement().asString().startsWith("breaker canary-orders opened");

		killSwitch.trip();
		assertThat(killSwitch.stateName()).isEqualTo("FORCED_OPEN");
		assertThat(killSwitch.openedByItself()).as("held open by the rollback, not by itself").isNull();

		killSwitch.reset();
		assertThat(killSwitch.allowsCanary()).isTrue();
		for (int i = 0; i < 10; i++) {
			killSwitch.record(1_000_000, true);
		}
		assertThat(this.openings).as("a new rollout's opening is reported again").hasValue(2);
	}

	@Test
	void aHealthyCanaryNeverOpensIt() {
		ResilienceKillSwitch killSwitch = new ResilienceKillSwitch(
				CanaryBreakers.breaker(CircuitBreakerRegistry.ofDefaults(), ORDERS), CLOCK,
				this.openings::incrementAndGet, null);
		for (int i = 0; i < 1_000; i++) {
			killSwitch.record(1_000_000, i % 10 == 0);
		}
		assertThat(killSwitch.allowsCanary()).isTrue();
		assertThat(this.openings).hasValue(0);
	}

	@Test
	void itsMetersAreResilience4jsAndCallsAreTimedWithoutEventConsumers() {
		CircuitBreaker ours = CanaryBreakers.breaker(CircuitBreakerRegistry.ofDefaults(), ORDERS);
		SimpleMeterRegistry ourMeters = new SimpleMeterRegistry();
		ResilienceKillSwitch killSwitch = new ResilienceKillSwitch(ours, CLOCK, this.openings::incrementAndGet,
				CanaryBreakerMetrics.bind(ours, ourMeters));

		CircuitBreakerRegistry theirRegistry = CircuitBreakerRegistry.ofDefaults();
		CanaryBreakers.breaker(theirRegistry, ORDERS);
		SimpleMeterRegistry theirMeters = new SimpleMeterRegistry();
		TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(theirRegistry).bindTo(theirMeters);

		assertThat(ids(ourMeters)).isEqualTo(ids(theirMeters)).isNotEmpty();

		killSwitch.record(2_000_000, false);
		killSwitch.record(3_000_000, false);
		killSwitch.record(4_000_000, true);
		assertThat(ourMeters.get("resilience4j.circuitbreaker.calls").tag("kind", "successful").timer().count())
			.isEqualTo(2);
		assertThat(ourMeters.get("resilience4j.circuitbreaker.calls").tag("kind", "failed").timer().count())
			.isEqualTo(1);
		assertThat(ourMeters.get("resilience4j.circuitbreaker.buffered.calls").tag("kind", "failed").gauge().value())
			.isEqualTo(1);
		assertThat(ourMeters.get("resilience4j.circuitbreaker.state").tag("state", "closed").gauge().value())
			.isEqualTo(1);

		// no consumer on the breaker's event publisher: a consumer added now is the first
		// and only one told
		AtomicInteger events = new AtomicInteger();
		ours.getEventPublisher().onEvent((event) -> events.incrementAndGet());
		killSwitch.record(1_000_000, false);
		assertThat(events).hasValue(1);
	}

	/** Name, tags and type of every meter. */
	private static Set<String> ids(SimpleMeterRegistry registry) {
		return registry.getMeters()
			.stream()
			.map(Meter::getId)
			.map((id) -> id.getName() + id.getTags() + id.getType() + id.getDescription())
			.collect(Collectors.toSet());
	}

}
