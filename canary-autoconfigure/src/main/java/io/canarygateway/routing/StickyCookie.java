package io.canarygateway.routing;

import java.time.Duration;

import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import io.canarygateway.core.StickyKeyGenerator;

/**
 * The sticky cookie of a release with {@code routing.sticky-cookie} (docs/routing.md,
 * "Stickiness"), as the gateway gives it to a request that has no sticky key:
 * {@code Set-Cookie: <name>=<key>; Path=/; Max-Age=<seconds>; HttpOnly; SameSite=Lax},
 * plus {@code Secure} when the request came over HTTPS.
 * <p>
 * The cookie goes into the response's cookies, which the server writes when the response
 * is committed, rather than into its headers: Spring Cloud Gateway replaces the
 * response's headers by name with the backend's, so a backend's own {@code Set-Cookie}
 * would replace one set as a header.
 */
final class StickyCookie {

	private static final String HTTPS = "https";

	private final String name;

	private final Duration maxAge;

	private final StickyKeyGenerator keys;

	StickyCookie(String name, Duration maxAge, StickyKeyGenerator keys) {
		this.name = name;
		this.maxAge = maxAge;
		this.keys = keys;
	}

	/**
	 * The key a request without one is decided by from now on, given to its response: the
	 * key already given to it for this cookie name (another release with the same cookie
	 * decided the request first: both use one key, as its next request will), else a
	 * fresh one.
	 */
	String give(ServerWebExchange exchange) {
		ServerHttpResponse response = exchange.getResponse();
		ResponseCookie given = response.getCookies().getFirst(this.name);
		if (given != null) {
			return given.getValue();
		}
		String key = this.keys.next();
		response.addCookie(ResponseCookie.from(this.name, key)
			.path("/")
			.maxAge(this.maxAge)
			.httpOnly(true)
			.sameSite("Lax")
			.secure(HTTPS.equalsIgnoreCase(exchange.getRequest().getURI().getScheme()))
			.build());
		return key;
	}

	@Override
	public String toString() {
		return "StickyCookie[" + this.name + "]";
	}

}
