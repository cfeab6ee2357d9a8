package io.canarygateway.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.util.HtmlUtils;

/**
 * Serves the canary dashboard ({@code canary.dashboard.*}, docs/configuration.md, "Global
 * properties"): {@code index.html} at the configured path, its script and style sheet
 * next to it, and a redirect from the path without its trailing slash. The page holds no
 * data: its script polls the {@code canary} actuator endpoint, whose URL is written into
 * the page's {@code <meta name="canary-endpoint">}, and its buttons call that endpoint,
 * so whatever protects the endpoint protects the buttons.
 * <p>
 * Only the three files of {@code classpath:io/canarygateway/dashboard/} are served, read
 * once; a Content-Security-Policy keeps the page from loading anything from another
 * origin.
 */
public final class DashboardRouter {

	/** Where the page and its assets live on the class path. */
	static final String LOCATION = "io/canarygateway/dashboard/";

	/** The placeholder in {@code index.html} replaced by the endpoint URL. */
	static final String ENDPOINT_PLACEHOLDER = "{{canary-endpoint}}";

	/**
	 * Nothing from another origin, no inline script or style: the page works offline and
	 * resists injection.
	 */
	static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
			+ "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

	private static final Map<String, MediaType> ASSETS = Map.of("dashboard.js",
			new MediaType("text", "javascript", StandardCharsets.UTF_8), "dashboard.css",
			new MediaType("text", "css", StandardCharsets.UTF_8));

	private final String path;

	private final Supplier<String> endpoint;

	private final String template;

	private final Map<String, byte[]> assets = new LinkedHashMap<>();

	private volatile byte[] page;

	/**
	 * @param path where the page is served, normalized by {@link #normalizePath(String)}
	 * @param endpoint the URL of the {@code canary} endpoint as the browser should call
	 * it, asked on the first request
	 */
	public DashboardRouter(String path, Supplier<String> endpoint) {
		this.path = normalizePath(path);
		this.endpoint = endpoint;
		this.template = new String(read("index.html"), StandardCharsets.UTF_8);
		ASSETS.keySet().forEach((name) -> this.assets.put(name, read(name)));
	}

	/**
	 * Turns {@code canary.dashboard.path} into the form the page is served at: a leading
	 * and a trailing slash.
	 * @param configured the configured path
	 * @return the path, e.g. {@code /canary-dashboard/}
	 * @throws IllegalArgumentException if it is blank or holds a pattern, a query or a
	 * fragment
	 */
	public static String normalizePath(String configured) {
		String value = (configured != null) ? configured.strip() : "";
		if (value.isEmpty() || !value.matches("[A-Za-z0-9._~!$&'()+,;=:@%/-]+") || value.contains("//")) {
			throw new IllegalArgumentException("must be a plain URL path such as /canary-dashboard/ (no wildcard, "
					+ "template variable, query or '//'), was '" + configured + "'");
		}
		if (!value.startsWith("/")) {
			value = "/" + value;
		}
		return value.endsWith("/") ? value : value + "/";
	}

	/**
	 * @return the path the page is served at, with its trailing slash
	 */
	public String path() {
		return this.path;
	}

	/**
	 * @return the page, its assets and the redirect to the page
	 */
	public RouterFunction<ServerResponse> routes() {
		RouterFunctions.Builder routes = RouterFunctions.route()
			.GET(this.path, this::page)
			.GET(this.path + "index.html", this::page);
		this.assets.keySet().forEach((name) -> routes.GET(this.path + name, (request) -> asset(name)));
		if (this.path.length() > 1) {
			routes.GET(this.path.substring(0, this.path.length() - 1), this::redirectToPage);
		}
		return routes.build();
	}

	private Mono<ServerResponse> page(ServerRequest request) {
		return ServerResponse.ok()
			.contentType(new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8))
			.cacheControl(CacheControl.noCache())
			.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
			.header("X-Content-Type-Options", "nosniff")
			.header("Referrer-Policy", "same-origin")
			.bodyValue(renderedPage());
	}

	private Mono<ServerResponse> asset(String name) {
		return ServerResponse.ok()
			.contentType(ASSETS.get(name))
			// no-cache, not max-age: an upgraded gateway must not run last version's
			// script against its endpoint
			.cacheControl(CacheControl.noCache())
			.header("X-Content-Type-Options", "nosniff")
			.bodyValue(this.assets.get(name));
	}

	private Mono<ServerResponse> redirectToPage(ServerRequest request) {
		String target = request.requestPath().contextPath().value() + this.path;
		String query = request.uri().getRawQuery();
		return ServerResponse.status(HttpStatus.FOUND)
			.location(URI.create((query != null) ? target + "?" + query : target))
			.build();
	}

	/**
	 * The page with the endpoint URL in it; rendered on first use, when the actuator's
	 * paths are known.
	 */
	byte[] renderedPage() {
		byte[] rendered = this.page;
		if (rendered == null) {
			rendered = render(this.template, this.endpoint.get()).getBytes(StandardCharsets.UTF_8);
			this.page = rendered;
		}
		return rendered;
	}

	static String render(String template, String endpoint) {
		return template.replace(ENDPOINT_PLACEHOLDER, HtmlUtils.htmlEscape(endpoint, StandardCharsets.UTF_8.name()));
	}

	private static byte[] read(String name) {
		ClassPathResource resource = new ClassPathResource(LOCATION + name, DashboardRouter.class.getClassLoader());
		try (InputStream in = resource.getInputStream()) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Canary dashboard resource missing: classpath:" + LOCATION + name, ex);
		}
	}

	@Override
	public String toString() {
		return "Canary dashboard at " + this.path;
	}

}
