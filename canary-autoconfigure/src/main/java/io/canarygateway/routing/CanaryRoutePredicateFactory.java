package io.canarygateway.routing;

import java.util.List;
import java.util.function.Predicate;

import jakarta.validation.constraints.NotEmpty;

import org.springframework.cloud.gateway.handler.predicate.AbstractRoutePredicateFactory;
import org.springframework.cloud.gateway.handler.predicate.GatewayPredicate;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.server.ServerWebExchange;

import io.canarygateway.core.Lane;

/**
 * {@code Canary=<release>, <lane>}: matches when this request's lane for the release is
 * {@code <lane>} ({@code stable} or {@code canary}). The lane is decided once per request
 * and cached on the exchange, so a pair of routes — one per lane — always agree, and
 * exactly one of them matches.
 */
public class CanaryRoutePredicateFactory extends AbstractRoutePredicateFactory<CanaryRoutePredicateFactory.Config> {

	/** Shortcut key of the release name. */
	public static final String RELEASE_KEY = "release";

	/** Shortcut key of the lane. */
	public static final String LANE_KEY = "lane";

	private final RoutedReleases releases;

	public CanaryRoutePredicateFactory(RoutedReleases releases) {
		super(Config.class);
		this.releases = releases;
	}

	@Override
	public List<String> shortcutFieldOrder() {
		return List.of(RELEASE_KEY, LANE_KEY);
	}

	@Override
	public Predicate<ServerWebExchange> apply(Config config) {
		String usage = "Route predicate Canary=" + config.getRelease() + ", " + config.getLane();
		RoutedRelease release = this.releases.require(config.getRelease(), usage);
		Lane lane;
		try {
			lane = Lane.of(config.getLane());
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException(usage + ": " + ex.getMessage(), ex);
		}
		return new CanaryPredicate(release, lane);
	}

	/**
	 * The predicate; {@link CanaryPredicateRoutesFilter} finds it on a matched route to
	 * learn its release.
	 */
	public static final class CanaryPredicate implements GatewayPredicate {

		private final RoutedRelease release;

		private final Lane lane;

		CanaryPredicate(RoutedRelease release, Lane lane) {
			this.release = release;
			this.lane = lane;
		}

		@Override
		public boolean test(ServerWebExchange exchange) {
			return this.release.lane(exchange) == this.lane;
		}

		public RoutedRelease release() {
			return this.release;
		}

		public Lane lane() {
			return this.lane;
		}

		@Override
		public Object getConfig() {
			Config config = new Config();
			config.setRelease(this.release.name());
			config.setLane(this.lane.value());
			return config;
		}

		@Override
		public String toString() {
			return "Canary: " + this.release.name() + " " + this.lane.value();
		}

	}

	/** Configuration: the release and the lane. */
	@Validated
	public static class Config {

		/** Name of a release under {@code canary.releases}. */
		@NotEmpty
		private String release;

		/** {@code stable} or {@code canary}. */
		@NotEmpty
		private String lane;

		public String getRelease() {
			return this.release;
		}

		public void setRelease(String release) {
			this.release = release;
		}

		public String getLane() {
			return this.lane;
		}

		public void setLane(String lane) {
			this.lane = lane;
		}

	}

}
