package io.canarygateway.routing;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import io.canarygateway.loadbalancer.LaneRequest;

/**
 * Adds {@code X-Canary-Lane: stable|canary} (docs/routing.md, "Headers") to the headers
 * Spring Cloud Gateway forwards for a request the canary handling has sent down a lane
 * (its {@link LaneRequest}'s attempt), replacing any value the client sent; from every
 * other request a client's {@code X-Canary-Lane} is removed, so no backend sees a lane
 * the gateway did not choose. A client's {@code X-Canary-Versions} is removed from every
 * request. Runs last among the gateway's request header filters, when the routing filter
 * builds the proxied request.
 * <p>
 * Done here rather than by mutating the request in the canary filter: a mutated request
 * carries a copy of the headers in a case-insensitive map, and every later header lookup
 * of the gateway's own filters on it costs more than on the server's headers; measured on
 * a minimal proxied request, that cost about 4 µs of CPU per request
 * (docs/benchmarks.md). Here nothing is copied when an earlier header filter already made
 * the proxied request's own headers (the gateway's {@code RemoveHopByHopHeadersFilter}
 * does, for every request); otherwise — the input is the request's own, read-only headers
 * — they are copied once.
 */
public class LaneHeaderFilter implements HttpHeadersFilter, Ordered {

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		LaneRequest request = LaneRequest.handled(exchange.getAttributes());
		String lane = (request != null && request.attempt() != null) ? request.attempt().value() : null;
		if (lane == null && !input.containsHeader(CanaryHeaders.LANE)
				&& !input.containsHeader(CanaryHeaders.VERSIONS)) {
			return input;
		}
		if (input != exchange.getRequest().getHeaders()) {
			try {
				setOrRemove(input, lane);
				return input;
			}
			catch (UnsupportedOperationException ex) {
				// read-only: copied below
			}
		}
		HttpHeaders headers = HttpHeaders.copyOf(input);
		setOrRemove(headers, lane);
		return headers;
	}

	/**
	 * The lane sent down, or no lane header at all for a request that no canary handling
	 * sent down a lane; never a client's versions.
	 */
	private static void setOrRemove(HttpHeaders headers, String lane) {
		headers.remove(CanaryHeaders.VERSIONS);
		if (lane != null) {
			headers.set(CanaryHeaders.LANE, lane);
		}
		else {
			headers.remove(CanaryHeaders.LANE);
		}
	}

	@Override
	public boolean supports(Type type) {
		return type == Type.REQUEST;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
