package io.canarygateway.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static io.canarygateway.core.Lane.CANARY;
import static io.canarygateway.core.Lane.STABLE;
import static io.canarygateway.core.ReleaseState.PAUSED;
import static io.canarygateway.core.ReleaseState.PROGRESSING;
import static org.assertj.core.api.Assertions.assertThat;

class DeciderTest {

	/**
	 * A sticky key that is a number is its own bucket, so thresholds can be tested
	 * exactly.
	 */
	private static final KeyHasher NUMERIC = (release, key) -> Integer.parseInt(key);

	private final CountingRandom random = new CountingRandom(0);

	private final Decider decider = new Decider(new Bucketer(NUMERIC), this.random);

	private static final String[] OVERRIDES = { null, "", "always", "never", "ALWAYS", "Never", "maybe" };

	private static final String[] STICKY = { null, "", "0", "9999" };

	@ParameterizedTest
	@EnumSource(value = ReleaseState.class, names = { "IDLE", "ROLLED_BACK" })
	void idleAndRolledBackAreStableWhateverTheRequestSays(ReleaseState state) {
		for (Lane lane : allDecisions(state)) {
			assertThat(lane).isEqualTo(STABLE);
		}
		assertThat(this.random.calls).isZero();
	}

	@Test
	void promotedIsCanaryWhateverTheRequestSays() {
		for (Lane lane : allDecisions(ReleaseState.PROMOTED)) {
			assertThat(lane).isEqualTo(CANARY);
		}
		assertThat(this.random.calls).isZero();
	}

	/**
	 * Every combination of weight, breaker, override header, override cookie and sticky
	 * key.
	 */
	private List<Lane> allDecisions(ReleaseState state) {
		List<Lane> lanes = new ArrayList<>();
		for (int weight : new int[] { 0, 50, 100 }) {
			for (boolean breakerClosed : new boolean[] { true, false }) {
				for (String header : OVERRIDES) {
					for (String cookie : OVERRIDES) {
						for (String sticky : STICKY) {
							lanes.add(
									this.decider
										.decide("orders", state, weight, breakerClosed, header, cookie,
												TargetMatch.NONE, sticky)
										.lane());
						}
					}
				}
			}
		}
		assertThat(lanes).hasSize(3 * 2 * OVERRIDES.length * OVERRIDES.length * STICKY.length);
		return lanes;
	}

	@ParameterizedTest
	@EnumSource(value = ReleaseState.class, names = { "PROGRESSING", "PAUSED" })
	void anOpenBreakerSendsEverythingToStableEvenWhenForced(ReleaseState state) {
		this.random.next = 0;
		assertThat(this.decider.decide("orders", state, 100, false, "always", "always", TargetMatch.NONE, "0"))
			.isEqualTo(Assignment.STABLE_FORCED);
		assertThat(this.decider.decide("orders", state, 100, false, null, "always", TargetMatch.NONE, null))
			.isEqualTo(Assignment.STABLE_FORCED);
		assertThat(this.decider.decide("orders", state, 100, false, null, null, TargetMatch.NONE, "0"))
			.isEqualTo(Assignment.STABLE_FORCED);
		assertThat(this.decider.decide("orders", state, 100, false, null, null, TargetMatch.NONE, null))
			.isEqualTo(Assignment.STABLE_FORCED);
		assertThat(this.random.calls).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "always", "ALWAYS", "Always", "aLwAyS" })
	void headerAlwaysSendsToCanaryAtWeightZero(String value) {
		for (ReleaseState state : List.of(PROGRESSING, PAUSED)) {
			assertThat(this.decider.decide("orders", state, 0, true, value, "never", TargetMatch.NONE, "9999"))
				.isEqualTo(Assignment.CANARY_FORCED);
		}
		assertThat(this.random.calls).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "never", "NEVER", "Never", "nEvEr" })
	void headerNeverSendsToStableAtWeightHundred(String value) {
		for (ReleaseState state : List.of(PROGRESSING, PAUSED)) {
			assertThat(this.decider.decide("orders", state, 100, true, value, "always", TargetMatch.NONE, "0"))
				.isEqualTo(Assignment.STABLE_FORCED);
		}
		assertThat(this.random.calls).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "true", "yes", "canary", "1", " always", "alwayss", "nevermind" })
	void otherHeaderValuesFallThroughToTheCookie(String header) {
		assertThat(this.decider.decide("orders", PROGRESSING, 0, true, header, "always", TargetMatch.NONE, null))
			.isEqualTo(Assignment.CANARY_FORCED);
		assertThat(this.decider.decide("orders", PROGRESSING, 100, true, header, "never", TargetMatch.NONE, null))
			.isEqualTo(Assignment.STABLE_FORCED);
		assertThat(this.random.calls).isZero();
	}

	@ParameterizedTest
	@EnumSource(value = ReleaseState.class, names = { "PROGRESSING", "PAUSED" })
	void targetingComesAfterTheOverridesAndBeforeTheStickyKey(ReleaseState state) {
		// always-for: canary at weight 0, forced, whatever the sticky key
		assertThat(this.decider.decide("orders", state, 0, true, null, null, TargetMatch.ALWAYS, "9999"))
			.isEqualTo(Assignment.CANARY_TARGETED);
		// outside only-for: stable at weight 100
		assertThat(this.decider.decide("orders", state, 100, true, null, null, TargetMatch.EXCLUDED, "0"))
			.isEqualTo(Assignment.STABLE_EXCLUDED);
		// the overrides still win, and the breaker and the state before them
		assertThat(this.decider.decide("orders", state, 0, true, "never", null, TargetMatch.ALWAYS, null))
			.isEqualTo(Assignment.STABLE_FORCED);
		assertThat(this.decider.decide("orders", state, 100, true, null, "always", TargetMatch.EXCLUDED, null))
			.isEqualTo(Assignment.CANARY_FORCED);
		assertThat(this.decider.decide("orders", state, 100, false, null, null, TargetMatch.ALWAYS, null))
			.isEqualTo(Assignment.STABLE_FORCED);
		assertThat(this.decider.decide("orders", ReleaseState.IDLE, 100, true, null, null, TargetMatch.ALWAYS, null))
			.isEqualTo(Assignment.STABLE_FORCED);
		assertThat(this.random.calls).isZero();
		assertThat(Assignment.CANARY_TARGETED.drawn()).as("targeted requests are not judged").isFalse();
		assertThat(Assignment.STABLE_EXCLUDED.drawn()).isFalse();
		assertThat(Assignment.STABLE_EXCLUDED.tag()).isEqualTo("forced");
		// inside only-for (NONE): drawn as usual
		assertThat(this.decider.decide("orders", state, 100, true, null, null, TargetMatch.NONE, "0"))
			.isEqualTo(Assignment.CANARY_DRAWN);
	}

	@Test
	void headerOutranksCookie() {
		assertThat(this.decider.decide("orders", PROGRESSING, 50, true, "never", "always", TargetMatch.NONE, null))
			.isEqualTo(Assignment.STABLE_FORCED);
		assertThat(this.decider.decide("orders", PROGRESSING, 50, true, "always", "never", TargetMatch.NONE, null))
			.isEqualTo(Assignment.CANARY_FORCED);
		assertThat(this.random.calls).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "always", "ALWAYS", "Always" })
	void cookieAlwaysSendsToCanary(String value) {
		assertThat(this.decider.decide("orders", PAUSED, 0, true, null, value, TargetMatch.NONE, "9999"))
			.isEqualTo(Assignment.CANARY_FORCED);
		assertThat(this.random.calls).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "never", "NEVER", "Never" })
	void cookieNeverSendsToStable(String value) {
		assertThat(this.decider.decide("orders", PAUSED, 100, true, null, value, TargetMatch.NONE, "0"))
			.isEqualTo(Assignment.STABLE_FORCED);
		assertThat(this.random.calls).isZero();
	}

	@Test
	void onlyStickyAndRandomDecisionsAreDrawn() {
		for (ReleaseState state : ReleaseState.values()) {
			Assignment byState = this.decider.decide("orders", state, 50, true, null, null, TargetMatch.NONE, null);
			assertThat(byState.drawn()).as(state.name()).isEqualTo(state.isSplitting());
		}
		assertThat(this.decider.decide("orders", PROGRESSING, 50, false, null, null, TargetMatch.NONE, "1").drawn())
			.isFalse();
		assertThat(this.decider.decide("orders", PROGRESSING, 50, true, "always", null, TargetMatch.NONE, "1").drawn())
			.isFalse();
		assertThat(this.decider.decide("orders", PROGRESSING, 50, true, null, "never", TargetMatch.NONE, "1").drawn())
			.isFalse();
		assertThat(this.decider.decide("orders", PROGRESSING, 50, true, null, null, TargetMatch.NONE, "1").drawn())
			.isTrue();
		assertThat(this.decider.decide("orders", PAUSED, 50, true, "other", "other", TargetMatch.NONE, null).drawn())
			.isTrue();
		assertThat(Assignment.CANARY_DRAWN.tag()).isEqualTo("drawn");
		assertThat(Assignment.forced(CANARY)).isEqualTo(Assignment.CANARY_FORCED);
		assertThat(Assignment.drawn(STABLE)).isEqualTo(Assignment.STABLE_DRAWN);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "on", "maybe" })
	void otherCookieValuesFallThroughToTheStickyKey(String cookie) {
		assertThat(this.decider.decide("orders", PROGRESSING, 25, true, "other", cookie, TargetMatch.NONE, "2499"))
			.isEqualTo(Assignment.CANARY_DRAWN);
		assertThat(this.decider.decide("orders", PROGRESSING, 25, true, "other", cookie, TargetMatch.NONE, "2500"))
			.isEqualTo(Assignment.STABLE_DRAWN);
		assertThat(this.random.calls).isZero();
	}

	@Test
	void stickyKeyDecidesByItsBucketAndRandomIsNotConsulted() {
		this.random.next = 0;
		assertThat(this.decider.decide("orders", PROGRESSING, 25, true, null, null, TargetMatch.NONE, "2499"))
			.isEqualTo(Assignment.CANARY_DRAWN);
		assertThat(this.decider.decide("orders", PROGRESSING, 25, true, null, null, TargetMatch.NONE, "2500"))
			.isEqualTo(Assignment.STABLE_DRAWN);
		assertThat(this.decider.decide("orders", PROGRESSING, 0, true, null, null, TargetMatch.NONE, "0"))
			.isEqualTo(Assignment.STABLE_DRAWN);
		assertThat(this.decider.decide("orders", PROGRESSING, 100, true, null, null, TargetMatch.NONE, "9999"))
			.isEqualTo(Assignment.CANARY_DRAWN);
		assertThat(this.decider.decide("orders", PAUSED, 1, true, null, null, TargetMatch.NONE, "99"))
			.isEqualTo(Assignment.CANARY_DRAWN);
		assertThat(this.decider.decide("orders", PAUSED, 1, true, null, null, TargetMatch.NONE, "100"))
			.isEqualTo(Assignment.STABLE_DRAWN);
		assertThat(this.random.calls).isZero();
	}

	@Test
	void stickyKeyUsesTheReleaseAwareHash() {
		Decider real = new Decider(new Bucketer(KeyHasher.MURMUR3), this.random);
		// bucket("orders", "user-1") is 6623 (pinned in BucketerTest)
		assertThat(real.decide("orders", PROGRESSING, 66, true, null, null, TargetMatch.NONE, "user-1"))
			.isEqualTo(Assignment.STABLE_DRAWN);
		assertThat(real.decide("orders", PROGRESSING, 67, true, null, null, TargetMatch.NONE, "user-1"))
			.isEqualTo(Assignment.CANARY_DRAWN);
		assertThat(this.random.calls).isZero();
	}

	@Test
	void drawByKeyIsTheStickyRuleAlone() {
		assertThat(this.decider.drawByKey("orders", 25, "2499")).isEqualTo(Assignment.CANARY_DRAWN);
		assertThat(this.decider.drawByKey("orders", 25, "2500")).isEqualTo(Assignment.STABLE_DRAWN);
		assertThat(this.decider.drawByKey("orders", 0, "0")).isEqualTo(Assignment.STABLE_DRAWN);
		assertThat(this.decider.drawByKey("orders", 100, "9999")).isEqualTo(Assignment.CANARY_DRAWN);
		Decider real = new Decider(new Bucketer(KeyHasher.MURMUR3), this.random);
		for (int weight = 0; weight <= 100; weight++) {
			for (String key : List.of("user-1", "user-2", "Hk1cT3bWq0mZx7YpL2sVgA")) {
				assertThat(real.drawByKey("orders", weight, key)).as("%s at %d", key, weight)
					.isEqualTo(real.decide("orders", PROGRESSING, weight, true, null, null, TargetMatch.NONE, key));
			}
		}
		assertThat(this.random.calls).isZero();
	}

	@Test
	void withoutAStickyKeyRandomDecidesOncePerRequest() {
		this.random.next = 2999;
		assertThat(this.decider.decide("orders", PROGRESSING, 30, true, null, null, TargetMatch.NONE, null))
			.isEqualTo(Assignment.CANARY_DRAWN);
		assertThat(this.random.calls).isEqualTo(1);
		this.random.next = 3000;
		assertThat(this.decider.decide("orders", PROGRESSING, 30, true, null, null, TargetMatch.NONE, ""))
			.isEqualTo(Assignment.STABLE_DRAWN);
		assertThat(this.random.calls).isEqualTo(2);
		this.random.next = 0;
		assertThat(this.decider.decide("orders", PAUSED, 30, true, "maybe", "maybe", TargetMatch.NONE, null))
			.isEqualTo(Assignment.CANARY_DRAWN);
		assertThat(this.random.calls).isEqualTo(3);
	}

	@Test
	void randomAtWeightZeroAndHundredIsExact() {
		for (int bucket : new int[] { 0, 1, 5000, 9998, 9999 }) {
			this.random.next = bucket;
			assertThat(this.decider.decide("orders", PROGRESSING, 0, true, null, null, TargetMatch.NONE, null))
				.isEqualTo(Assignment.STABLE_DRAWN);
			assertThat(this.decider.decide("orders", PROGRESSING, 100, true, null, null, TargetMatch.NONE, null))
				.isEqualTo(Assignment.CANARY_DRAWN);
		}
		assertThat(this.random.calls).isEqualTo(10);
	}

	@Test
	void randomSplitFollowsTheWeight() {
		SplittableRandom seeded = new SplittableRandom(42);
		Decider seededDecider = new Decider(new Bucketer(KeyHasher.MURMUR3), () -> seeded.nextInt(Bucketer.BUCKETS));
		int[] canary = new int[101];
		int requests = 20_000;
		for (int weight : new int[] { 0, 1, 5, 30, 50, 99, 100 }) {
			for (int i = 0; i < requests; i++) {
				if (seededDecider.decide("orders", PROGRESSING, weight, true, null, null, TargetMatch.NONE, null)
					.lane() == CANARY) {
					canary[weight]++;
				}
			}
			// binomial standard deviation at most 0.0036: 0.015 is over 4 of them, with a
			// fixed seed
			assertThat((double) canary[weight] / requests).as("share at weight %d", weight)
				.isBetween(weight / 100.0 - 0.015, weight / 100.0 + 0.015);
		}
		assertThat(canary[0]).isZero();
		assertThat(canary[100]).isEqualTo(requests);
	}

	@Test
	void overrideValues() {
		assertThat(Decider.override(null)).isNull();
		assertThat(Decider.override("")).isNull();
		assertThat(Decider.override("always")).isEqualTo(CANARY);
		assertThat(Decider.override("NEVER")).isEqualTo(STABLE);
		assertThat(Decider.override("canary")).isNull();
		assertThat(Arrays.stream(new String[] { "stable", "off", "0" }).map(Decider::override)).containsOnlyNulls();
	}

	/** A random source that returns a set value and counts how often it was asked. */
	static final class CountingRandom implements IntSupplier {

		int next;

		int calls;

		CountingRandom(int next) {
			this.next = next;
		}

		@Override
		public int getAsInt() {
			this.calls++;
			return this.next;
		}

	}

}
