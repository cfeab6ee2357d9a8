package io.canarygateway.store.redis;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.canarygateway.control.ActionResult;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.store.Records;
import io.canarygateway.store.ReleaseRecordCodec;
import io.canarygateway.store.ReleaseStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A write that Redis is too slow to answer: the timeout cancels the call, but a command
 * already sent is not recalled, and Redis may run it after the gateway gave up. Redis is
 * slowed by {@code CLIENT PAUSE <ms> WRITE} from a second connection: every write (and
 * everything queued behind it on the same connection) waits until {@code CLIENT
 * UNPAUSE}, as behind a slow command.
 */
class RedisSlowWriteTests {

	/** The store's timeout per call: long enough that a busy machine never reaches it. */
	static final Duration TIMEOUT = Duration.ofSeconds(3);

	static EmbeddedRedis redis;

	LettuceConnectionFactory factory;

	LettuceConnectionFactory controlFactory;

	RedisConnection control;

	StoreAvailability availability;

	RedisReleaseStore store;

	ReleaseController controller;

	@BeforeAll
	static void startRedis() {
		redis = new EmbeddedRedis();
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@BeforeEach
	void start() {
		this.controlFactory = redis.connectionFactory();
		this.control = this.controlFactory.getConnection();
		this.control.serverCommands().flushAll();
		this.factory = redis.connectionFactory();
		this.availability = new StoreAvailability("Redis", Clock.systemUTC());
		this.store = new RedisReleaseStore(this.factory, new RedisKeys("canary"),
				new RedisCalls(this.availability, TIMEOUT, TIMEOUT), RedisScripts.load(), new ReleaseRecordCodec(),
				Duration.ofMinutes(10));
		this.store.start();
		this.controller = ReleaseControllers.autoStarting("orders", this.store, Runnable::run);
		this.controller.start();
		assertThat(this.controller.release("orders").status().state()).isEqualTo(ReleaseState.PROGRESSING);
	}

	@AfterEach
	void stop() throws Exception {
		unpause();
		this.control.serverCommands().setConfig("min-replicas-to-write", "0");
		this.controller.close();
		this.store.close();
		this.factory.destroy();
		this.control.close();
		this.controlFactory.destroy();
	}

	@Test
	void aPromoteRedisRunsAfterTheTimeoutIsReportedAsApplied() throws Exception {
		pauseWrites();
		CompletableFuture<ActionResult> promote = CompletableFuture
			.supplyAsync(() -> this.controller.operate("orders", Action.PROMOTE, 0, "operator"));
		// the store's call timed out: Redis still holds the promote, and the store asks
		// what became of it
		await().atMost(Duration.ofSeconds(60)).until(() -> !this.availability.isAvailable());
		unpause();
		ActionResult result = promote.get(60, TimeUnit.SECONDS);
		assertThat(stored().state()).as("Redis ran the command after the timeout").isEqualTo(ReleaseState.PROMOTED);
		assertThat(result.kind()).as("%s", result).isEqualTo(ActionResult.Kind.APPLIED);
		assertThat(result.status().state()).isEqualTo(ReleaseState.PROMOTED);
		assertThat(this.controller.release("orders").status().state()).isEqualTo(ReleaseState.PROMOTED);
		assertThat(this.availability.isAvailable()).as("Redis answered again").isTrue();
	}

	@Test
	void aPromoteWhoseFateRedisDoesNotTellInTimeIsReportedAsUnknownNotAsUnchanged() throws Exception {
		pauseWrites();
		ActionResult result = this.controller.operate("orders", Action.PROMOTE, 0, "operator");
		assertThat(result.kind()).as("%s", result).isEqualTo(ActionResult.Kind.OUTCOME_UNKNOWN);
		assertThat(result.message()).contains("may have been applied", "may still be", "read the release");
		assertThat(stored().state()).as("not run yet").isEqualTo(ReleaseState.PROGRESSING);

		unpause();
		// what the answer warned of: Redis runs the promote late, and every replica
		// (this one included) learns it from the change channel
		await().atMost(Duration.ofSeconds(60))
			.until(() -> this.controller.release("orders").status().state() == ReleaseState.PROMOTED);
		assertThat(stored().state()).isEqualTo(ReleaseState.PROMOTED);
	}

	@Test
	void anActionDuringAKnownOutageFailsFastAndChangesNothing() throws Exception {
		pauseWrites();
		this.controller.operate("orders", Action.PAUSE, 0, "operator");
		ActionResult second = this.controller.operate("orders", Action.PROMOTE, 0, "operator");
		assertThat(second.kind()).as("%s", second).isEqualTo(ActionResult.Kind.UNAVAILABLE);
		assertThat(second.message()).contains("unavailable");
		unpause();
		await().atMost(Duration.ofSeconds(60)).until(() -> stored().state() == ReleaseState.PAUSED);
		this.store.refresh();
		assertThat(stored().state()).as("the promote was never sent").isEqualTo(ReleaseState.PAUSED);
	}

	@Test
	void aWriteRedisRefusesWithAnErrorChangedNothing() {
		this.control.serverCommands().setConfig("min-replicas-to-write", "1");
		try {
			ActionResult result = this.controller.operate("orders", Action.PROMOTE, 0, "operator");
			assertThat(result.kind()).as("%s", result).isEqualTo(ActionResult.Kind.UNAVAILABLE);
			assertThat(result.message()).contains("NOREPLICAS");
		}
		finally {
			this.control.serverCommands().setConfig("min-replicas-to-write", "0");
		}
		this.store.refresh();
		assertThat(stored().state()).isEqualTo(ReleaseState.PROGRESSING);
	}

	@Test
	void aWriteThatLostToAnotherWriterIsARefusedSwapEvenWhenRedisAnswersLate() throws Exception {
		ReleaseStatus current = this.store.find("orders").orElseThrow();
		ReleaseStatus other = Records.paused("orders", current.revision() + 1, 40);
		assertThat(this.store.compareAndSet(other, current.revision()).swapped()).isTrue();
		pauseWrites();
		// judged on the record before the other writer's
		ReleaseStatus stale = Records.paused("orders", current.revision() + 1, 10);
		CompletableFuture<ReleaseStore.Swap> swap = CompletableFuture
			.supplyAsync(() -> this.store.compareAndSet(stale, current.revision()));
		await().atMost(Duration.ofSeconds(60)).until(() -> !this.availability.isAvailable());
		unpause();
		ReleaseStore.Swap result = swap.get(60, TimeUnit.SECONDS);
		assertThat(result.swapped()).isFalse();
		assertThat(result.current()).isEqualTo(other);
		assertThat(stored()).isEqualTo(other);
	}

	private void pauseWrites() {
		pauseWrites(this.control);
	}

	private void unpause() {
		unpause(this.control);
	}

	/**
	 * Holds every write (and what is queued behind it on its connection) until
	 * {@link #unpause(RedisConnection)}, as a slow command would.
	 */
	static void pauseWrites(RedisConnection connection) {
		connection.execute("CLIENT", "PAUSE".getBytes(), "600000".getBytes(), "WRITE".getBytes());
	}

	static void unpause(RedisConnection connection) {
		connection.execute("CLIENT", "UNPAUSE".getBytes());
	}

	private ReleaseStatus stored() {
		byte[] json = this.control.hashCommands().hGet("canary:{orders}:release".getBytes(), "record".getBytes());
		return new ReleaseRecordCodec().read(new String(json, StandardCharsets.UTF_8));
	}

}
