package io.canarygateway.routing;

import java.net.URI;
import java.util.List;

import jakarta.validation.constraints.NotEmpty;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.server.ServerWebExchange;

/**
 * {@code Canary=<release>} on an {@code lb://} route: splits the route's traffic between
 * the stable and canary instances of its service by their version metadata, and retries
 * failed canary requests on stable. Ordered just before the load-balancer filter whatever
 * its place in the route's filter list.
 */
public class CanaryGatewayFilterFactory extends AbstractGatewayFilterFactory<CanaryGatewayFilterFactory.Config> {

	/** Shortcut key of the release name. */
	public static final String RELEASE_KEY = "release";

	private static final String LOAD_BALANCED = "lb";

	private final RoutedReleases releases;

	private final CanaryExchangeHandler handler;

	public CanaryGatewayFilterFactory(RoutedReleases releases, CanaryExchangeHandler handler) {
		super(Config.class);
		this.releases = releases;
		this.handler = handler;
	}

	@Override
	public List<String> shortcutFieldOrder() {
		return List.of(RELEASE_KEY);
	}

	@Override
	public GatewayFilter apply(Config config) {
		RoutedRelease release = this.releases.require(config.getRelease(),
				"Route filter Canary=" + config.getRelease());
		return new OrderedGatewayFilter(new CanaryFilter(release, this.handler), CanaryExchangeHandler.ORDER);
	}

	/**
	 * Whether a route reaches its backend through the load balancer: its URI is
	 * {@code lb://service} (or {@code lb:ws://service}).
	 */
	public static boolean isLoadBalanced(URI routeUri) {
		return routeUri != null && LOAD_BALANCED.equals(routeUri.getScheme());
	}

	/**
	 * The filter; the startup and route checks find it in a route's filters to learn its
	 * release. On a route that is not load-balanced it does nothing: the gateway cannot
	 * tell the versions apart there, and both lanes would reach the same backend and be
	 * compared with each other. Startup fails on such a route (docs/routing.md); one
	 * added at runtime is reported when routes are refreshed.
	 */
	public static final class CanaryFilter implements GatewayFilter {

		private final RoutedRelease release;

		private final CanaryExchangeHandler handler;

		CanaryFilter(RoutedRelease release, CanaryExchangeHandler handler) {
			this.release = release;
			this.handler = handler;
		}

		@Override
		public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
			Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
			if (route != null && !isLoadBalanced(route.getUri())) {
				return chain.filter(exchange);
			}
			return this.handler.handle(exchange, chain, this.release, true);
		}

		public RoutedRelease release() {
			return this.release;
		}

		@Override
		public String toString() {
			return "Canary: " + this.release.name();
		}

	}

	/** Configuration: the release. */
	@Validated
	public static class Config {

		/** Name of a release under {@code canary.releases}. */
		@NotEmpty
		private String release;

		public String getRelease() {
			return this.release;
		}

		public void setRelease(String release) {
			this.release = release;
		}

	}

}
