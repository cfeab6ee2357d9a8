package io.canarygateway.routing;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter.Type;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import io.canarygateway.core.Assignment;
import io.canarygateway.core.Lane;
import io.canarygateway.core.Versions;
import io.canarygateway.loadbalancer.LaneRequest;
import io.canarygateway.loadbalancer.LaneTargets;

import static org.assertj.core.api.Assertions.assertThat;

class LaneHeaderFilterTest {

	private final LaneHeaderFilter filter = new LaneHeaderFilter();

	@Test
	void setsTheForwardedLaneReplacingWhatTheClientSent() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/orders").header(CanaryHeaders.LANE, "canary").header("A", "b"));
		LaneRequest request = LaneRequest.decided(exchange.getAttributes(), "orders", Assignment.CANARY_DRAWN,
				new LaneTargets("version", Versions.of("v1", "v2")));
		request.handle(exchange.getAttributes());
		// a retry on stable of a canary request
		request.attempt(Lane.STABLE, null);
		HttpHeaders input = HttpHeaders.readOnlyHttpHeaders(exchange.getRequest().getHeaders());

		HttpHeaders forwarded = this.filter.filter(input, exchange);

		assertThat(forwarded.get(CanaryHeaders.LANE)).containsExactly("stable");
		assertThat(forwarded.getFirst("A")).isEqualTo("b");
		assertThat(input.get(CanaryHeaders.LANE)).containsExactly("canary");
	}

	@Test
	void setsTheLaneInPlaceOnHeadersAnEarlierFilterAlreadyCopied() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/orders").header(CanaryHeaders.LANE, "stable"));
		LaneRequest request = LaneRequest.decided(exchange.getAttributes(), "orders", Assignment.CANARY_DRAWN,
				new LaneTargets("version", Versions.of("v1", "v2")));
		request.handle(exchange.getAttributes());
		request.attempt(Lane.CANARY, null);
		// what RemoveHopByHopHeadersFilter hands on: the proxied request's own, writable
		// headers
		HttpHeaders copied = HttpHeaders.copyOf(exchange.getRequest().getHeaders());

		assertThat(this.filter.filter(copied, exchange)).isSameAs(copied);
		assertThat(copied.get(CanaryHeaders.LANE)).containsExactly("canary");
		assertThat(exchange.getRequest().getHeaders().get(CanaryHeaders.LANE)).containsExactly("stable");
	}

	@Test
	void leavesRequestsWithoutALaneAloneButRemovesAClientsLaneHeader() {
		MockServerWebExchange decidedOnly = MockServerWebExchange.from(MockServerHttpRequest.get("/other"));
		// decided by a predicate of a route that was not chosen: never sent down a lane
		LaneRequest.decided(decidedOnly.getAttributes(), "orders", Assignment.CANARY_DRAWN,
				new LaneTargets("version", Versions.of("v1", "v2")));
		assertThat(this.filter.filter(decidedOnly.getRequest().getHeaders(), decidedOnly))
			.isSameAs(decidedOnly.getRequest().getHeaders());

		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/other").header(CanaryHeaders.LANE, "canary").header("A", "b"));
		HttpHeaders input = HttpHeaders.readOnlyHttpHeaders(exchange.getRequest().getHeaders());
		HttpHeaders forwarded = this.filter.filter(input, exchange);
		assertThat(forwarded.containsHeader(CanaryHeaders.LANE)).as("spoofed lane removed").isFalse();
		assertThat(forwarded.getFirst("A")).isEqualTo("b");
		assertThat(input.get(CanaryHeaders.LANE)).containsExactly("canary");

		HttpHeaders copied = HttpHeaders.copyOf(exchange.getRequest().getHeaders());
		assertThat(this.filter.filter(copied, exchange)).isSameAs(copied);
		assertThat(copied.containsHeader(CanaryHeaders.LANE)).isFalse();
	}

	@Test
	void removesAClientsVersionsHeaderFromEveryRequest() {
		MockServerWebExchange plain = MockServerWebExchange
			.from(MockServerHttpRequest.get("/other").header(CanaryHeaders.VERSIONS, "orders=v2").header("A", "b"));
		HttpHeaders forwarded = this.filter.filter(HttpHeaders.readOnlyHttpHeaders(plain.getRequest().getHeaders()),
				plain);
		assertThat(forwarded.containsHeader(CanaryHeaders.VERSIONS)).isFalse();
		assertThat(forwarded.containsHeader(CanaryHeaders.LANE)).isFalse();
		assertThat(forwarded.getFirst("A")).isEqualTo("b");

		MockServerWebExchange sent = MockServerWebExchange
			.from(MockServerHttpRequest.get("/orders").header(CanaryHeaders.VERSIONS, "orders=v9"));
		LaneRequest request = LaneRequest.decided(sent.getAttributes(), "orders", Assignment.CANARY_DRAWN,
				new LaneTargets("version", Versions.of("v1", "v2")));
		request.handle(sent.getAttributes());
		request.attempt(Lane.CANARY, null);
		HttpHeaders copied = HttpHeaders.copyOf(sent.getRequest().getHeaders());
		assertThat(this.filter.filter(copied, sent)).isSameAs(copied);
		assertThat(copied.containsHeader(CanaryHeaders.VERSIONS)).isFalse();
		assertThat(copied.get(CanaryHeaders.LANE)).containsExactly("canary");
	}

	@Test
	void appliesToRequestsOnlyAndRunsLast() {
		assertThat(this.filter.supports(Type.REQUEST)).isTrue();
		assertThat(this.filter.supports(Type.RESPONSE)).isFalse();
		assertThat(this.filter.getOrder()).isEqualTo(org.springframework.core.Ordered.LOWEST_PRECEDENCE);
	}

}
