package io.canarygateway.routing;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.HasConfig;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

/**
 * Gives routes selected by a {@code Canary=<release>, <lane>} predicate the same handling
 * as the {@code Canary} filter (lane header, outcome recording, version header), without
 * a filter in the route. Which release a route belongs to is found once per route by
 * visiting its predicates, then cached by route id.
 */
public class CanaryPredicateRoutesFilter implements GlobalFilter, Ordered {

	private final CanaryExchangeHandler handler;

	private final ConcurrentMap<String, Binding> bindings = new ConcurrentHashMap<>();

	public CanaryPredicateRoutesFilter(CanaryExchangeHandler handler) {
		this.handler = handler;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		RoutedRelease release = (route != null) ? releaseOf(route) : null;
		return (release != null) ? this.handler.handle(exchange, chain, release, false) : chain.filter(exchange);
	}

	private RoutedRelease releaseOf(Route route) {
		Binding binding = this.bindings.get(route.getId());
		if (binding == null || binding.route != route) {
			binding = bind(route);
			this.bindings.put(route.getId(), binding);
		}
		return binding.release;
	}

	private static Binding bind(Route route) {
		RoutedRelease[] found = { null };
		route.getPredicate().accept((HasConfig predicate) -> {
			if (found[0] == null && predicate instanceof CanaryRoutePredicateFactory.CanaryPredicate canary) {
				found[0] = canary.release();
			}
		});
		return new Binding(route, found[0]);
	}

	@Override
	public int getOrder() {
		return CanaryExchangeHandler.ORDER;
	}

	private record Binding(Route route, RoutedRelease release) {
	}

}
