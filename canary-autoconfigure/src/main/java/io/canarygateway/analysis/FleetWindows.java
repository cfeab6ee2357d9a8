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
	 * Whether other gateways share these windows, and with them the rollout's
	 * {@link Ledger}: then every look reads the ledger from {@link #ledger} and records
	 * the next one with {@link #record}. A gateway alone keeps its ledger itself.
	 */
	default boolean shared() {
		return false;
	}

	/**
	 * The fleet's ledger of a rollout, or {@code null} before its first look (only asked
	 * when {@link #shared()}).
	 * @throws RuntimeException when it cannot be read (the look is skipped)
	 */
	default Ledger ledger(String release, long rollout) {
		throw new UnsupportedOperationException("a gateway alone keeps its ledger itself");
	}

	/**
	 * Records the ledger after a look, if the stored one still has {@code expectedLooks}
	 * looks (0: none stored): a compare-and-set, so two gateways that judged the same
	 * ledger cannot both record their look (only asked when {@link #shared()}).
	 * @return whether {@code next} was recorded; {@code false} when another gateway's
	 * look came first (this look then counts for nothing)
	 */
	default boolean record(String release, long rollout, long expectedLooks, Ledger next) {
		throw new UnsupportedOperationException("a gateway alone keeps its ledger itself");
	}

	/**
	 * A window's totals.
	 *
	 * @param stable the stable lane
	 * @param canary the canary lane
	 */
	record Totals(LaneSample stable, LaneSample canary) {

		/** Nothing in either lane. */
		public static final Totals EMPTY = new Totals(LaneSample.EMPTY, LaneSample.EMPTY);

	}

}
