package io.canarygateway.autoconfigure;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;

import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.store.InMemoryReleaseStore;
import io.canarygateway.store.ReleaseStore;
import io.canarygateway.store.ReleaseStoreUnavailableException;
import io.canarygateway.store.file.FileReleaseStore;
import io.canarygateway.store.redis.EmbeddedRedis;
import io.canarygateway.store.redis.RedisFleetWindows;
import io.canarygateway.store.redis.RedisReleaseStore;
import io.canarygateway.store.redis.StoreAvailability;

import io.micrometer.core.instrument.MeterRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wiring of {@code canary.store.type=redis}: on, off, backing off, and failing
 * clearly without Spring Data Redis.
 */
class CanaryRedisAutoConfigurationTests {

	static EmbeddedRedis redis;

	@BeforeAll
	static void startRedis() {
		redis = new EmbeddedRedis();
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	static ReactiveWebApplicationContextRunner runner() {
		return new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CanaryRedisAutoConfiguration.class, CanaryAutoConfiguration.class,
					DataRedisAutoConfiguration.class, DataRedisReactiveAutoConfiguration.class,
					GatewayAutoConfiguration.class, WebFluxAutoConfiguration.class, CodecsAutoConfiguration.class,
					MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, EndpointAutoConfiguration.class,
					SslAutoConfiguration.class))
			.withPropertyValues("canary.releases.orders.stable-version=v1", "canary.releases.orders.canary-version=v2",
					"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port);
	}

	@Test
	void redisStoreFleetWindowsHealthAndGaugeWithStoreTypeRedis() {
		runner().withPropertyValues("canary.store.type=redis", "canary.store.redis.key-prefix=fleet1")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(ReleaseStore.class)).isInstanceOf(RedisReleaseStore.class);
				assertThat(context.getBean(RedisReleaseStore.class).keys().release("orders"))
					.isEqualTo("fleet1:{orders}:release");
				assertThat(context.getBean(FleetWindows.class)).isInstanceOf(RedisFleetWindows.class);
				assertThat(context).getBean("canaryStoreHealthIndicator").isInstanceOf(HealthIndicator.class);
				assertThat(context.getBean(MeterRegistry.class).get(StoreAvailability.METRIC).gauge().value())
					.isEqualTo(1.0);
				assertThat(context.getBean(CanaryRedisProperties.class).getTimeout()).hasSeconds(1);
			});
	}

	@Test
	void nothingOfRedisWithTheDefaultFileStore(@TempDir Path directory) {
		// as an application sees it: without the test JVM's canary.store.type=memory
		runner().withSystemProperties("canary.store.type")
			.withPropertyValues("canary.store.file.path=" + directory)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(ReleaseStore.class)).isInstanceOf(FileReleaseStore.class);
				assertThat(context).doesNotHaveBean(RedisReleaseStore.class)
					.doesNotHaveBean(FleetWindows.class)
					.doesNotHaveBean(StoreAvailability.class)
					.doesNotHaveBean("canaryStoreHealthIndicator");
			});
	}

	@Test
	void nothingOfRedisWithTheMemoryStore() {
		runner().withPropertyValues("canary.store.type=memory").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(ReleaseStore.class)).isInstanceOf(InMemoryReleaseStore.class);
			assertThat(context).doesNotHaveBean(RedisReleaseStore.class)
				.doesNotHaveBean(FleetWindows.class)
				.doesNotHaveBean(StoreAvailability.class)
				.doesNotHaveBean("canaryStoreHealthIndicator");
		});
	}

	@Test
	void anApplicationsOwnStoreWins() {
		runner().withPropertyValues("canary.store.type=redis")
			.withBean("myStore", ReleaseStore.class, InMemoryReleaseStore::new)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(ReleaseStore.class)).isInstanceOf(InMemoryReleaseStore.class);
				assertThat(context).doesNotHaveBean(RedisReleaseStore.class);
			});
	}

	@Test
	void aGatewayThatStartsWhileRedisIsUnreachableFailsToStart() {
		runner().withPropertyValues("canary.store.type=redis", "spring.data.redis.port=" + EmbeddedRedis.freePort())
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure())
					.hasStackTraceContaining(ReleaseStoreUnavailableException.class.getName())
					.hasStackTraceContaining("Redis at 127.0.0.1:");
			});
	}

	@Test
	void badStoreSettingsFailStartupNamingTheProperty() {
		runner()
			.withPropertyValues("canary.store.type=redis", "canary.store.redis.timeout=0s",
					"canary.store.redis.key-prefix= ")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("canary.store.redis.timeout: must be a positive duration")
					.hasMessageContaining("canary.store.redis.key-prefix: must not be blank");
			});
	}

	@Test
	void windowTtlNotLongerThanAnAnalysisIntervalFailsStartupNamingBoth() {
		String consequence = ": each replica's share of a step's analysis window could expire between two looks";
		runner()
			.withPropertyValues("canary.store.type=redis", "canary.store.redis.window-ttl=30s",
					"canary.releases.orders.analysis.interval=30s", "canary.defaults.analysis.interval=1m",
					"canary.releases.payments.stable-version=p1", "canary.releases.payments.canary-version=p2",
					"canary.releases.billing.stable-version=b1", "canary.releases.billing.canary-version=b2")
			.run((context) -> {
				assertThat(context).hasFailed();
				InvalidCanaryConfigurationException invalid = find(context.getStartupFailure());
				// payments and billing inherit the same default: one line for it
				assertThat(invalid.getProblems()).containsExactly(
						"canary.store.redis.window-ttl: must be longer than every release's analysis.interval, was "
								+ "30s while canary.releases.orders.analysis.interval is 30s" + consequence,
						"canary.store.redis.window-ttl: must be longer than every release's analysis.interval, was "
								+ "30s while canary.defaults.analysis.interval is 1m" + consequence);
				assertThat(
						new CanaryConfigurationFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
					.contains("canary.store.redis.window-ttl: must be longer");
			});
	}

	@Test
	void windowTtlIsCheckedAgainstTheBuiltInAnalysisInterval() {
		runner().withPropertyValues("canary.store.type=redis", "canary.store.redis.window-ttl=10s")
			.run((context) -> assertThat(find(context.getStartupFailure()).getProblems())
				.containsExactly("canary.store.redis.window-ttl: must be longer than every release's "
						+ "analysis.interval, was 10s while analysis.interval is 10s (built-in default): each "
						+ "replica's share of a step's analysis window could expire between two looks"));
		runner().withPropertyValues("canary.store.type=redis", "canary.store.redis.window-ttl=11s")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void storeTypeRedisWithoutSpringDataRedisFailsNamingTheDependency() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CanaryRedisAutoConfiguration.class, CanaryAutoConfiguration.class,
					GatewayAutoConfiguration.class, WebFluxAutoConfiguration.class, CodecsAutoConfiguration.class,
					EndpointAutoConfiguration.class, SslAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.data.redis."))
			.withPropertyValues("canary.releases.orders.stable-version=v1", "canary.releases.orders.canary-version=v2",
					"canary.store.type=redis")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("canary.store.type")
					.hasMessageContaining("org.springframework.boot:spring-boot-starter-data-redis");
			});
	}

	private static InvalidCanaryConfigurationException find(Throwable failure) {
		assertThat(failure).as("startup failure").isNotNull();
		for (Throwable t = failure; t != null; t = t.getCause()) {
			if (t instanceof InvalidCanaryConfigurationException invalid) {
				return invalid;
			}
		}
		throw new AssertionError("no InvalidCanaryConfigurationException in the cause chain", failure);
	}

}
