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
import io.canarygateway.store.ReleaseStore;
import io.canarygateway.store.ReleaseStoreUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The Redis release store against a real Redis server: compare-and-set, concurrency,
 * notification between two gateways (two connection factories), the periodic re-read,
 * re-seeding and the outage behaviour.
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
				new RedisCalls(availability, TIMEOUT), RedisScripts.load(), Duration.ofMillis(200));
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
				Duration.ofMinutes(1));
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

}
