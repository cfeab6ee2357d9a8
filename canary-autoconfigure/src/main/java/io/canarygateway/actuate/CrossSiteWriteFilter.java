package io.canarygateway.actuate;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Refuses actuator writes that a browser sends on behalf of another site. Any web page
 * can make the browser {@code POST} to the gateway ({@code fetch(url, {method: 'POST',
 * mode: 'no-cors', credentials: 'include'})}), with whatever basic credentials the
 * browser holds for it; without this filter a hostile page could start, pause, promote or
 * abort a release.
 * <p>
 * A write is any method but {@code GET}, {@code HEAD}, {@code OPTIONS} and {@code TRACE}
 * on the path of an exposed web endpoint ({@code /actuator/canary/…},
 * {@code /actuator/loggers/…}, …). It is refused with 403 and a JSON body saying why,
 * before anything else handles it, when
 * <ul>
 * <li>its {@code Origin} is not the gateway's own origin (scheme, host and port of the
 * request as the gateway sees it, after Spring's forwarded-header handling if the
 * application turned it on) nor one of the allowed origins — {@code Origin: null}
 * included; or</li>
 * <li>it carries {@code Sec-Fetch-Site: cross-site} and no allowed {@code Origin}.</li>
 * </ul>
 * Requests without {@code Origin} (curl, pipelines) and same-origin requests (the
 * dashboard) pass unchanged. Runs first of all web filters: before Spring Security, so a
 * refused request neither prompts for nor uses credentials, and before
 * {@link CanaryEndpointContentTypeFilter}.
 */
public class CrossSiteWriteFilter implements WebFilter, Ordered {

	/** This filter's order: first, ahead of Spring Security's chain (-100). */
	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE;

	private static final Log logger = LogFactory.getLog(CrossSiteWriteFilter.class);

	private static final String SEC_FETCH_SITE = "Sec-Fetch-Site";

	private final ObjectProvider<PathMappedEndpoints> endpoints;

	private final Set<String> allowedOrigins;

	private volatile List<String> paths;

	/**
	 * Creates the filter.
	 * @param endpoints the exposed web endpoints, whose paths it guards
	 * @param allowedOrigins origins trusted besides the gateway's own, each as
	 * {@link #normalizeOrigin(String)} returns it
	 */
	public CrossSiteWriteFilter(ObjectProvider<PathMappedEndpoints> endpoints, Collection<String> allowedOrigins) {
		this.endpoints = endpoints;
		this.allowedOrigins = Set.copyOf(allowedOrigins);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		if (isSafe(request.getMethod()) || !isEndpointPath(request.getPath().pathWithinApplication().value())) {
			return chain.filter(exchange);
		}
		String refusal = refusal(request);
		if (refusal == null) {
			return chain.filter(exchange);
		}
		if (logger.isDebugEnabled()) {
			logger.debug("Refused " + request.getMethod() + " " + request.getPath() + ": " + refusal);
		}
		return refuse(exchange.getResponse(), refusal);
	}

	private static boolean isSafe(HttpMethod method) {
		return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method) || HttpMethod.OPTIONS.equals(method)
				|| HttpMethod.TRACE.equals(method);
	}

	private boolean isEndpointPath(String path) {
		for (String endpoint : paths()) {
			if (path.startsWith(endpoint)
					&& (path.length() == endpoint.length() || path.charAt(endpoint.length()) == '/')) {
				return true;
			}
		}
		return false;
	}

	private List<String> paths() {
		List<String> cached = this.paths;
		if (cached == null) {
			PathMappedEndpoints mapped = this.endpoints.getIfAvailable();
			cached = (mapped != null) ? List.copyOf(mapped.getAllPaths()) : List.of();
			this.paths = cached;
		}
		return cached;
	}

	/** Why the request is refused, or {@code null} when it may pass. */
	private String refusal(ServerHttpRequest request) {
		HttpHeaders headers = request.getHeaders();
		String origin = headers.getFirst(HttpHeaders.ORIGIN);
		String normalized = (origin != null) ? normalizeOrigin(origin) : null;
		if (normalized != null && this.allowedOrigins.contains(normalized)) {
			return null;
		}
		if ("cross-site".equalsIgnoreCase(headers.getFirst(SEC_FETCH_SITE))) {
			return "the browser sent it from another site (Sec-Fetch-Site: cross-site)";
		}
		if (origin == null) {
			return null;
		}
		String own = ownOrigin(request.getURI());
		if (normalized != null && normalized.equals(own)) {
			return null;
		}
		return "Origin " + origin + " is neither this gateway's origin " + ((own != null) ? own : "(unknown)")
				+ " nor one of canary.security.allowed-origins";
	}

	private static String ownOrigin(URI uri) {
		return (uri.getScheme() != null && uri.getHost() != null)
				? origin(uri.getScheme(), uri.getHost(), uri.getPort()) : null;
	}

	private static Mono<Void> refuse(ServerHttpResponse response, String refusal) {
		String body = "{\"status\":403,\"error\":\"" + escape("cross-site request refused, nothing was changed: "
				+ refusal + ". Actuator writes are accepted from this gateway's own pages and from clients that"
				+ " send no Origin (curl); behind a proxy, see server.forward-headers-strategy") + "\"}";
		response.setStatusCode(HttpStatus.FORBIDDEN);
		response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
		return response.writeWith(Mono.just(response.bufferFactory().wrap(body.getBytes(StandardCharsets.UTF_8))));
	}

	/**
	 * An origin in the form this filter compares: lower-case scheme and host and an
	 * explicit port ({@code https://gw.example.com:443}).
	 * @param origin an origin as a browser sends it in {@code Origin}:
	 * {@code scheme://host[:port]}, without path, query or user information
	 * @return the normalized origin, or {@code null} when the text is not such an origin
	 * (as {@code null} is not)
	 */
	public static String normalizeOrigin(String origin) {
		URI uri;
		try {
			uri = new URI(origin.strip());
		}
		catch (URISyntaxException ex) {
			return null;
		}
		String path = uri.getRawPath();
		if (uri.getScheme() == null || uri.getHost() == null || uri.getRawUserInfo() != null
				|| (path != null && !path.isEmpty()) || uri.getRawQuery() != null || uri.getRawFragment() != null) {
			return null;
		}
		return origin(uri.getScheme(), uri.getHost(), uri.getPort());
	}

	private static String origin(String scheme, String host, int port) {
		String lowerScheme = scheme.toLowerCase(Locale.ROOT);
		int effectivePort = (port != -1) ? port : defaultPort(lowerScheme);
		return lowerScheme + "://" + host.toLowerCase(Locale.ROOT) + ":" + effectivePort;
	}

	private static int defaultPort(String scheme) {
		return switch (scheme) {
			case "http", "ws" -> 80;
			case "https", "wss" -> 443;
			default -> -1;
		};
	}

	/** The text as the inside of a JSON string: the Origin header is the client's. */
	private static String escape(String text) {
		StringBuilder escaped = new StringBuilder(text.length() + 16);
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			switch (c) {
				case '"' -> escaped.append("\\\"");
				case '\\' -> escaped.append("\\\\");
				default -> {
					if (c < 0x20 || c == 0x2028 || c == 0x2029) {
						escaped.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
					}
					else {
						escaped.append(c);
					}
				}
			}
		}
		return escaped.toString();
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

}
