package io.canarygateway.autoconfigure;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.util.ClassUtils;

import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.store.ReleaseRecordCodec;
import io.canarygateway.store.ReleaseStore;
import io.canarygateway.store.redis.CanaryStoreHealthIndicator;
import io.canarygateway.store.redis.RedisCalls;
import io.canarygateway.store.redis.RedisFleetWindows;
import io.canarygateway.store.redis.RedisKeys;
import io.canarygateway.store.redis.RedisReleaseStore;
import io.canarygateway.store.redis.RedisScripts;
import io.canarygateway.store.redis.StoreAvailability;

/**
 * With {@code canary.store.type=redis}: the {@link RedisReleaseStore}, the
 * {@link RedisFleetWindows}, their Lua scripts as {@link RedisScript} beans, the
 * {@code canaryStore} health contributor and the {@code canary.store.available} gauge, on
 * the application's Redis connection ({@code spring.data.redis.*}, Lettuce). Without
 * Spring Data Redis on the class path startup fails with a message naming the dependency
 * to add. Wiring only.
 */
@AutoConfiguration(before = CanaryAutoConfiguration.class,
		afterName = { "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
				"org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration" })
@ConditionalOnClass(GlobalFilter.class)
@ConditionalOnProperty(prefix = CanaryProperties.PREFIX, name = "enabled", matchIfMissing = true)
@ConditionalOnProperty(prefix = CanaryProperties.PREFIX, name = "store.type", havingValue = "redis")
@EnableConfigurationProperties({ CanaryRedisProperties.class, CanaryProperties.class })
public class CanaryRedisAutoConfiguration {

	static final String SPRING_DATA_REDIS = "org.springframework.data.redis.connection.ReactiveRedisConnectionFactory";

	private static final String LETTUCE = "io.lettuce.core.RedisClient";

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = SPRING_DATA_REDIS)
	static class RedisStoreConfiguration {

		@Bean
		StoreAvailability canaryStoreAvailability(ObjectProvider<RedisConnectionFactory> connectionFactory,
				CanaryRedisProperties properties, CanaryProperties canary, Clock clock) {
			List<String> problems = new ArrayList<>(properties.problems());
			problems.addAll(properties.windowTtlProblems(ReleaseConfigs.analysisIntervals(canary)));
			if (!problems.isEmpty()) {
				throw new InvalidCanaryConfigurationException(problems);
			}
			return new StoreAvailability(describe(connectionFactory.getIfAvailable()), clock);
		}

		@Bean
		RedisCalls canaryRedisCalls(StoreAvailability availability, CanaryRedisProperties properties) {
			return new RedisCalls(availability, properties.getTimeout());
		}

		@Bean
		@SuppressWarnings("rawtypes")
		RedisScript<List> canaryCompareAndSetScript() {
			return RedisScripts.load().compareAndSet();
		}

		@Bean
		@SuppressWarnings("rawtypes")
		RedisScript<List> canarySeedScript() {
			return RedisScripts.load().seed();
		}

		@Bean
		@SuppressWarnings("rawtypes")
		RedisScript<List> canaryWindowScript() {
			return RedisScripts.load().window();
		}

		@Bean
		@SuppressWarnings("rawtypes")
		RedisScript<List> canaryLedgerScript() {
			return RedisScripts.load().ledger();
		}

		@Bean
		@SuppressWarnings("rawtypes")
		RedisScripts canaryRedisScripts(@Qualifier("canaryCompareAndSetScript") RedisScript<List> compareAndSet,
				@Qualifier("canarySeedScript") RedisScript<List> seed,
				@Qualifier("canaryWindowScript") RedisScript<List> window,
				@Qualifier("canaryLedgerScript") RedisScript<List> ledger) {
			return new RedisScripts(compareAndSet, seed, window, ledger);
		}

		@Bean(initMethod = "start", destroyMethod = "close")
		@ConditionalOnMissingBean(ReleaseStore.class)
		RedisReleaseStore canaryReleaseStore(ReactiveRedisConnectionFactory connectionFactory,
				CanaryRedisProperties properties, RedisCalls calls, RedisScripts scripts, ReleaseRecordCodec codec) {
			// injected, not looked up: the store must close before the connection factory
			// does
			return new RedisReleaseStore(connectionFactory, new RedisKeys(properties.getKeyPrefix()), calls, scripts,
					codec, properties.getRefreshInterval());
		}

		@Bean
		@ConditionalOnMissingBean(FleetWindows.class)
		RedisFleetWindows canaryFleetWindows(ReactiveRedisConnectionFactory connectionFactory,
				CanaryRedisProperties properties, RedisCalls calls, RedisScripts scripts, ReleaseRecordCodec codec) {
			return new RedisFleetWindows(connectionFactory, new RedisKeys(properties.getKeyPrefix()), calls, scripts,
					codec, properties.getWindowTtl());
		}

		private static String describe(RedisConnectionFactory factory) {
			if (factory != null && ClassUtils.isPresent(LETTUCE, factory.getClass().getClassLoader())
					&& factory instanceof LettuceConnectionFactory lettuce) {
				return "Redis at " + lettuce.getHostName() + ":" + lettuce.getPort();
			}
			return "Redis";
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { SPRING_DATA_REDIS, "org.springframework.boot.health.contributor.HealthIndicator" })
	static class RedisStoreHealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "canaryStoreHealthIndicator")
		CanaryStoreHealthIndicator canaryStoreHealthIndicator(StoreAvailability availability) {
			return new CanaryStoreHealthIndicator(availability);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass(SPRING_DATA_REDIS)
	static class SpringDataRedisMissingConfiguration {

		@Bean
		ReleaseStore canaryReleaseStore() {
			throw new InvalidCanaryConfigurationException(List.of(CanaryProperties.PREFIX
					+ ".store.type: 'redis' needs Spring Data Redis on the class path; add the dependency "
					+ "org.springframework.boot:spring-boot-starter-data-redis and configure spring.data.redis.*"));
		}

	}

}
