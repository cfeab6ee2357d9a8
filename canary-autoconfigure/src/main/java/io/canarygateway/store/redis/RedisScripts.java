package io.canarygateway.store.redis;

import java.util.List;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * The Lua scripts of the Redis store, each one atomic update, kept as resources beside
 * this class ({@code compare-and-set.lua}, {@code seed.lua}, {@code window.lua},
 * {@code ledger.lua}) and loaded as {@link RedisScript}s — as Spring Cloud Gateway's
 * {@code RedisRateLimiter} does with its script. Spring Data Redis runs them by SHA
 * ({@code EVALSHA}) and sends the source only when Redis does not know it yet.
 *
 * @param compareAndSet compare-and-set of one release record, published on the change
 * channel
 * @param seed puts back a record Redis lost, unless a newer one is there
 * @param window publishes a replica's share of a step's window and reads every replica's
 * @param ledger records a rollout's analysis ledger unless another look was recorded
 * first
 */
@SuppressWarnings("rawtypes")
public record RedisScripts(RedisScript<List> compareAndSet, RedisScript<List> seed, RedisScript<List> window,
		RedisScript<List> ledger) {

	private static final String LOCATION = "io/canarygateway/store/redis/";

	/** The scripts shipped with the library. */
	public static RedisScripts load() {
		return new RedisScripts(script("compare-and-set.lua"), script("seed.lua"), script("window.lua"),
				script("ledger.lua"));
	}

	private static RedisScript<List> script(String name) {
		return RedisScript.of(new ClassPathResource(LOCATION + name), List.class);
	}

}
