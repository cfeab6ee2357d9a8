package io.canarygateway.control;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.canarygateway.analysis.Analyst;
import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.analysis.Recorders;
import io.canarygateway.analysis.TrafficHistory;
import io.canarygateway.core.Lane;
import io.canarygateway.store.InMemoryReleaseStore;
import io.canarygateway.testing.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scheduled look of {@link AnalysisLoop}: a failure that repeats every interval is
 * logged once when it starts and once when it ends.
 */
class AnalysisLoopTest {

	private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

	private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

	private final Logger logger = Logger.getLogger(AnalysisLoop.class.getName());

	private final List<String> lines = new CopyOnWriteArrayList<>();

	/**
	 * What {@link AnalysisLoop} logs at INFO and above (System.Logger's default backend).
	 */
	private final Handler handler = new Handler() {

		@Override
		public void publish(LogRecord record) {
			if (record.getLevel().intValue() >= Level.INFO.intValue()) {
				AnalysisLoopTest.this.lines.add(record.getLevel() + " " + new SimpleFormatter().formatMessage(record));
			}
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	};

	private volatile RuntimeException fleetFailure;

	@AfterEach
	void close() {
		this.logger.removeHandler(this.handler);
		this.executor.shutdownNow();
	}

	@Test
	void aLastingFailureIsLoggedOnceWhenItStartsAndOnceWhenItEnds() throws Exception {
		ReleaseController controller = new ReleaseController(
				List.of(ReleaseControllerTest.config("orders", "v2", true)), new InMemoryReleaseStore(),
				(config, listener) -> new RecordingKillSwitch(listener), this.clock, Runnable::run, List.of());
		controller.start();
		Recorders recorders = new Recorders(List.of("orders"));
		FleetWindows fleet = (release, rollout, stepStartedAt, stable, canary) -> {
			RuntimeException failure = this.fleetFailure;
			if (failure != null) {
				throw failure;
			}
			return FleetWindows.LOCAL.combine(release, rollout, stepStartedAt, stable, canary);
		};
		AnalysisLoop loop = new AnalysisLoop(controller, recorders, new TrafficHistory(),
				(config) -> new Analyst(config, fleet), this.clock, this.executor, (release, verdict) -> {
				});
		this.logger.addHandler(this.handler);
		List<String> lines = this.lines;
		try {
			this.fleetFailure = new IllegalStateException(
					"WRONGTYPE Operation against a key holding the wrong kind of value");
			for (int i = 0; i < 5; i++) {
				recorders.recorder("orders", Lane.CANARY).record(1_000_000, false);
				this.clock.advance(Duration.ofSeconds(10));
				loop.safeTick("orders");
			}
			assertThat(lines).hasSize(1);
			assertThat(lines.get(0)).startsWith("WARNING Analysis of release 'orders' failed");

			this.fleetFailure = null;
			this.clock.advance(Duration.ofSeconds(10));
			loop.safeTick("orders");
			loop.safeTick("orders");
			assertThat(lines).hasSize(2);
			assertThat(lines.get(1)).isEqualTo("INFO Analysis of release 'orders' works again (it failed with: "
					+ "java.lang.IllegalStateException: WRONGTYPE Operation against a key holding the wrong kind of value)");

			this.fleetFailure = new IllegalStateException("another problem");
			loop.safeTick("orders");
			assertThat(lines).hasSize(3);
			assertThat(lines.get(2)).startsWith("WARNING Analysis of release 'orders' failed");
		}
		finally {
			controller.close();
		}
	}

}
