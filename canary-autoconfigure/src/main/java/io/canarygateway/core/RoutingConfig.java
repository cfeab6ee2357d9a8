package io.canarygateway.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How requests of one release are assigned to a lane (docs/routing.md, "The decision";
 * the properties are in docs/configuration.md, "Routing").
 *
 * @param overrideHeader request header whose value {@code always}/{@code never} forces
 * the lane; empty disables
 * @param overrideCookie cookie whose value {@code always}/{@code never} forces the lane;
 * empty disables
 * @param stickyHeader request header holding a sticky key (e.g. a user id); empty
 * disables
 * @param stickyCookie cookie holding a sticky key; empty disables. A request with no
 * sticky key is given one in this cookie.
 * @param stickyCookieMaxAge how long a sticky cookie given to a request lasts (its
 * {@code Max-Age})
 * @param exposeVersion whether responses carry {@code X-Canary-Version}
 * @param retryOnStable whether failed canary requests on load-balanced routes are retried
 * on stable
 * @param onlyFor if not empty, requests matching none of these rules always go to stable
 * (docs/routing.md, "Who sees the canary")
 * @param alwaysFor requests matching any of these rules always go to the canary while the
 * release splits traffic
 * @param trustLaneFrom CIDR blocks of the services behind the gateway: a request from one
 * of them that carries {@code X-Canary-Lane} keeps that lane (docs/multi-service.md,
 * "Calls back through the gateway"); empty: a client's lane header is never honoured
 */
public record RoutingConfig(String overrideHeader, String overrideCookie, String stickyHeader, String stickyCookie,
		Duration stickyCookieMaxAge, boolean exposeVersion, boolean retryOnStable, List<TargetRule> onlyFor,
		List<TargetRule> alwaysFor, List<String> trustLaneFrom) {

	public RoutingConfig {
		overrideHeader = overrideHeader == null ? "" : overrideHeader.trim();
		overrideCookie = overrideCookie == null ? "" : overrideCookie.trim();
		stickyHeader = stickyHeader == null ? "" : stickyHeader.trim();
		stickyCookie = stickyCookie == null ? "" : stickyCookie.trim();
		// not List.copyOf: a bound list may hold nulls, which violations() must report
		onlyFor = (onlyFor != null) ? Collections.unmodifiableList(new ArrayList<>(onlyFor)) : List.of();
		alwaysFor = (alwaysFor != null) ? Collections.unmodifiableList(new ArrayList<>(alwaysFor)) : List.of();
		trustLaneFrom = (trustLaneFrom != null) ? Collections.unmodifiableList(new ArrayList<>(trustLaneFrom))
				: List.of();
	}

	/** Routing that trusts no caller's lane header. */
	public RoutingConfig(String overrideHeader, String overrideCookie, String stickyHeader, String stickyCookie,
			Duration stickyCookieMaxAge, boolean exposeVersion, boolean retryOnStable, List<TargetRule> onlyFor,
			List<TargetRule> alwaysFor) {
		this(overrideHeader, overrideCookie, stickyHeader, stickyCookie, stickyCookieMaxAge, exposeVersion,
				retryOnStable, onlyFor, alwaysFor, List.of());
	}

	/** Routing without targeting rules. */
	public RoutingConfig(String overrideHeader, String overrideCookie, String stickyHeader, String stickyCookie,
			Duration stickyCookieMaxAge, boolean exposeVersion, boolean retryOnStable) {
		this(overrideHeader, overrideCookie, stickyHeader, stickyCookie, stickyCookieMaxAge, exposeVersion,
				retryOnStable, List.of(), List.of());
	}

	/**
	 * Every rule these settings break, each naming the property (relative to the release)
	 * and the rule.
	 */
	public List<ConfigViolation> violations() {
		List<ConfigViolation> out = new ArrayList<>();
		if (!this.stickyCookie.isEmpty() && !isCookieName(this.stickyCookie)) {
			// the gateway writes this cookie: a name a browser cannot take would fail
			// every response that gives it
			out.add(new ConfigViolation("routing.sticky-cookie",
					"must be a cookie name: visible ASCII characters except ( ) < > @ , ; : \\ \" / [ ] ? = { }, was '"
							+ this.stickyCookie + "'"));
		}
		if (this.stickyCookieMaxAge == null) {
			out.add(new ConfigViolation("routing.sticky-cookie-max-age", "is required"));
		}
		else if (this.stickyCookieMaxAge.compareTo(Duration.ofSeconds(1)) < 0) {
			// Max-Age counts whole seconds, and 0 tells the browser to delete the cookie
			out.add(new ConfigViolation("routing.sticky-cookie-max-age",
					"must be a positive duration of at least 1s (a cookie's Max-Age is in whole seconds), was "
							+ this.stickyCookieMaxAge));
		}
		rules(out, "routing.only-for", this.onlyFor);
		rules(out, "routing.always-for", this.alwaysFor);
		for (String block : this.trustLaneFrom) {
			String problem = Cidr.problem(block);
			if (problem != null) {
				out.add(new ConfigViolation("routing.trust-lane-from", problem));
			}
		}
		return out;
	}

	/**
	 * {@code trust-lane-from} as a remote-address rule, or {@code null} when it is empty.
	 */
	public TargetRule trustedCallers() {
		return this.trustLaneFrom.isEmpty() ? null : TargetRule.remoteAddress(this.trustLaneFrom);
	}

	private static void rules(List<ConfigViolation> out, String property, List<TargetRule> rules) {
		for (int i = 0; i < rules.size(); i++) {
			TargetRule rule = rules.get(i);
			if (rule == null) {
				out.add(new ConfigViolation(property + "[" + i + "]", "must not be empty"));
				continue;
			}
			for (String problem : rule.problems()) {
				out.add(new ConfigViolation(property + "[" + i + "]", problem));
			}
		}
	}

	/**
	 * Whether a name is an RFC 6265 cookie name (an RFC 2616 token): visible ASCII
	 * characters except the separators.
	 */
	static boolean isCookieName(String name) {
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (c <= 0x20 || c >= 0x7F || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
				return false;
			}
		}
		return !name.isEmpty();
	}

	/** The built-in defaults ({@link Defaults}; docs/configuration.md, "Routing"). */
	public static RoutingConfig defaults() {
		return new RoutingConfig(Defaults.OVERRIDE_HEADER, Defaults.OVERRIDE_COOKIE, Defaults.STICKY_HEADER,
				Defaults.STICKY_COOKIE, Defaults.STICKY_COOKIE_MAX_AGE, Defaults.EXPOSE_VERSION,
				Defaults.RETRY_ON_STABLE);
	}

}
