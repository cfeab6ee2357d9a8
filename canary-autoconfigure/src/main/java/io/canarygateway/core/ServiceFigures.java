package io.canarygateway.core;

/**
 * What both lanes of one service of a release of several services did over the window a
 * verdict looked at (docs/multi-service.md): the evidence per service beside the
 * release's own figures.
 *
 * @param stable the service's stable lane
 * @param canary the service's canary lane
 */
public record ServiceFigures(LaneFigures stable, LaneFigures canary) {
}
