package io.canarygateway.routing;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter.Type;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import io.canarygateway.core.Lane;

import static org.assertj.core.api.Assertions.assertThat;

class LaneHeaderFilterTest {

	private final LaneHeaderFilter filter = new LaneHeaderFilter();

	@Test
	void setsTheForwardedLaneReplacingWhatTheClientSent() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/orders").header(CanaryAttributes.LANE_HEADER, "canary").header("A", "b"));
		exchange.getAttributes().put(CanaryAttributes.FORWARDED_LANE, Lane.STABLE);
		HttpHeaders input = HttpHeaders.readOnlyHttpHeaders(exchange.getRequest().getHeaders());

		HttpHeaders forwarded = this.filter.filter(input, exchange);

		assertThat(forwarded.get(CanaryAttributes.LANE_HEADER)).containsExactly("stable");
		assertThat(forwarded.getFirst("A")).isEqualTo("b");
		assertThat(input.get(CanaryAttributes.LANE_HEADER)).containsExactly("canary");
	}

	@Test
	void leavesRequestsWithoutALaneAlone() {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/other").header(CanaryAttributes.LANE_HEADER, "canary"));
		HttpHeaders input = exchange.getRequest().getHeaders();

		assertThat(this.filter.filter(input, exchange)).isSameAs(input);
	}

	@Test
	void appliesToRequestsOnlyAndRunsLast() {
		assertThat(this.filter.supports(Type.REQUEST)).isTrue();
		assertThat(this.filter.supports(Type.RESPONSE)).isFalse();
		assertThat(this.filter.getOrder()).isEqualTo(org.springframework.core.Ordered.LOWEST_PRECEDENCE);
	}

}
