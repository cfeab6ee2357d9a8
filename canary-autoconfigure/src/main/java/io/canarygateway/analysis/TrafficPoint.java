package io.canarygateway.analysis;

import java.time.Instant;

import io.canarygateway.core.LaneFigures;

/**
 * What both lanes of a release did over one analysis interval: one point of the
 * dashboard's live charts.
 *
 * @param at the end of the interval
 * @param seconds the interval's length in seconds
 * @param state the release state at the end of the interval
 * @param weight the canary weight at the end of the interval
 * @param stable the stable lane's figures over the interval
 * @param canary the canary lane's figures over the interval
 */
public record TrafficPoint(Instant at, double seconds, String state, int weight, LaneFigures stable,
		LaneFigures canary) {
}
