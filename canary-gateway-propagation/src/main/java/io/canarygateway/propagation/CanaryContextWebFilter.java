package io.canarygateway.propagation;

import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Keeps the {@link CanaryContext} of a reactive request in the Reactor {@code Context} of
 * its handling (key {@value CanaryContextAccessor#KEY}), where
 * {@link CanaryHeadersExchangeFilterFunction} reads it on whatever thread a
 * {@code WebClient} call runs, and from where Reactor's automatic context propagation,
 * when an application turns it on, restores it into {@link CanaryContextHolder}.
 */
public class CanaryContextWebFilter implements WebFilter, Ordered {

	/** Early, so the application's own filters already see the context. */
	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 20;

	private final CanaryContextReader reader;

	public CanaryContextWebFilter(CanaryContextReader reader) {
		this.reader = reader;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		HttpHeaders headers = exchange.getRequest().getHeaders();
		List<String> lane = headers.get(CanaryHeaders.LANE);
		List<String> versions = headers.get(CanaryHeaders.VERSIONS);
		if (lane == null && versions == null) {
			return chain.filter(exchange);
		}
		CanaryContext context = this.reader.read(first(lane), first(versions), repeated(lane) || repeated(versions));
		if (context == null) {
			return chain.filter(exchange);
		}
		return chain.filter(exchange)
			.contextWrite((reactorContext) -> reactorContext.put(CanaryContextAccessor.KEY, context));
	}

	private static @Nullable String first(@Nullable List<String> values) {
		return (values == null || values.isEmpty()) ? null : values.get(0);
	}

	private static boolean repeated(@Nullable List<String> values) {
		return values != null && values.size() > 1;
	}

}
