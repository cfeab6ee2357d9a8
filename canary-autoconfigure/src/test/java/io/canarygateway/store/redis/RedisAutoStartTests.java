package io.canarygateway.store.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Versions;
import io.canarygateway.store.ReleaseRecordCodec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway that starts while Redis refuses writes ({@code min-replicas-to-write} without
 * replicas: every write is answered {@code NOREPLICAS}) must not lose the auto-start of a
 * release that waits in {@code IDLE}: the start lands once Redis takes writes again.
 */
class RedisAutoStartTests {

	EmbeddedRedis redis;

	LettuceConnectionFactory controlFactory;

	RedisConnection control;

	LettuceConnectionFactory factory;

	RedisReleaseStore store;

	ExecutorService thread;

	ReleaseController controller;

	@BeforeEach
	void start() {
		this.redis = new EmbeddedRedis();
		this.controlFactory = this.redis.connectionFactory();
		this.control = this.controlFactory.getConnection();
		this.factory = this.redis.connectionFactory();
		this.store = new RedisReleaseStore(this.factory, new RedisKeys("canary"),
				new RedisCalls(new StoreAvailability("Redis", Clock.systemUTC()), Duration.ofSeconds(2)),
				RedisScripts.load(), new ReleaseRecordCodec(), Duration.ofMillis(200));
		this.store.start();
		this.thread = Executors.newSingleThreadExecutor();
	}

	@AfterEach
	void stop() throws Exception {
		if (this.controller != null) {
			this.controller.close();
		}
		this.thread.shutdownNow();
		this.store.close();
		this.factory.destroy();
		this.control.close();
		this.controlFactory.destroy();
		this.redis.close();
	}

	@Test
	void anAutoStartRedisRefusedLandsOnceRedisTakesWritesAgain() {
		// stored by a gateway with auto-start off, or one that stopped before starting it
		ReleaseStatus idle = ReleaseStatus.idle("orders", Versions.of("v1", "v2"), Clock.systemUTC().instant())
			.withRevision(1);
		assertThat(this.store.compareAndSet(idle, 0).swapped()).isTrue();
		this.control.serverCommands().setConfig("min-replicas-to-write", "1");
		try {
			this.controller = ReleaseControllers.autoStarting("orders", this.store, this.thread);
			this.controller.start();
			assertThat(this.controller.release("orders").status().state()).isEqualTo(ReleaseState.IDLE);
		}
		finally {
			this.control.serverCommands().setConfig("min-replicas-to-write", "0");
		}
		await().atMost(Duration.ofSeconds(60))
			.until(() -> this.controller.release("orders").status().state() == ReleaseState.PROGRESSING);
		ReleaseStatus stored = this.store.find("orders").orElseThrow();
		assertThat(stored.state()).isEqualTo(ReleaseState.PROGRESSING);
		assertThat(stored.reason()).isEqualTo(Reason.SCHEDULE);
		assertThat(stored.history()).hasSize(1);
	}

}
