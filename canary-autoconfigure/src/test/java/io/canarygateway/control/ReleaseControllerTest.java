package io.canarygateway.control;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.canarygateway.core.Action;
import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.BreakerConfig;
import io.canarygateway.core.Lane;
import io.canarygateway.core.LaneFigures;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.RoutingConfig;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Trigger;
import io.canarygateway.core.UnreadableRecord;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Versions;
import io.canarygateway.store.InMemoryReleaseStore;
import io.canarygateway.store.ReleaseRecordUnreadableException;
import io.canarygateway.store.ReleaseStore;
import io.canarygateway.store.ReleaseStoreUnavailableException;
import io.canarygateway.testing.MutableClock;

import static io.canarygateway.control.ActionResult.Kind.APPLIED;
import static io.canarygateway.control.ActionResult.Kind.CONFLICT;
import static io.canarygateway.control.ActionResult.Kind.INVALID;
import static io.canarygateway.control.ActionResult.Kind.NOT_FOUND;
import static io.canarygateway.control.ActionResult.Kind.UNAVAILABLE;
import static io.canarygateway.control.ActionResult.Kind.UNREADABLE;
import static io.canarygateway.core.ReleaseState.IDLE;
import static io.canarygateway.core.ReleaseState.PAUSED;
import static io.canarygateway.core.ReleaseState.PROGRESSING;
import static io.canarygateway.core.ReleaseState.PROMOTED;
import static io.canarygateway.core.ReleaseState.ROLLED_BACK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ReleaseControllerTest {

	private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

	private final MutableClock clock = new MutableClock(T0);

	private final InMemoryReleaseStore store = new InMemoryReleaseStore();

	private final Map<String, RecordingKillSwitch> switches = new ConcurrentHashMap<>();

	/** The operator of these tests' manual actions. */
	private static final String OPERATOR = "alice";

	private final ConcurrentLinkedQueue<ReleaseStatus> transitions = new ConcurrentLinkedQueue<>();

	private final TransitionListener recording = (status, transition) -> {
		assertThat(transition).isEqualTo(status.lastTransition());
		this.transitions.add(status);
	};

	private final List<ReleaseController> controllers = new ArrayList<>();

	/** The controller's thread: tasks wait here until a test runs them. */
	private final ConcurrentLinkedQueue<Runnable> queued = new ConcurrentLinkedQueue<>();

	private final Executor executor = this.queued::add;

	/**
	 * Waits for a task the controller hands to its thread later (a retry waits
	 * {@link ReleaseController#AUTO_START_RETRY}).
	 */
	private void awaitQueued() {
		await().atMost(Duration.ofSeconds(60)).until(() -> !this.queued.isEmpty());
	}

	private void runQueued() {
		for (Runnable task; (task = this.queued.poll()) != null;) {
			task.run();
		}
	}

	@AfterEach
	void close() throws Exception {
		for (ReleaseController controller : this.controllers) {
			controller.close();
		}
	}

	@Test
	void startCreatesAnIdleRecordWithoutAutoStart() {
		ReleaseController controller = started(config("orders", "v2", false));
		ReleaseStatus stored = this.store.find("orders").orElseThrow();
		assertThat(stored.state()).isEqualTo(IDLE);
		assertThat(stored.canaryVersion()).isEqualTo("v2");
		assertThat(stored.revision()).isEqualTo(1);
		assertThat(stored.rollout()).isZero();
		assertThat(stored.weight()).isZero();
		assertThat(stored.step()).isEqualTo(-1);
		assertThat(stored.stepStartedAt()).isEqualTo(T0);
		assertThat(stored.history()).isEmpty();
		assertThat(controller.release("orders").status()).isEqualTo(stored);
		assertThat(this.transitions).isEmpty();
		assertThat(killSwitch("orders").resets).hasValue(0);
		assertThat(killSwitch("orders").trips).hasValue(0);
	}

	@Test
	void startAutoStartsAtTheFirstStepWithReasonSchedule() {
		ReleaseController controller = started(config("orders", "v2", true), config("payments", "p2", false));
		ReleaseStatus orders = this.store.find("orders").orElseThrow();
		assertThat(orders.state()).isEqualTo(PROGRESSING);
		assertThat(orders.weight()).isEqualTo(5);
		assertThat(orders.step()).isZero();
		assertThat(orders.reason()).isEqualTo(Reason.SCHEDULE);
		assertThat(orders.rollout()).isEqualTo(1);
		assertThat(orders.revision()).isEqualTo(2);
		assertThat(orders.stepStartedAt()).isEqualTo(T0);
		assertThat(orders.history())
			.containsExactly(new Transition(T0, IDLE, PROGRESSING, Reason.SCHEDULE, 5, null, Transition.GATEWAY, "v2"));
		assertThat(controller.release("orders").status()).isEqualTo(orders);
		assertThat(this.transitions).containsExactly(orders);
		assertThat(killSwitch("orders").resets).hasValue(1);

		assertThat(this.store.find("payments").orElseThrow().state()).isEqualTo(IDLE);
		assertThat(controller.releases()).containsOnlyKeys("orders", "payments");
		assertThat(controller.releases().keySet()).containsExactly("orders", "payments");
		assertThat(controller.release("nope")).isNull();
	}

	@Test
	void startAdoptsAStoredRecordOfTheSameCanaryVersion() {
		ReleaseStatus paused = new ReleaseStatus("orders", Versions.of("v1", "v2"), 9, 4, PAUSED, 25, 2, Reason.MANUAL,
				T0.minus(Duration.ofHours(1)), List.of(new Transition(T0.minus(Duration.ofHours(1)), PROGRESSING,
						PAUSED, Reason.MANUAL, 25, null, Transition.GATEWAY, "v2")));
		assertThat(this.store.compareAndSet(paused, 0).swapped()).isTrue();
		this.clock.advance(Duration.ofMinutes(5));

		ReleaseController controller = started(config("orders", "v2", true));
		assertThat(this.store.find("orders")).containsSame(paused);
		assertThat(controller.release("orders").status()).isSameAs(paused);
		assertThat(this.transitions).as("no restart of the rollout").isEmpty();
		assertThat(killSwitch("orders").resets).as("the joined rollout starts with a clean switch").hasValue(1);

		ActionResult resumed = controller.operate("orders", Action.RESUME, 0, OPERATOR);
		assertThat(resumed.kind()).isEqualTo(APPLIED);
		assertThat(resumed.status().revision()).isEqualTo(10);
		assertThat(resumed.status().rollout()).isEqualTo(4);
		assertThat(resumed.status().weight()).isEqualTo(25);
		assertThat(killSwitch("orders").resets).hasValue(1);
	}

	@Test
	void startStartsAnAdoptedRecordThatWasNeverStartedWhenAutoStarting() {
		// e.g. stored by a gateway with auto-start off, or one that stopped between
		// storing and starting it
		ReleaseStatus idle = ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0.minus(Duration.ofHours(1)))
			.withRevision(3);
		this.store.compareAndSet(idle, 0);
		ReleaseController controller = started(config("orders", "v2", true));
		ReleaseStatus stored = this.store.find("orders").orElseThrow();
		assertThat(stored.state()).isEqualTo(PROGRESSING);
		assertThat(stored.weight()).isEqualTo(5);
		assertThat(stored.revision()).isEqualTo(4);
		assertThat(stored.rollout()).isEqualTo(1);
		assertThat(stored.reason()).isEqualTo(Reason.SCHEDULE);
		assertThat(controller.release("orders").status()).isEqualTo(stored);
		assertThat(this.transitions).containsExactly(stored);
		assertThat(killSwitch("orders").resets).hasValue(1);
	}

	@Test
	void anAutoStartTheStoreCannotTakeIsRetriedUntilItLands() {
		ReleaseStatus idle = ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0).withRevision(1);
		this.store.compareAndSet(idle, 0);
		FailingStore failing = new FailingStore(this.store);
		failing.writesDown = true;
		ReleaseController controller = new ReleaseController(List.of(config("orders", "v2", true)), failing,
				this::killSwitchFor, this.clock, this.executor, List.of(this.recording));
		this.controllers.add(controller);
		controller.start();
		assertThat(controller.release("orders").status().state()).as("started, though the start failed")
			.isEqualTo(IDLE);
		assertThat(this.transitions).isEmpty();

		// the store is still down at the first retry: tried again later
		awaitQueued();
		runQueued();
		assertThat(this.store.find("orders")).contains(idle);

		failing.writesDown = false;
		awaitQueued();
		runQueued();
		ReleaseStatus started = this.store.find("orders").orElseThrow();
		assertThat(started.state()).isEqualTo(PROGRESSING);
		assertThat(started.reason()).isEqualTo(Reason.SCHEDULE);
		assertThat(controller.release("orders").status()).isEqualTo(started);
		assertThat(this.transitions).containsExactly(started);
		assertThat(this.queued).as("nothing left to retry").isEmpty();
	}

	@Test
	void anAutoStartIsNotRetriedOnceTheReleaseWasStartedElsewhere() {
		this.store.compareAndSet(ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0).withRevision(1), 0);
		FailingStore failing = new FailingStore(this.store);
		failing.writesDown = true;
		ReleaseController controller = new ReleaseController(List.of(config("orders", "v2", true)), failing,
				this::killSwitchFor, this.clock, this.executor, List.of(this.recording));
		this.controllers.add(controller);
		controller.start();

		// another gateway, which reaches the store, starts it and an operator pauses it
		ReleaseController other = new ReleaseController(List.of(config("orders", "v2", true)), this.store,
				(config, listener) -> new RecordingKillSwitch(listener), this.clock, this.executor, List.of());
		this.controllers.add(other);
		other.start();
		assertThat(other.operate("orders", Action.PAUSE, 0, OPERATOR).kind()).isEqualTo(APPLIED);
		ReleaseStatus paused = this.store.find("orders").orElseThrow();

		failing.writesDown = false;
		awaitQueued();
		runQueued();
		assertThat(this.store.find("orders")).as("not started a second time").contains(paused);
		assertThat(paused.history()).extracting(Transition::to).containsExactly(PROGRESSING, PAUSED);
		assertThat(this.transitions).isEmpty();
		assertThat(this.queued).as("nothing left to retry").isEmpty();
	}

	@Test
	void startLeavesAnAdoptedIdleRecordIdleWithoutAutoStart() {
		ReleaseStatus idle = ReleaseStatus.idle("orders", Versions.of("v1", "v2"), T0).withRevision(3);
		this.store.compareAndSet(idle, 0);
		ReleaseController controller = started(config("orders", "v2", false));
		assertThat(this.store.find("orders")).containsSame(idle);
		assertThat(controller.release("orders").status()).isSameAs(idle);
		assertThat(this.transitions).isEmpty();
	}

	@Test
	void startAdoptsARolledBackRecordWithTheSwitchHeldOpen() {
		ReleaseStatus rolledBack = new ReleaseStatus("orders", Versions.of("v1", "v2"), 6, 2, ROLLED_BACK, 0, 1,
				Reason.BREAKER, T0, List.of());
		this.store.compareAndSet(rolledBack, 0);
		ReleaseController controller = started(config("orders", "v2", true));
		assertThat(controller.release("orders").status()).isSameAs(rolledBack);
		assertThat(killSwitch("orders").trips).hasValue(1);
		assertThat(killSwitch("orders").allowsCanary()).isFalse();
		assertThat(controller.release("orders").killSwitch().stateName()).isEqualTo("FORCED_OPEN");
	}

	@Test
	void aNewConfiguredCanaryVersionSupersedesTheRolloutInFlight() {
		Transition earlier = new Transition(T0.minus(Duration.ofHours(2)), PAUSED, PROGRESSING, Reason.MANUAL, 50, null,
				Transition.GATEWAY, "v1.9");
		ReleaseStatus old = new ReleaseStatus("orders", Versions.of("v1", "v1.9"), 9, 4, PROGRESSING, 50, 3,
				Reason.SCHEDULE, T0.minus(Duration.ofHours(2)), List.of(earlier));
		this.store.compareAndSet(old, 0);

		ReleaseController controller = started(config("orders", "v2", true));
		ReleaseStatus stored = this.store.find("orders").orElseThrow();
		assertThat(stored.versions()).as("against the record's stable; the configuration asked for v2")
			.isEqualTo(new Versions("v1", "v2", null, List.of(), "v2"));
		assertThat(stored.state()).isEqualTo(PROGRESSING);
		assertThat(stored.weight()).isEqualTo(5);
		assertThat(stored.step()).isZero();
		assertThat(stored.stepStartedAt()).isEqualTo(T0);
		assertThat(stored.rollout()).isEqualTo(5);
		assertThat(stored.revision()).isEqualTo(10);
		assertThat(stored.history()).containsExactly(earlier,
				new Transition(T0, PROGRESSING, PROGRESSING, Reason.SCHEDULE, 5, null, Transition.GATEWAY, "v2"));
		assertThat(controller.release("orders").status()).isEqualTo(stored);
		assertThat(this.transitions).containsExactly(stored);
		// once for the adopted rollout, once for the new one
		assertThat(killSwitch("orders").resets).hasValue(2);
	}

	@Test
	void aNewConfiguredCanaryVersionAfterAPromotionRollsOutAgainstThePromotedOne() {
		this.store.compareAndSet(new ReleaseStatus("orders", Versions.of("v1", "v1.9"), 9, 4, PROMOTED, 100, 4,
				Reason.MANUAL, T0, List.of()), 0);
		started(config("orders", "v2", true));
		ReleaseStatus stored = this.store.find("orders").orElseThrow();
		assertThat(stored.versions()).isEqualTo(new Versions("v1.9", "v2", "v1", List.of(), "v2"));
		assertThat(stored.state()).isEqualTo(PROGRESSING);
		assertThat(stored.weight()).isEqualTo(5);
	}

	@Test
	void aRestartNeverReplaysAnOldConfiguredVersion() {
		// v2 came from the configuration; v3 superseded it at runtime
		Versions superseded = new Versions("v1", "v3", null, List.of(), "v2");
		ReleaseStatus runtime = new ReleaseStatus("orders", superseded, 9, 4, PROGRESSING, 25, 2, Reason.MANUAL, T0,
				List.of());
		this.store.compareAndSet(runtime, 0);
		started(config("orders", "v2", true));
		assertThat(this.store.find("orders")).contains(runtime);

		// a configured version the release rolled back is not rolled out again either
		ReleaseStatus rolledBack = new ReleaseStatus("orders", new Versions("v1", "v4", null, List.of("v2"), "v4"), 9,
				4, ROLLED_BACK, 0, 2, Reason.ANALYSIS, T0, List.of());
		assertThat(ReleaseController.startsFromConfig(config("orders", "v2", true), rolledBack))
			.isEqualTo(ReleaseController.ConfigStart.NONE);
		assertThat(ReleaseController.startsFromConfig(config("orders", "v5", true), rolledBack))
			.isEqualTo(ReleaseController.ConfigStart.NEW_VERSION);
		assertThat(ReleaseController.startsFromConfig(config("orders", "v5", false), rolledBack))
			.isEqualTo(ReleaseController.ConfigStart.NOT_STARTED);
		// nor the stable version: v2 was promoted and handed over
		ReleaseStatus handedOver = new ReleaseStatus("orders", new Versions("v2", "v3", "v1", List.of(), "v3"), 12, 5,
				PROGRESSING, 5, 0, Reason.MANUAL, T0, List.of());
		assertThat(ReleaseController.startsFromConfig(config("orders", "v2", true), handedOver))
			.isEqualTo(ReleaseController.ConfigStart.NONE);
	}

	@Test
	void aStoredRecordWinsOverTheConfigurationWithoutAutoStart() {
		ReleaseStatus promoted = new ReleaseStatus("orders", Versions.of("v1", "v1.9"), 9, 4, PROMOTED, 100, 4,
				Reason.MANUAL, T0, List.of());
		this.store.compareAndSet(promoted, 0);
		ReleaseController controller = started(config("orders", "v2", false));
		assertThat(this.store.find("orders")).contains(promoted);
		assertThat(controller.release("orders").status()).isEqualTo(promoted);
		assertThat(this.transitions).isEmpty();
	}

	@Test
	void everyTransitionIsLoggedAtInfoAndRecordsWhoActed() {
		// System.Logger's default backend is java.util.logging: listen there
		Logger logger = Logger.getLogger(ReleaseController.class.getName());
		List<String> lines = new CopyOnWriteArrayList<>();
		Handler handler = new Handler() {

			@Override
			public void publish(LogRecord record) {
				lines.add(record.getLevel() + " " + new SimpleFormatter().formatMessage(record));
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}

		};
		logger.addHandler(handler);
		try {
			ReleaseController controller = started(config("orders", "v2", true));
			controller.operate("orders", Action.PAUSE, 0, OPERATOR);
			controller.operate("orders", Action.ABORT, 0, Transition.ANONYMOUS);

			assertThat(controller.release("orders").status().history()).extracting(Transition::by)
				.containsExactly(Transition.GATEWAY, OPERATOR, Transition.ANONYMOUS);
			assertThat(this.store.find("orders").orElseThrow().history()).extracting(Transition::by)
				.containsExactly(Transition.GATEWAY, OPERATOR, Transition.ANONYMOUS);
			assertThat(lines).containsExactly(
					"INFO Release 'orders' IDLE -> PROGRESSING (reason schedule, weight 5, by gateway)",
					"INFO Release 'orders' PROGRESSING -> PAUSED (reason manual, weight 5, by alice)",
					"INFO Release 'orders' PAUSED -> ROLLED_BACK (reason manual, weight 0, by anonymous)");
		}
		finally {
			logger.removeHandler(handler);
		}
	}

	@Test
	void operateAppliesAnAction() {
		ReleaseController controller = started(config("orders", "v2", true));
		this.clock.advance(Duration.ofSeconds(30));
		ActionResult result = controller.operate("orders", Action.PAUSE, 0, OPERATOR);
		assertThat(result.kind()).isEqualTo(APPLIED);
		assertThat(result.message()).isNull();
		assertThat(result.status().state()).isEqualTo(PAUSED);
		assertThat(result.status().revision()).isEqualTo(3);
		assertThat(result.status().reason()).isEqualTo(Reason.MANUAL);
		assertThat(result.status().lastTransition())
			.isEqualTo(new Transition(T0.plusSeconds(30), PROGRESSING, PAUSED, Reason.MANUAL, 5, null, OPERATOR, "v2"));
		assertThat(this.store.find("orders")).contains(result.status());
		assertThat(controller.release("orders").status()).isEqualTo(result.status());
		assertThat(this.transitions).hasSize(2).last().isEqualTo(result.status());

		ActionResult weighted = controller.operate("orders", Action.WEIGHT, 30, OPERATOR);
		assertThat(weighted.kind()).isEqualTo(APPLIED);
		assertThat(weighted.status().weight()).isEqualTo(30);
		assertThat(weighted.status().state()).isEqualTo(PAUSED);
		assertThat(weighted.status().step()).isEqualTo(2);
	}

	@Test
	void operateNoOpIsAppliedWithoutAChange() {
		ReleaseController controller = started(config("orders", "v2", true));
		ReleaseStatus paused = controller.operate("orders", Action.PAUSE, 0, OPERATOR).status();
		ActionResult again = controller.operate("orders", Action.PAUSE, 0, OPERATOR);
		assertThat(again.kind()).isEqualTo(APPLIED);
		assertThat(again.message()).isNull();
		assertThat(again.status()).isEqualTo(paused);
		assertThat(this.store.find("orders")).contains(paused);
		assertThat(this.transitions).hasSize(2);
	}

	@Test
	void operateOnAnUnknownReleaseIsNotFound() {
		ReleaseController controller = started(config("orders", "v2", true));
		for (Action action : new Action[] { Action.PAUSE, Action.START, Action.WEIGHT }) {
			ActionResult result = controller.operate("nope", action, (action == Action.WEIGHT) ? 101 : 0, OPERATOR);
			assertThat(result.kind()).isEqualTo(NOT_FOUND);
			assertThat(result.status()).isNull();
			assertThat(result.message()).contains("'nope'");
		}
		assertThat(controller.apply("nope", Action.ADVANCE, 0, Reason.SCHEDULE, null).kind()).isEqualTo(NOT_FOUND);
	}

	@Test
	void operateWithABadWeightIsInvalidAndChangesNothing() {
		ReleaseController controller = started(config("orders", "v2", true));
		ReleaseStatus before = this.store.find("orders").orElseThrow();
		for (int weight : new int[] { 101, -1, 1000 }) {
			ActionResult result = controller.operate("orders", Action.WEIGHT, weight, OPERATOR);
			assertThat(result.kind()).isEqualTo(INVALID);
			assertThat(result.message()).contains("weight").contains(String.valueOf(weight));
			assertThat(result.status()).isEqualTo(before);
		}
		assertThat(this.store.find("orders")).containsSame(before);
		assertThat(this.transitions).hasSize(1);
	}

	@Test
	void operateWithAnAutomaticActionIsInvalid() {
		ReleaseController controller = started(config("orders", "v2", true));
		for (Action action : new Action[] { Action.ADVANCE, Action.ROLL_BACK, Action.HALT }) {
			ActionResult result = controller.operate("orders", action, 0, OPERATOR);
			assertThat(result.kind()).isEqualTo(INVALID);
			assertThat(result.message()).contains(action.path());
		}
		assertThat(this.store.find("orders").orElseThrow().revision()).isEqualTo(2);
	}

	@Test
	void operateNotAllowedInTheStateIsAConflict() {
		ReleaseController controller = started(config("orders", "v2", false));
		ReleaseStatus idle = this.store.find("orders").orElseThrow();
		ActionResult result = controller.operate("orders", Action.PROMOTE, 0, OPERATOR);
		assertThat(result.kind()).isEqualTo(CONFLICT);
		assertThat(result.status()).isEqualTo(idle);
		assertThat(result.message()).contains("promote").contains("IDLE").contains("PROGRESSING").contains("PAUSED");
		assertThat(this.store.find("orders")).containsSame(idle);
		assertThat(this.transitions).isEmpty();

		assertThat(controller.operate("orders", Action.WEIGHT, 50, OPERATOR).kind()).isEqualTo(CONFLICT);
		assertThat(controller.operate("orders", Action.START, 0, OPERATOR).kind()).isEqualTo(APPLIED);
		assertThat(controller.operate("orders", Action.START, 0, OPERATOR).kind()).isEqualTo(CONFLICT);
	}

	@Test
	void anOperatorsActionAppliesToTheRolloutTheRecordHolds() {
		ReleaseController controller = started(config("orders", "v2", true));
		ReleaseStatus current = this.store.find("orders").orElseThrow();
		// v3 was started through another gateway
		ReleaseStatus other = new ReleaseStatus("orders", Versions.of("v1", "v3"), current.revision() + 1,
				current.rollout() + 1, PROGRESSING, 5, 0, Reason.MANUAL, T0, List.of());
		assertThat(this.store.compareAndSet(other, current.revision()).swapped()).isTrue();

		ActionResult result = controller.operate("orders", Action.PAUSE, 0, OPERATOR);
		assertThat(result.kind()).isEqualTo(APPLIED);
		assertThat(result.status().canaryVersion()).isEqualTo("v3");
		assertThat(result.status().state()).isEqualTo(PAUSED);
		assertThat(controller.release("orders").status()).isEqualTo(result.status());
	}

	@Test
	void anAutomaticActionJudgedBeforeANewRolloutIsDroppedAndTheNewRolloutFollowed() {
		ReleaseController controller = started(config("orders", "v2", true));
		ReleaseStatus judged = controller.release("orders").status();
		// an operator started v3 meanwhile (through another gateway)
		ReleaseStatus other = new ReleaseStatus("orders", Versions.of("v1", "v3"), judged.revision() + 1,
				judged.rollout() + 1, PROGRESSING, 5, 0, Reason.MANUAL, T0, List.of());
		assertThat(this.store.compareAndSet(other, judged.revision()).swapped()).isTrue();

		ActionResult result = controller.applyIfUnchanged(judged, Action.ADVANCE, Reason.SCHEDULE, verdict());
		assertThat(result.kind()).isEqualTo(CONFLICT);
		assertThat(result.message()).contains("changed since it was judged");
		assertThat(this.store.find("orders")).containsSame(other);
		assertThat(controller.release("orders").status()).isEqualTo(other);
	}

	@Test
	void aStoreFailureIsUnavailableAndChangesNothing() {
		FailingStore failing = new FailingStore(this.store);
		ReleaseController controller = new ReleaseController(List.of(config("orders", "v2", true)), failing,
				this::killSwitchFor, this.clock, this.executor, List.of(this.recording));
		this.controllers.add(controller);
		controller.start();
		ReleaseStatus before = controller.release("orders").status();
		failing.down = true;
		ActionResult result = controller.operate("orders", Action.PAUSE, 0, OPERATOR);
		assertThat(result.kind()).isEqualTo(UNAVAILABLE);
		assertThat(result.message()).contains("unavailable").contains("connection refused");
		assertThat(result.status()).isEqualTo(before);
		assertThat(controller.release("orders").status()).isEqualTo(before);
		assertThat(this.transitions).hasSize(1);
	}

	@Test
	void anUnreadableRecordRefusesActionsOnItsReleaseOnlyAndKeepsItsLastKnownState() {
		FailingStore failing = new FailingStore(this.store);
		ReleaseController controller = new ReleaseController(
				List.of(config("orders", "v2", true), config("payments", "p2", true)), failing, this::killSwitchFor,
				this.clock, this.executor, List.of(this.recording));
		this.controllers.add(controller);
		controller.start();
		ReleaseStatus before = controller.release("orders").status();
		failing.unreadable.add("orders");

		ActionResult result = controller.operate("orders", Action.PAUSE, 0, OPERATOR);
		assertThat(result.kind()).isEqualTo(UNREADABLE);
		assertThat(result.message()).isEqualTo("cannot pause: the record of release 'orders' (records/orders) cannot "
				+ "be read: 'stepStartedAt' is not an ISO-8601 instant: 'yesterday'");
		assertThat(result.status()).isEqualTo(before);
		assertThat(controller.release("orders").status()).as("the last known state").isEqualTo(before);
		assertThat(controller.unreadableRecord("orders")).isPresent();
		assertThat(controller.unreadableRecord("payments")).isEmpty();
		assertThat(controller.operate("payments", Action.PAUSE, 0, OPERATOR).kind()).isEqualTo(APPLIED);
		assertThat(controller.release("payments").status().state()).isEqualTo(PAUSED);

		failing.unreadable.clear();
		assertThat(controller.operate("orders", Action.PAUSE, 0, OPERATOR).kind()).isEqualTo(APPLIED);
		assertThat(controller.unreadableRecord("orders")).isEmpty();
	}

	@Test
	void aReleaseWhoseRecordCannotBeReadAtStartStartsOnStableAndIsSetUpOnceItCanBeRead() {
		FailingStore failing = new FailingStore(this.store);
		failing.unreadable.add("orders");
		ReleaseController controller = new ReleaseController(
				List.of(config("orders", "v2", true), config("payments", "p2", true)), failing, this::killSwitchFor,
				this.clock, this.executor, List.of(this.recording));
		this.controllers.add(controller);
		controller.start();
		assertThat(controller.release("payments").status().state()).as("the others start as usual")
			.isEqualTo(PROGRESSING);
		ReleaseStatus waiting = controller.release("orders").status();
		assertThat(waiting.state()).as("all traffic on stable").isEqualTo(IDLE);
		assertThat(waiting.revision()).as("nothing read or written").isZero();
		assertThat(this.store.find("orders")).isEmpty();

		controller.initializeIfWaiting("orders");
		assertThat(controller.release("orders").status()).as("still unreadable").isEqualTo(waiting);

		failing.unreadable.clear();
		controller.initializeIfWaiting("orders");
		ReleaseStatus started = this.store.find("orders").orElseThrow();
		assertThat(started.state()).as("auto-started, as at a normal start").isEqualTo(PROGRESSING);
		assertThat(controller.release("orders").status()).isEqualTo(started);
		controller.initializeIfWaiting("orders");
		assertThat(this.store.find("orders")).as("set up once").contains(started);
	}

	@Test
	void aWaitingReleaseIsSetUpWhenTheStoreDeliversItsRecord() {
		ReleaseStatus paused = new ReleaseStatus("orders", Versions.of("v1", "v2"), 9, 4, PAUSED, 25, 2, Reason.MANUAL,
				T0, List.of());
		this.store.compareAndSet(paused, 0);
		FailingStore failing = new FailingStore(this.store);
		failing.unreadable.add("orders");
		ReleaseController controller = new ReleaseController(List.of(config("orders", "v2", true)), failing,
				this::killSwitchFor, this.clock, this.executor, List.of(this.recording));
		this.controllers.add(controller);
		controller.start();
		assertThat(controller.release("orders").status().revision()).isZero();

		failing.unreadable.clear();
		// what a store does when it reads a record: hands it to its listeners
		controller.onStored(paused);
		runQueued();
		assertThat(controller.release("orders").status()).as("adopted").isEqualTo(paused);
		assertThat(this.transitions).isEmpty();
	}

	@Test
	void aKillSwitchThatOpensWhileTheRecordIsUnreadableRollsBackOnceItCanBeRead() {
		FailingStore failing = new FailingStore(this.store);
		ReleaseController controller = new ReleaseController(List.of(config("orders", "v2", true)), failing,
				this::killSwitchFor, this.clock, this.executor, List.of(this.recording));
		this.controllers.add(controller);
		controller.start();
		ReleaseStatus before = controller.release("orders").status();

		failing.unreadable.add("orders");
		killSwitch("orders").openOnFailures(verdict());
		runQueued();
		assertThat(controller.release("orders").status()).isEqualTo(before);
		assertThat(killSwitch("orders").allowsCanary()).isFalse();

		failing.unreadable.clear();
		controller.onStored(this.store.find("orders").orElseThrow());
		runQueued();
		ReleaseStatus rolledBack = this.store.find("orders").orElseThrow();
		assertThat(rolledBack.state()).isEqualTo(ROLLED_BACK);
		assertThat(rolledBack.reason()).isEqualTo(Reason.BREAKER);
	}

	@Test
	void aThrowingListenerPreventsNeitherTheTransitionNorOtherListeners() {
		List<ReleaseStatus> first = new CopyOnWriteArrayList<>();
		List<ReleaseStatus> second = new CopyOnWriteArrayList<>();
		TransitionListener throwing = (status, transition) -> {
			throw new IllegalStateException("listener failure");
		};
		ReleaseController controller = new ReleaseController(List.of(config("orders", "v2", true)), this.store,
				this::killSwitchFor, this.clock, this.executor,
				List.of(throwing, (status, transition) -> first.add(status), throwing,
						(status, transition) -> second.add(status)));
		this.controllers.add(controller);
		controller.start();
		assertThat(this.store.find("orders").orElseThrow().state()).isEqualTo(PROGRESSING);

		ActionResult result = controller.operate("orders", Action.PAUSE, 0, OPERATOR);
		assertThat(result.kind()).isEqualTo(APPLIED);
		assertThat(this.store.find("orders").orElseThrow().state()).isEqualTo(PAUSED);
		assertThat(controller.release("orders").status().state()).isEqualTo(PAUSED);
		assertThat(first).extracting(ReleaseStatus::state).containsExactly(PROGRESSING, PAUSED);
		assertThat(second).isEqualTo(first);
	}

	@Test
	void killSwitchIsTrippedOnRollbackAndResetOncePerRollout() {
		ReleaseController controller = started(config("orders", "v2", true));
		RecordingKillSwitch killSwitch = killSwitch("orders");
		assertThat(killSwitch.resets).hasValue(1);
		assertThat(killSwitch.trips).hasValue(0);

		for (Action action : new Action[] { Action.PAUSE, Action.RESUME, Action.WEIGHT, Action.RESUME }) {
			assertThat(controller.operate("orders", action, 30, OPERATOR).kind()).isEqualTo(APPLIED);
		}
		assertThat(controller.apply("orders", Action.ADVANCE, 0, Reason.SCHEDULE, verdict()).kind()).isEqualTo(APPLIED);
		assertThat(killSwitch.resets).as("one reset per rollout, not per change").hasValue(1);
		assertThat(killSwitch.trips).hasValue(0);

		assertThat(controller.operate("orders", Action.ABORT, 0, OPERATOR).kind()).isEqualTo(APPLIED);
		assertThat(killSwitch.trips).hasValue(1);
		assertThat(killSwitch.allowsCanary()).isFalse();

		assertThat(controller.operate("orders", Action.START, 0, OPERATOR).kind()).isEqualTo(APPLIED);
		assertThat(killSwitch.resets).hasValue(2);
		assertThat(killSwitch.allowsCanary()).isTrue();

		ActionResult rolledBack = controller.apply("orders", Action.ROLL_BACK, 0, Reason.BREAKER, verdict());
		assertThat(rolledBack.kind()).isEqualTo(APPLIED);
		assertThat(rolledBack.status().lastTransition().evidence()).isEqualTo(verdict());
		assertThat(killSwitch.trips).hasValue(2);

		controller.operate("orders", Action.START, 0, OPERATOR);
		controller.operate("orders", Action.PROMOTE, 0, OPERATOR);
		assertThat(killSwitch.resets).hasValue(3);
		assertThat(killSwitch.trips).hasValue(2);
		controller.operate("orders", Action.ABORT, 0, OPERATOR);
		assertThat(killSwitch.trips).as("abort after promotion trips too").hasValue(3);
		controller.operate("orders", Action.START, 0, OPERATOR);
		assertThat(killSwitch.resets).hasValue(4);
		assertThat(killSwitch.allowsCanary()).isTrue();
	}

	@Test
	void aKillSwitchThatOpensRollsTheReleaseBackOffTheRecordingThreadWithItsEvidence() {
		ReleaseController controller = started(config("orders", "v2", true));
		RecordingKillSwitch killSwitch = killSwitch("orders");
		this.transitions.clear();

		killSwitch.openOnFailures(verdict());
		assertThat(controller.release("orders").status().state()).as("nothing happens on the recording thread")
			.isEqualTo(PROGRESSING);
		killSwitch.openOnFailures(verdict());
		assertThat(this.queued).as("one rollback queued, however often it is told").hasSize(1);

		runQueued();
		ReleaseStatus rolledBack = controller.release("orders").status();
		assertThat(rolledBack.state()).isEqualTo(ROLLED_BACK);
		assertThat(rolledBack.reason()).isEqualTo(Reason.BREAKER);
		assertThat(rolledBack.lastTransition().evidence()).isEqualTo(verdict());
		assertThat(controller.release("orders").lastVerdict()).isEqualTo(verdict());
		assertThat(this.store.find("orders")).contains(rolledBack);
		assertThat(killSwitch.trips).as("then held open").hasValue(1);
		assertThat(killSwitch.openedByItself()).isNull();
		assertThat(this.transitions).extracting(ReleaseStatus::state).containsExactly(ROLLED_BACK);
	}

	@Test
	void aKillSwitchThatOpensWhileTheStoreIsDownRollsBackWhenTheStoreDeliversARecordAgain() {
		FailingStore failing = new FailingStore(this.store);
		ReleaseController controller = new ReleaseController(List.of(config("orders", "v2", true)), failing,
				this::killSwitchFor, this.clock, this.executor, List.of(this.recording));
		this.controllers.add(controller);
		controller.start();
		RecordingKillSwitch killSwitch = killSwitch("orders");
		ReleaseStatus before = controller.release("orders").status();

		failing.down = true;
		killSwitch.openOnFailures(verdict());
		runQueued();
		assertThat(controller.release("orders").status()).as("the store could not take the rollback").isEqualTo(before);
		assertThat(killSwitch.allowsCanary()).as("the switch alone still stops canary traffic").isFalse();
		assertThat(this.queued).isEmpty();

		failing.down = false;
		// what a store does after an outage: hands the records it reads to its listeners
		controller.onStored(this.store.find("orders").orElseThrow());
		runQueued();
		ReleaseStatus rolledBack = this.store.find("orders").orElseThrow();
		assertThat(rolledBack.state()).isEqualTo(ROLLED_BACK);
		assertThat(rolledBack.reason()).isEqualTo(Reason.BREAKER);
		assertThat(rolledBack.rollout()).isEqualTo(before.rollout());
		assertThat(rolledBack.lastTransition().evidence()).isEqualTo(verdict());

		controller.onStored(rolledBack);
		assertThat(this.queued).as("nothing pending once rolled back").isEmpty();
	}

	@Test
	void aKillSwitchThatOpensAfterTheReleaseStoppedSplittingChangesNothing() {
		ReleaseController controller = started(config("orders", "v2", true));
		assertThat(controller.operate("orders", Action.PROMOTE, 0, OPERATOR).kind()).isEqualTo(APPLIED);
		ReleaseStatus promoted = controller.release("orders").status();
		killSwitch("orders").openOnFailures(verdict());
		runQueued();
		assertThat(controller.release("orders").status()).isEqualTo(promoted);
	}

	@Test
	void killSwitchFollowsChangesStoredByAnotherGateway() {
		ReleaseController controller = started(config("orders", "v2", true));
		RecordingKillSwitch killSwitch = killSwitch("orders");
		ReleaseStatus current = this.store.find("orders").orElseThrow();

		// another replica rolls back: the store tells this one
		ReleaseStatus rolledBack = new ReleaseStatus("orders", Versions.of("v1", "v2"), current.revision() + 1,
				current.rollout(), ROLLED_BACK, 0, 0, Reason.BREAKER, T0, List.of());
		assertThat(this.store.compareAndSet(rolledBack, current.revision()).swapped()).isTrue();
		assertThat(controller.release("orders").status()).isSameAs(rolledBack);
		assertThat(killSwitch.trips).hasValue(1);

		// and starts a new rollout
		ReleaseStatus restarted = new ReleaseStatus("orders", Versions.of("v1", "v2"), rolledBack.revision() + 1,
				rolledBack.rollout() + 1, PROGRESSING, 5, 0, Reason.MANUAL, T0, List.of());
		this.store.compareAndSet(restarted, rolledBack.revision());
		assertThat(controller.release("orders").status()).isSameAs(restarted);
		assertThat(killSwitch.resets).hasValue(2);
		assertThat(killSwitch.allowsCanary()).isTrue();

		// a late duplicate of the same record does not reset again
		controller.onStored(restarted);
		assertThat(killSwitch.resets).hasValue(2);
	}

	@Test
	void concurrentOperationsLoseNoUpdate() throws Exception {
		ReleaseController controller = started(config("orders", "v2", true));
		ReleaseStatus initial = this.store.find("orders").orElseThrow();
		int threads = 8;
		int operations = 1_000;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch go = new CountDownLatch(1);
		List<Future<List<ActionResult>>> futures = new ArrayList<>();
		try {
			for (int t = 0; t < threads; t++) {
				int offset = t;
				futures.add(pool.submit(() -> {
					go.await();
					List<ActionResult> results = new ArrayList<>(operations);
					for (int i = 0; i < operations; i++) {
						Action action = ((i + offset) % 2 == 0) ? Action.PAUSE : Action.RESUME;
						results.add(controller.operate("orders", action, 0, OPERATOR));
					}
					return results;
				}));
			}
			go.countDown();
			List<ActionResult> results = new ArrayList<>();
			for (Future<List<ActionResult>> future : futures) {
				results.addAll(future.get(60, TimeUnit.SECONDS));
			}
			assertThat(results).hasSize(threads * operations);
			assertThat(results).extracting(ActionResult::kind).containsOnly(APPLIED);
		}
		finally {
			pool.shutdownNow();
		}

		List<ReleaseStatus> changes = new ArrayList<>(this.transitions);
		changes.remove(initial);
		changes.sort(Comparator.comparingLong(ReleaseStatus::revision));
		assertThat(changes).isNotEmpty();
		ReleaseStatus last = this.store.find("orders").orElseThrow();
		assertThat(last.revision()).as("one revision per change").isEqualTo(initial.revision() + changes.size());
		assertThat(changes.get(changes.size() - 1)).isEqualTo(last);
		assertThat(controller.release("orders").status()).isEqualTo(last);

		ReleaseStatus previous = initial;
		for (ReleaseStatus next : changes) {
			assertThat(next.revision()).isEqualTo(previous.revision() + 1);
			// each change was computed from its predecessor: nothing was overwritten
			assertThat(next.lastTransition().from()).isEqualTo(previous.state());
			assertThat(next.state()).isNotEqualTo(previous.state());
			List<Transition> expected = new ArrayList<>(previous.history());
			expected.add(next.lastTransition());
			if (expected.size() > ReleaseStatus.HISTORY_LIMIT) {
				expected = expected.subList(expected.size() - ReleaseStatus.HISTORY_LIMIT, expected.size());
			}
			assertThat(next.history()).isEqualTo(expected);
			assertThat(next.rollout()).isEqualTo(initial.rollout());
			previous = next;
		}
		assertThat(killSwitch("orders").resets).hasValue(1);
		assertThat(killSwitch("orders").trips).hasValue(0);
	}

	@Test
	void onStoredIgnoresOlderRevisionsAndFollowsNewRollouts() {
		ReleaseController controller = started(config("orders", "v2", true));
		ReleaseStatus progressing = this.store.find("orders").orElseThrow();
		ReleaseStatus paused = controller.operate("orders", Action.PAUSE, 0, OPERATOR).status();

		controller.onStored(progressing);
		assertThat(controller.release("orders").status()).isEqualTo(paused);

		ReleaseStatus newer = new ReleaseStatus("orders", Versions.of("v1", "v2"), paused.revision() + 5,
				paused.rollout(), PROGRESSING, 50, 3, Reason.MANUAL, T0, List.of());
		controller.onStored(newer);
		assertThat(controller.release("orders").status()).isSameAs(newer);
		controller.onStored(paused);
		assertThat(controller.release("orders").status()).isSameAs(newer);

		// another rollout (v3, started elsewhere) and its rollback: routing follows it
		ReleaseStatus otherVersion = new ReleaseStatus("orders", Versions.of("v1", "v3"), newer.revision() + 1,
				newer.rollout() + 1, ROLLED_BACK, 0, 0, Reason.MANUAL, T0, List.of());
		controller.onStored(otherVersion);
		assertThat(controller.release("orders").status()).isSameAs(otherVersion);
		assertThat(killSwitch("orders").trips).hasValue(1);

		controller.onStored(ReleaseStatus.idle("unknown", Versions.of("v1", "v2"), T0));
		assertThat(controller.releases()).containsOnlyKeys("orders");
	}

	@Test
	void closeStopsFollowingTheStore() throws Exception {
		ReleaseController controller = started(config("orders", "v2", true));
		ReleaseStatus current = controller.release("orders").status();
		controller.close();
		ReleaseStatus elsewhere = new ReleaseStatus("orders", Versions.of("v1", "v2"), current.revision() + 1,
				current.rollout(), PAUSED, 5, 0, Reason.MANUAL, T0, List.of());
		this.store.compareAndSet(elsewhere, current.revision());
		assertThat(controller.release("orders").status()).isEqualTo(current);
	}

	@Test
	void managedReleaseKnowsItsConfigurationAndLastVerdict() {
		ReleaseController controller = started(config("orders", "v2", true));
		ManagedRelease release = controller.release("orders");
		assertThat(release.name()).isEqualTo("orders");
		assertThat(release.config().canaryVersion()).isEqualTo("v2");
		assertThat(release.schedule().weights()).containsExactly(5, 10, 25, 50, 100);
		assertThat(release.status().versions().of(Lane.CANARY)).isEqualTo("v2");
		assertThat(release.status().versions().of(Lane.STABLE)).isEqualTo("v1");
		assertThat(release.lastVerdict()).isNull();
		release.lastVerdict(verdict());
		assertThat(release.lastVerdict()).isEqualTo(verdict());
	}

	private ReleaseController started(ReleaseConfig... configs) {
		ReleaseController controller = new ReleaseController(List.of(configs), this.store, this::killSwitchFor,
				this.clock, this.executor, List.of(this.recording));
		this.controllers.add(controller);
		controller.start();
		return controller;
	}

	private KillSwitch killSwitchFor(ReleaseConfig config, KillSwitch.Listener listener) {
		return this.switches.computeIfAbsent(config.name(), (name) -> new RecordingKillSwitch(listener));
	}

	private RecordingKillSwitch killSwitch(String release) {
		return this.switches.get(release);
	}

	static ReleaseConfig config(String name, String canaryVersion, boolean autoStart) {
		ReleaseConfig config = new ReleaseConfig(name, "v1", canaryVersion, autoStart, ReleaseConfig.DEFAULT_STEPS,
				Duration.ofMinutes(1), List.of(), Duration.ofMinutes(10), RoutingConfig.defaults(),
				AnalysisConfig.defaults(), BreakerConfig.defaults(), Trigger.MANUAL, Duration.ofSeconds(30));
		assertThat(config.violations()).isEmpty();
		return config;
	}

	private static Verdict verdict() {
		return new Verdict(Verdict.Result.FAIL, T0, new LaneFigures(1000, 2, 0.002, 90),
				new LaneFigures(100, 30, 0.3, 400), Map.of("errorRate.z", 6.1), List.of("error rate 30 %"));
	}

	/**
	 * Delegates to a store until it is "down", then throws like an unreachable server;
	 * and throws for the releases whose record is "unreadable" like a store that cannot
	 * read them.
	 */
	static final class FailingStore implements ReleaseStore {

		private final ReleaseStore delegate;

		volatile boolean down;

		final Set<String> unreadable = ConcurrentHashMap.newKeySet();

		/** Refuses only writes, as a store that is unavailable for them. */
		volatile boolean writesDown;

		FailingStore(ReleaseStore delegate) {
			this.delegate = delegate;
		}

		@Override
		public Optional<ReleaseStatus> find(String release) {
			check(release);
			return this.delegate.find(release);
		}

		@Override
		public Swap compareAndSet(ReleaseStatus next, long expectedRevision) {
			check(next.release());
			if (this.writesDown) {
				throw new ReleaseStoreUnavailableException("the store refuses writes");
			}
			return this.delegate.compareAndSet(next, expectedRevision);
		}

		@Override
		public Optional<UnreadableRecord> unreadable(String release) {
			return this.unreadable.contains(release) ? Optional.of(new UnreadableRecord(release, "records/" + release,
					"'stepStartedAt' is not an ISO-8601 instant: 'yesterday'", T0)) : Optional.empty();
		}

		@Override
		public AutoCloseable subscribe(Consumer<ReleaseStatus> listener) {
			return this.delegate.subscribe(listener);
		}

		private void check(String release) {
			if (this.down) {
				throw new IllegalStateException("connection refused");
			}
			unreadable(release).ifPresent((record) -> {
				throw new ReleaseRecordUnreadableException(record);
			});
		}

	}

}
