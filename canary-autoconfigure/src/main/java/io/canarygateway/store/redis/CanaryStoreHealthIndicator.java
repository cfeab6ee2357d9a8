package io.canarygateway.store.redis;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health contributor {@code canaryStore}: whether the shared release store can be
 * reached, from what the store's own calls found (it calls nothing itself, so a health
 * check never waits for Redis).
 * <p>
 * UP while Redis answers; UNKNOWN while it does not — deliberately not DOWN: a gateway
 * whose store is unreachable still routes every request correctly (with the last known
 * release state), and DOWN would make load balancers take every replica out at once.
 * Alert on the gauge {@code canary.store.available} or on Spring Boot's own {@code redis}
 * health contributor instead. Details: {@code store}, {@code available},
 * {@code unavailableSince}, {@code lastError}, {@code outages}, {@code lastOutageEnded}.
 * <p>
 * A release record that cannot be read is listed under {@code unreadableRecords} (per
 * release: {@code key}, {@code error}, {@code since}) and leaves the status as it is: the
 * gateway serves that release with its last known state and every other release normally,
 * and every replica reads the same record, so a worse status would take the whole fleet
 * out of its load balancer for one release's data. Alert on the gauge
 * {@code canary.store.unreadable.records}.
 */
public class CanaryStoreHealthIndicator implements HealthIndicator {

	private final StoreAvailability availability;

	public CanaryStoreHealthIndicator(StoreAvailability availability) {
		this.availability = availability;
	}

	@Override
	public Health health() {
		boolean available = this.availability.isAvailable();
		Health.Builder health = available ? Health.up() : Health.unknown();
		health.withDetail("store", this.availability.description()).withDetail("available", available);
		if (!available) {
			health.withDetail("unavailableSince", String.valueOf(this.availability.unavailableSince()))
				.withDetail("lastError", String.valueOf(this.availability.lastError()))
				.withDetail("policy", "routing with the last known release state; automatic progression and "
						+ "operator actions suspended until the store is back");
		}
		Map<String, Map<String, String>> unreadable = new LinkedHashMap<>();
		this.availability.unreadableRecords().forEach((release, record) -> {
			Map<String, String> detail = new LinkedHashMap<>();
			detail.put("key", record.key());
			detail.put("error", record.error());
			detail.put("since", record.since().toString());
			unreadable.put(release, detail);
		});
		if (!unreadable.isEmpty()) {
			health.withDetail("unreadableRecords", unreadable);
		}
		health.withDetail("outages", this.availability.outages());
		if (this.availability.lastOutageEnded() != null) {
			health.withDetail("lastOutageEnded", this.availability.lastOutageEnded().toString());
		}
		return health.build();
	}

}
