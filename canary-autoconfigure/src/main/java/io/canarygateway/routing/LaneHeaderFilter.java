package io.canarygateway.routing;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import io.canarygateway.core.Lane;
import io.canarygateway.loadbalancer.LaneRequest;

/**
 * Adds {@code X-Canary-Lane: stable|canary} and, on load-balanced routes,
 * {@code X-Canary-Versions: orders=v2,payments=v8} (docs/routing.md, "Headers";
 * docs/multi-service.md) to the headers Spring Cloud Gateway forwards for a request the
 * canary handling has sent down a lane: the lane whose instances serve the current
 * attempt ({@link LaneRequest#served()}: stable for a canary attempt that found no canary
 * instance, or for the retry on stable) and the versions of that lane, replacing any
 * value the client sent. From every other request a client's headers are removed, so no
 * backend sees a lane or versions the gateway did not choose. Runs last among the
 * gateway's request header filters, when the routing filter builds the proxied request
 * (the load balancer has chosen by then).
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
		Lane served = (request != null) ? request.served() : null;
		String lane = (served != null) ? served.value() : null;
		String versions = (served != null) ? request.versionsHeader() : null;
		if (lane == null && !input.containsHeader(CanaryHeaders.LANE)
				&& !input.containsHeader(CanaryHeaders.VERSIONS)) {
			return input;
		}
		if (input != exchange.getRequest().getHeaders()) {
			try {
				setOrRemove(input, lane, versions);
				return input;
			}
			catch (UnsupportedOperationException ex) {
				// read-only: copied below
			}
		}
		HttpHeaders headers = HttpHeaders.copyOf(input);
		setOrRemove(headers, lane, versions);
		return headers;
	}

	/**
	 * The lane and versions sent down, or neither header at all for a request that no
	 * canary handling sent down a lane; never a client's.
	 */
	private static void setOrRemove(HttpHeaders headers, String lane, String versions) {
		set(headers, CanaryHeaders.LANE, lane);
		set(headers, CanaryHeaders.VERSIONS, versions);
	}

	private static void set(HttpHeaders headers, String name, String value) {
		if (value != null) {
			headers.set(name, value);
		}
		else {
			headers.remove(name);
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
