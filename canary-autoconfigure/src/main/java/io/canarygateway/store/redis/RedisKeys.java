package io.canarygateway.store.redis;

import java.time.Instant;

/**
 * The names of everything Canary Gateway keeps in Redis. Every key of a release carries
 * the release name as a hash tag ({@code {orders}}), so all keys of one release live in
 * one Redis Cluster slot and one Lua script may touch them together (as Spring Cloud
 * Gateway's {@code RedisRateLimiter} does).
 * <ul>
 * <li>{@code <prefix>:{<release>}:release} — hash: {@code revision},
 * {@code canaryVersion}, {@code record} (the JSON record, see
 * {@link io.canarygateway.store.ReleaseRecordCodec}); replaced only by
 * compare-and-set.</li>
 * <li>{@code <prefix>:{<release>}:window:<rollout>:<step start, epoch ms>} — hash: one
 * field per gateway replica, its share of that step's analysis window; expires a while
 * after the last write.</li>
 * <li>{@code <prefix>:{<release>}:ledger:<rollout>} — hash: {@code looks}, {@code ledger}
 * (binary), {@code verdict} (JSON): the rollout's analysis as the fleet shares it;
 * replaced only by compare-and-set on {@code looks}, expires a week after the last
 * look.</li>
 * <li>{@code <prefix>:{<release>}:lead} — string: the id of the replica that calls the
 * release's webhooks and metric checks and judges it; expires unless that replica extends
 * it.</li>
 * <li>{@code <prefix>:releases} — the pub/sub channel on which every stored record is
 * published.</li>
 * </ul>
 *
 * @param prefix what every key and the channel start with ({@code canary} unless
 * {@code canary.store.redis.key-prefix} says otherwise)
 */
public record RedisKeys(String prefix) {

	public RedisKeys {
		if (prefix == null || prefix.isBlank()) {
			throw new IllegalArgumentException("the Redis key prefix must not be blank");
		}
	}

	/** The key of a release's record. */
	public String release(String release) {
		return this.prefix + ":{" + release + "}:release";
	}

	/** The key of a step's analysis window of a release. */
	public String window(String release, long rollout, Instant stepStartedAt) {
		return this.prefix + ":{" + release + "}:window:" + rollout + ":" + stepStartedAt.toEpochMilli();
	}

	/** The key of a rollout's analysis ledger of a release. */
	public String ledger(String release, long rollout) {
		return this.prefix + ":{" + release + "}:ledger:" + rollout;
	}

	/**
	 * The key naming the gateway that leads a release: makes its webhook calls and metric
	 * checks (docs/integrations.md).
	 */
	public String lead(String release) {
		return this.prefix + ":{" + release + "}:lead";
	}

	/** The channel every stored record is published on. */
	public String channel() {
		return this.prefix + ":releases";
	}

}
