package io.canarygateway.routing;

import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

import io.canarygateway.analysis.LaneRecorder;
import io.canarygateway.control.ManagedRelease;
import io.canarygateway.core.Decider;
import io.canarygateway.core.Lane;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.loadbalancer.LaneTarget;
import io.canarygateway.metrics.CanaryMetrics.ReleaseMeters;

/**
 * A release as the request path sees it: decides a request's lane once and caches it on the exchange, and
 * records each outcome in the metrics, the analysis recorders and (for the canary lane) the kill switch. Built
 * once per release; route predicates and filters hold it directly, so no lookup happens per request.
 */
public final class RoutedRelease {

	private final ManagedRelease release;

	private final Decider decider;

	private final RoutingConfig routing;

	private final String laneAttribute;

	private final LaneTarget[] targets;

	private final LaneRecorder[] recorders;

	private final ReleaseMeters meters;

	public RoutedRelease(ManagedRelease release, Decider decider, String metadataKey, LaneRecorder stableRecorder,
			LaneRecorder canaryRecorder, ReleaseMeters meters) {
		this.release = release;
		this.decider = decider;
		this.routing = release.config().routing();
		this.laneAttribute = CanaryAttributes.LANE_PREFIX + release.name();
		String stable = release.config().stableVersion();
		String canary = release.config().canaryVersion();
		this.targets = new LaneTarget[] { new LaneTarget(metadataKey, stable, canary, Lane.STABLE),
				new LaneTarget(metadataKey, stable, canary, Lane.CANARY) };
		this.recorders = new LaneRecorder[] { stableRecorder, canaryRecorder };
		this.meters = meters;
	}

	public String name() {
		return this.release.name();
	}

	public ManagedRelease release() {
		return this.release;
	}

	public RoutingConfig routing() {
		return this.routing;
	}

	/** The load-balancer target of a lane. */
	public LaneTarget target(Lane lane) {
		return this.targets[lane.ordinal()];
	}

	/** The analysis recorder of a lane. */
	public LaneRecorder recorder(Lane lane) {
		return this.recorders[lane.ordinal()];
	}

	public ReleaseMeters meters() {
		return this.meters;
	}

	/**
	 * The request's lane for this release: decided on first use and cached on the exchange, so every predicate
	 * and filter that asks during one request gets the same answer.
	 */
	public Lane lane(ServerWebExchange exchange) {
		Object cached = exchange.getAttributes().get(this.laneAttribute);
		if (cached instanceof Lane lane) {
			return lane;
		}
		Lane lane = decide(exchange.getRequest());
		exchange.getAttributes().put(this.laneAttribute, lane);
		return lane;
	}

	private Lane decide(ServerHttpRequest request) {
		ReleaseState state = this.release.status().state();
		if (!state.isSplitting() || !this.release.killSwitch().allowsCanary()) {
			// decided by the state gates alone: no need to read headers or cookies
			return this.release.decide(this.decider, null, null, null);
		}
		HttpHeaders headers = request.getHeaders();
		String overrideHeader = header(headers, this.routing.overrideHeader());
		String overrideCookie = cookie(request, this.routing.overrideCookie());
		String sticky = header(headers, this.routing.stickyHeader());
		if (sticky == null) {
			sticky = cookie(request, this.routing.stickyCookie());
		}
		return this.release.decide(this.decider, overrideHeader, overrideCookie, sticky);
	}

	/**
	 * Records a finished request.
	 * @param lane the lane that served it
	 * @param failure whether it failed (5xx, connection failure, timeout)
	 * @param nanos how long it took
	 */
	public void record(Lane lane, boolean failure, long nanos) {
		this.meters.record(lane, failure, nanos);
		this.recorders[lane.ordinal()].record(nanos, failure);
		if (lane == Lane.CANARY) {
			this.release.killSwitch().record(nanos, failure);
		}
	}

	private static String header(HttpHeaders headers, String name) {
		return name.isEmpty() ? null : headers.getFirst(name);
	}

	private static String cookie(ServerHttpRequest request, String name) {
		if (name.isEmpty() || !request.getHeaders().containsHeader(HttpHeaders.COOKIE)) {
			return null;
		}
		HttpCookie cookie = request.getCookies().getFirst(name);
		return (cookie != null) ? cookie.getValue() : null;
	}

	@Override
	public String toString() {
		return "RoutedRelease[" + name() + "]";
	}

}
