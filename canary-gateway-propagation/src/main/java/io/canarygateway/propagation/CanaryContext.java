package io.canarygateway.propagation;

import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The lane of the request being handled and the version it uses of each service, as the
 * gateway sent them in {@value CanaryHeaders#LANE} and {@value CanaryHeaders#VERSIONS}:
 * an immutable value, parsed once per incoming request.
 * <p>
 * The parser is strict: the lane is {@code stable} or {@code canary}; the versions are 1
 * to {@value #MAX_SERVICES} comma-separated {@code service=version} pairs (spaces around
 * a pair are allowed), a service being 1 to {@value #MAX_SERVICE_LENGTH} and a version 1
 * to {@value #MAX_VERSION_LENGTH} letters, digits, {@code .}, {@code _} or {@code -},
 * each service named once. Service names are compared ignoring case.
 *
 * @param lane the lane
 * @param laneHeader the {@value CanaryHeaders#LANE} value as received, forwarded
 * unchanged
 * @param versionsHeader the {@value CanaryHeaders#VERSIONS} value as received, forwarded
 * unchanged
 * @param versions version by service name (in lower case)
 */
public record CanaryContext(Lane lane, String laneHeader, String versionsHeader, Map<String, String> versions) {

	/** At most this many services in {@value CanaryHeaders#VERSIONS}. */
	public static final int MAX_SERVICES = 32;

	/** At most this many characters in a service name. */
	public static final int MAX_SERVICE_LENGTH = 100;

	/** At most this many characters in a version. */
	public static final int MAX_VERSION_LENGTH = 64;

	/** Longer header values are rejected before they are looked at. */
	static final int MAX_HEADER_LENGTH = MAX_SERVICES * (MAX_SERVICE_LENGTH + MAX_VERSION_LENGTH + 4);

	public CanaryContext {
		versions = Collections.unmodifiableMap(versions);
	}

	/**
	 * The version this request uses of a service, or {@code null} when the service is not
	 * named.
	 * @param serviceId the service id of a load-balanced call (any case)
	 */
	public @Nullable String versionOf(String serviceId) {
		return this.versions.get(serviceId.toLowerCase(Locale.ROOT));
	}

	/**
	 * Reads both headers of a request.
	 * @param lane the {@value CanaryHeaders#LANE} value, or {@code null}
	 * @param versions the {@value CanaryHeaders#VERSIONS} value, or {@code null}
	 * @return the context, or {@code null} when the request carries neither header
	 * @throws MalformedCanaryHeadersException when only one is there or either breaks a
	 * rule; the message says which and why
	 */
	public static @Nullable CanaryContext parse(@Nullable String lane, @Nullable String versions) {
		if (lane == null && versions == null) {
			return null;
		}
		if (lane == null) {
			throw new MalformedCanaryHeadersException(CanaryHeaders.VERSIONS + " without " + CanaryHeaders.LANE);
		}
		if (versions == null) {
			throw new MalformedCanaryHeadersException(CanaryHeaders.LANE + " without " + CanaryHeaders.VERSIONS);
		}
		String laneValue = lane.trim();
		String versionsValue = versions.trim();
		return new CanaryContext(Lane.of(laneValue), laneValue, versionsValue, parseVersions(versionsValue));
	}

	private static Map<String, String> parseVersions(String header) {
		if (header.length() > MAX_HEADER_LENGTH) {
			throw new MalformedCanaryHeadersException(
					CanaryHeaders.VERSIONS + " is longer than " + MAX_HEADER_LENGTH + " characters");
		}
		Map<String, String> versions = new HashMap<>(8);
		int start = 0;
		int length = header.length();
		while (true) {
			int end = header.indexOf(',', start);
			if (end < 0) {
				end = length;
			}
			int from = skipSpaces(header, start, end);
			int to = trimSpaces(header, from, end);
			int equals = header.indexOf('=', from);
			if (equals < 0 || equals >= to) {
				throw malformed("each entry must be service=version", header);
			}
			String service = token(header, from, equals, MAX_SERVICE_LENGTH, "service", header);
			String version = token(header, equals + 1, to, MAX_VERSION_LENGTH, "version", header);
			if (versions.size() == MAX_SERVICES) {
				throw malformed("at most " + MAX_SERVICES + " services", header);
			}
			if (versions.put(service.toLowerCase(Locale.ROOT), version) != null) {
				throw malformed("service '" + service + "' is named twice", header);
			}
			if (end == length) {
				return versions;
			}
			start = end + 1;
		}
	}

	private static String token(String header, int from, int to, int maxLength, String what, String whole) {
		if (to - from < 1 || to - from > maxLength) {
			throw malformed("a " + what + " must be 1 to " + maxLength + " characters", whole);
		}
		for (int i = from; i < to; i++) {
			char c = header.charAt(i);
			boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
					|| c == '_' || c == '-';
			if (!allowed) {
				throw malformed("a " + what + " may hold only letters, digits, '.', '_' and '-'", whole);
			}
		}
		return header.substring(from, to);
	}

	private static int skipSpaces(String header, int from, int to) {
		while (from < to && isSpace(header.charAt(from))) {
			from++;
		}
		return from;
	}

	private static int trimSpaces(String header, int from, int to) {
		while (to > from && isSpace(header.charAt(to - 1))) {
			to--;
		}
		return to;
	}

	private static boolean isSpace(char c) {
		return c == ' ' || c == '\t';
	}

	private static MalformedCanaryHeadersException malformed(String rule, String header) {
		String shown = (header.length() > 200) ? header.substring(0, 200) + "…" : header;
		return new MalformedCanaryHeadersException(CanaryHeaders.VERSIONS + ": " + rule + ", was '" + shown + "'");
	}

	/** A request's lane. */
	public enum Lane {

		/** The stable lane: never reaches a canary instance. */
		STABLE("stable"),

		/** The canary lane. */
		CANARY("canary");

		private final String value;

		Lane(String value) {
			this.value = value;
		}

		/**
		 * @return the header value, {@code stable} or {@code canary}
		 */
		public String value() {
			return this.value;
		}

		static Lane of(String value) {
			if (STABLE.value.equals(value)) {
				return STABLE;
			}
			if (CANARY.value.equals(value)) {
				return CANARY;
			}
			String shown = (value.length() > 40) ? value.substring(0, 40) + "…" : value;
			throw new MalformedCanaryHeadersException(
					CanaryHeaders.LANE + " must be 'stable' or 'canary', was '" + shown + "'");
		}

	}

}
