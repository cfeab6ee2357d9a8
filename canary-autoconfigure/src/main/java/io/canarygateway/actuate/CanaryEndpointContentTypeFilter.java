package io.canarygateway.actuate;

import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Lets {@code curl -X POST /actuator/canary/orders/promote} work without a body or a
 * Content-Type. Actuator write operations that take a parameter (here {@code weight})
 * only accept JSON, so a bare POST would get 415; this filter marks such a request as
 * JSON (its empty body then means "no parameters"). It touches nothing else: the
 * endpoint's security and access rules still apply, and it runs after
 * {@link CrossSiteWriteFilter}, so a cross-site request is refused before it is made
 * JSON.
 */
public class CanaryEndpointContentTypeFilter implements WebFilter, Ordered {

	private final ObjectProvider<PathMappedEndpoints> endpoints;

	private volatile String prefix;

	public CanaryEndpointContentTypeFilter(ObjectProvider<PathMappedEndpoints> endpoints) {
		this.endpoints = endpoints;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		if (!HttpMethod.POST.equals(request.getMethod()) || request.getHeaders().getContentType() != null) {
			return chain.filter(exchange);
		}
		String canaryPath = prefix();
		if (canaryPath == null || !request.getPath().pathWithinApplication().value().startsWith(canaryPath)) {
			return chain.filter(exchange);
		}
		ServerHttpRequest json = request.mutate()
			.headers((headers) -> headers.set(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE))
			.build();
		return chain.filter(exchange.mutate().request(json).build());
	}

	private String prefix() {
		String cached = this.prefix;
		if (cached == null) {
			PathMappedEndpoints mapped = this.endpoints.getIfAvailable();
			String path = (mapped != null) ? mapped.getPath(EndpointId.of("canary")) : null;
			if (path != null) {
				cached = path + "/";
				this.prefix = cached;
			}
		}
		return cached;
	}

	@Override
	public int getOrder() {
		return CrossSiteWriteFilter.ORDER + 1;
	}

}
