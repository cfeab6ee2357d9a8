package io.canarygateway.benchmarks.detection;

/**
 * A simulated release: how the stable and the canary lane behave for the whole rollout.
 *
 * @param name what the scenario shows
 * @param stable the stable lane
 * @param canary the canary lane
 * @param bad whether the canary is worse than stable (then a rollback is a detection,
 * else a false alarm)
 */
public record Scenario(String name, LaneModel stable, LaneModel canary, boolean bad) {
}
