package io.canarygateway.autoconfigure;

import java.util.List;
import java.util.function.Supplier;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.handler.predicate.PredicateDefinition;
import org.springframework.cloud.gateway.route.CachingRouteLocator;
import org.springframework.cloud.gateway.route.CompositeRouteLocator;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteDefinitionRouteLocator;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.support.ConfigurationService;

import io.canarygateway.routing.CanaryGatewayFilterFactory;
import io.canarygateway.routing.CanaryRoutePredicateFactory;
import io.canarygateway.routing.CanaryRoutePredicateFactory.CanaryPredicate;
import io.canarygateway.routing.UnknownReleaseException;

/**
 * Fails startup when a route configured in properties uses {@code Canary} with a release
 * that is not configured or a lane that does not exist, naming the route's property; then
 * when the routes break a {@link CanaryRouteRules rule} together (a {@code Canary} filter
 * on a route that is not {@code lb://}, a predicate lane without a route), naming the
 * routes.
 * <p>
 * Spring Cloud Gateway builds routes lazily, on the first {@code RefreshRoutesEvent} at
 * the end of the context refresh, and {@code CachingRouteLocator} only logs a route that
 * fails to build. A bad route stops startup only because
 * {@code WeightCalculatorWebFilter} blocks on that first build (spring-cloud-gateway
 * gh-1574); with the Weight predicate disabled or the route refresh listener off the
 * gateway would start and fail requests instead. So this check binds every {@code Canary}
 * predicate and filter under {@code spring.cloud.gateway.server.webflux} {@code routes}
 * and {@code default-filters} the way the gateway will, before the server starts. The
 * rules also take in the routes of the application's own {@code RouteLocator} beans (the
 * Java DSL). Routes from other sources (discovery, a route definition repository, the
 * gateway actuator) exist only later: {@link CanaryRoutesMonitor} checks them whenever
 * routes are refreshed.
 */
class CanaryRoutesValidator implements SmartInitializingSingleton {

	private final ObjectProvider<GatewayProperties> gateway;

	private final ObjectProvider<ConfigurationService> configurationService;

	private final CanaryRoutePredicateFactory predicates;

	private final CanaryGatewayFilterFactory filters;

	private final ListableBeanFactory beans;

	CanaryRoutesValidator(ObjectProvider<GatewayProperties> gateway,
			ObjectProvider<ConfigurationService> configurationService, CanaryRoutePredicateFactory predicates,
			CanaryGatewayFilterFactory filters, ListableBeanFactory beans) {
		this.gateway = gateway;
		this.configurationService = configurationService;
		this.predicates = predicates;
		this.filters = filters;
		this.beans = beans;
	}

	@Override
	public void afterSingletonsInstantiated() {
		GatewayProperties gateway = this.gateway.getIfAvailable();
		ConfigurationService service = this.configurationService.getIfAvailable();
		if (gateway == null || service == null || !gateway.isFailOnRouteDefinitionError()) {
			// no gateway, or one told to skip invalid routes with a warning: it will say
			// so itself, and CanaryRoutesMonitor reports what breaks our rules
			return;
		}
		CanaryRouteRules rules = new CanaryRouteRules();
		String prefix = GatewayProperties.PREFIX;
		List<RouteDefinition> routes = gateway.getRoutes();
		List<FilterDefinition> defaultFilters = gateway.getDefaultFilters();
		for (int f = 0; f < defaultFilters.size(); f++) {
			String property = prefix + ".default-filters[" + f + "]";
			GatewayFilter filter = checkFilter(service, defaultFilters.get(f), property);
			if (filter != null) {
				for (RouteDefinition route : routes) {
					rules.filter(property + " (on route '" + route.getId() + "')", filter, route.getUri());
				}
			}
		}
		for (int r = 0; r < routes.size(); r++) {
			RouteDefinition route = routes.get(r);
			String at = prefix + ".routes[" + r + "]";
			String where = " (route '" + route.getId() + "')";
			for (int p = 0; p < route.getPredicates().size(); p++) {
				String property = at + ".predicates[" + p + "]" + where;
				if (checkPredicate(service, route.getPredicates().get(p), property) instanceof CanaryPredicate canary) {
					rules.predicate(property, canary);
				}
			}
			for (int f = 0; f < route.getFilters().size(); f++) {
				String property = at + ".filters[" + f + "]" + where;
				GatewayFilter filter = checkFilter(service, route.getFilters().get(f), property);
				if (filter != null) {
					rules.filter(property, filter, route.getUri());
				}
			}
		}
		applicationRoutes(rules);
		List<String> problems = rules.problems();
		if (!problems.isEmpty()) {
			throw new InvalidCanaryConfigurationException(problems);
		}
	}

	/**
	 * Feeds the routes of the application's own {@code RouteLocator} beans: every one but
	 * the gateway's (the caching composite, and the locator of route definitions, checked
	 * above by property). A locator that fails is left to the gateway, which reports it.
	 */
	private void applicationRoutes(CanaryRouteRules rules) {
		this.beans.getBeansOfType(RouteLocator.class, false, false).forEach((name, locator) -> {
			if (locator instanceof CachingRouteLocator || locator instanceof CompositeRouteLocator
					|| locator instanceof RouteDefinitionRouteLocator) {
				return;
			}
			List<Route> routes;
			try {
				routes = locator.getRoutes().collectList().block();
			}
			catch (RuntimeException ex) {
				return;
			}
			if (routes != null) {
				routes.forEach((route) -> rules.route(route,
						"route '" + route.getId() + "' (RouteLocator bean '" + name + "')"));
			}
		});
	}

	private Object checkPredicate(ConfigurationService service, PredicateDefinition definition, String property) {
		if (!this.predicates.name().equals(definition.getName())) {
			return null;
		}
		return check(property, () -> this.predicates
			.apply(service.with(this.predicates).name(definition.getName()).properties(definition.getArgs()).bind()));
	}

	private GatewayFilter checkFilter(ConfigurationService service, FilterDefinition definition, String property) {
		if (!this.filters.name().equals(definition.getName())) {
			return null;
		}
		return check(property, () -> this.filters
			.apply(service.with(this.filters).name(definition.getName()).properties(definition.getArgs()).bind()));
	}

	private static <T> T check(String property, Supplier<T> build) {
		try {
			return build.get();
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
