package io.canarygateway.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Tuning of the Redis release store ({@code canary.store.type=redis}). The connection
 * itself is the application's ({@code spring.data.redis.*}).
 */
@ConfigurationProperties(prefix = CanaryRedisProperties.PREFIX)
public class CanaryRedisProperties {

	/** The prefix of these properties. */
	public static final String PREFIX = "canary.store.redis";

	/**
	 * Longest wait for one Redis call. A call that takes longer counts as Redis being
	 * unreachable: the gateway then serves with the release state it last knew until a
	 * probe reaches Redis again.
	 */
	private Duration timeout = Duration.ofSeconds(1);

	/**
	 * How often every release is re-read from Redis (the safety net under pub/sub
	 * notifications), lost records are re-seeded and, while Redis is unreachable, how
	 * often it is probed.
	 */
	private Duration refreshInterval = Duration.ofSeconds(2);

	/**
	 * How long a step's analysis window (each replica's share) stays in Redis after its
	 * last write. Must be longer than every release's analysis interval (well above it is
	 * better).
	 */
	private Duration windowTtl = Duration.ofMinutes(10);

	/**
	 * What every key and the pub/sub channel start with. Gateway fleets that share one
	 * Redis but not their releases need different prefixes.
	 */
	private String keyPrefix = "canary"; // a literal: IDE metadata only sees literals

	/**
	 * What breaks a rule, one line per problem: {@code <property>: <rule>} (empty when
	 * all is well).
	 */
	public List<String> problems() {
		List<String> problems = new ArrayList<>();
		positive(problems, "timeout", this.timeout);
		positive(problems, "refresh-interval", this.refreshInterval);
		positive(problems, "window-ttl", this.windowTtl);
		if (this.keyPrefix == null || this.keyPrefix.isBlank()) {
			problems.add(PREFIX + ".key-prefix: must not be blank, was '" + this.keyPrefix + "'");
		}
		return problems;
	}

	/**
	 * What breaks the rule that {@code window-ttl} is longer than every release's
	 * analysis interval, one line per interval that is not shorter: each replica writes
	 * its share of a step's window at each look, so a window that lives no longer than
	 * the time between two looks can lose replicas' shares before the judge reads them.
	 */
	List<String> windowTtlProblems(Collection<ReleaseConfigs.Setting> analysisIntervals) {
		List<String> problems = new ArrayList<>();
		if (this.windowTtl == null) {
			return problems;
		}
		for (ReleaseConfigs.Setting interval : analysisIntervals) {
			if (this.windowTtl.compareTo(interval.value()) <= 0) {
				problems.add(PREFIX + ".window-ttl: must be longer than every release's analysis.interval, was "
						+ ReleaseConfigs.format(this.windowTtl) + " while " + interval
						+ ": each replica's share of a step's analysis window could expire between two looks");
			}
		}
		return problems;
	}

	private static void positive(List<String> problems, String name, Duration value) {
		if (value == null || value.isNegative() || value.isZero() || value.toMillis() == 0) {
			problems.add(PREFIX + "." + name + ": must be a positive duration of at least 1ms, was " + value);
		}
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

	public Duration getRefreshInterval() {
		return this.refreshInterval;
	}

	public void setRefreshInterval(Duration refreshInterval) {
		this.refreshInterval = refreshInterval;
	}

	public Duration getWindowTtl() {
		return this.windowTtl;
	}

	public void setWindowTtl(Duration windowTtl) {
		this.windowTtl = windowTtl;
	}

	public String getKeyPrefix() {
		return this.keyPrefix;
	}

	public void setKeyPrefix(String keyPrefix) {
		this.keyPrefix = keyPrefix;
	}

}
