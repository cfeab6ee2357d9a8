package io.canarygateway.routing;

import java.util.List;

import jakarta.validation.constraints.NotEmpty;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
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
		GatewayFilter filter = new GatewayFilter() {
			@Override
			public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
				return CanaryGatewayFilterFactory.this.handler.handle(exchange, chain, release, true);
			}

			@Override
			public String toString() {
				return "Canary: " + release.name();
			}
		};
		return new OrderedGatewayFilter(filter, CanaryExchangeHandler.ORDER);
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
