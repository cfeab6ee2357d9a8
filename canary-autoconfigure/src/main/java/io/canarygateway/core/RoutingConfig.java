package io.canarygateway.core;

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
 * @param stickyCookie cookie holding a sticky key; empty disables
 * @param exposeVersion whether responses carry {@code X-Canary-Version}
 * @param retryOnStable whether failed canary requests on load-balanced routes are retried
 * on stable
 * @param onlyFor if not empty, requests matching none of these rules always go to stable
 * (docs/routing.md, "Who sees the canary")
 * @param alwaysFor requests matching any of these rules always go to the canary while the
 * release splits traffic
 */
public record RoutingConfig(String overrideHeader, String overrideCookie, String stickyHeader, String stickyCookie,
		boolean exposeVersion, boolean retryOnStable, List<TargetRule> onlyFor, List<TargetRule> alwaysFor) {

	public RoutingConfig {
		overrideHeader = overrideHeader == null ? "" : overrideHeader.trim();
		overrideCookie = overrideCookie == null ? "" : overrideCookie.trim();
		stickyHeader = stickyHeader == null ? "" : stickyHeader.trim();
		stickyCookie = stickyCookie == null ? "" : stickyCookie.trim();
		// not List.copyOf: a bound list may hold nulls, which violations() must report
		onlyFor = (onlyFor != null) ? Collections.unmodifiableList(new ArrayList<>(onlyFor)) : List.of();
		alwaysFor = (alwaysFor != null) ? Collections.unmodifiableList(new ArrayList<>(alwaysFor)) : List.of();
	}

	/** Routing without targeting rules. */
	public RoutingConfig(String overrideHeader, String overrideCookie, String stickyHeader, String stickyCookie,
			boolean exposeVersion, boolean retryOnStable) {
		this(overrideHeader, overrideCookie, stickyHeader, stickyCookie, exposeVersion, retryOnStable, List.of(),
				List.of());
	}

	/** The built-in defaults ({@link Defaults}; docs/configuration.md, "Routing"). */
	public static RoutingConfig defaults() {
		return new RoutingConfig(Defaults.OVERRIDE_HEADER, Defaults.OVERRIDE_COOKIE, Defaults.STICKY_HEADER,
				Defaults.STICKY_COOKIE, Defaults.EXPOSE_VERSION, Defaults.RETRY_ON_STABLE);
	}

}
