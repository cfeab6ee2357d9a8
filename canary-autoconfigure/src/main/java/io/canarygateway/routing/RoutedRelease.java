package io.canarygateway.routing;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

import io.canarygateway.analysis.LaneRecorder;
import io.canarygateway.analysis.Recorders;
import io.canarygateway.control.ManagedRelease;
import io.canarygateway.core.Assignment;
import io.canarygateway.core.Decider;
import io.canarygateway.core.Lane;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.core.StickyKeyGenerator;
import io.canarygateway.core.TargetMatch;
import io.canarygateway.core.TargetRule;
import io.canarygateway.core.Versions;
import io.canarygateway.loadbalancer.LaneRequest;
import io.canarygateway.loadbalancer.LaneTargets;
import io.canarygateway.metrics.CanaryMetrics.ReleaseMeters;

/**
 * A release as the request path sees it: decides a request's lane once, from one snapshot
 * of the release's record and breaker (giving a request without a sticky key one in the
 * sticky cookie, when the release has one), and records each outcome in the metrics, the
 * analysis recorders and (for the canary lane) the kill switch. Built once per release;
 * route predicates and filters hold it directly, so no lookup happens per request.
 */
public final class RoutedRelease {

	private final ManagedRelease release;

	private final String name;

	private final Decider decider;

	private final RoutingConfig routing;

	private final TargetRule.Compiled[] onlyFor;

	private final TargetRule.Compiled[] alwaysFor;

	/** The callers whose {@code X-Canary-Lane} is kept, or {@code null}: none. */
	private final TargetRule.Compiled trustedCallers;

	private final RemoteAddressResolver remoteAddress;

	/**
	 * Gives requests without a sticky key one; {@code null} without
	 * {@code routing.sticky-cookie}.
	 */
	private final StickyCookie stickyCookie;

	private final String metadataKey;

	/** The lanes' targets for the versions of the latest record seen. */
	private volatile LaneTargets targets;

	private final LaneRecorder[] recorders;

	private final Recorders allRecorders;

	private final ReleaseMeters meters;

	/** The release's routes by id, made on their first request. */
	private final Map<String, ReleaseRoute> routes = new ConcurrentHashMap<>();

	/**
	 * @param keys makes the keys given in the sticky cookie
	 * @param remoteAddress resolves a request's client address for {@code remote-address}
	 * rules: the gateway's {@link RemoteAddressResolver} bean (e.g. one that trusts
	 * {@code X-Forwarded-For} from known proxies), or the connection's address
	 */
	public RoutedRelease(ManagedRelease release, Decider decider, StickyKeyGenerator keys, String metadataKey,
			Recorders recorders, ReleaseMeters meters, RemoteAddressResolver remoteAddress) {
		this.release = release;
		this.name = release.name();
		this.decider = decider;
		this.routing = release.config().routing();
		this.onlyFor = this.routing.onlyFor().stream().map(TargetRule::compile).toArray(TargetRule.Compiled[]::new);
		this.alwaysFor = this.routing.alwaysFor().stream().map(TargetRule::compile).toArray(TargetRule.Compiled[]::new);
		this.trustedCallers = (this.routing.trustedCallers() != null) ? this.routing.trustedCallers().compile() : null;
		this.remoteAddress = remoteAddress;
		this.stickyCookie = this.routing.stickyCookie().isEmpty() ? null
				: new StickyCookie(this.routing.stickyCookie(), this.routing.stickyCookieMaxAge(), keys);
		this.metadataKey = metadataKey;
		this.targets = new LaneTargets(metadataKey, release.status().versions());
		this.recorders = new LaneRecorder[] { recorders.recorder(this.name, Lane.STABLE),
				recorders.recorder(this.name, Lane.CANARY) };
		this.allRecorders = recorders;
		this.meters = meters;
	}

	public String name() {
		return this.name;
	}

	public ManagedRelease release() {
		return this.release;
	}

	public RoutingConfig routing() {
		return this.routing;
	}

	public ReleaseMeters meters() {
		return this.meters;
	}

	/**
	 * The request's lane for this release: decided on first use and kept in the request's
	 * {@link LaneRequest}, so every predicate and filter that asks during one request
	 * gets the same answer.
	 */
	public Lane lane(ServerWebExchange exchange) {
		return laneRequest(exchange).lane();
	}

	/**
	 * The request's {@link LaneRequest} for this release, decided now if no one asked
	 * before.
	 */
	public LaneRequest laneRequest(ServerWebExchange exchange) {
		Map<String, Object> attributes = exchange.getAttributes();
		LaneRequest request = LaneRequest.find(attributes, this.name);
		if (request != null) {
			return request;
		}
		ReleaseStatus status = this.release.status();
		Assignment assignment = decide(exchange, status);
		if (assignment == Assignment.CANARY_TARGETED || assignment == Assignment.STABLE_EXCLUDED) {
			this.meters.targeted(assignment);
		}
		return LaneRequest.decided(attributes, this.name, assignment, targets(status.versions()));
	}

	/**
	 * The lanes' targets for a record's versions: the same object for as long as the
	 * versions stay, a new one when a rollout of other versions begins.
	 */
	LaneTargets targets(Versions versions) {
		LaneTargets current = this.targets;
		if (current.serves(versions)) {
			return current;
		}
		current = new LaneTargets(this.metadataKey, versions);
		this.targets = current;
		return current;
	}

	/**
	 * The lane decision (docs/routing.md, "Precedence") on one read of the record and one
	 * of the breaker.
	 */
	private Assignment decide(ServerWebExchange exchange, ReleaseStatus status) {
		boolean breakerClosed = this.release.killSwitch().allowsCanary();
		if (!status.state().isSplitting() || !breakerClosed) {
			// decided by the state gates alone: no need to read headers or cookies
			return this.decider.decide(this.name, status.state(), status.weight(), breakerClosed, null, null,
					TargetMatch.NONE, null);
		}
		ServerHttpRequest request = exchange.getRequest();
		HttpHeaders headers = request.getHeaders();
		String overrideHeader = trustedLane(exchange, headers);
		if (overrideHeader == null) {
			overrideHeader = header(headers, this.routing.overrideHeader());
		}
		String overrideCookie = cookie(request, this.routing.overrideCookie());
		String sticky = header(headers, this.routing.stickyHeader());
		if (sticky == null) {
			sticky = cookie(request, this.routing.stickyCookie());
		}
		Assignment assignment = this.decider.decide(this.name, status.state(), status.weight(), true, overrideHeader,
				overrideCookie, targeting(exchange), sticky);
		return withStickyCookie(exchange, assignment, sticky, status.weight());
	}

	/**
	 * The lane a trusted caller — a service behind the gateway calling back through it
	 * (docs/multi-service.md) — sent in {@code X-Canary-Lane}, as an override value
	 * ({@code always} for canary, {@code never} for stable), or {@code null} when the
	 * request has none or does not come from {@code trust-lane-from}.
	 */
	private String trustedLane(ServerWebExchange exchange, HttpHeaders headers) {
		if (this.trustedCallers == null) {
			return null;
		}
		String lane = headers.getFirst(CanaryHeaders.LANE);
		if (lane == null || !matchesAddress(this.trustedCallers, exchange)) {
			return null;
		}
		return Lane.CANARY.value().equalsIgnoreCase(lane) ? "always"
				: Lane.STABLE.value().equalsIgnoreCase(lane) ? "never" : null;
	}

	/**
	 * A lane drawn at random for want of a sticky key is drawn instead by a fresh key,
	 * given to the client in the sticky cookie, so that the client's later requests keep
	 * it (docs/routing.md, "Stickiness"). Only a drawn lane: no key chooses a forced one
	 * (state, breaker, override, targeting rule), so no cookie is given with it. The
	 * random bucket drawn before is not used.
	 */
	private Assignment withStickyCookie(ServerWebExchange exchange, Assignment assignment, String sticky, int weight) {
		if (this.stickyCookie == null || !assignment.drawn() || (sticky != null && !sticky.isEmpty())) {
			return assignment;
		}
		return this.decider.drawByKey(this.name, weight, this.stickyCookie.give(exchange));
	}

	/**
	 * What the targeting rules say of the request (docs/routing.md, "Who sees the
	 * canary"): {@code always-for} first, then {@code only-for}.
	 */
	TargetMatch targeting(ServerWebExchange exchange) {
		if (this.alwaysFor.length > 0 && matchesAny(this.alwaysFor, exchange)) {
			return TargetMatch.ALWAYS;
		}
		if (this.onlyFor.length > 0 && !matchesAny(this.onlyFor, exchange)) {
			return TargetMatch.EXCLUDED;
		}
		return TargetMatch.NONE;
	}

	private boolean matchesAny(TargetRule.Compiled[] rules, ServerWebExchange exchange) {
		ServerHttpRequest request = exchange.getRequest();
		for (TargetRule.Compiled rule : rules) {
			boolean matches = switch (rule.kind()) {
				case HEADER -> rule.matches(request.getHeaders().getFirst(rule.name()));
				case COOKIE -> rule.matches(cookie(request, rule.name()));
				case QUERY -> rule.matches(request.getQueryParams().getFirst(rule.name()));
				case REMOTE_ADDRESS -> matchesAddress(rule, exchange);
			};
			if (matches) {
				return true;
			}
		}
		return false;
	}

	private boolean matchesAddress(TargetRule.Compiled rule, ServerWebExchange exchange) {
		InetSocketAddress socket = this.remoteAddress.resolve(exchange);
		InetAddress address = (socket != null) ? socket.getAddress() : null;
		if (address instanceof Inet4Address) {
			// its hash code is its 32 bits: no copy of the address
			return rule.matchesAddress(address.hashCode(), null);
		}
		return (address != null) && rule.matchesAddress(0, address.getAddress());
	}

	/**
	 * The release's handling of a route: its service and meters, made on the route's
	 * first request.
	 * @param route the request's route, or {@code null} when it has none
	 */
	public ReleaseRoute route(Route route) {
		String id = (route != null) ? route.getId() : "";
		ReleaseRoute known = this.routes.get(id);
		if (known == null || !known.isFor(route)) {
			String service = ReleaseRoute.serviceOf(route);
			LaneRecorder[] serviceRecorders = this.allRecorders.hasService(this.name, service)
					? new LaneRecorder[] { this.allRecorders.recorder(this.name, service, Lane.STABLE),
							this.allRecorders.recorder(this.name, service, Lane.CANARY) }
					: null;
			known = new ReleaseRoute(route, service, this.meters.route(id, service), serviceRecorders);
			this.routes.put(id, known);
		}
		return known;
	}

	/**
	 * Records a finished attempt: always in the metrics; in the judge's recorders and
	 * (for the canary lane) the breaker only when its request's lane was drawn — a forced
	 * request is not part of the experiment.
	 * @param route the request's route
	 * @param versions the versions the request was decided on
	 * @param lane the lane that served it
	 * @param failure whether it failed (5xx, connection failure, timeout)
	 * @param drawn whether the request's lane was drawn (sticky bucket or random) rather
	 * than forced
	 * @param nanos how long it took
	 */
	public void record(ReleaseRoute route, Versions versions, Lane lane, boolean failure, boolean drawn, long nanos) {
		route.meters().record(versions, lane, failure, drawn, nanos);
		if (!drawn) {
			return;
		}
		this.recorders[lane.ordinal()].record(nanos, failure);
		route.recordDrawn(lane, nanos, failure);
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
		return "RoutedRelease[" + this.name + "]";
	}

}
