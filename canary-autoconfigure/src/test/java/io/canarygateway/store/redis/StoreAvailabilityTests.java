package io.canarygateway.store.redis;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import io.canarygateway.store.ReleaseStoreUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

/** One log line per outage and per recovery, the gauge and the health contributor. */
class StoreAvailabilityTests {

	final RecordingLogger log = new RecordingLogger();

	final StoreAvailability availability = new StoreAvailability("Redis at 127.0.0.1:6379", this.log,
			Clock.fixed(Instant.parse("2025-06-01T10:00:00Z"), ZoneOffset.UTC));

	@Test
	void logsOncePerOutageNotPerCall() {
		for (int i = 0; i < 100; i++) {
			this.availability.succeeded();
		}
		assertThat(this.log.lines).isEmpty();
		for (int i = 0; i < 100; i++) {
			this.availability.failed(new RuntimeException("wrapped", new TimeoutException("no answer in 1000 ms")));
		}
		assertThat(this.log.warnings()).hasSize(1);
		assertThat(this.log.warnings().get(0)).contains("Redis at 127.0.0.1:6379 is unreachable",
				"TimeoutException: no answer in 1000 ms", "last knew");
		for (int i = 0; i < 100; i++) {
			this.availability.succeeded();
		}
		assertThat(this.log.infos()).hasSize(1);
		assertThat(this.log.infos().get(0)).contains("reachable again");
		this.availability.failed(new IllegalStateException("connection refused"));
		assertThat(this.log.warnings()).hasSize(2);
		assertThat(this.availability.outages()).isEqualTo(2);
	}

	@Test
	void callersFailFastOnlyDuringAnOutage() {
		assertThatNoException().isThrownBy(this.availability::check);
		this.availability.failed(new IllegalStateException("connection refused"));
		assertThatExceptionOfType(ReleaseStoreUnavailableException.class).isThrownBy(this.availability::check)
			.withMessageContaining("connection refused");
		this.availability.succeeded();
		assertThatNoException().isThrownBy(this.availability::check);
	}

	@Test
	void gaugeShowsOneOrZero() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		this.availability.bindTo(registry);
		assertThat(registry.get("canary.store.available").gauge().value()).isEqualTo(1.0);
		assertThat(registry.get("canary.store.available").gauge().getId().getDescription()).isNotBlank();
		this.availability.failed(new IllegalStateException("down"));
		assertThat(registry.get("canary.store.available").gauge().value()).isEqualTo(0.0);
	}

	@Test
	void healthIsUpThenUnknownWithDetailsNeverDown() {
		CanaryStoreHealthIndicator indicator = new CanaryStoreHealthIndicator(this.availability);
		Health up = indicator.health();
		assertThat(up.getStatus()).isEqualTo(Status.UP);
		assertThat(up.getDetails()).containsEntry("available", true).containsEntry("store", "Redis at 127.0.0.1:6379");
		this.availability.failed(new IllegalStateException("connection refused"));
		Health unknown = indicator.health();
		assertThat(unknown.getStatus()).isEqualTo(Status.UNKNOWN);
		assertThat(unknown.getDetails()).containsEntry("available", false)
			.containsEntry("unavailableSince", "2025-06-01T10:00:00Z")
			.containsKey("lastError")
			.containsEntry("outages", 1L);
		this.availability.succeeded();
		assertThat(indicator.health().getDetails()).containsKey("lastOutageEnded");
	}

}
