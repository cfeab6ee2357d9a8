package io.canarygateway.core;

import java.time.Instant;

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
 */
public record Transition(Instant at, ReleaseState from, ReleaseState to, Reason reason, int weight, Verdict evidence) {
}
