package io.canarygateway.store.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.analysis.LaneRecorder;
import io.canarygateway.analysis.LaneSample;
import io.canarygateway.store.ReleaseRecordCodec;
import io.canarygateway.store.ReleaseStoreUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The fleet's analysis window on a real Redis: every replica's share, summed; one share
 * per replica.
 */
class RedisFleetWindowsTests {

	static final Instant STEP = Instant.parse("2025-06-01T10:00:00.250Z");

	static EmbeddedRedis redis;

	LettuceConnectionFactory factoryA;

	LettuceConnectionFactory factoryB;

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
	}

	@AfterEach
	void disconnect() {
		this.factoryA.destroy();
		this.factoryB.destroy();
	}

	RedisFleetWindows windows(LettuceConnectionFactory factory, StoreAvailability availability) {
		return new RedisFleetWindows(factory, new RedisKeys("canary"),
				new RedisCalls(availability, Duration.ofSeconds(2)), RedisScripts.load(), new ReleaseRecordCodec(),
				Duration.ofMinutes(3));
	}

	static LaneSample sample(int requests, int errors, long latencyMs) {
		LaneRecorder recorder = new LaneRecorder();
		for (int i = 0; i < requests; i++) {
			recorder.record(latencyMs * 1_000_000, i < errors);
		}
		return recorder.sampleInterval();
	}

	@Test
	void theJudgeSeesTheSumOfEveryReplicasShare() {
		RedisFleetWindows a = windows(this.factoryA, new StoreAvailability("Redis", Clock.systemUTC()));
		RedisFleetWindows b = windows(this.factoryB, new StoreAvailability("Redis", Clock.systemUTC()));
		assertThat(a.replicaId()).isNotEqualTo(b.replicaId());

		FleetWindows.Totals first = a.combine("orders", 1, STEP, sample(100, 1, 10), sample(10, 2, 20));
		assertThat(first.stable().requests()).isEqualTo(100);
		assertThat(first.canary().errors()).isEqualTo(2);

		FleetWindows.Totals both = b.combine("orders", 1, STEP, sample(50, 0, 10), sample(5, 1, 400));
		assertThat(both.stable().requests()).isEqualTo(150);
		assertThat(both.stable().errors()).isEqualTo(1);
		assertThat(both.canary().requests()).isEqualTo(15);
		assertThat(both.canary().errors()).isEqualTo(3);
		assertThat(both.canary().maxMicros()).as("histograms are merged, not just counts").isGreaterThan(390_000);

		// a replica's share is cumulative: its next look replaces its share, it is not
		// added to it
		FleetWindows.Totals again = a.combine("orders", 1, STEP, sample(120, 1, 10), sample(12, 2, 20));
		assertThat(again.stable().requests()).isEqualTo(170);
		assertThat(again.canary().requests()).isEqualTo(17);

		// another step (or rollout) is another window
		assertThat(a.combine("orders", 1, STEP.plusSeconds(30), LaneSample.EMPTY, LaneSample.EMPTY).stable().requests())
			.isZero();
		assertThat(a.combine("orders", 2, STEP, sample(1, 0, 1), LaneSample.EMPTY).stable().requests()).isOne();
	}

	@Test
	void windowsExpireAfterTheirLastWrite() {
		RedisFleetWindows a = windows(this.factoryA, new StoreAvailability("Redis", Clock.systemUTC()));
		a.combine("payments", 3, STEP, sample(10, 0, 5), sample(1, 0, 5));
		StringRedisTemplate raw = new StringRedisTemplate(this.factoryB);
		String key = "canary:{payments}:window:3:" + STEP.toEpochMilli();
		assertThat(raw.hasKey(key)).isTrue();
		assertThat(raw.opsForHash().keys(key)).containsExactly(a.replicaId());
		assertThat(raw.getExpire(key)).isBetween(170L, 180L);
	}

	@Test
	void sharesRoundTrip() {
		LaneSample stable = sample(30, 3, 7);
		LaneSample canary = sample(4, 0, 90);
		LaneSample[] lanes = RedisFleetWindows.decode(RedisFleetWindows.encode(stable, canary));
		assertThat(lanes[0]).isEqualTo(stable);
		assertThat(lanes[1]).isEqualTo(canary);
		LaneSample[] empty = RedisFleetWindows.decode(RedisFleetWindows.encode(LaneSample.EMPTY, LaneSample.EMPTY));
		assertThat(empty[0].requests()).isZero();
	}

	@Test
	void withoutRedisALookIsRefusedNotJudgedOnThisReplicaAlone() {
		StoreAvailability availability = new StoreAvailability("Redis", Clock.systemUTC());
		LettuceConnectionFactory nowhere = new LettuceConnectionFactory(
				new org.springframework.data.redis.connection.RedisStandaloneConfiguration("127.0.0.1",
						EmbeddedRedis.freePort()));
		nowhere.afterPropertiesSet();
		nowhere.start();
		try {
			RedisCalls calls = new RedisCalls(availability, Duration.ofMillis(300));
			calls.warmedUp();
			RedisFleetWindows windows = new RedisFleetWindows(nowhere, new RedisKeys("canary"), calls,
					RedisScripts.load(), new ReleaseRecordCodec(), Duration.ofMinutes(3));
			assertThatExceptionOfType(ReleaseStoreUnavailableException.class)
				.isThrownBy(() -> windows.combine("orders", 1, STEP, sample(10, 0, 5), sample(1, 0, 5)));
			assertThat(availability.isAvailable()).isFalse();
		}
		finally {
			nowhere.destroy();
		}
	}

}
