package io.canarygateway.routing;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The releases routes can name, by name. */
public class RoutedReleases {

	private final Map<String, RoutedRelease> releases;

	public RoutedReleases(Iterable<RoutedRelease> releases) {
		Map<String, RoutedRelease> map = new LinkedHashMap<>();
		releases.forEach((release) -> map.put(release.name(), release));
		this.releases = Collections.unmodifiableMap(map);
	}

	/**
	 * The release a route names.
	 * @throws UnknownReleaseException when no release of that name is configured
	 */
	public RoutedRelease require(String name, String usage) {
		RoutedRelease release = (name != null) ? this.releases.get(name.trim()) : null;
		if (release == null) {
			throw new UnknownReleaseException(name, usage, this.releases.keySet());
		}
		return release;
	}

	public Map<String, RoutedRelease> all() {
		return this.releases;
	}

}
