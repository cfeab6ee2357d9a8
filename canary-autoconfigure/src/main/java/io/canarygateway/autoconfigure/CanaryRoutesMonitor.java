package io.canarygateway.autoconfigure;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.cloud.gateway.event.RefreshRoutesResultEvent;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationListener;

/**
 * Checks the {@link CanaryRouteRules rules} on every set of routes the gateway builds —
 * whatever their source: properties, the Java DSL, discovery, a route definition
 * repository, the gateway actuator, a configuration refresh — and logs each problem at
 * ERROR, once, when it appears. Startup has already failed on the routes it could see
 * ({@link CanaryRoutesValidator}); this catches the routes that arrive later, which can
 * no longer stop the gateway. Meanwhile a {@code Canary} filter on a route that is not
 * load-balanced leaves that route's requests alone.
 */
class CanaryRoutesMonitor implements ApplicationListener<RefreshRoutesResultEvent> {

	private static final Log logger = LogFactory.getLog(CanaryRoutesMonitor.class);

	private Set<String> reported = Set.of();

	@Override
	public void onApplicationEvent(RefreshRoutesResultEvent event) {
		if (event.isSuccess() && event.getSource() instanceof RouteLocator locator) {
			// the routes are cached by now: no blocking, and this may be a Reactor thread
			locator.getRoutes().collectList().subscribe(this::check, (ex) -> {
				// the gateway reports its own failures to build routes
			});
		}
	}

	synchronized void check(List<Route> routes) {
		CanaryRouteRules rules = new CanaryRouteRules();
		routes.forEach((route) -> rules.route(route, "route '" + route.getId() + "'"));
		Set<String> problems = new LinkedHashSet<>(rules.problems());
		for (String problem : problems) {
			if (!this.reported.contains(problem)) {
				logger.error("Invalid canary route (found when the gateway's routes were refreshed): " + problem);
			}
		}
		this.reported = problems;
	}

}
