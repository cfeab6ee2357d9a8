package io.canarygateway.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ContextConsumer;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;

import io.canarygateway.autoconfigure.CanaryAutoConfiguration.CanaryReleaseConfigs;
import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.RoutingConfig;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a release's settings are resolved from {@code canary.*} properties: the release's
 * own value, else {@code canary.defaults}, else the built-in default
 * (docs/configuration.md, "How a release's settings are resolved"; asserted here as
 * literals, so a changed default is noticed).
 */
class CanaryPropertiesDefaultsTests {

	private final ReactiveWebApplicationContextRunner runner = CanaryContexts.runner();

	@Test
	void releaseInheritsCanaryDefaults() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.defaults.steps=10,50,100", "canary.defaults.analysis.interval=5s",
					"canary.defaults.routing.sticky-header=X-User-Id", "canary.defaults.breaker.sliding-window-size=40",
					"canary.defaults.manual-gates=50", "canary.defaults.auto-start=false",
					"canary.defaults.routing.sticky-cookie-max-age=7d")
			.run(release("orders", (orders) -> {
				assertThat(orders.routing().stickyCookieMaxAge()).isEqualTo(Duration.ofDays(7));
				assertThat(orders.steps()).containsExactly(10, 50, 100);
				assertThat(orders.analysis().interval()).isEqualTo(Duration.ofSeconds(5));
				assertThat(orders.routing().stickyHeader()).isEqualTo("X-User-Id");
				assertThat(orders.breaker().slidingWindowSize()).isEqualTo(40);
				assertThat(orders.manualGates()).containsExactly(50);
				assertThat(orders.autoStart()).isFalse();
				// what neither sets keeps the built-in default, also beside inherited
				// values in the same group
				assertThat(orders.analysis().minRequests()).isEqualTo(50);
				assertThat(orders.routing().overrideHeader()).isEqualTo("X-Canary");
				assertThat(orders.breaker().minimumNumberOfCalls()).isEqualTo(10);
				assertThat(orders.stepInterval()).isEqualTo(Duration.ofMinutes(1));
			}));
	}

	@Test
	void releaseValueOverridesCanaryDefaults() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.defaults.steps=10,50,100", "canary.defaults.analysis.interval=5s",
					"canary.defaults.routing.sticky-header=X-User-Id", "canary.defaults.breaker.sliding-window-size=40",
					"canary.releases.orders.steps=20,100", "canary.releases.orders.analysis.interval=30s",
					"canary.releases.orders.routing.sticky-header=X-Tenant",
					"canary.defaults.routing.sticky-cookie-max-age=7d",
					"canary.releases.orders.routing.sticky-cookie-max-age=12h",
					"canary.releases.orders.breaker.sliding-window-size=60",
					"canary.releases.payments.stable-version=p1", "canary.releases.payments.canary-version=p2")
			.run((context) -> {
				ReleaseConfig orders = releaseConfig(context.getBean(CanaryReleaseConfigs.class), "orders");
				assertThat(orders.steps()).containsExactly(20, 100);
				assertThat(orders.analysis().interval()).isEqualTo(Duration.ofSeconds(30));
				assertThat(orders.routing().stickyHeader()).isEqualTo("X-Tenant");
				assertThat(orders.routing().stickyCookieMaxAge()).isEqualTo(Duration.ofHours(12));
				assertThat(orders.breaker().slidingWindowSize()).isEqualTo(60);
				// the override is per release: another release still inherits the
				// defaults
				ReleaseConfig payments = releaseConfig(context.getBean(CanaryReleaseConfigs.class), "payments");
				assertThat(payments.steps()).containsExactly(10, 50, 100);
				assertThat(payments.analysis().interval()).isEqualTo(Duration.ofSeconds(5));
				assertThat(payments.routing().stickyHeader()).isEqualTo("X-User-Id");
				assertThat(payments.routing().stickyCookieMaxAge()).isEqualTo(Duration.ofDays(7));
				assertThat(payments.breaker().slidingWindowSize()).isEqualTo(40);
			});
	}

	@Test
	void releaseMayDisableAnInheritedHeaderWithAnEmptyValue() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.defaults.routing.override-header=X-Force",
					"canary.releases.orders.routing.override-header=")
			.run(release("orders", (orders) -> assertThat(orders.routing().overrideHeader()).isEmpty()));
	}

	@Test
	void unsetEverywhereTakesTheBuiltInDefaults() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS).run(release("orders", (orders) -> {
			assertThat(orders.stableVersion()).isEqualTo("v1");
			assertThat(orders.canaryVersion()).isEqualTo("v2");
			assertThat(orders.autoStart()).isTrue();
			assertThat(orders.steps()).containsExactly(5, 10, 25, 50, 100);
			assertThat(orders.stepInterval()).isEqualTo(Duration.ofMinutes(1));
			assertThat(orders.manualGates()).isEmpty();
			assertThat(orders.progressDeadline()).isEqualTo(Duration.ofMinutes(10));
			AnalysisConfig analysis = orders.analysis();
			assertThat(analysis.interval()).isEqualTo(Duration.ofSeconds(10));
			assertThat(analysis.minRequests()).isEqualTo(50);
			assertThat(analysis.confidence()).isEqualTo(0.99);
			assertThat(analysis.errorRateTolerance()).isEqualTo(0.01);
			assertThat(analysis.latencyTolerance()).isEqualTo(0.2);
			assertThat(analysis.maxErrorRate()).isEqualTo(0.05);
			assertThat(analysis.maxLatency()).isEqualTo(Duration.ofSeconds(2));
			assertThat(analysis.failureThreshold()).isEqualTo(1);
			BreakerConfig breaker = orders.breaker();
			assertThat(breaker.failureRateThreshold()).isEqualTo(50f);
			assertThat(breaker.slidingWindowSize()).isEqualTo(20);
			assertThat(breaker.minimumNumberOfCalls()).isEqualTo(10);
			assertThat(breaker.slowCallDurationThreshold()).isEqualTo(Duration.ofSeconds(2));
			assertThat(breaker.slowCallRateThreshold()).isEqualTo(100f);
			RoutingConfig routing = orders.routing();
			assertThat(routing.overrideHeader()).isEqualTo("X-Canary");
			assertThat(routing.overrideCookie()).isEqualTo("canary");
			assertThat(routing.stickyHeader()).isEmpty();
			assertThat(routing.stickyCookie()).isEmpty();
			assertThat(routing.stickyCookieMaxAge()).isEqualTo(Duration.ofDays(30));
			assertThat(routing.retryOnStable()).isTrue();
			assertThat(routing.exposeVersion()).isFalse();
		}));
	}

	@Test
	void topLevelDefaults() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS).run((context) -> {
			CanaryProperties properties = context.getBean(CanaryProperties.class);
			assertThat(properties.isEnabled()).isTrue();
			assertThat(properties.getInstanceMetadataKey()).isEqualTo("version");
			// a fresh instance: the test JVM sets canary.store.type=memory (see the pom)
			assertThat(new CanaryProperties().getStore().getType()).isEqualTo(CanaryProperties.StoreType.FILE);
			assertThat(new CanaryProperties().getStore().getFile().getPath()).isEqualTo("canary-state");
			assertThat(properties.getDashboard().isEnabled()).isFalse();
			assertThat(properties.getDashboard().getPath()).isEqualTo("/canary-dashboard/");
		});
	}

	@Test
	void releasesKeepTheirConfiguredOrder() {
		this.runner
			.withPropertyValues("canary.releases.zeta.stable-version=a", "canary.releases.zeta.canary-version=b",
					"canary.releases.alpha.stable-version=a", "canary.releases.alpha.canary-version=b")
			.run((context) -> assertThat(context.getBean(CanaryReleaseConfigs.class).releases())
				.extracting(ReleaseConfig::name)
				.containsExactly("zeta", "alpha"));
	}

	@Test
	void noReleasesIsValid() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(CanaryReleaseConfigs.class).releases()).isEmpty();
		});
	}

	private static ContextConsumer<AssertableReactiveWebApplicationContext> release(String name,
			Consumer<ReleaseConfig> assertions) {
		return (context) -> {
			assertThat(context).hasNotFailed();
			assertions.accept(releaseConfig(context.getBean(CanaryReleaseConfigs.class), name));
		};
	}

	private static ReleaseConfig releaseConfig(CanaryReleaseConfigs configs, String name) {
		List<ReleaseConfig> matching = configs.releases().stream().filter((r) -> r.name().equals(name)).toList();
		assertThat(matching).hasSize(1);
		return matching.get(0);
	}

}
