package io.canarygateway.routing;

import java.util.Set;

/** A route names a release that is not configured under {@code canary.releases}. */
public class UnknownReleaseException extends IllegalArgumentException {

	private final String release;

	private final String usage;

	private final Set<String> known;

	public UnknownReleaseException(String release, String usage, Set<String> known) {
		super(usage + " names release '" + release + "', which is not configured under canary.releases (configured: "
				+ (known.isEmpty() ? "none" : String.join(", ", known)) + ")");
		this.release = release;
		this.usage = usage;
		this.known = Set.copyOf(known);
	}

	public String getRelease() {
		return this.release;
	}

	public String getUsage() {
		return this.usage;
	}

	public Set<String> getKnown() {
		return this.known;
	}

}
