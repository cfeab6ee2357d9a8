package io.canarygateway.core;

import java.time.Instant;
import java.util.Objects;

/**
 * One recorded change of a release.
 *
 * @param at when it happened
 * @param from the state before
 * @param to the state after
 * @param reason why
 * @param weight the canary weight after the change
 * @param evidence the verdict that caused it, or {@code null} when no verdict did (e.g. a
 * manual action)
 * @param by who acted: for an operator's action the authenticated principal's name (or
 * {@link #ANONYMOUS}), for an automatic one {@link #GATEWAY}; {@link #UNKNOWN} in records
 * written before transitions said who
 * @param version the canary version of the rollout the transition belongs to (after it),
 * or {@code null} when there is none or in records written before transitions said
 */
public record Transition(Instant at, ReleaseState from, ReleaseState to, Reason reason, int weight, Verdict evidence,
		String by, String version) {

	/** Who made an automatic transition (analysis, breaker, gate, deadline, schedule). */
	public static final String GATEWAY = "gateway";

	/** Who made an operator's action that carried no authenticated principal. */
	public static final String ANONYMOUS = "anonymous";

	/** Who made a transition recorded before transitions said who. */
	public static final String UNKNOWN = "unknown";

	public Transition {
		Objects.requireNonNull(by, "by must not be null");
	}

}
