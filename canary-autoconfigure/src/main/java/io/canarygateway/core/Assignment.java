package io.canarygateway.core;

/**
 * How a request came to its lane: <b>drawn</b> — by its sticky key's bucket or at random
 * against the weight, the randomized experiment — or <b>forced</b>, by the release's
 * state or breaker, by the client's override header or cookie, or by the release's
 * targeting rules. Only drawn requests feed the judge and the breaker; forced ones are
 * served and counted, never judged, so a client cannot roll a release back, nor hide a
 * canary's errors, by choosing its own lane (docs/analysis.md, "What the judge and the
 * breaker see").
 */
public enum Assignment {

	/** Stable, forced. */
	STABLE_FORCED(Lane.STABLE, false),

	/** Canary, forced. */
	CANARY_FORCED(Lane.CANARY, false),

	/** Stable, drawn. */
	STABLE_DRAWN(Lane.STABLE, true),

	/** Canary, drawn. */
	CANARY_DRAWN(Lane.CANARY, true),

	/** Canary, forced by an {@code always-for} rule. */
	CANARY_TARGETED(Lane.CANARY, false),

	/** Stable, forced because the request matches none of the {@code only-for} rules. */
	STABLE_EXCLUDED(Lane.STABLE, false);

	private final Lane lane;

	private final boolean drawn;

	Assignment(Lane lane, boolean drawn) {
		this.lane = lane;
		this.drawn = drawn;
	}

	/** The lane. */
	public Lane lane() {
		return this.lane;
	}

	/**
	 * Whether the lane was drawn (sticky bucket or random), so the request is part of the
	 * experiment.
	 */
	public boolean drawn() {
		return this.drawn;
	}

	/** {@code drawn} or {@code forced}, as metrics tag it. */
	public String tag() {
		return this.drawn ? "drawn" : "forced";
	}

	/** The lane, forced. */
	public static Assignment forced(Lane lane) {
		return (lane == Lane.CANARY) ? CANARY_FORCED : STABLE_FORCED;
	}

	/** The lane, drawn. */
	public static Assignment drawn(Lane lane) {
		return (lane == Lane.CANARY) ? CANARY_DRAWN : STABLE_DRAWN;
	}

}
