package io.canarygateway.core;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The versions of a release that spans several services (docs/multi-service.md): one
 * version per service, written as {@code orders=v2,payments=v8} — services in
 * alphabetical order, lower case — wherever a single-service release writes one version:
 * in the record, in {@code X-Canary-Versions}, on the endpoint and in a start with a
 * version. A release's stable and canary versions are both such sets, over the same
 * services.
 */
public final class ServiceVersions {

	/** What a service name may look like: the service id of an {@code lb://} URI. */
	public static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9._-]{1,100}");

	/** At most this many services in one release. */
	public static final int MAX_SERVICES = 32;

	private ServiceVersions() {
	}

	/** Whether a version is a set of service versions rather than one version. */
	public static boolean isSet(String version) {
		return version != null && version.indexOf('=') >= 0;
	}

	/**
	 * The canonical form of a set given as a map of service to version: services lower
	 * case, in alphabetical order.
	 * @throws IllegalArgumentException when the map breaks a rule ({@link #problem})
	 */
	public static String format(Map<String, String> versions) {
		Map<String, String> sorted = new TreeMap<>();
		for (Map.Entry<String, String> entry : versions.entrySet()) {
			if (sorted.put(normalize(entry.getKey()), entry.getValue()) != null) {
				throw new IllegalArgumentException("names service '" + normalize(entry.getKey()) + "' twice");
			}
		}
		StringBuilder out = new StringBuilder();
		for (Map.Entry<String, String> entry : sorted.entrySet()) {
			out.append((out.length() > 0) ? "," : "").append(entry.getKey()).append('=').append(entry.getValue());
		}
		String set = out.toString();
		String problem = problem(set);
		if (problem != null) {
			throw new IllegalArgumentException(problem);
		}
		return set;
	}

	/**
	 * The services and versions of a set, in its order.
	 * @throws IllegalArgumentException when the set is malformed ({@link #problem})
	 */
	public static Map<String, String> parse(String set) {
		String problem = problem(set);
		if (problem != null) {
			throw new IllegalArgumentException(problem);
		}
		return parseUnchecked(set);
	}

	private static Map<String, String> parseUnchecked(String set) {
		Map<String, String> versions = new TreeMap<>();
		for (String pair : set.split(",", -1)) {
			int equals = pair.indexOf('=');
			versions.put(normalize(pair.substring(0, equals).trim()), pair.substring(equals + 1).trim());
		}
		return versions;
	}

	/**
	 * Why {@code set} is not a set of service versions, or {@code null} when it is: at
	 * least one and at most {@link #MAX_SERVICES} {@code service=version} pairs, each
	 * service named once, each version of {@link Versions#FORM}.
	 */
	public static String problem(String set) {
		if (set == null || set.isBlank()) {
			return "versions must not be blank";
		}
		String[] pairs = set.split(",", -1);
		if (pairs.length > MAX_SERVICES) {
			return "at most " + MAX_SERVICES + " services, was " + pairs.length;
		}
		Map<String, String> seen = new TreeMap<>();
		for (String pair : pairs) {
			int equals = pair.indexOf('=');
			if (equals < 0) {
				return "each entry must be service=version, was '" + pair.trim() + "' in '" + set + "'";
			}
			String service = pair.substring(0, equals).trim();
			String version = pair.substring(equals + 1).trim();
			if (!SERVICE.matcher(service).matches()) {
				return "service must be 1 to 100 letters, digits, '.', '_' or '-', was '" + service + "' in '" + set
						+ "'";
			}
			String versionProblem = Versions.problem(version);
			if (versionProblem != null) {
				return "service " + service + ": " + versionProblem;
			}
			if (seen.put(normalize(service), version) != null) {
				return "names service '" + normalize(service) + "' twice in '" + set + "'";
			}
		}
		return null;
	}

	/**
	 * Why {@code set} cannot be the next canary of a release whose stable set is
	 * {@code stable}, or {@code null} when it can: it must be a well-formed set naming
	 * exactly the stable set's services.
	 */
	public static String problem(String set, String stable) {
		Map<String, String> stableVersions = parseUnchecked(stable);
		if (set != null && !set.isBlank() && !isSet(set)) {
			StringBuilder example = new StringBuilder();
			stableVersions.keySet()
				.forEach((service) -> example.append((example.length() > 0) ? "," : "")
					.append(service)
					.append("=<version>"));
			return "the release spans the services " + stableVersions.keySet() + ": name a version for each, as "
					+ example + ", was '" + set + "'";
		}
		String problem = problem(set);
		if (problem != null) {
			return problem;
		}
		Map<String, String> versions = parseUnchecked(set);
		if (!versions.keySet().equals(stableVersions.keySet())) {
			return "must name a version for each of the release's services " + stableVersions.keySet() + ", named "
					+ versions.keySet();
		}
		return null;
	}

	/** The canonical form of a well-formed set ({@link #problem} found nothing). */
	public static String canonical(String set) {
		return format(parseUnchecked(set));
	}

	/**
	 * The first service whose version is the same in both sets, or {@code null} when
	 * every service's version differs.
	 */
	public static String unchanged(String set, String other) {
		Map<String, String> a = parseUnchecked(set);
		Map<String, String> b = parseUnchecked(other);
		for (Map.Entry<String, String> entry : a.entrySet()) {
			if (entry.getValue().equals(b.get(entry.getKey()))) {
				return entry.getKey();
			}
		}
		return null;
	}

	/**
	 * The version a set names for {@code service} (compared ignoring case), or
	 * {@code null} when it names none. Not for the request path: it parses the set.
	 */
	public static String versionOf(String set, String service) {
		return parseUnchecked(set).get(normalize(service));
	}

	/** A service name as sets hold it: lower case. */
	public static String normalize(String service) {
		return service.toLowerCase(Locale.ROOT);
	}

}
