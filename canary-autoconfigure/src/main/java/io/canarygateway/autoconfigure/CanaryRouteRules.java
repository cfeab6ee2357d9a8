package io.canarygateway.autoconfigure;

import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.HasConfig;

import io.canarygateway.core.Lane;
import io.canarygateway.core.ServiceVersions;
import io.canarygateway.routing.CanaryGatewayFilterFactory;
import io.canarygateway.routing.CanaryRoutePredicateFactory.CanaryPredicate;

/**
 * The rules that the routes using {@code Canary} must follow together (docs/routing.md):
 * <ul>
 * <li>the {@code Canary} filter only on a load-balanced route ({@code lb://}): with a
 * direct URI both lanes reach the same backend, which would be compared with itself and
 * could be promoted on that evidence;</li>
 * <li>a release used by {@code Canary} predicates has a route for each lane: a request
 * decided for a lane without a route would go to another route or get a 404;</li>
 * <li>a release of several services only on {@code lb://} routes of its services, with
 * the {@code Canary} filter.</li>
 * </ul>
 * Fed route by route (as configured, or as built), then asked for the problems, one line
 * each: {@code <where>: <rule>}.
 */
final class CanaryRouteRules {

	private static final String SEE = "docs/routing.md, \"Predicate mode\"";

	private static final String GROUPS = "docs/multi-service.md";

	private final List<String> problems = new ArrayList<>();

	/** Release → lane → where each predicate of that lane is. */
	private final Map<String, Map<Lane, List<String>>> lanes = new LinkedHashMap<>();

	/**
	 * A built route: its {@code Canary} filters and predicates.
	 * @param where how to name the route in a problem, e.g. {@code route 'orders'}
	 */
	void route(Route route, String where) {
		for (GatewayFilter filter : route.getFilters()) {
			filter(where, filter, route.getUri());
		}
		route.getPredicate().accept((HasConfig predicate) -> {
			if (predicate instanceof CanaryPredicate canary) {
				predicate(where, canary);
			}
		});
	}

	/**
	 * A filter of a route whose URI is {@code routeUri}; anything but the {@code Canary}
	 * filter is ignored.
	 */
	void filter(String where, GatewayFilter filter, URI routeUri) {
		GatewayFilter delegate = (filter instanceof OrderedGatewayFilter ordered) ? ordered.getDelegate() : filter;
		if (delegate instanceof CanaryGatewayFilterFactory.CanaryFilter canary
				&& !CanaryGatewayFilterFactory.isLoadBalanced(routeUri)) {
			String release = canary.release().name();
			this.problems.add(where + ": the Canary filter needs a load-balanced route (uri lb://<service>), was uri "
					+ routeUri + ": it picks stable or canary instances of the service by their version metadata, "
					+ "and with a direct URI both lanes would reach the same backend and be compared with each other. "
					+ "For direct URIs use the Canary predicate on two routes, Canary=" + release
					+ ", canary and Canary=" + release + ", stable (" + SEE + ")");
		}
		else if (delegate instanceof CanaryGatewayFilterFactory.CanaryFilter canary) {
			Set<String> services = canary.release().release().config().services();
			String service = (routeUri.getHost() != null) ? ServiceVersions.normalize(routeUri.getHost()) : null;
			if (!services.isEmpty() && !services.contains(service)) {
				this.problems.add(where + ": release '" + canary.release().name() + "' has no versions for service '"
						+ service + "' of uri " + routeUri + ": its services are " + services
						+ ". Add the service under canary.releases." + canary.release().name()
						+ ".services, or use another release for this route (" + GROUPS + ")");
			}
		}
	}

	/** A {@code Canary} predicate of a route. */
	void predicate(String where, CanaryPredicate predicate) {
		if (!predicate.release().release().config().services().isEmpty()) {
			this.problems.add(where + ": release '" + predicate.release().name()
					+ "' spans several services (canary.releases." + predicate.release().name()
					+ ".services), which the Canary predicate cannot tell apart: route each service with uri "
					+ "lb://<service> and the Canary=" + predicate.release().name() + " filter (" + GROUPS + ")");
			return;
		}
		this.lanes.computeIfAbsent(predicate.release().name(), (release) -> new EnumMap<>(Lane.class))
			.computeIfAbsent(predicate.lane(), (lane) -> new ArrayList<>())
			.add(where);
	}

	/** Every problem found in what was fed, in that order, lanes last. */
	List<String> problems() {
		List<String> all = new ArrayList<>(this.problems);
		this.lanes.forEach((release, routes) -> {
			for (Lane missing : Lane.values()) {
				if (!routes.containsKey(missing)) {
					Lane present = (missing == Lane.STABLE) ? Lane.CANARY : Lane.STABLE;
					all.add(routes.get(present).get(0) + ": release '" + release + "' has a route for its "
							+ present.value() + " lane but none for its " + missing.value()
							+ " lane (no route has the predicate Canary=" + release + ", " + missing.value()
							+ "): requests whose lane is " + missing.value()
							+ " would go to another route or get 404. Add a route with Canary=" + release + ", "
							+ missing.value() + " and the same other predicates (" + SEE + ")");
				}
			}
		});
		return all;
	}

}
