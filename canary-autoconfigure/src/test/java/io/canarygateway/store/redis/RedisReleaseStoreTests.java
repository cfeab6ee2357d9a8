package io.canarygateway.store.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.UnreadableRecord;
import io.canarygateway.store.Records;
import io.canarygateway.store.ReleaseRecordCodec;
import io.canarygateway.store.ReleaseRecordUnreadableException;
import io.canarygateway.store.ReleaseStore;
import io.canarygateway.store.ReleaseStoreUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The Redis release store against a real Redis server: compare-and-set, concurrency,
 * notification between two gateways (two connection factories), the periodic re-read,
 * re-seeding, the outage behaviour, and records and messages that cannot be read.
 */
class RedisReleaseStoreTests {

	/** Generous: a busy test machine must not look like an outage. */
	static final Duration TIMEOUT = Duration.ofSeconds(2);

	static EmbeddedRedis redis;

	final List<AutoCloseable> closeables = new ArrayList<>();

	LettuceConnectionFactory factoryA;

	LettuceConnectionFactory factoryB;

	StringRedisTemplate raw;

	@BeforeAll
	static void startRedis() {
		redis = new EmbeddedRedis();
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@BeforeEach
	void connect() {
		this.factoryA = redis.connectionFactory();
		this.factoryB = redis.connectionFactory();
		LettuceConnectionFactory rawFactory = redis.connectionFactory();
		this.closeables.add(rawFactory::destroy);
		this.closeables.add(this.factoryA::destroy);
		this.closeables.add(this.factoryB::destroy);
		this.raw = new StringRedisTemplate(rawFactory);
		this.raw.getConnectionFactory().getConnection().serverCommands().flushAll();
	}

	@AfterEach
	void close() throws Exception {
		// stores first, then their connection factories
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
	}

	RedisReleaseStore store(LettuceConnectionFactory factory, StoreAvailability availability) {
		RedisReleaseStore store = new RedisReleaseStore(factory, new RedisKeys("canary"),
				new RedisCalls(availability, TIMEOUT), RedisScripts.load(), new ReleaseRecordCodec(),
				Duration.ofMillis(200));
		store.start();
		this.closeables.add(0, store);
		return store;
	}

	RedisReleaseStore store(LettuceConnectionFactory factory) {
		return store(factory, new StoreAvailability("Redis", Clock.systemUTC()));
	}

	/**
	 * A store whose safety-net re-read comes only once a minute: what it delivers sooner
	 * came by pub/sub.
	 */
	RedisReleaseStore rereadingOncePerMinute(LettuceConnectionFactory factory) {
		RedisReleaseStore store = new RedisReleaseStore(factory, new RedisKeys("canary"),
				new RedisCalls(new StoreAvailability("Redis", Clock.systemUTC()), TIMEOUT), RedisScripts.load(),
				new ReleaseRecordCodec(), Duration.ofMinutes(1));
		store.start();
		this.closeables.add(0, store);
		return store;
	}

	@Test
	void compareAndSetStoresOnlyOnTheExpectedRevision() {
		RedisReleaseStore store = store(this.factoryA);
		assertThat(store.find("orders")).isEmpty();
		ReleaseStatus first = Records.paused("orders", 1, 10);
		ReleaseStore.Swap created = store.compareAndSet(first, 0);
		assertThat(created.swapped()).isTrue();
		assertThat(created.current()).isEqualTo(first);

		ReleaseStatus second = Records.paused("orders", 2, 30);
		ReleaseStore.Swap stale = store.compareAndSet(second, 0);
		assertThat(stale.swapped()).isFalse();
		assertThat(stale.current()).as("the record that won").isEqualTo(first);
		assertThat(store.compareAndSet(second, 5).swapped()).isFalse();

		assertThat(store.compareAndSet(second, 1).swapped()).isTrue();
		assertThat(store.find("orders")).contains(second);
		assertThat(store(this.factoryB).find("orders")).as("read by another gateway, history and evidence included")
			.contains(second);

		Map<Object, Object> hash = this.raw.opsForHash().entries("canary:{orders}:release");
		assertThat(hash).containsEntry("revision", "2").containsEntry("canaryVersion", "v2").containsKey("record");
	}

	@Test
	void concurrentWritersFromTwoGatewaysLoseNoUpdate() throws Exception {
		RedisReleaseStore a = store(this.factoryA);
		RedisReleaseStore b = store(this.factoryB);
		assertThat(a.compareAndSet(Records.paused("orders", 1, 0), 0).swapped()).isTrue();
		int threads = 6;
		int incrementsEach = 20;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch go = new CountDownLatch(1);
		List<Future<Integer>> conflicts = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			RedisReleaseStore store = (t % 2 == 0) ? a : b;
			conflicts.add(pool.submit(() -> {
				go.await();
				int lost = 0;
				for (int done = 0; done < incrementsEach;) {
					ReleaseStatus current = store.find("orders").orElseThrow();
					// read-modify-write: the weight counts the increments (mod 101), the
					// revision too
					ReleaseStatus next = Records.paused("orders", current.revision() + 1, (current.weight() + 1) % 101);
					if (store.compareAndSet(next, current.revision()).swapped()) {
						done++;
					}
					else {
						lost++;
					}
				}
				return lost;
			}));
		}
		go.countDown();
		int conflictCount = 0;
		for (Future<Integer> future : conflicts) {
			conflictCount += future.get(60, TimeUnit.SECONDS);
		}
		pool.shutdown();
		ReleaseStatus last = a.find("orders").orElseThrow();
		assertThat(last.revision()).isEqualTo(1 + threads * incrementsEach);
		assertThat(last.weight()).isEqualTo((threads * incrementsEach) % 101);
		assertThat(conflictCount).as("writers did race").isPositive();
	}

	@Test
	void aChangeReachesAnotherGatewayByNotification() {
		RedisReleaseStore a = store(this.factoryA);
		// B re-reads only once a minute: what it gets before that came by pub/sub
		RedisReleaseStore b = rereadingOncePerMinute(this.factoryB);
		List<ReleaseStatus> seenByB = new CopyOnWriteArrayList<>();
		b.subscribe(seenByB::add);
		ReleaseStatus record = Records.paused("orders", 1, 30);
		assertThat(a.compareAndSet(record, 0).swapped()).isTrue();
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(10))
			.until(() -> seenByB.contains(record));
	}

	@Test
	void theRereadDeliversAChangeWhoseNotificationWasLost() {
		RedisReleaseStore b = store(this.factoryB);
		List<ReleaseStatus> seenByB = new CopyOnWriteArrayList<>();
		b.subscribe(seenByB::add);
		assertThat(b.find("orders")).isEmpty();
		// written behind the store's back: no PUBLISH, as if the message had been lost
		ReleaseStatus record = Records.paused("orders", 4, 50);
		this.raw.opsForHash()
			.putAll("canary:{orders}:release",
					Map.of("revision", "4", "canaryVersion", "v2", "record", new ReleaseRecordCodec().write(record)));
		await().atMost(Duration.ofSeconds(30)).until(() -> seenByB.contains(record));
	}

	@Test
	void aRecordRedisLostIsReseededFromTheLastKnownCopyNotReset() {
		RedisReleaseStore a = store(this.factoryA);
		ReleaseStatus record = Records.paused("orders", 1, 30);
		a.compareAndSet(record, 0);
		this.raw.getConnectionFactory().getConnection().serverCommands().flushAll();
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(
					() -> assertThat(this.raw.opsForHash().get("canary:{orders}:release", "revision")).isEqualTo("1"));
		assertThat(a.find("orders")).contains(record);

		// found missing on the next read too, without waiting for the refresh
		this.raw.getConnectionFactory().getConnection().serverCommands().flushAll();
		assertThat(a.find("orders")).contains(record);
	}

	@Test
	void reseedingConvergesOnTheNewestCopyInTheFleet() {
		RedisReleaseStore a = store(this.factoryA);
		ReleaseStatus older = Records.paused("orders", 1, 20);
		ReleaseStatus newer = Records.paused("orders", 2, 40);
		a.compareAndSet(older, 0);
		a.compareAndSet(newer, 1);
		// Redis lost the newer write, e.g. after a failover to a replica that had not got
		// it
		this.raw.opsForHash()
			.putAll("canary:{orders}:release",
					Map.of("revision", "1", "canaryVersion", "v2", "record", new ReleaseRecordCodec().write(older)));
		assertThat(a.find("orders")).contains(newer);
		assertThat(this.raw.opsForHash().get("canary:{orders}:release", "revision")).isEqualTo("2");

		// a record of another canary version is a new rollout, never overwritten by a
		// re-seed
		ReleaseStatus other = Records.record("orders", "v3", 1, ReleaseState.PROGRESSING, 10);
		this.raw.opsForHash()
			.putAll("canary:{orders}:release",
					Map.of("revision", "1", "canaryVersion", "v3", "record", new ReleaseRecordCodec().write(other)));
		assertThat(a.find("orders")).contains(other);
	}

	@Test
	void anOutageFailsCallsFastLogsOnceAndEndsWithAReseed() throws Exception {
		RecordingLogger log = new RecordingLogger();
		StoreAvailability availability = new StoreAvailability("Redis", log, java.time.Clock.systemUTC());
		RedisReleaseStore store = store(this.factoryA, availability);
		ReleaseStatus record = Records.paused("orders", 1, 30);
		store.compareAndSet(record, 0);
		await().atMost(Duration.ofSeconds(30)).until(() -> store.calls().timeout().equals(TIMEOUT));
		redis.stop();
		try {
			assertThatExceptionOfType(ReleaseStoreUnavailableException.class).isThrownBy(() -> store.find("orders"));
			assertThat(availability.isAvailable()).isFalse();
			long start = System.nanoTime();
			for (int i = 0; i < 20; i++) {
				assertThatExceptionOfType(ReleaseStoreUnavailableException.class)
					.isThrownBy(() -> store.compareAndSet(Records.paused("orders", 2, 40), 1));
			}
			// waiting for the timeout each time would take 20 x TIMEOUT (40 s): failing
			// fast takes a tiny part of it
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("failing fast during the outage")
				.isLessThan(TIMEOUT.multipliedBy(5));
			Thread.sleep(1000); // several refresh rounds probe and fail
		}
		finally {
			redis.start(); // empty: no persistence
		}
		await().atMost(Duration.ofSeconds(30)).until(availability::isAvailable);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(store.find("orders")).contains(record));
		assertThat(log.warnings()).as("one warning for the whole outage").hasSize(1);
		assertThat(log.warnings().get(0)).contains("unreachable");
		assertThat(log.infos()).anyMatch((line) -> line.contains("reachable again"));
		assertThat(availability.outages()).isOne();
	}

	@Test
	void notificationsFlowAgainAfterRedisRestarted() {
		RedisReleaseStore a = store(this.factoryA);
		// B re-reads only once a minute: what it gets before that came by pub/sub
		RedisReleaseStore b = rereadingOncePerMinute(this.factoryB);
		List<ReleaseStatus> seenByB = new CopyOnWriteArrayList<>();
		b.subscribe(seenByB::add);
		redis.restartEmpty();
		await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
			ReleaseStatus record = Records.paused("orders", 1 + seenByB.size() + System.nanoTime() % 1000, 30);
			a.compareAndSet(record, a.find("orders").map(ReleaseStatus::revision).orElse(0L));
			return !seenByB.isEmpty();
		});
		ReleaseStatus next = Records.paused("orders", a.find("orders").orElseThrow().revision() + 1, 50);
		assertThat(a.compareAndSet(next, next.revision() - 1).swapped()).isTrue();
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> seenByB.contains(next));
	}

	@Test
	void listenersThatThrowDoNotStopOthers() {
		RedisReleaseStore a = store(this.factoryA);
		List<ReleaseStatus> seen = new CopyOnWriteArrayList<>();
		a.subscribe((status) -> {
			throw new IllegalStateException("boom");
		});
		AutoCloseable handle = a.subscribe(seen::add);
		a.compareAndSet(Records.paused("orders", 1, 30), 0);
		await().atMost(Duration.ofSeconds(30)).until(() -> !seen.isEmpty());
		assertThat(handle).isNotNull();
	}

	@Test
	void aCorruptRecordAffectsOnlyItsReleaseIsReportedOnceAndRecovers() {
		RecordingLogger log = new RecordingLogger();
		StoreAvailability availability = new StoreAvailability("Redis", log, Clock.systemUTC());
		RedisReleaseStore store = store(this.factoryA, availability);
		List<ReleaseStatus> seen = new CopyOnWriteArrayList<>();
		store.subscribe(seen::add);
		ReleaseStatus orders = Records.paused("orders", 1, 30);
		store.compareAndSet(orders, 0);
		List<String> others = List.of("payments", "billing", "search", "users");
		for (String other : others) {
			store.compareAndSet(Records.paused(other, 1, 10), 0);
		}
		String corrupt = new ReleaseRecordCodec().write(orders)
			.replace("\"stepStartedAt\":\"2025-06-01T10:16:30.123456789Z\"", "\"stepStartedAt\":\"yesterday\"");
		this.raw.opsForHash().put("canary:{orders}:release", "record", corrupt);

		assertThatExceptionOfType(ReleaseRecordUnreadableException.class).isThrownBy(() -> store.find("orders"))
			.withMessage("the record of release 'orders' (canary:{orders}:release) cannot be read: not a release "
					+ "record: 'stepStartedAt' is not an ISO-8601 instant: 'yesterday' — repair the record or "
					+ "delete the key (every gateway that knew the release then stores its last known state again)");
		assertThat(store.unreadable("orders")).get()
			.extracting(UnreadableRecord::key)
			.isEqualTo("canary:{orders}:release");
		assertThat(availability.isAvailable()).as("not an outage").isTrue();
		// the other releases are still re-read: changes written behind the store's back
		// (no notification) arrive
		for (String other : others) {
			writeBehindTheStoresBack(Records.paused(other, 2, 20));
		}
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(
					() -> assertThat(seen).containsAll(others.stream().map((o) -> Records.paused(o, 2, 20)).toList()));
		assertThat(store.compareAndSet(Records.paused("payments", 3, 40), 2).swapped()).isTrue();
		// many rounds later: still one warning, and the corrupt record was not
		// overwritten
		int rounds = seen.size();
		await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() > rounds + 3 * others.size());
		assertThat(log.warnings()).singleElement()
			.asString()
			.contains("release 'orders'", "canary:{orders}:release", "'stepStartedAt' is not an ISO-8601 instant");
		assertThat(this.raw.opsForHash().get("canary:{orders}:release", "record")).isEqualTo(corrupt);
		assertThat(seen).noneMatch((status) -> status.release().equals("orders") && status.revision() > 1);

		// repaired by an operator: read again, with one line saying so
		ReleaseStatus repaired = Records.paused("orders", 2, 50);
		writeBehindTheStoresBack(repaired);
		await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains(repaired));
		assertThat(store.unreadable("orders")).isEmpty();
		assertThat(store.find("orders")).contains(repaired);
		assertThat(log.infos()).singleElement().asString().contains("release 'orders'", "can be read again");
	}

	@Test
	void aKeyOfTheWrongTypeIsAProblemOfItsReleaseNotAnOutage() {
		StoreAvailability availability = new StoreAvailability("Redis", Clock.systemUTC());
		RedisReleaseStore store = store(this.factoryA, availability);
		ReleaseStatus orders = Records.paused("orders", 1, 30);
		store.compareAndSet(orders, 0);
		store.compareAndSet(Records.paused("payments", 1, 10), 0);
		this.raw.delete("canary:{orders}:release");
		this.raw.opsForValue().set("canary:{orders}:release", "x");

		assertThatExceptionOfType(ReleaseRecordUnreadableException.class).isThrownBy(() -> store.find("orders"))
			.withMessageStartingWith("the record of release 'orders' (canary:{orders}:release) cannot be read: Redis "
					+ "answered WRONGTYPE")
			.withMessageContaining("(a release record is a hash)");
		// the compare-and-set script gets the same answer
		assertThatExceptionOfType(ReleaseRecordUnreadableException.class)
			.isThrownBy(() -> store.compareAndSet(Records.paused("orders", 2, 40), 1))
			.withMessageContaining("WRONGTYPE");
		assertThat(availability.isAvailable()).as("Redis answered: no outage").isTrue();
		assertThat(availability.outages()).isZero();
		assertThat(store.compareAndSet(Records.paused("payments", 2, 20), 1).swapped()).isTrue();
		assertThat(store.find("payments")).contains(Records.paused("payments", 2, 20));

		// the operator deletes the key: the store re-seeds the last record it knew
		this.raw.delete("canary:{orders}:release");
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(
					() -> assertThat(this.raw.opsForHash().get("canary:{orders}:release", "revision")).isEqualTo("1"));
		assertThat(store.find("orders")).contains(orders);
		assertThat(store.unreadable("orders")).isEmpty();
	}

	@Test
	void aRecordOfANewerFormatIsRefusedByNameNeverOverwrittenAndAValidWriteRecovers() {
		RedisReleaseStore store = store(this.factoryA);
		List<ReleaseStatus> seen = new CopyOnWriteArrayList<>();
		store.subscribe(seen::add);
		store.compareAndSet(Records.paused("orders", 1, 30), 0);
		// a newer gateway wrote revision 2 in a format this one does not read
		String newer = new ReleaseRecordCodec().write(Records.paused("orders", 2, 40))
			.replace("\"format\":2,", "\"format\":3,\"lanes\":[\"stable\",\"canary\",\"dark\"],");
		this.raw.opsForHash().putAll("canary:{orders}:release", Map.of("revision", "2", "record", newer));

		assertThatExceptionOfType(ReleaseRecordUnreadableException.class).isThrownBy(() -> store.find("orders"))
			.withMessage("the record of release 'orders' (canary:{orders}:release) cannot be read: record format 3 "
					+ "was written by a newer gateway; this one reads formats up to 2 — upgrade this gateway to "
					+ "the version that wrote it");
		assertThatExceptionOfType(ReleaseRecordUnreadableException.class)
			.isThrownBy(() -> store.compareAndSet(Records.paused("orders", 2, 50), 1));
		int rounds = seen.size();
		store.compareAndSet(Records.paused("payments", 1, 10), 0);
		await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() > rounds + 3);
		assertThat(this.raw.opsForHash().get("canary:{orders}:release", "record")).as("never re-seeded over")
			.isEqualTo(newer);

		// a valid write arrives (stored and published, as the compare-and-set script
		// does)
		ReleaseStatus valid = Records.paused("orders", 3, 60);
		String json = new ReleaseRecordCodec().write(valid);
		this.raw.opsForHash().putAll("canary:{orders}:release", Map.of("revision", "3", "record", json));
		this.raw.convertAndSend("canary:releases", json);
		await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains(valid));
		await().atMost(Duration.ofSeconds(30)).until(() -> store.unreadable("orders").isEmpty());
		assertThat(store.find("orders")).contains(valid);
	}

	@Test
	void aRecordOfAnotherReleaseUnderTheKeyIsNotTakenForThisOne() {
		RedisReleaseStore store = store(this.factoryA);
		store.compareAndSet(Records.paused("orders", 1, 30), 0);
		this.raw.opsForHash()
			.put("canary:{orders}:release", "record",
					new ReleaseRecordCodec().write(Records.paused("payments", 1, 90)));
		assertThatExceptionOfType(ReleaseRecordUnreadableException.class).isThrownBy(() -> store.find("orders"))
			.withMessageContaining("cannot be read: it holds a record of release 'payments'");
	}

	@Test
	void messagesThatCannotBeReadAreSkippedAndTheSubscriptionStaysAlive() {
		RedisReleaseStore a = store(this.factoryA);
		// B re-reads only once a minute: what it gets before that came by pub/sub
		RedisReleaseStore b = rereadingOncePerMinute(this.factoryB);
		List<ReleaseStatus> seenByB = new CopyOnWriteArrayList<>();
		b.subscribe(seenByB::add);
		ReleaseRecordCodec codec = new ReleaseRecordCodec();
		String valid = codec.write(Records.paused("orders", 1, 30));
		for (String garbage : List.of("not json", "{\"format\":2}", "[1,2]",
				valid.replace("\"stepStartedAt\":\"2025-06-01T10:16:30.123456789Z\"", "\"stepStartedAt\":\"soon\""),
				valid.replace("\"format\":2", "\"format\":3"))) {
			this.raw.convertAndSend("canary:releases", garbage);
		}
		ReleaseStatus record = Records.paused("orders", 1, 30);
		assertThat(a.compareAndSet(record, 0).swapped()).isTrue();
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(10))
			.until(() -> seenByB.contains(record));
		assertThat(seenByB).containsExactly(record);
	}

	/** Stores a record the way the compare-and-set script does, but publishes nothing. */
	private void writeBehindTheStoresBack(ReleaseStatus status) {
		this.raw.opsForHash()
			.putAll("canary:{" + status.release() + "}:release", Map.of("revision", Long.toString(status.revision()),
					"canaryVersion", status.canaryVersion(), "record", new ReleaseRecordCodec().write(status)));
	}

}
