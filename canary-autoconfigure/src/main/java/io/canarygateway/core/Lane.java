package io.canarygateway.core;

/** The two lanes a request can be sent down. */
public enum Lane {

	STABLE("stable"), CANARY("canary");

	private final String value;

	Lane(String value) {
		this.value = value;
	}

	/** The lower-case name used in headers, routes and metric tags. */
	public String value() {
		return this.value;
	}

	/**
	 * The lane with this name, ignoring case.
	 * @throws IllegalArgumentException naming the accepted values
	 */
	public static Lane of(String value) {
		for (Lane lane : values()) {
			if (lane.value.equalsIgnoreCase(value == null ? "" : value.trim())) {
				return lane;
			}
		}
		throw new IllegalArgumentException("lane must be 'stable' or 'canary', was '" + value + "'");
	}

}
