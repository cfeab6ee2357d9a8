package io.canarygateway.benchmarks.jmh;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Timer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.canarygateway.analysis.LaneRecorder;
import io.canarygateway.control.KillSwitch;
import io.canarygateway.core.Lane;
import io.canarygateway.metrics.CanaryMetrics;
import io.canarygateway.routing.ReleaseRoute;
import io.canarygateway.routing.RoutedRelease;

/**
 * Recording one request's outcome: all of {@link RoutedRelease#record} for each lane, and
 * its parts — the Micrometer timer {@code canary.requests}, the analysis
 * {@link LaneRecorder}, the Resilience4j breaker ({@code onSuccess}, canary lane only).
 * Latencies rotate over 1,024 log-normal values.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RecordingBenchmark {

	/**
	 * The Micrometer registry the timers live in: the sample gateway exports to
	 * Prometheus.
	 */
	@Param({ "prometheus", "simple" })
	public String registry;

	private Fixture fixture;

	private ReleaseRoute route;

	private Timer canaryTimer;

	private LaneRecorder canaryRecorder;

	private KillSwitch killSwitch;

	private int next;

	@Setup(Level.Trial)
	public void setUp() {
		this.fixture = new Fixture(this.registry);
		this.route = this.fixture.routed.route(null);
		this.canaryTimer = this.fixture.meters.get(CanaryMetrics.REQUESTS)
			.tags("release", Fixture.RELEASE, "lane", "canary", "outcome", "success")
			.timer();
		this.canaryRecorder = this.fixture.recorders.recorder(Fixture.RELEASE, Lane.CANARY);
		this.killSwitch = this.fixture.release.killSwitch();
	}

	@TearDown(Level.Trial)
	public void tearDown() throws Exception {
		this.fixture.close();
	}

	private long latency() {
		return this.fixture.latencies[this.next++ & 1023];
	}

	/** Everything recorded for a stable-lane request: timer and stable recorder. */
	@Benchmark
	public void recordStable() {
		this.fixture.routed.record(this.route, this.fixture.release.status().versions(), Lane.STABLE, false, true,
				latency());
	}

	/**
	 * Everything recorded for a canary-lane request: timer, canary recorder and breaker.
	 */
	@Benchmark
	public void recordCanary() {
		this.fixture.routed.record(this.route, this.fixture.release.status().versions(), Lane.CANARY, false, true,
				latency());
	}

	/** Part: the Micrometer timer. */
	@Benchmark
	public void partTimer() {
		this.canaryTimer.record(latency(), TimeUnit.NANOSECONDS);
	}

	/**
	 * Part: the analysis recorder (HdrHistogram and error adder behind a writer-reader
	 * phaser).
	 */
	@Benchmark
	public void partLaneRecorder() {
		this.canaryRecorder.record(latency(), false);
	}

	/**
	 * Part: the Resilience4j breaker's {@code onSuccess}, which also updates the
	 * breaker's own Micrometer metrics ({@code resilience4j.circuitbreaker.calls})
	 * through the event Resilience4j publishes per call.
	 */
	@Benchmark
	public void partBreaker() {
		this.killSwitch.record(latency(), false);
	}

}
