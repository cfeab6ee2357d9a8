package io.canarygateway.store.redis;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.canarygateway.core.ReleaseState;

import static io.canarygateway.store.redis.RedisSlowWriteTests.pauseWrites;
import static io.canarygateway.store.redis.RedisSlowWriteTests.unpause;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What an operator sees of a write Redis is too slow to confirm (see
 * {@link RedisSlowWriteTests}): a gateway replica's endpoint answers 503 and says whether
 * the release is unchanged or in an unknown state, and reading the release shows what
 * Redis did later.
 */
class RedisSlowWriteEndpointTests {

	@Test
	void theEndpointSays503OutcomeUnknownAndReadingTheReleaseShowsWhatRedisDidLater() {
		// a release the analysis leaves alone while the test runs (its looks write to
		// Redis
		// too); shorter than window-ttl (10m), a startup rule
		try (Fleet fleet = new Fleet().release("orders", "analysis.interval=5m")) {
			Replica replica = fleet.replica("a");
			Duration timeout = Duration.ofSeconds(2);
			await().atMost(Duration.ofSeconds(60))
				.until(() -> replica.bean(RedisCalls.class).timeout().equals(timeout));
			assertThat(replica.status("orders").state()).isEqualTo(ReleaseState.PROGRESSING);
			LettuceConnectionFactory factory = fleet.redis.connectionFactory();
			RedisConnection connection = factory.getConnection();
			try {
				pauseWrites(connection);
				Replica.Response answer = replica.act("orders", "promote", null);
				assertThat(answer.status()).as(answer.body()).isEqualTo(503);
				assertThat(answer.json().get("outcome").asString()).isEqualTo("unknown");
				assertThat(answer.json().get("error").asString()).contains("may have been applied", "read the release");
				unpause(connection);
				await().atMost(Duration.ofSeconds(60))
					.untilAsserted(
							() -> assertThat(replica.get("/actuator/canary/orders").json().get("state").asString())
								.isEqualTo("PROMOTED"));

				// once Redis is known to be down, nothing is sent: safe to try again
				pauseWrites(connection);
				replica.act("orders", "abort", null);
				Replica.Response refused = replica.act("orders", "abort", null);
				assertThat(refused.status()).as(refused.body()).isEqualTo(503);
				assertThat(refused.json().get("outcome").asString()).isEqualTo("unchanged");
			}
			finally {
				unpause(connection);
				connection.close();
				factory.destroy();
			}
		}
	}

}
