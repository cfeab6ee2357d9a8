package io.canarygateway.routing;

import java.time.Duration;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
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
 * would replace one set as a header. When the backend's response sets a cookie of the
 * same name itself, the backend's is the one the client gets.
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
		response.beforeCommit(() -> {
			// a cookie of the application behind (a session cookie used as the sticky
			// key, say) is not overwritten: the next request carries the application's
			// value as its key
			if (setsCookie(response.getHeaders(), this.name)) {
				response.getCookies().remove(this.name);
			}
			return Mono.empty();
		});
		return key;
	}

	/** Whether response headers (the backend's) set a cookie of this name. */
	static boolean setsCookie(HttpHeaders headers, String name) {
		for (String value : headers.getOrEmpty(HttpHeaders.SET_COOKIE)) {
			String cookie = value.stripLeading();
			if (cookie.startsWith(name) && cookie.length() > name.length() && cookie.charAt(name.length()) == '=') {
				return true;
			}
		}
		return false;
	}

	@Override
	public String toString() {
		return "StickyCookie[" + this.name + "]";
	}

}
