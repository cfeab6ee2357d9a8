package io.canarygateway.store.redis;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import io.canarygateway.core.UnreadableRecord;
import io.canarygateway.store.ReleaseStoreUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * One log line per outage and per recovery, and per unreadable record and its recovery;
 * the gauges and the health contributor.
 */
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

	@Test
	void anUnreadableRecordIsLoggedOnceWhenItBeginsAndOnceWhenItEnds() {
		for (int i = 0; i < 100; i++) {
			this.availability.unreadable("orders", "canary:{orders}:release",
					"not a release record: 'stepStartedAt' is not an ISO-8601 instant: 'yesterday'");
		}
		assertThat(this.log.warnings()).singleElement()
			.asString()
			.contains("release 'orders'", "canary:{orders}:release", "'stepStartedAt' is not an ISO-8601 instant",
					"last knew", "other releases are not affected");
		this.availability.unreadable("orders", "canary:{orders}:release", "WRONGTYPE");
		assertThat(this.log.warnings()).as("a new cause is told").hasSize(2);
		assertThat(this.log.warnings().get(1)).contains("still cannot be read, now: WRONGTYPE");
		assertThat(this.availability.unreadable("orders")).get()
			.extracting(UnreadableRecord::error, UnreadableRecord::since)
			.containsExactly("WRONGTYPE", Instant.parse("2025-06-01T10:00:00Z"));
		assertThat(this.availability.unreadable("payments")).isEmpty();
		assertThat(this.availability.isAvailable()).as("one record is not an outage").isTrue();

		for (int i = 0; i < 100; i++) {
			this.availability.readable("orders");
			this.availability.readable("payments");
		}
		assertThat(this.log.infos()).singleElement().asString().contains("release 'orders'", "can be read again");
		assertThat(this.availability.unreadable("orders")).isEmpty();
	}

	@Test
	void unreadableRecordsAreCountedByAGaugeAndListedInTheHealthDetailsWhichStayUp() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		this.availability.bindTo(registry);
		CanaryStoreHealthIndicator indicator = new CanaryStoreHealthIndicator(this.availability);
		assertThat(registry.get("canary.store.unreadable.records").gauge().value()).isZero();
		assertThat(registry.get("canary.store.unreadable.records").gauge().getId().getDescription()).isNotBlank();
		assertThat(indicator.health().getDetails()).doesNotContainKey("unreadableRecords");

		this.availability.unreadable("orders", "canary:{orders}:release",
				"record format 3 was written by a newer gateway");
		this.availability.unreadable("payments", "canary:{payments}:release", "WRONGTYPE");
		assertThat(registry.get("canary.store.unreadable.records").gauge().value()).isEqualTo(2);
		Health health = indicator.health();
		assertThat(health.getStatus()).as("the gateway serves every release: it stays in its load balancer")
			.isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("unreadableRecords", Map.of("orders",
				Map.of("key", "canary:{orders}:release", "error", "record format 3 was written by a newer gateway",
						"since", "2025-06-01T10:00:00Z"),
				"payments",
				Map.of("key", "canary:{payments}:release", "error", "WRONGTYPE", "since", "2025-06-01T10:00:00Z")));

		this.availability.readable("orders");
		assertThat(registry.get("canary.store.unreadable.records").gauge().value()).isOne();
		assertThat(indicator.health().getDetails().get("unreadableRecords")).asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsOnlyKeys("payments");
	}

}
