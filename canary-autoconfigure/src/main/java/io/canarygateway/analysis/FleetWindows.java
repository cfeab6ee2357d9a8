package io.canarygateway.analysis;

import java.time.Instant;

/**
 * Where the judge's window comes from when several gateways serve one release. Each
 * gateway accumulates what it saw in the current step; this combines those shares into
 * the fleet's window. The default is this gateway alone.
 * <p>
 * Called on the analysis thread (may block).
 */
@FunctionalInterface
public interface FleetWindows {

	/** This gateway alone: its own share is the whole window. */
	FleetWindows LOCAL = (release, rollout, stepStartedAt, stable, canary) -> new Totals(stable, canary);

	/**
	 * Publishes this gateway's share of a step's window and returns the fleet's totals
	 * for it.
	 * @param release the release
	 * @param rollout the rollout the step belongs to
	 * @param stepStartedAt when the step began (with the rollout, names the window)
	 * @param stable everything this gateway recorded in the stable lane since the step
	 * began
	 * @param canary everything this gateway recorded in the canary lane since the step
	 * began
	 * @return the totals over every gateway that contributed to this window
	 */
	Totals combine(String release, long rollout, Instant stepStartedAt, LaneSample stable, LaneSample canary);

	/**
	 * A window's totals.
	 *
	 * @param stable the stable lane
	 * @param canary the canary lane
	 */
	record Totals(LaneSample stable, LaneSample canary) {
	}

}
