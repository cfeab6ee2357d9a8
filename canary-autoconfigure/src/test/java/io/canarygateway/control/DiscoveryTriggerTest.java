package io.canarygateway.control;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.canarygateway.core.Action;
import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Trigger;
import io.canarygateway.core.Versions;
import io.canarygateway.store.InMemoryReleaseStore;
import io.canarygateway.testing.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The discovery trigger on a virtual clock, against a real controller and store: a new
 * version starts once its instances have been up for the settle time without a break; a
 * version the release rolled out, rolled back or serves is never started by itself;
 * several new versions at once start none; a version started through another gateway is
 * not started again.
 */
class DiscoveryTriggerTest {

	private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

	private static final Duration SETTLE = Duration.ofSeconds(30);

	private final MutableClock clock = new MutableClock(T0);

	private final InMemoryReleaseStore store = new InMemoryReleaseStore();

	/** What the instances of each release's services name now. */
	private final Map<String, Set<String>> instances = new ConcurrentHashMap<>();

	private ReleaseController controller;

	private DiscoveryTrigger trigger;

	@BeforeEach
	void start() {
		this.controller = controller(this.store);
		this.trigger = new DiscoveryTrigger(this.controller, (release) -> {
			Set<String> versions = this.instances.get(release);
			if (versions == null) {
				throw new IllegalStateException("registry unreachable");
			}
			return versions;
		}, this.clock);
		this.instances.put("orders", Set.of("v1", "v2"));
		this.instances.put("manual", Set.of("v1", "v9"));
	}

	@AfterEach
	void stop() throws Exception {
		this.controller.close();
	}

	private ReleaseController controller(InMemoryReleaseStore store) {
		ReleaseController controller = new ReleaseController(
				List.of(config("orders", Trigger.DISCOVERY), config("manual", Trigger.MANUAL)), store,
				(config, listener) -> new RecordingKillSwitch(listener), this.clock, Runnable::run, List.of());
		controller.start();
		return controller;
	}

	private static ReleaseConfig config(String name, Trigger trigger) {
		ReleaseConfig config = new ReleaseConfig(name, "v1", null, true, List.of(5, 50, 100), Duration.ofMinutes(1),
				List.of(), Duration.ofMinutes(10), RoutingConfig.defaults(), AnalysisConfig.defaults(),
				BreakerConfig.defaults(), trigger, SETTLE);
		assertThat(config.violations()).isEmpty();
		return config;
	}

	private ReleaseStatus orders() {
		return this.store.find("orders").orElseThrow();
	}

	@Test
	void aNewVersionStartsOnceItsInstancesHaveBeenUpForTheSettleTime() {
		this.trigger.poll();
		assertThat(orders().state()).isEqualTo(ReleaseState.IDLE);
		this.clock.advance(SETTLE.minusMillis(1));
		this.trigger.poll();
		assertThat(orders().state()).as("not settled yet").isEqualTo(ReleaseState.IDLE);
		this.clock.advance(Duration.ofMillis(1));
		this.trigger.poll();
		ReleaseStatus started = orders();
		assertThat(started.state()).isEqualTo(ReleaseState.PROGRESSING);
		assertThat(started.versions().canary()).isEqualTo("v2");
		assertThat(started.lastTransition()).isEqualTo(new Transition(this.clock.instant(), ReleaseState.IDLE,
				ReleaseState.PROGRESSING, Reason.DISCOVERY, 5, null, Transition.GATEWAY, "v2"));
		// started once
		this.clock.advance(SETTLE);
		this.trigger.poll();
		assertThat(orders()).isEqualTo(started);
		// a release with trigger: manual is left alone
		assertThat(this.store.find("manual").orElseThrow().state()).isEqualTo(ReleaseState.IDLE);
	}

	@Test
	void aBreakInTheInstancesStartsTheSettleTimeAfresh() {
		this.trigger.poll();
		this.clock.advance(Duration.ofSeconds(20));
		this.instances.put("orders", Set.of("v1"));
		this.trigger.poll();
		this.instances.put("orders", Set.of("v1", "v2"));
		this.trigger.poll();
		this.clock.advance(Duration.ofSeconds(20));
		this.trigger.poll();
		assertThat(orders().state()).as("20 s since it came back").isEqualTo(ReleaseState.IDLE);
		this.clock.advance(Duration.ofSeconds(10));
		this.trigger.poll();
		assertThat(orders().state()).isEqualTo(ReleaseState.PROGRESSING);
	}

	@Test
	void aNewVersionSupersedesTheRolloutInFlightAndAfterAPromotionHandsOver() {
		settle();
		assertThat(orders().canaryVersion()).isEqualTo("v2");
		this.instances.put("orders", Set.of("v1", "v2", "v3"));
		settle();
		assertThat(orders().versions().canary()).as("v3 supersedes v2").isEqualTo("v3");
		// v2's instances still up: it was rolled out before, so not again
		settle();
		assertThat(orders().versions().canary()).isEqualTo("v3");

		this.controller.operate("orders", Action.PROMOTE, 0, "alice");
		this.instances.put("orders", Set.of("v3", "v4"));
		settle();
		assertThat(orders().versions()).isEqualTo(new Versions("v3", "v4", "v1", List.of(), null));
	}

	@Test
	void aRolledBackVersionIsNotStartedAgainByItselfButAnOperatorMayStartIt() {
		settle();
		this.controller.operate("orders", Action.ABORT, 0, "alice");
		assertThat(orders().versions().rolledBack()).containsExactly("v2");
		settle();
		assertThat(orders().state()).isEqualTo(ReleaseState.ROLLED_BACK);
		assertThat(this.controller.start("orders", "v2", Reason.MANUAL, "alice", -1).kind())
			.isEqualTo(ActionResult.Kind.APPLIED);
		assertThat(orders().state()).isEqualTo(ReleaseState.PROGRESSING);
	}

	@Test
	void severalNewVersionsAtOnceStartNone() {
		this.instances.put("orders", Set.of("v1", "v2", "v3"));
		settle();
		assertThat(orders().state()).isEqualTo(ReleaseState.IDLE);
		// one of them goes away: the other starts
		this.instances.put("orders", Set.of("v1", "v3"));
		this.trigger.poll();
		assertThat(orders().canaryVersion()).isEqualTo("v3");
	}

	@Test
	void versionsThatAreNotVersionsAndUnreachableRegistriesAreSkipped() {
		this.instances.put("orders", Set.of("v1", "v2 beta"));
		settle();
		assertThat(orders().state()).isEqualTo(ReleaseState.IDLE);
		this.instances.remove("orders");
		settle();
		assertThat(orders().state()).isEqualTo(ReleaseState.IDLE);
		this.instances.put("orders", Set.of("v1", "v2"));
		settle();
		assertThat(orders().canaryVersion()).isEqualTo("v2");
	}

	@Test
	void aVersionAnotherGatewayStartedIsNotStartedAgain() {
		DiscoveryTrigger other = new DiscoveryTrigger(controller(this.store), (release) -> this.instances.get(release),
				this.clock);
		this.trigger.poll();
		other.poll();
		this.clock.advance(SETTLE);
		other.poll();
		ReleaseStatus startedElsewhere = orders();
		assertThat(startedElsewhere.canaryVersion()).isEqualTo("v2");
		// this gateway decided on the record it knew, which has changed since
		this.trigger.poll();
		this.trigger.poll();
		assertThat(orders()).isEqualTo(startedElsewhere);
		assertThat(orders().rollout()).isOne();
	}

	@Test
	void pollIntervalIsHalfTheShortestSettleWithinBounds() {
		assertThat(DiscoveryTrigger.pollInterval(List.of(config("a", Trigger.DISCOVERY))))
			.isEqualTo(Duration.ofSeconds(10));
		ReleaseConfig quick = new ReleaseConfig("q", "v1", null, true, List.of(100), Duration.ofMinutes(1), List.of(),
				Duration.ofMinutes(10), RoutingConfig.defaults(), AnalysisConfig.defaults(), BreakerConfig.defaults(),
				Trigger.DISCOVERY, Duration.ofSeconds(4));
		assertThat(DiscoveryTrigger.pollInterval(List.of(quick, config("m", Trigger.MANUAL))))
			.isEqualTo(Duration.ofSeconds(2));
		ReleaseConfig instant = new ReleaseConfig("i", "v1", null, true, List.of(100), Duration.ofMinutes(1), List.of(),
				Duration.ofMinutes(10), RoutingConfig.defaults(), AnalysisConfig.defaults(), BreakerConfig.defaults(),
				Trigger.DISCOVERY, Duration.ZERO);
		assertThat(DiscoveryTrigger.pollInterval(List.of(instant))).isEqualTo(Duration.ofSeconds(1));
		assertThat(DiscoveryTrigger.anyDiscovery(List.of(config("m", Trigger.MANUAL)))).isFalse();
	}

	/** Two looks a settle time apart. */
	private void settle() {
		this.trigger.poll();
		this.clock.advance(SETTLE);
		this.trigger.poll();
	}

}
