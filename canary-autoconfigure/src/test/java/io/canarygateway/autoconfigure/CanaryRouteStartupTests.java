package io.canarygateway.autoconfigure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.canarygateway.routing.CanaryGatewayFilterFactory;
import io.canarygateway.routing.CanaryRoutePredicateFactory;
import io.canarygateway.routing.UnknownReleaseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * A {@code Canary} route that names an unknown release or lane stops a real reactive
 * gateway from starting, with a message naming the route's property, the release or lane,
 * and the rule — also when the gateway's own startup route check (the Weight predicate's
 * filter, spring-cloud-gateway gh-1574) is switched off or routes would only be built on
 * the first request.
 */
@ExtendWith(OutputCaptureExtension.class)
class CanaryRouteStartupTests {

	private static final String ROUTE = "spring.cloud.gateway.server.webflux.routes[0]";

	private static final String ROUTE_1 = "spring.cloud.gateway.server.webflux.routes[1]";

	private static final List<String> CHECKOUT = List.of("canary.releases.checkout.services.orders.stable-version=v1",
			"canary.releases.checkout.services.orders.canary-version=v2",
			"canary.releases.checkout.services.payments.stable-version=v7",
			"canary.releases.checkout.services.payments.canary-version=v8",
			"canary.releases.checkout.auto-start=false");

	private static final String ROUTE_2 = "spring.cloud.gateway.server.webflux.routes[2]";

	private static final String DIRECT_URI_RULE = ": the Canary filter needs a load-balanced route (uri "
			+ "lb://<service>), was uri http://localhost:1: it picks stable or canary instances of the service by "
			+ "their version metadata, and with a direct URI both lanes would reach the same backend and be compared "
			+ "with each other. For direct URIs use the Canary predicate on two routes, Canary=orders, canary and "
			+ "Canary=orders, stable (docs/routing.md, \"Predicate mode\")";

	/**
	 * Gateway settings under which the gateway itself would not fail startup on a bad
	 * route.
	 */
	private static final String NO_WEIGHT = "spring.cloud.gateway.server.webflux.predicate.weight.enabled=false";

	private static final String NO_REFRESH = "spring.cloud.gateway.server.webflux.route-refresh-listener.enabled=false";

	@ParameterizedTest
	@ValueSource(strings = { "", NO_WEIGHT, NO_REFRESH })
	void predicateNamingAnUnknownReleaseFailsStartup(String gatewaySetting) {
		Throwable failure = startupFailure(gatewaySetting, ROUTE + ".uri=http://localhost:1",
				ROUTE + ".predicates[1]=Canary=nosuch, canary");
		UnknownReleaseException unknown = find(failure, UnknownReleaseException.class);
		assertThat(unknown.getRelease()).isEqualTo("nosuch");
		assertThat(unknown.getMessage()).contains(ROUTE + ".predicates[1] (route 'r')")
			.contains("Canary=nosuch, canary")
			.contains("'nosuch'")
			.contains("not configured under canary.releases (configured: orders)");
		FailureAnalysis analysis = new UnknownReleaseFailureAnalyzer().analyze(failure);
		assertThat(analysis).isNotNull();
		assertThat(analysis.getDescription()).contains("'nosuch'").contains(ROUTE + ".predicates[1]");
		assertThat(analysis.getAction()).contains("canary.releases.nosuch");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", NO_WEIGHT, NO_REFRESH })
	void filterNamingAnUnknownReleaseFailsStartup(String gatewaySetting) {
		Throwable failure = startupFailure(gatewaySetting, ROUTE + ".uri=lb://svc",
				ROUTE + ".filters[0]=Canary=nosuch");
		UnknownReleaseException unknown = find(failure, UnknownReleaseException.class);
		assertThat(unknown.getRelease()).isEqualTo("nosuch");
		assertThat(unknown.getMessage()).contains(ROUTE + ".filters[0] (route 'r')")
			.contains("Canary=nosuch")
			.contains("'nosuch'")
			.contains("not configured under canary.releases");
		FailureAnalysis analysis = new UnknownReleaseFailureAnalyzer().analyze(failure);
		assertThat(analysis).isNotNull();
		assertThat(analysis.getDescription()).contains("'nosuch'").contains(ROUTE + ".filters[0]");
		assertThat(analysis.getAction()).contains("canary.releases.nosuch");
	}

	@Test
	void defaultFilterNamingAnUnknownReleaseFailsStartup() {
		Throwable failure = startupFailure(NO_WEIGHT, ROUTE + ".uri=lb://svc",
				"spring.cloud.gateway.server.webflux.default-filters[0]=Canary=nosuch");
		assertThat(find(failure, UnknownReleaseException.class).getMessage())
			.contains("spring.cloud.gateway.server.webflux.default-filters[0]")
			.contains("'nosuch'");
	}

	@Test
	void namedArgumentsAreCheckedToo() {
		Throwable failure = startupFailure(NO_WEIGHT, ROUTE + ".uri=http://localhost:1",
				ROUTE + ".predicates[1].name=Canary", ROUTE + ".predicates[1].args.release=nosuch",
				ROUTE + ".predicates[1].args.lane=stable");
		assertThat(find(failure, UnknownReleaseException.class).getMessage())
			.contains(ROUTE + ".predicates[1] (route 'r')")
			.contains("'nosuch'");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", NO_WEIGHT, NO_REFRESH })
	void predicateNamingAnUnknownLaneFailsStartup(String gatewaySetting) {
		Throwable failure = startupFailure(gatewaySetting, ROUTE + ".uri=http://localhost:1",
				ROUTE + ".predicates[1]=Canary=orders, purple");
		assertThat(messages(failure))
			.anySatisfy((message) -> assertThat(message).contains("lane must be 'stable' or 'canary', was 'purple'"));
		InvalidCanaryConfigurationException invalid = find(failure, InvalidCanaryConfigurationException.class);
		assertThat(invalid.getProblems()).singleElement()
			.asString()
			.startsWith(ROUTE + ".predicates[1] (route 'r'): ")
			.contains("Canary=orders, purple")
			.contains("lane must be 'stable' or 'canary', was 'purple'");
		FailureAnalysis analysis = new CanaryConfigurationFailureAnalyzer().analyze(failure);
		assertThat(analysis.getDescription()).contains(ROUTE + ".predicates[1]").contains("lane must be");
	}

	@Test
	void failureIsReportedByOurAnalyzer(CapturedOutput output) {
		startupFailure("", ROUTE + ".uri=http://localhost:1", ROUTE + ".predicates[1]=Canary=nosuch, canary");
		// Boot found the analyzer through META-INF/spring.factories and printed its
		// report
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("names release 'nosuch', which is not configured under canary.releases")
			.contains("Configure the release under canary.releases.nosuch");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", NO_WEIGHT, NO_REFRESH })
	void validCanaryRoutesStart(String gatewaySetting) {
		List<String> properties = properties(gatewaySetting, ROUTE + ".uri=http://localhost:1",
				ROUTE + ".predicates[1]=Canary=orders, canary", ROUTE_1 + ".id=lb", ROUTE_1 + ".uri=lb://svc",
				ROUTE_1 + ".predicates[0]=Path=/lb/**", ROUTE_1 + ".filters[0]=Canary=orders", ROUTE_2 + ".id=r-stable",
				ROUTE_2 + ".uri=http://localhost:2", ROUTE_2 + ".predicates[0]=Path=/x/**",
				ROUTE_2 + ".predicates[1]=Canary=orders, stable");
		try (ConfigurableApplicationContext context = application(properties).run()) {
			List<Route> routes = context.getBean(RouteLocator.class).getRoutes().collectList().block();
			assertThat(routes).extracting(Route::getId).containsExactlyInAnyOrder("r", "lb", "r-stable");
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "", NO_WEIGHT, NO_REFRESH })
	void filterOnADirectUriFailsStartupNamingTheRoute(String gatewaySetting) {
		Throwable failure = startupFailure(gatewaySetting, ROUTE + ".uri=http://localhost:1",
				ROUTE + ".filters[0]=Canary=orders");
		InvalidCanaryConfigurationException invalid = find(failure, InvalidCanaryConfigurationException.class);
		assertThat(invalid.getProblems()).containsExactly(ROUTE + ".filters[0] (route 'r')" + DIRECT_URI_RULE);
		assertThat(new CanaryConfigurationFailureAnalyzer().analyze(failure).getDescription())
			.contains(ROUTE + ".filters[0] (route 'r'): the Canary filter needs a load-balanced route");
	}

	@Test
	void defaultFilterFailsStartupNamingEveryDirectRoute() {
		Throwable failure = startupFailure(NO_WEIGHT, ROUTE + ".uri=http://localhost:1", ROUTE_1 + ".id=lb",
				ROUTE_1 + ".uri=lb://svc", ROUTE_1 + ".predicates[0]=Path=/lb/**",
				"spring.cloud.gateway.server.webflux.default-filters[0]=Canary=orders");
		assertThat(find(failure, InvalidCanaryConfigurationException.class).getProblems())
			.containsExactly("spring.cloud.gateway.server.webflux.default-filters[0] (on route 'r')" + DIRECT_URI_RULE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", NO_WEIGHT, NO_REFRESH })
	void predicateLaneWithoutARouteForTheOtherLaneFailsStartup(String gatewaySetting) {
		Throwable failure = startupFailure(gatewaySetting, ROUTE + ".uri=http://localhost:1",
				ROUTE + ".predicates[1]=Canary=orders, canary");
		assertThat(find(failure, InvalidCanaryConfigurationException.class).getProblems())
			.containsExactly(ROUTE + ".predicates[1] (route 'r'): release 'orders' has a route for its canary lane "
					+ "but none for its stable lane (no route has the predicate Canary=orders, stable): requests "
					+ "whose lane is stable would go to another route or get 404. Add a route with Canary=orders, "
					+ "stable and the same other predicates (docs/routing.md, \"Predicate mode\")");
	}

	@ParameterizedTest
	@ValueSource(strings = { "", NO_WEIGHT, NO_REFRESH })
	void releaseOfSeveralServicesStartsWithARouteForEachService(String gatewaySetting) {
		List<String> properties = properties(gatewaySetting, ROUTE + ".uri=lb://orders",
				ROUTE + ".filters[0]=Canary=checkout", ROUTE_1 + ".id=p", ROUTE_1 + ".uri=lb://Payments",
				ROUTE_1 + ".predicates[0]=Path=/p/**", ROUTE_1 + ".filters[0]=Canary=checkout");
		properties.addAll(CHECKOUT);
		try (ConfigurableApplicationContext context = application(properties).run()) {
			assertThat(context.getBean(RouteLocator.class).getRoutes().collectList().block()).hasSize(2);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "", NO_WEIGHT, NO_REFRESH })
	void routeToAServiceTheReleaseDoesNotNameFailsStartup(String gatewaySetting) {
		List<String> properties = properties(gatewaySetting, ROUTE + ".uri=lb://inventory",
				ROUTE + ".filters[0]=Canary=checkout");
		properties.addAll(CHECKOUT);
		Throwable failure = assertThatException().isThrownBy(() -> application(properties).run().close()).actual();
		assertThat(find(failure, InvalidCanaryConfigurationException.class).getProblems())
			.containsExactly(ROUTE + ".filters[0] (route 'r'): release 'checkout' has no versions for service "
					+ "'inventory' of uri lb://inventory: its services are [orders, payments]. Add the service under "
					+ "canary.releases.checkout.services, or use another release for this route "
					+ "(docs/multi-service.md)");
	}

	@Test
	void releaseOfSeveralServicesOnAPredicateFailsStartup() {
		List<String> properties = properties(NO_WEIGHT, ROUTE + ".uri=http://localhost:1",
				ROUTE + ".predicates[1]=Canary=checkout, canary", ROUTE_1 + ".id=s",
				ROUTE_1 + ".uri=http://localhost:2", ROUTE_1 + ".predicates[0]=Path=/x/**",
				ROUTE_1 + ".predicates[1]=Canary=checkout, stable");
		properties.addAll(CHECKOUT);
		Throwable failure = assertThatException().isThrownBy(() -> application(properties).run().close()).actual();
		assertThat(find(failure, InvalidCanaryConfigurationException.class).getProblems()).hasSize(2)
			.first()
			.asString()
			.isEqualTo(ROUTE + ".predicates[1] (route 'r'): release 'checkout' spans several services "
					+ "(canary.releases.checkout.services), which the Canary predicate cannot tell apart: route each "
					+ "service with uri lb://<service> and the Canary=checkout filter (docs/multi-service.md)");
	}

	@Test
	void stableLaneAloneFailsStartupNamingTheMissingCanaryLane() {
		Throwable failure = startupFailure(NO_WEIGHT, ROUTE + ".uri=http://localhost:1",
				ROUTE + ".predicates[1]=Canary=orders, stable");
		assertThat(find(failure, InvalidCanaryConfigurationException.class).getProblems()).singleElement()
			.asString()
			.startsWith(ROUTE + ".predicates[1] (route 'r'): release 'orders' has a route for its stable lane "
					+ "but none for its canary lane (no route has the predicate Canary=orders, canary)");
	}

	@Test
	void javaDslRouteWithTheFilterOnADirectUriFailsStartup() {
		List<String> properties = properties(NO_WEIGHT, ROUTE + ".uri=lb://svc");
		Throwable failure = assertThatException()
			.isThrownBy(() -> application(properties).sources(DirectDslRoute.class).run().close())
			.actual();
		assertThat(find(failure, InvalidCanaryConfigurationException.class).getProblems()).singleElement()
			.asString()
			.startsWith("route 'dsl' (RouteLocator bean 'dslRoutes'): the Canary filter needs a load-balanced route "
					+ "(uri lb://<service>), was uri http://localhost:1");
	}

	@Test
	void javaDslRouteCompletesAPredicatePairFromProperties() {
		List<String> properties = properties(NO_WEIGHT, ROUTE + ".uri=http://localhost:1",
				ROUTE + ".predicates[1]=Canary=orders, canary");
		try (ConfigurableApplicationContext context = application(properties).sources(StableLaneDslRoute.class).run()) {
			assertThat(context.getBean(RouteLocator.class).getRoutes().collectList().block()).extracting(Route::getId)
				.containsExactlyInAnyOrder("r", "dsl-stable");
		}
	}

	@Test
	void javaDslPredicateLaneAloneFailsStartup() {
		List<String> properties = properties(NO_WEIGHT, ROUTE + ".uri=lb://svc");
		Throwable failure = assertThatException()
			.isThrownBy(() -> application(properties).sources(StableLaneDslRoute.class).run().close())
			.actual();
		assertThat(find(failure, InvalidCanaryConfigurationException.class).getProblems()).singleElement()
			.asString()
			.startsWith("route 'dsl-stable' (RouteLocator bean 'dslRoutes'): release 'orders' has a route for its "
					+ "stable lane but none for its canary lane");
	}

	@Test
	void skipsTheCheckWhenTheGatewayIgnoresInvalidRoutes() {
		// fail-on-route-definition-error=false: the gateway drops the bad route with a
		// warning, and so do we
		List<String> properties = properties(NO_WEIGHT, ROUTE + ".uri=http://localhost:1",
				ROUTE + ".predicates[1]=Canary=nosuch, canary",
				"spring.cloud.gateway.server.webflux.fail-on-route-definition-error=false");
		try (ConfigurableApplicationContext context = application(properties).run()) {
			assertThat(context.getBean(RouteLocator.class).getRoutes().collectList().block()).isEmpty();
		}
	}

	private static Throwable startupFailure(String gatewaySetting, String... route) {
		List<String> properties = properties(gatewaySetting, route);
		return assertThatException().isThrownBy(() -> application(properties).run().close()).actual();
	}

	private static List<String> properties(String gatewaySetting, String... route) {
		List<String> properties = new ArrayList<>(List.of("server.port=0", "spring.main.banner-mode=off",
				"canary.releases.orders.stable-version=v1", "canary.releases.orders.canary-version=v2",
				"canary.releases.orders.auto-start=false", ROUTE + ".id=r", ROUTE + ".predicates[0]=Path=/x/**"));
		properties.addAll(Arrays.asList(route));
		if (!gatewaySetting.isEmpty()) {
			properties.add(gatewaySetting);
		}
		return properties;
	}

	private static SpringApplicationBuilder application(List<String> properties) {
		return new SpringApplicationBuilder(Gateway.class).web(WebApplicationType.REACTIVE)
			.properties(properties.toArray(String[]::new));
	}

	private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
		for (Throwable t = failure; t != null; t = t.getCause()) {
			if (type.isInstance(t)) {
				return type.cast(t);
			}
		}
		throw new AssertionError("no " + type.getSimpleName() + " in the cause chain of " + failure, failure);
	}

	private static List<String> messages(Throwable failure) {
		List<String> messages = new ArrayList<>();
		for (Throwable t = failure; t != null; t = t.getCause()) {
			messages.add(String.valueOf(t.getMessage()));
		}
		return messages;
	}

	/**
	 * A gateway with nothing but auto-configuration (no component scan, so no other
	 * test's beans).
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Gateway {

	}

	/** A Java DSL route with the {@code Canary} filter on a direct URI. */
	@Configuration(proxyBeanMethods = false)
	static class DirectDslRoute {

		@Bean
		RouteLocator dslRoutes(RouteLocatorBuilder builder, CanaryGatewayFilterFactory canary) {
			return builder.routes()
				.route("dsl",
						(r) -> r.path("/dsl/**")
							.filters((f) -> f.filter(canary.apply((c) -> c.setRelease("orders"))))
							.uri("http://localhost:1"))
				.build();
		}

	}

	/** A Java DSL route for the stable lane of {@code orders}. */
	@Configuration(proxyBeanMethods = false)
	static class StableLaneDslRoute {

		@Bean
		RouteLocator dslRoutes(RouteLocatorBuilder builder, CanaryRoutePredicateFactory canary) {
			return builder.routes().route("dsl-stable", (r) -> r.path("/x/**").and().predicate(canary.apply((c) -> {
				c.setRelease("orders");
				c.setLane("stable");
			})).uri("http://localhost:2")).build();
		}

	}

}
