package io.canarygateway.store.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.canarygateway.analysis.Analyst;
import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.analysis.LaneRecorder;
import io.canarygateway.analysis.LaneSample;
import io.canarygateway.analysis.Ledger;
import io.canarygateway.analysis.Recorders;
import io.canarygateway.core.Action;
import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.Lifecycle;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Trigger;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Versions;
import io.canarygateway.store.ReleaseRecordCodec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Three gateways judging one release through a real Redis have one sequence of looks: the
 * rollout's ledger, recorded by compare-and-set. Whichever gateway leads each look, the
 * fleet's verdicts are exactly those of one gateway that saw every request (so the
 * false-rollback bound of one gateway holds for the fleet), and two looks judged on the
 * same ledger cannot both count.
 */
class RedisFleetLedgerTests {

	static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");

	static final Duration INTERVAL = Duration.ofSeconds(10);

	static EmbeddedRedis redis;

	final List<LettuceConnectionFactory> factories = new ArrayList<>();

	@BeforeAll
	static void startRedis() {
		redis = new EmbeddedRedis();
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@BeforeEach
	void flush() {
		LettuceConnectionFactory factory = factory();
		new StringRedisTemplate(factory)
			.execute((org.springframework.data.redis.core.RedisCallback<Object>) (connection) -> {
				connection.serverCommands().flushAll();
				return null;
			});
	}

	@AfterEach
	void disconnect() {
		this.factories.forEach(LettuceConnectionFactory::destroy);
	}

	LettuceConnectionFactory factory() {
		LettuceConnectionFactory factory = redis.connectionFactory();
		this.factories.add(factory);
		return factory;
	}

	RedisFleetWindows gateway() {
		return new RedisFleetWindows(factory(), new RedisKeys("canary"),
				new RedisCalls(new StoreAvailability("Redis", Clock.systemUTC()), Duration.ofSeconds(5)),
				RedisScripts.load(), new ReleaseRecordCodec(), Duration.ofMinutes(3));
	}

	static ReleaseConfig config() {
		ReleaseConfig config = new ReleaseConfig("orders", "v1", "v2", true, List.of(10, 50, 100),
				Duration.ofMinutes(1), List.of(), Duration.ofMinutes(10), RoutingConfig.defaults(),
				AnalysisConfig.defaults(), BreakerConfig.defaults(), Trigger.MANUAL, Duration.ofSeconds(30));
		assertThat(config.violations()).isEmpty();
		return config;
	}

	static ReleaseStatus apply(ReleaseConfig config, ReleaseStatus status, Action action, Reason reason, Instant now) {
		Lifecycle.Outcome outcome = Lifecycle.apply(status, config.schedule(), action, 0, reason, Transition.GATEWAY,
				null, now);
		assertThat(outcome.refused()).isFalse();
		return outcome.status();
	}

	/**
	 * One gateway's requests over an interval at the record's weight: stable at 1 %
	 * errors, the canary at {@code canaryErrorRate} and {@code canaryFactor} times
	 * stable's latencies.
	 */
	static Recorders.Interval traffic(SplittableRandom random, int requests, int weight, double canaryErrorRate,
			double canaryFactor) {
		LaneRecorder stable = new LaneRecorder();
		LaneRecorder canary = new LaneRecorder();
		for (int i = 0; i < requests; i++) {
			boolean toCanary = random.nextInt(100) < weight;
			double latencyMs = 50 * Math.exp(0.5 * gaussian(random));
			if (toCanary) {
				canary.record((long) (latencyMs * canaryFactor * 1e6), random.nextDouble() < canaryErrorRate);
			}
			else {
				stable.record((long) (latencyMs * 1e6), random.nextDouble() < 0.01);
			}
		}
		return new Recorders.Interval(stable.sampleInterval(), canary.sampleInterval());
	}

	private static double gaussian(SplittableRandom random) {
		return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
	}

	@Test
	void threeGatewaysWithAMovingLeadJudgeExactlyAsOneGatewaySeeingEveryRequest() {
		ReleaseConfig config = config();
		RedisFleetWindows[] windows = { gateway(), gateway(), gateway() };
		Analyst[] fleet = new Analyst[3];
		for (int g = 0; g < 3; g++) {
			fleet[g] = new Analyst(config, windows[g]);
		}
		Analyst alone = new Analyst(config, FleetWindows.LOCAL);
		ReleaseStatus status = apply(config, ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0), Action.START,
				Reason.MANUAL, T0);
		SplittableRandom random = new SplittableRandom(42);
		Instant since = T0;
		Verdict previous = null;
		int judged = 0;
		for (int round = 0; round < 40 && status.state().isSplitting(); round++) {
			Instant now = since.plus(INTERVAL);
			int leader = round % 3;
			// the canary turns 1.6x slower in the second step: the fleet must roll it
			// back
			double factor = (status.weight() >= 50) ? 1.6 : 1.0;
			Recorders.Interval[] intervals = new Recorders.Interval[3];
			LaneSample allStable = LaneSample.EMPTY;
			LaneSample allCanary = LaneSample.EMPTY;
			for (int g = 0; g < 3; g++) {
				intervals[g] = traffic(random, 200 + 100 * g, status.weight(), 0.01, factor);
				allStable = allStable.plus(intervals[g].stable());
				allCanary = allCanary.plus(intervals[g].canary());
			}
			// the followers publish their shares first, then the leader judges the sum
			for (int g = 0; g < 3; g++) {
				if (g == leader) {
					continue;
				}
				Analyst.Look followed = fleet[g].look(status, intervals[g], since, now, false,
						UnaryOperator.identity());
				assertThat(followed.action()).as("a gateway that does not lead never acts").isNull();
				if (previous != null) {
					// the previous leader showed that verdict when it judged it
					assertThat(followed.verdict()).as("it shows the fleet's last verdict once")
						.isEqualTo((g == (leader + 2) % 3) ? null : previous);
				}
			}
			Analyst.Look look = fleet[leader].look(status, intervals[leader], since, now, true,
					UnaryOperator.identity());
			Analyst.Look reference = alone.look(status, new Recorders.Interval(allStable, allCanary), since, now);
			assertThat(look.verdict()).as("round %d", round).isEqualTo(reference.verdict());
			assertThat(look.action()).isEqualTo(reference.action());
			assertThat(look.reason()).isEqualTo(reference.reason());
			Ledger ledger = windows[(leader + 1) % 3].ledger("orders", status.rollout());
			assertThat(ledger.looks()).as("one look of the fleet per leader look").isEqualTo(++judged);
			assertThat(ledger.verdict()).isEqualTo(look.verdict());
			previous = look.verdict();
			if (look.action() != null) {
				status = apply(config, status, look.action(), look.reason(), now);
			}
			since = now;
		}
		assertThat(status.state()).as("the slower canary was rolled back by the fleet")
			.isEqualTo(io.canarygateway.core.ReleaseState.ROLLED_BACK);
		assertThat(previous.reasons()).singleElement().asString().startsWith("canary latency divided by 1.20");
		assertThat(judged).as("the evidence spans two steps and several leaders").isGreaterThan(6);
	}

	@Test
	void aLookJudgedOnALedgerThatAnotherLookAdvancedCountsForNothing() {
		ReleaseConfig config = config();
		RedisFleetWindows a = gateway();
		RedisFleetWindows b = gateway();
		ReleaseStatus status = apply(config, ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0), Action.START,
				Reason.MANUAL, T0);
		SplittableRandom random = new SplittableRandom(7);
		Analyst first = new Analyst(config, a);
		Instant now = T0.plus(INTERVAL);
		assertThat(first.look(status, traffic(random, 500, 10, 0.01, 1), T0, now).verdict()).isNotNull();
		Ledger before = a.ledger("orders", status.rollout());
		assertThat(before.looks()).isOne();
		// b still believes it leads and reads the ledger before a's second look lands
		FleetWindows stale = new FleetWindows() {

			@Override
			public Totals combine(String release, long rollout, Instant stepStartedAt, LaneSample stable,
					LaneSample canary) {
				return b.combine(release, rollout, stepStartedAt, stable, canary);
			}

			@Override
			public boolean shared() {
				return true;
			}

			@Override
			public Ledger ledger(String release, long rollout) {
				return before;
			}

			@Override
			public boolean record(String release, long rollout, long expectedLooks, Ledger next) {
				return b.record(release, rollout, expectedLooks, next);
			}

		};
		Analyst second = new Analyst(config, stale);
		Instant later = now.plus(INTERVAL);
		assertThat(first.look(status, traffic(random, 500, 10, 0.01, 1), now, later).verdict()).isNotNull();
		assertThat(a.ledger("orders", status.rollout()).looks()).isEqualTo(2);
		Analyst.Look late = second.look(status, traffic(random, 500, 10, 0.01, 1), T0, later, true,
				UnaryOperator.identity());
		assertThat(late).isEqualTo(Analyst.Look.NONE);
		assertThat(a.ledger("orders", status.rollout()).looks()).as("the late look was not recorded").isEqualTo(2);
	}

	@Test
	void theLedgerIsAComparedAndSetHashThatLivesAWeek() {
		RedisFleetWindows a = gateway();
		ReleaseConfig config = config();
		ReleaseStatus status = apply(config, ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0), Action.START,
				Reason.MANUAL, T0);
		assertThat(a.ledger("orders", status.rollout())).isNull();
		Analyst analyst = new Analyst(config, a);
		Verdict verdict = analyst
			.look(status, traffic(new SplittableRandom(3), 400, 10, 0.01, 1), T0, T0.plus(INTERVAL))
			.verdict();
		Ledger stored = a.ledger("orders", status.rollout());
		assertThat(stored.verdict()).isEqualTo(verdict);
		assertThat(stored.step().looks()).isOne();
		assertThat(Ledger.fromBytes(stored.toBytes(), verdict)).isEqualTo(stored);
		assertThat(a.record("orders", status.rollout(), 0, stored)).as("expects no ledger: there is one").isFalse();
		assertThat(a.record("orders", status.rollout(), 5, stored)).isFalse();

		StringRedisTemplate raw = new StringRedisTemplate(factory());
		String key = "canary:{orders}:ledger:" + status.rollout();
		assertThat(raw.opsForHash().get(key, "looks")).isEqualTo("1");
		assertThat(raw.getExpire(key)).isBetween(Duration.ofDays(7).toSeconds() - 60, Duration.ofDays(7).toSeconds());

		raw.opsForHash().put(key, "ledger", "not a ledger");
		assertThatIllegalStateException().isThrownBy(() -> a.ledger("orders", status.rollout()))
			.withMessageContaining("the analysis ledger of release 'orders'")
			.withMessageContaining(key)
			.withMessageContaining("not an encoded analysis ledger");
	}

}
