package io.canarygateway.autoconfigure;

import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.handler.predicate.PredicateDefinition;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.support.ConfigurationService;

import io.canarygateway.routing.CanaryGatewayFilterFactory;
import io.canarygateway.routing.CanaryRoutePredicateFactory;
import io.canarygateway.routing.UnknownReleaseException;

/**
 * Fails startup when a route configured in properties uses {@code Canary} with a release
 * that is not configured or a lane that does not exist, naming the route's property.
 * <p>
 * Spring Cloud Gateway builds routes lazily, on the first {@code RefreshRoutesEvent} at
 * the end of the context refresh, and {@code CachingRouteLocator} only logs a route that
 * fails to build. A bad route stops startup only because
 * {@code WeightCalculatorWebFilter} blocks on that first build (spring-cloud-gateway
 * gh-1574); with the Weight predicate disabled or the route refresh listener off the
 * gateway would start and fail requests instead. So this check binds every {@code Canary}
 * predicate and filter under {@code spring.cloud.gateway.server.webflux} {@code routes}
 * and {@code default-filters} the way the gateway will, before the server starts. Routes
 * from other sources (discovery, the Java DSL, the actuator) are left to the gateway.
 */
class CanaryRoutesValidator implements SmartInitializingSingleton {

	private final ObjectProvider<GatewayProperties> gateway;

	private final ObjectProvider<ConfigurationService> configurationService;

	private final CanaryRoutePredicateFactory predicates;

	private final CanaryGatewayFilterFactory filters;

	CanaryRoutesValidator(ObjectProvider<GatewayProperties> gateway,
			ObjectProvider<ConfigurationService> configurationService, CanaryRoutePredicateFactory predicates,
			CanaryGatewayFilterFactory filters) {
		this.gateway = gateway;
		this.configurationService = configurationService;
		this.predicates = predicates;
		this.filters = filters;
	}

	@Override
	public void afterSingletonsInstantiated() {
		GatewayProperties gateway = this.gateway.getIfAvailable();
		ConfigurationService service = this.configurationService.getIfAvailable();
		if (gateway == null || service == null || !gateway.isFailOnRouteDefinitionError()) {
			// no gateway, or one told to skip invalid routes with a warning: it will say
			// so itself
			return;
		}
		String prefix = GatewayProperties.PREFIX;
		List<FilterDefinition> defaultFilters = gateway.getDefaultFilters();
		for (int f = 0; f < defaultFilters.size(); f++) {
			checkFilter(service, defaultFilters.get(f), prefix + ".default-filters[" + f + "]");
		}
		List<RouteDefinition> routes = gateway.getRoutes();
		for (int r = 0; r < routes.size(); r++) {
			RouteDefinition route = routes.get(r);
			String at = prefix + ".routes[" + r + "]";
			String where = " (route '" + route.getId() + "')";
			for (int p = 0; p < route.getPredicates().size(); p++) {
				checkPredicate(service, route.getPredicates().get(p), at + ".predicates[" + p + "]" + where);
			}
			for (int f = 0; f < route.getFilters().size(); f++) {
				checkFilter(service, route.getFilters().get(f), at + ".filters[" + f + "]" + where);
			}
		}
	}

	private void checkPredicate(ConfigurationService service, PredicateDefinition definition, String property) {
		if (this.predicates.name().equals(definition.getName())) {
			check(property, () -> this.predicates.apply(
					service.with(this.predicates).name(definition.getName()).properties(definition.getArgs()).bind()));
		}
	}

	private void checkFilter(ConfigurationService service, FilterDefinition definition, String property) {
		if (this.filters.name().equals(definition.getName())) {
			check(property, () -> this.filters
				.apply(service.with(this.filters).name(definition.getName()).properties(definition.getArgs()).bind()));
		}
	}

	private static void check(String property, Runnable build) {
		try {
			build.run();
		}
		catch (UnknownReleaseException ex) {
			UnknownReleaseException located = new UnknownReleaseException(ex.getRelease(),
					property + ": " + ex.getUsage(), ex.getKnown());
			located.initCause(ex);
			throw located;
		}
		catch (RuntimeException ex) {
			InvalidCanaryConfigurationException invalid = new InvalidCanaryConfigurationException(
					List.of(property + ": " + ex.getMessage()));
			invalid.initCause(ex);
			throw invalid;
		}
	}

}
