package io.canarygateway.core;

import java.util.function.IntSupplier;

/**
 * The per-request lane decision (docs/routing.md, "The decision"); the first rule that
 * decides wins:
 * <ol>
 * <li>the release state (IDLE, ROLLED_BACK → stable; PROMOTED → canary) and the breaker
 * (not closed → stable);</li>
 * <li>the override header ({@code always}/{@code never}, any case; other values fall
 * through);</li>
 * <li>the override cookie (same values);</li>
 * <li>the targeting rules: matching {@code always-for} → canary; with {@code only-for},
 * matching none of it → stable;</li>
 * <li>the sticky key: its bucket against the weight;</li>
 * <li>otherwise a uniform random bucket against the weight.</li>
 * </ol>
 * Rules 1–4 <b>force</b> the lane, rules 5–6 <b>draw</b> it: the {@link Assignment} says
 * which, because only drawn requests are judged. Allocation-free; the only shared state
 * it reads is what the caller passes in.
 */
public final class Decider {

	private final Bucketer bucketer;

	private final IntSupplier randomBucket;

	/**
	 * @param bucketer hashes sticky keys
	 * @param randomBucket a uniform random int in [0, {@link Bucketer#BUCKETS}) per call
	 */
	public Decider(Bucketer bucketer, IntSupplier randomBucket) {
		this.bucketer = bucketer;
		this.randomBucket = randomBucket;
	}

	/**
	 * Decides the lane of one request.
	 * @param release the release name (part of the sticky hash)
	 * @param state the release state
	 * @param weight the canary weight in percent
	 * @param breakerClosed whether the canary breaker lets canary traffic through
	 * @param overrideHeader the override header's value, or {@code null}
	 * @param overrideCookie the override cookie's value, or {@code null}
	 * @param targeting what the release's targeting rules say of the request
	 * @param stickyKey the sticky key, or {@code null}
	 */
	public Assignment decide(String release, ReleaseState state, int weight, boolean breakerClosed,
			String overrideHeader, String overrideCookie, TargetMatch targeting, String stickyKey) {
		switch (state) {
			case IDLE, ROLLED_BACK -> {
				return Assignment.STABLE_FORCED;
			}
			case PROMOTED -> {
				return Assignment.CANARY_FORCED;
			}
			default -> {
				// PROGRESSING or PAUSED: the rules below
			}
		}
		if (!breakerClosed) {
			return Assignment.STABLE_FORCED;
		}
		Lane forced = override(overrideHeader);
		if (forced == null) {
			forced = override(overrideCookie);
		}
		if (forced != null) {
			return Assignment.forced(forced);
		}
		if (targeting == TargetMatch.ALWAYS) {
			return Assignment.CANARY_TARGETED;
		}
		if (targeting == TargetMatch.EXCLUDED) {
			return Assignment.STABLE_EXCLUDED;
		}
		int bucket = (stickyKey != null && !stickyKey.isEmpty()) ? this.bucketer.bucket(release, stickyKey)
				: this.randomBucket.getAsInt();
		return Bucketer.isCanary(bucket, weight) ? Assignment.CANARY_DRAWN : Assignment.STABLE_DRAWN;
	}

	/**
	 * Rule 4 alone: the lane of a sticky key's bucket against the weight, drawn. For a
	 * request that reached rule 5 for want of a key and was then given one
	 * (docs/routing.md, "Stickiness"): it is decided as its later requests, which carry
	 * the key, will be.
	 * @param release the release name (part of the sticky hash)
	 * @param weight the canary weight in percent
	 * @param stickyKey the sticky key, not empty
	 */
	public Assignment drawByKey(String release, int weight, String stickyKey) {
		return Bucketer.isCanary(this.bucketer.bucket(release, stickyKey), weight) ? Assignment.CANARY_DRAWN
				: Assignment.STABLE_DRAWN;
	}

	/**
	 * {@code always} → canary, {@code never} → stable, anything else → {@code null}
	 * (falls through).
	 */
	static Lane override(String value) {
		if (value == null) {
			return null;
		}
		if ("always".equalsIgnoreCase(value)) {
			return Lane.CANARY;
		}
		if ("never".equalsIgnoreCase(value)) {
			return Lane.STABLE;
		}
		return null;
	}

}
