package io.canarygateway.autoconfigure;

import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.handler.predicate.RoutePredicateFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import io.canarygateway.actuate.CanaryEndpoint;
import io.canarygateway.control.AnalysisLoop;
import io.canarygateway.breaker.CanaryBreakers;
import io.canarygateway.breaker.ResilienceKillSwitch;
import io.canarygateway.control.KillSwitch;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Bucketer;
import io.canarygateway.core.Decider;
import io.canarygateway.core.KeyHasher;
import io.canarygateway.core.Lane;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.StickyKeyGenerator;
import io.canarygateway.metrics.CanaryMetrics;
import io.canarygateway.routing.CanaryGatewayFilterFactory;
import io.canarygateway.routing.CanaryPredicateRoutesFilter;
import io.canarygateway.routing.CanaryRoutePredicateFactory;
import io.canarygateway.routing.RoutedRelease;
import io.canarygateway.routing.RoutedReleases;
import io.canarygateway.store.InMemoryReleaseStore;
import io.canarygateway.store.ReleaseStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link CanaryAutoConfiguration} in a reactive gateway context: which beans it
 * contributes, that they are wired into the gateway and started, that user beans make
 * ours back off, and that {@code canary.enabled=false} turns everything off.
 */
class CanaryAutoConfigurationTests {

	private static final String ROUTE = "spring.cloud.gateway.server.webflux.routes";

	private final ReactiveWebApplicationContextRunner runner = CanaryContexts.runner();

	@Test
	void oneValidReleaseContributesEveryBean() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("management.endpoints.web.exposure.include=canary")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(ReleaseController.class);
				assertThat(context).hasSingleBean(ReleaseStore.class);
				assertThat(context.getBean(ReleaseStore.class)).isInstanceOf(InMemoryReleaseStore.class);
				assertThat(context).hasSingleBean(Decider.class);
				assertThat(context).hasSingleBean(StickyKeyGenerator.class);
				assertThat(context).hasSingleBean(CanaryRoutePredicateFactory.class);
				assertThat(context).hasSingleBean(CanaryGatewayFilterFactory.class);
				assertThat(context).hasSingleBean(CanaryPredicateRoutesFilter.class);
				assertThat(context).hasSingleBean(AnalysisLoop.class);
				assertThat(context).hasSingleBean(CanaryMetrics.class);
				assertThat(context).hasSingleBean(CanaryEndpoint.class);
				assertThat(context).hasSingleBean(CanaryProperties.class);
			});
	}

	@Test
	void releasesAreStartedAndMeteredAtStartup() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS).run((context) -> {
			assertThat(context).hasNotFailed();
			ReleaseController controller = context.getBean(ReleaseController.class);
			assertThat(controller.releases()).containsOnlyKeys("orders");
			// auto-start defaults to true: the controller's init method ran and started
			// the release
			assertThat(controller.release("orders").status().state()).isEqualTo(ReleaseState.PROGRESSING);
			assertThat(controller.release("orders").status().weight()).isEqualTo(5);
			assertThat(context.getBean(ReleaseStore.class).find("orders")).isPresent();
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(meters.find(CanaryMetrics.WEIGHT).tag("release", "orders").gauge()).isNotNull();
			assertThat(meters.find(CanaryMetrics.WEIGHT).tag("release", "orders").gauge().value()).isEqualTo(5.0);
			// without an application CircuitBreakerRegistry, ours is bound to Micrometer
			assertThat(meters.find("resilience4j.circuitbreaker.state").tag("name", "canary-orders").meters())
				.isNotEmpty();
		});
	}

	@Test
	void autoStartFalseLeavesTheReleaseIdle() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.releases.orders.auto-start=false")
			.run((context) -> assertThat(context.getBean(ReleaseController.class).release("orders").status().state())
				.isEqualTo(ReleaseState.IDLE));
	}

	@Test
	void predicateAndFilterAreRegisteredWithTheGateway() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues(ROUTE + "[0].id=orders-canary", ROUTE + "[0].uri=http://localhost:1",
					ROUTE + "[0].predicates[0]=Path=/orders/**", ROUTE + "[0].predicates[1]=Canary=orders, canary",
					ROUTE + "[1].id=orders-lb", ROUTE + "[1].uri=lb://orders", ROUTE + "[1].predicates[0]=Path=/lb/**",
					ROUTE + "[1].filters[0]=Canary=orders", ROUTE + "[2].id=orders-stable",
					ROUTE + "[2].uri=http://localhost:2", ROUTE + "[2].predicates[0]=Path=/orders/**",
					ROUTE + "[2].predicates[1]=Canary=orders, stable")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBeansOfType(RoutePredicateFactory.class).values())
					.anySatisfy((factory) -> assertThat(factory.name()).isEqualTo("Canary"));
				assertThat(context.getBeansOfType(GatewayFilterFactory.class).values())
					.anySatisfy((factory) -> assertThat(factory.name()).isEqualTo("Canary"));
				List<Route> routes = context.getBean(RouteLocator.class).getRoutes().collectList().block();
				assertThat(routes).extracting(Route::getId)
					.containsExactly("orders-canary", "orders-lb", "orders-stable");
				assertThat(routes.get(0).getPredicate().toString()).contains("Canary: orders canary");
				assertThat(routes.get(1).getFilters()).extracting(Object::toString)
					.anySatisfy((filter) -> assertThat(filter).contains("Canary: orders"));
			});
	}

	@Test
	void endpointNeedsToBeExposed() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(CanaryEndpoint.class));
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("management.endpoints.web.exposure.include=health,canary")
			.run((context) -> assertThat(context).hasSingleBean(CanaryEndpoint.class));
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("management.endpoints.web.exposure.include=canary",
					// upper case: the runner's environment lacks Boot's lenient enum
					// conversion
					"management.endpoint.canary.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(CanaryEndpoint.class));
	}

	@Test
	void endpointListsTheConfiguredReleases() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("management.endpoints.web.exposure.include=canary")
			.run((context) -> assertThat(context.getBean(CanaryEndpoint.class).releases().get("releases"))
				.asInstanceOf(InstanceOfAssertFactories.MAP)
				.containsOnlyKeys("orders"));
	}

	@Test
	void userReleaseStoreReplacesOurs() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS).withUserConfiguration(UserStore.class).run((context) -> {
			assertThat(context).hasSingleBean(ReleaseStore.class);
			ReleaseStore store = context.getBean(ReleaseStore.class);
			assertThat(store).isInstanceOf(UserReleaseStore.class);
			// the controller initialised the release in the user's store
			assertThat(store.find("orders")).isPresent();
		});
	}

	@Test
	void userStickyKeyGeneratorReplacesOursAndMakesTheCookiesKeys() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.releases.orders.routing.sticky-cookie=canary-key")
			.withUserConfiguration(UserStickyKeys.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(StickyKeyGenerator.class);
				StickyKeyGenerator same = new StickyKeyGenerator(new SplittableRandom(7));
				RoutedRelease orders = context.getBean(RoutedReleases.class).require("orders", "test");
				for (int i = 0; i < 3; i++) {
					MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));
					orders.lane(exchange);
					assertThat(exchange.getResponse().getCookies().getFirst("canary-key").getValue())
						.isEqualTo(same.next());
				}
			});
	}

	@Test
	void userDeciderReplacesOursAndDecidesTheLanes() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withUserConfiguration(UserDecider.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(Decider.class);
				assertThat(context).getBean("userDecider").isSameAs(context.getBean(Decider.class));
				// the user's decider draws bucket 0 every time: canary at any weight
				// above 0. Ours, at 5 %, would
				// send 50 requests in a row to canary with probability 0.05^50.
				RoutedReleases routed = context.getBean(RoutedReleases.class);
				for (int i = 0; i < 50; i++) {
					MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders"));
					assertThat(routed.require("orders", "test").lane(exchange)).isEqualTo(Lane.CANARY);
				}
			});
	}

	@Test
	void userReleaseControllerReplacesOurs() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withUserConfiguration(UserController.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(ReleaseController.class);
				assertThat(context).getBean("userReleaseController").isSameAs(context.getBean(ReleaseController.class));
				assertThat(context.getBean(RoutedReleases.class).all()).containsOnlyKeys("payments");
			});
	}

	@Test
	void userCircuitBreakerRegistryHoldsTheBreakers() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.releases.orders.breaker.sliding-window-size=33")
			.withUserConfiguration(UserRegistry.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(CircuitBreakerRegistry.class);
				CircuitBreakerRegistry registry = context.getBean("userCircuitBreakerRegistry",
						CircuitBreakerRegistry.class);
				CircuitBreaker breaker = registry.find("canary-orders").orElseThrow();
				assertThat(breaker.getCircuitBreakerConfig().getSlidingWindowSize()).isEqualTo(33);
				// the release's kill switch is that very breaker: forcing it open stops
				// canary traffic
				breaker.transitionToForcedOpenState();
				KillSwitch killSwitch = context.getBean(ReleaseController.class).release("orders").killSwitch();
				assertThat(killSwitch.allowsCanary()).isFalse();
			});
	}

	@Test
	void disabledContributesNothing() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.enabled=false", "management.endpoints.web.exposure.include=canary")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(CanaryAutoConfiguration.class);
				assertThat(context).doesNotHaveBean(CanaryProperties.class);
				assertThat(context).doesNotHaveBean(ReleaseController.class);
				assertThat(context).doesNotHaveBean(ReleaseStore.class);
				assertThat(context).doesNotHaveBean(Decider.class);
				assertThat(context).doesNotHaveBean(CanaryRoutePredicateFactory.class);
				assertThat(context).doesNotHaveBean(CanaryGatewayFilterFactory.class);
				assertThat(context).doesNotHaveBean(CanaryPredicateRoutesFilter.class);
				assertThat(context).doesNotHaveBean(AnalysisLoop.class);
				assertThat(context).doesNotHaveBean(CanaryMetrics.class);
				assertThat(context).doesNotHaveBean(CanaryEndpoint.class);
				assertThat(canaryBeans(context.getSourceApplicationContext())).isEmpty();
			});
	}

	@Test
	void disabledIgnoresInvalidReleases() {
		this.runner.withPropertyValues("canary.enabled=false", "canary.releases.orders.stable-version=v1")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	/** Names of beans whose type is one of ours (test configuration aside). */
	private static List<String> canaryBeans(ConfigurableApplicationContext context) {
		return Arrays.stream(context.getBeanDefinitionNames()).filter((name) -> {
			Class<?> type = context.getType(name);
			return type != null && type.getName().startsWith("io.canarygateway.") && !type.getName().contains("Tests$");
		}).toList();
	}

	@Configuration(proxyBeanMethods = false)
	static class UserStore {

		@Bean
		ReleaseStore userReleaseStore() {
			return new UserReleaseStore();
		}

	}

	static class UserReleaseStore extends InMemoryReleaseStore {

	}

	@Configuration(proxyBeanMethods = false)
	static class UserStickyKeys {

		@Bean
		StickyKeyGenerator userStickyKeys() {
			return new StickyKeyGenerator(new SplittableRandom(7));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserDecider {

		@Bean
		Decider userDecider() {
			// draws bucket 0 every time: canary at any weight above 0
			return new Decider(new Bucketer(KeyHasher.MURMUR3), () -> 0);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserController {

		@Bean
		ReleaseController userReleaseController() {
			CanaryProperties.Release payments = new CanaryProperties.Release();
			payments.setStableVersion("p1");
			payments.setCanaryVersion("p2");
			ReleaseConfig config = ReleaseConfigs.resolve("payments", payments, new CanaryProperties.Release());
			KillSwitch.Factory killSwitches = (release, listener) -> new ResilienceKillSwitch(
					CanaryBreakers.breaker(CircuitBreakerRegistry.ofDefaults(), release), Clock.systemUTC(), listener,
					null);
			return new ReleaseController(List.of(config), new InMemoryReleaseStore(), killSwitches, Clock.systemUTC(),
					Runnable::run, List.of());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserRegistry {

		@Bean
		CircuitBreakerRegistry userCircuitBreakerRegistry() {
			return CircuitBreakerRegistry.ofDefaults();
		}

	}

}
