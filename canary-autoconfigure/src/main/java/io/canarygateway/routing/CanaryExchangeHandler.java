package io.canarygateway.routing;

import java.net.ConnectException;
import java.net.URI;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.ReactiveLoadBalancerClientFilter;
import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import io.canarygateway.core.Lane;
import io.canarygateway.loadbalancer.LaneRequest;

/**
 * The canary part of one proxied request, shared by both routing modes. In order:
 * <ol>
 * <li><b>Lane</b>: the request's {@link LaneRequest} for the release — decided once, by a
 * route predicate earlier or now.</li>
 * <li><b>Attempt</b>: the lane is tried — {@link LaneHeaderFilter} forwards it as
 * {@code X-Canary-Lane}, and on a load-balanced route the version-aware load balancer
 * offers only that lane's instances and notes whose they were
 * ({@link LaneRequest#served()}).</li>
 * <li><b>Outcome</b>: when the backend's response headers arrive (time to first byte) or
 * the call fails, the attempt is recorded against the lane that served it.</li>
 * <li><b>Retry on stable</b>, at most once, on load-balanced routes: a failed canary
 * attempt is tried again on stable when it is safe (docs/routing.md, "Retry on stable"):
 * when it never reached a canary backend (connection refused, no instance) for any
 * method, its body still unread; on a 5xx or another failure for GET, HEAD and OPTIONS,
 * whose body, if they have one of at most {@link #MAX_KEPT_BODY} bytes, is kept for the
 * retry before the first attempt (a larger one is not retried once sent).</li>
 * <li><b>Finish</b>: {@code X-Canary-Version} (with {@code expose-version}) names the
 * version that served.</li>
 * </ol>
 * Runs just before the load-balancer filter, so a retry re-runs only instance choice and
 * the proxy call.
 */
public class CanaryExchangeHandler {

	/**
	 * The order of the canary filters: after the route's URL is resolved, just before the
	 * load balancer picks.
	 */
	public static final int ORDER = ReactiveLoadBalancerClientFilter.LOAD_BALANCER_CLIENT_FILTER_ORDER - 1;

	/**
	 * The largest request body kept so that a canary request with a body can be retried
	 * on stable (Spring's default limit for a body read into memory): a larger one, or
	 * one of unknown length, is sent once.
	 */
	static final int MAX_KEPT_BODY = 256 * 1024;

	/**
	 * Handles a request for {@code release}.
	 * @param loadBalanced whether the route reaches its backend through the load balancer
	 * (versions chosen by instance metadata, retry on stable possible); otherwise the
	 * route itself is the lane
	 */
	public Mono<Void> handle(ServerWebExchange exchange, GatewayFilterChain chain, RoutedRelease release,
			boolean loadBalanced) {
		LaneRequest request = release.laneRequest(exchange);
		if (!request.handle(exchange.getAttributes())) {
			return chain.filter(exchange);
		}
		ReleaseRoute route = release.route(exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR));
		URI lbUrl = loadBalanced ? exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR) : null;
		if (lbUrl != null && request.lane() == Lane.CANARY && release.routing().retryOnStable()
				&& isIdempotent(exchange.getRequest().getMethod())) {
			// one header lookup; a request without a body pays nothing more
			long length = exchange.getRequest().getHeaders().getContentLength();
			if (length > 0 && length <= MAX_KEPT_BODY) {
				// a retry sends the body again: keep it (released by Spring Cloud
				// Gateway's RemoveCachedBodyFilter when the exchange ends)
				return ServerWebExchangeUtils.cacheRequestBody(exchange,
						(kept) -> attempts(exchange.mutate().request(kept).build(), chain, release, route, request,
								lbUrl));
			}
		}
		return attempts(exchange, chain, release, route, request, lbUrl);
	}

	/**
	 * The attempt down the request's lane, and the retry on stable when it failed and may
	 * be sent again.
	 */
	private static Mono<Void> attempts(ServerWebExchange exchange, GatewayFilterChain chain, RoutedRelease release,
			ReleaseRoute route, LaneRequest request, URI lbUrl) {
		return attempt(exchange, chain, release, route, request, request.lane(), lbUrl).flatMap((first) -> {
			if (!first.retryOnStable(exchange, release, lbUrl)) {
				return first.finish(exchange, release, request);
			}
			resetForRetry(exchange, lbUrl);
			release.meters().retried();
			return attempt(exchange, chain, release, route, request, Lane.STABLE, lbUrl)
				.flatMap((second) -> second.finish(exchange, release, request));
		});
	}

	/**
	 * Sends the request down a lane once and records how that went; never fails (the
	 * failure is in the outcome).
	 */
	private static Mono<Outcome> attempt(ServerWebExchange exchange, GatewayFilterChain chain, RoutedRelease release,
			ReleaseRoute route, LaneRequest request, Lane lane, URI lbUrl) {
		request.attempt(lane, (lbUrl != null) ? request.targets().target(lane, route.service()) : null);
		long start = System.nanoTime();
		return chain.filter(exchange)
			.then(Mono.fromSupplier(
					() -> Outcome.of(release, route, request, start, exchange.getResponse().getStatusCode(), null)))
			.onErrorResume((error) -> Mono.just(Outcome.of(release, route, request, start, null, error)));
	}

	/**
	 * Puts the exchange back to where it was before the load balancer and the routing
	 * filter ran.
	 */
	private static void resetForRetry(ServerWebExchange exchange, URI lbUrl) {
		ServerWebExchangeUtils.reset(exchange);
		exchange.getResponse().setStatusCode(null);
		exchange.getAttributes().remove(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, lbUrl);
	}

	/**
	 * How one attempt went, recorded as soon as it is known.
	 *
	 * @param served the lane that served it
	 * @param failure whether it failed (5xx, connection failure, timeout)
	 * @param error what the call failed with, or {@code null} when a response arrived
	 */
	record Outcome(Lane served, boolean failure, Throwable error) {

		static Outcome of(RoutedRelease release, ReleaseRoute route, LaneRequest request, long start,
				HttpStatusCode status, Throwable error) {
			Lane served = request.served();
			boolean failure = (error != null) || (status != null && status.is5xxServerError());
			release.record(route, request.targets().versions(), served, failure, request.assignment().drawn(),
					System.nanoTime() - start);
			if (request.attempt() == Lane.CANARY && served == Lane.STABLE) {
				release.meters().noCanaryInstance();
			}
			return new Outcome(served, failure, error);
		}

		/**
		 * Whether this failed canary attempt is to be tried again on stable (asked of the
		 * first attempt only).
		 */
		boolean retryOnStable(ServerWebExchange exchange, RoutedRelease release, URI lbUrl) {
			if (!this.failure || this.served != Lane.CANARY || lbUrl == null || !release.routing().retryOnStable()) {
				return false;
			}
			// may it be sent again once it reached the canary?
			boolean repeatable = isIdempotent(exchange.getRequest().getMethod()) && bodyRepeatable(exchange);
			return (this.error == null) ? repeatable
					: (notSent(this.error) || (repeatable && isServerError(this.error)));
		}

		/**
		 * Ends the request: names the version that served, and passes on the failure of a
		 * call that failed.
		 */
		Mono<Void> finish(ServerWebExchange exchange, RoutedRelease release, LaneRequest request) {
			if (release.routing().exposeVersion() && !exchange.getResponse().isCommitted()) {
				exchange.getResponse().getHeaders().set(CanaryHeaders.VERSION, request.servedVersion());
			}
			return (this.error != null) ? Mono.error(this.error) : Mono.empty();
		}

	}

	/**
	 * Whether the request's body can be sent again: it has none, or it was kept (by
	 * {@link #handle}, or by another filter that cached it).
	 */
	static boolean bodyRepeatable(ServerWebExchange exchange) {
		if (exchange.getAttribute(ServerWebExchangeUtils.CACHED_REQUEST_BODY_ATTR) != null) {
			return true;
		}
		HttpHeaders headers = exchange.getRequest().getHeaders();
		return headers.getContentLength() <= 0 && !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
	}

	static boolean isIdempotent(HttpMethod method) {
		return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method) || HttpMethod.OPTIONS.equals(method);
	}

	/**
	 * Whether the request never reached a canary backend (so retrying it is safe for any
	 * method).
	 */
	static boolean notSent(Throwable error) {
		for (Throwable t = error; t != null; t = (t.getCause() == t) ? null : t.getCause()) {
			if (t instanceof ConnectException || t instanceof NotFoundException) {
				return true;
			}
		}
		return false;
	}

	private static boolean isServerError(Throwable error) {
		if (error instanceof ResponseStatusException rse) {
			return rse.getStatusCode().is5xxServerError();
		}
		// a timeout, a connection closed mid-response and the like: the backend failed to
		// answer
		return true;
	}

}
