package io.canarygateway.core;

import java.util.Locale;

/**
 * Why a release changed state (the {@code reason} of docs/operations.md, "Reading a
 * release").
 */
public enum Reason {

	/** An operator asked for it through the endpoint. */
	MANUAL,
	/** The judge failed the canary {@code failure-threshold} times in a row. */
	ANALYSIS,
	/** The canary breaker opened. */
	BREAKER,
	/** Progression reached a manual gate. */
	GATE,
	/** No step advance within {@code progress-deadline}. */
	DEADLINE,
	/**
	 * The step schedule moved on (including the automatic start, and a start of the
	 * configured canary version).
	 */
	SCHEDULE,
	/** Instances of a new version appeared among the release's services. */
	DISCOVERY,
	/**
	 * A webhook decided it: pre-rollout hooks let the first step begin or rolled the
	 * release back, a confirm-promotion hook approved the promotion.
	 */
	WEBHOOK;

	/** The lower-case name used in JSON and metric tags. */
	public String tag() {
		return name().toLowerCase(Locale.ROOT);
	}

}
