package io.canarygateway.store.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.testing.Traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The outage policy end to end, with two replicas under load: Redis stopped for several
 * seconds costs no client request and freezes progression; a breaker that trips meanwhile
 * still cuts the canary off locally and its rollback reaches the fleet once Redis is
 * back; Redis restarted empty is re-seeded with every release where it was, not reset.
 */
class RedisOutageTests {

	static Fleet fleet;

	static Replica a;

	static Replica b;

	@BeforeAll
	static void startFleet() {
		fleet = new Fleet()
			// held by an operator at 30 %: what a re-seed must restore exactly
			.release("steady")
			// a healthy canary that moves through many short steps: progression is
			// visible, and so is a freeze
			.release("moving",
					Fleet.progressing("steps=20,25,30,35,40,45,50,55,60,65,70,75,80,85,90,95,100", "step-interval=1s"))
			// its canary fails while Redis is down, seen only through replica A; the
			// breaker trips it (the judge, which would roll it back too, must not come
			// first on a slow machine)
			.release("tripping", "steps=50,100", "analysis.failure-threshold=1000");
		a = fleet.replica("a");
		b = fleet.replica("b");
	}

	@AfterAll
	static void stopFleet() {
		fleet.close();
	}

	/** How many clients send the tripping release's traffic at once. */
	static final int TRIPPING_CLIENTS = 4;

	/**
	 * The canary calls a breaker needs before it may open (the default
	 * {@code minimum-number-of-calls}).
	 */
	static final int BREAKER_MINIMUM_CALLS = 10;

	/**
	 * Generous: a busy two-core machine is slow, and none of these waits measures speed.
	 */
	static final Duration LONG = Duration.ofSeconds(120);

	@Test
	void redisDownServesEveryRequestFreezesProgressionAndComesBackWhereItWas() throws Exception {
		assertThat(a.act("steady", "weight", 30).status()).isEqualTo(200);
		List<Traffic> load = new ArrayList<>();
		try {
			for (Replica replica : List.of(a, b)) {
				load.add(Traffic.get(replica.baseUrl(), "/moving/1")
					.concurrency(2)
					.pause(Duration.ofMillis(40))
					.start());
				load.add(Traffic.get(replica.baseUrl(), "/steady/1")
					.concurrency(1)
					.pause(Duration.ofMillis(100))
					.start());
			}
			// progression works while Redis is up
			await().atMost(LONG).until(() -> a.status("moving").weight() >= 30);
			ReleaseStatus steadyBefore = fleet.stored("steady");
			ReleaseStatus trippingBefore = fleet.stored("tripping");
			assertThat(steadyBefore.weight()).isEqualTo(30);
			assertThat(trippingBefore.state()).isEqualTo(ReleaseState.PROGRESSING);

			fleet.redis.stop();
			// both replicas notice (a look, a refresh)
			await().atMost(LONG)
				.until(() -> !storeAvailable(a) && !storeAvailable(b) && gauge(a) == 0 && gauge(b) == 0);
			ReleaseStatus movingOnA = a.status("moving");
			ReleaseStatus movingOnB = b.status("moving");

			// a canary failing while Redis is down: A's breaker cuts it off at once,
			// without the store
			Backend failingCanary = fleet.backend("tripping", true);
			failingCanary.failWith(500);
			Traffic tripping = Traffic.get(a.baseUrl(), "/tripping/1")
				.concurrency(TRIPPING_CLIENTS)
				.pause(Duration.ofMillis(20))
				.start();
			try {
				await().atMost(LONG).until(() -> !a.release("tripping").killSwitch().allowsCanary());
				// every request sent from now on is routed by a gateway whose breaker is
				// open
				long sentWhenSeenOpen = tripping.sent();
				long outageEnds = System.nanoTime() + Duration.ofSeconds(5).toNanos();
				while (System.nanoTime() < outageEnds) {
					// nothing moves: not the weight, not the state, on either replica
					assertThat(a.status("moving")).isEqualTo(movingOnA);
					assertThat(b.status("moving")).isEqualTo(movingOnB);
					assertThat(a.status("steady")).isEqualTo(steadyBefore);
					Thread.sleep(100);
				}
				// however slow the machine, enough requests were sent after the breaker
				// opened to tell
				await().atMost(LONG).until(() -> tripping.sent() >= sentWhenSeenOpen + 100);
				tripping.stop().awaitFinished(LONG);
				assertThat(failingCanary.requestsSentAfter(sentWhenSeenOpen))
					.as("canary requests sent through A after its breaker was seen open")
					.isZero();
				// the calls that opened it and at most one per client already on its way
				// then, however long
				// those took to arrive
				assertThat(failingCanary.requests()).as("canary requests through A")
					.isBetween((long) BREAKER_MINIMUM_CALLS, (long) BREAKER_MINIMUM_CALLS + TRIPPING_CLIENTS);
				assertThat(a.status("tripping").state()).as("the rollback waits for the store")
					.isEqualTo(ReleaseState.PROGRESSING);
				assertThat(tripping.errors()).as("GETs retried on stable: %s", tripping).isZero();
			}
			finally {
				tripping.close();
			}

			// what an operator and a health check see meanwhile
			Replica.Response refused = a.act("steady", "pause", null);
			assertThat(refused.status()).isEqualTo(503);
			assertThat(refused.json().get("error").asString()).contains("unavailable");
			Replica.Response health = b.get("/actuator/health/canaryStore");
			assertThat(health.status()).as("not DOWN: the replica still serves").isEqualTo(200);
			assertThat(health.json().get("status").asString()).isEqualTo("UNKNOWN");
			assertThat(health.json().get("details").get("available").asBoolean()).isFalse();

			fleet.redis.start(); // empty: it ran without persistence

			// re-seeded from the replicas' last known records, not reset
			await().atMost(LONG).untilAsserted(() -> assertThat(fleet.stored("steady")).isEqualTo(steadyBefore));
			await().atMost(LONG).until(() -> storeAvailable(a) && storeAvailable(b));
			// the rollback A's breaker called for is written and reaches B
			await().atMost(LONG).untilAsserted(() -> {
				assertThat(b.status("tripping").state()).isEqualTo(ReleaseState.ROLLED_BACK);
				assertThat(b.status("tripping").reason()).isEqualTo(Reason.BREAKER);
				assertThat(b.release("tripping").killSwitch().stateName()).isEqualTo("FORCED_OPEN");
			});
			assertThat(b.status("tripping").rollout()).isEqualTo(trippingBefore.rollout());
			// progression resumes from where it stood
			await().atMost(LONG)
				.untilAsserted(() -> assertThat(fleet.stored("moving").weight()).isGreaterThan(movingOnA.weight()));
			ReleaseStatus moving = fleet.stored("moving");
			assertThat(moving.rollout()).isEqualTo(movingOnA.rollout());
			assertThat(moving.history().subList(0, movingOnA.history().size())).isEqualTo(movingOnA.history());
			assertThat(gauge(a)).isEqualTo(1);
			assertThat(gauge(b)).isEqualTo(1);
			load.forEach(Traffic::stop);
			for (Traffic traffic : load) {
				traffic.awaitFinished(LONG);
			}
		}
		finally {
			load.forEach(Traffic::close);
		}
		for (Traffic traffic : load) {
			assertThat(traffic.errors()).as("client requests that failed: %s", traffic).isZero();
			assertThat(traffic.ok()).isPositive();
		}
	}

	static boolean storeAvailable(Replica replica) {
		return replica.bean(StoreAvailability.class).isAvailable();
	}

	static double gauge(Replica replica) {
		return replica.bean(MeterRegistry.class).get(StoreAvailability.METRIC).gauge().value();
	}

}
