package io.canarygateway.routing;

import java.net.URI;

import org.springframework.cloud.gateway.route.Route;

import io.canarygateway.analysis.LaneRecorder;
import io.canarygateway.core.Lane;
import io.canarygateway.core.ServiceVersions;
import io.canarygateway.metrics.CanaryMetrics.RouteMeters;

/**
 * One route of a release, as its requests are recorded: the route's service, its request
 * timers, and (for a release of several services that names the service) the service's
 * lane recorders, whose figures the verdict's evidence shows per service
 * (docs/multi-service.md). Made once per route by {@link RoutedRelease#route}.
 */
public final class ReleaseRoute {

	/** The route it was made for: a route refreshed under the same id gets a new one. */
	private final Route route;

	private final String service;

	private final RouteMeters meters;

	private final LaneRecorder[] recorders;

	ReleaseRoute(Route route, String service, RouteMeters meters, LaneRecorder[] recorders) {
		this.route = route;
		this.service = service;
		this.meters = meters;
		this.recorders = recorders;
	}

	/**
	 * The service id of a route's {@code lb://} URI, lower case; empty for a route that
	 * is not load-balanced.
	 */
	static String serviceOf(Route route) {
		URI uri = (route != null) ? route.getUri() : null;
		return (CanaryGatewayFilterFactory.isLoadBalanced(uri) && uri.getHost() != null)
				? ServiceVersions.normalize(uri.getHost()) : "";
	}

	boolean isFor(Route route) {
		return this.route == route;
	}

	/**
	 * The route's service id, lower case; empty for a route that is not load-balanced.
	 */
	String service() {
		return this.service;
	}

	RouteMeters meters() {
		return this.meters;
	}

	/** Records a drawn request in the service's recorders, if it has any. */
	void recordDrawn(Lane lane, long nanos, boolean failure) {
		if (this.recorders != null) {
			this.recorders[lane.ordinal()].record(nanos, failure);
		}
	}

}
