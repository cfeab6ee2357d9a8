package io.canarygateway.routing;

import java.net.ConnectException;
import java.net.URI;

import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import io.canarygateway.core.Lane;
import io.canarygateway.loadbalancer.LaneTarget;

/**
 * The canary part of one proxied request, shared by both routing modes: marks the lane to forward (the
 * {@link LaneHeaderFilter} sends it as a header, replacing any the client sent), points the load balancer at the lane's instances, records the outcome once the backend has
 * answered, and on load-balanced routes retries a failed canary request on stable (CONTRACT §4.4).
 * <p>
 * Runs just before the load-balancer filter, so a retry re-runs only instance choice and the proxy call. The
 * outcome is taken when the backend's response headers arrive (time to first byte), before the body is streamed.
 */
public class CanaryExchangeHandler {

	/** The order of the canary filters: after the route's URL is resolved, before the load balancer picks. */
	public static final int ORDER = 10149;

	/**
	 * Handles a request for {@code release}.
	 * @param loadBalanced whether the route reaches its backend through the load balancer (versions chosen by
	 * instance metadata, retry on stable possible); otherwise the route itself is the lane
	 */
	public Mono<Void> handle(ServerWebExchange exchange, GatewayFilterChain chain, RoutedRelease release,
			boolean loadBalanced) {
		if (exchange.getAttributes().putIfAbsent(CanaryAttributes.HANDLED, release) != null) {
			return chain.filter(exchange);
		}
		Lane lane = release.lane(exchange);
		URI lbUrl = loadBalanced ? exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR) : null;
		return attempt(exchange, chain, release, lane, lbUrl, false);
	}

	private Mono<Void> attempt(ServerWebExchange exchange, GatewayFilterChain chain, RoutedRelease release, Lane lane,
			URI lbUrl, boolean retry) {
		if (lbUrl != null) {
			exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, lbUrl);
			exchange.getAttributes().put(CanaryAttributes.LANE_TARGET, release.target(lane));
		}
		// LaneHeaderFilter forwards it as X-Canary-Lane when the routing filter builds the proxied request
		exchange.getAttributes().put(CanaryAttributes.FORWARDED_LANE, lane);
		long start = System.nanoTime();
		return chain.filter(exchange).then(Mono.defer(() -> {
			HttpStatusCode status = exchange.getResponse().getStatusCode();
			boolean failure = status != null && status.is5xxServerError();
			Lane served = served(exchange, release, lane, lbUrl);
			release.record(served, failure, System.nanoTime() - start);
			if (failure && canRetry(release, served, lbUrl, retry) && isIdempotent(exchange.getRequest())) {
				return retryOnStable(exchange, chain, release, lbUrl);
			}
			exposeVersion(exchange, release, served);
			return Mono.<Void>empty();
		})).onErrorResume((error) -> {
			Lane served = served(exchange, release, lane, lbUrl);
			release.record(served, true, System.nanoTime() - start);
			if (canRetry(release, served, lbUrl, retry)
					&& (notSent(error) || (isIdempotent(exchange.getRequest()) && isServerError(error)))) {
				return retryOnStable(exchange, chain, release, lbUrl);
			}
			exposeVersion(exchange, release, served);
			return Mono.error(error);
		});
	}

	private Mono<Void> retryOnStable(ServerWebExchange exchange, GatewayFilterChain chain, RoutedRelease release,
			URI lbUrl) {
		release.meters().retried();
		ServerWebExchangeUtils.reset(exchange);
		exchange.getResponse().setStatusCode(null);
		exchange.getAttributes().remove(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		return attempt(exchange, chain, release, Lane.STABLE, lbUrl, true);
	}

	private static boolean canRetry(RoutedRelease release, Lane served, URI lbUrl, boolean retry) {
		return !retry && lbUrl != null && served == Lane.CANARY && release.routing().retryOnStable();
	}

	/**
	 * The lane that actually served: on a load-balanced route a canary-lane request that found no canary instance
	 * was served by stable (and is counted as a fallback).
	 */
	private static Lane served(ServerWebExchange exchange, RoutedRelease release, Lane lane, URI lbUrl) {
		if (lbUrl == null || lane == Lane.STABLE) {
			return lane;
		}
		Response<ServiceInstance> response = exchange
			.getAttribute(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR);
		ServiceInstance instance = (response != null) ? response.getServer() : null;
		if (instance == null) {
			return lane;
		}
		LaneTarget target = release.target(Lane.CANARY);
		if (release.release().config().canaryVersion().equals(target.versionOf(instance))) {
			return Lane.CANARY;
		}
		if (exchange.getAttributes().putIfAbsent(CanaryAttributes.FALLBACK, Boolean.TRUE) == null) {
			release.meters().noCanaryInstance();
		}
		return Lane.STABLE;
	}

	private static void exposeVersion(ServerWebExchange exchange, RoutedRelease release, Lane served) {
		if (release.routing().exposeVersion() && !exchange.getResponse().isCommitted()) {
			exchange.getResponse()
				.getHeaders()
				.set(CanaryAttributes.VERSION_HEADER, release.release().version(served));
		}
	}

	private static boolean isIdempotent(ServerHttpRequest request) {
		HttpMethod method = request.getMethod();
		return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method) || HttpMethod.OPTIONS.equals(method);
	}

	/** Whether the request never reached a canary backend (so retrying it is safe for any method). */
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
		// a timeout, a connection closed mid-response and the like: the backend failed to answer
		return true;
	}

}
