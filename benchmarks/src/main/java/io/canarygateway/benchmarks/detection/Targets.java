package io.canarygateway.benchmarks.detection;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.function.DoubleFunction;

import io.canarygateway.benchmarks.Releases;
import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.ReleaseConfig;

/**
 * The detection targets of docs/benchmarks.md: each row a scenario, rollouts through the
 * production policy (Canary Gateway's real controller, breaker, analysis loop, analyst,
 * judge and progression policy, {@link CanaryGatewayDetector}), and the anchors
 * ({@link AnchorDetector}) on the same seeded request streams, each anchor's knob set so
 * that its false alarms at the tolerance boundary (errors 1 % → 2 %, latency × 1.2, 100
 * req/s) are no more frequent than Canary Gateway's. Prints a Markdown table.
 */
final class Targets {

	/** What a row reports. */
	enum Measure {

		/**
		 * Median / p99 analysis intervals until rollback, over the runs that rolled back.
		 */
		ROLLBACK_INTERVALS,
		/** Share of runs rolled back. */
		CAUGHT,
		/** Share of runs rolled back, and their median intervals until rollback. */
		CAUGHT_MEDIAN,
		/** Share of runs with at least one failed verdict (or failed check). */
		ANY_FAIL,
		/** Rolled back / paused shares. */
		AA

	}

	/**
	 * One row of the table.
	 *
	 * @param label the row
	 * @param today the figure the issue reported for the previous judge
	 * @param target the target
	 * @param scenario the lanes
	 * @param rps requests per second, all lanes
	 * @param steps canary weights
	 * @param measure what to report
	 * @param gateways gateways sharing the window (1: one gateway, through the whole
	 * library)
	 */
	record Row(String label, String today, String target, Scenario scenario, double rps, List<Integer> steps,
			Measure measure, int gateways) {
	}

	static final List<Integer> DEFAULT_STEPS = ReleaseConfig.DEFAULT_STEPS;

	private Targets() {
	}

	static List<Row> rows() {
		LaneModel stable = LaneModel.healthy(0.01);
		Scenario boundaryErrors = new Scenario("errors 1 % -> 2 %", stable, LaneModel.healthy(0.02), false);
		return List.of(
				new Row("errors 1 % → 5 %, weight 10, 100 req/s: rollback median / p99 intervals", "5 / 12",
						"≤ 5 / ≤ 10", new Scenario("errors 1 % -> 5 %", stable, LaneModel.healthy(0.05), true), 100,
						List.of(10, 25, 50, 100), Measure.ROLLBACK_INTERVALS, 1),
				new Row("errors 1 % → 3 % at 100 req/s: caught", "~45 %", "≥ 65 %",
						new Scenario("errors 1 % -> 3 %", stable, LaneModel.healthy(0.03), true), 100, DEFAULT_STEPS,
						Measure.CAUGHT, 1),
				new Row("boundary 1 % → 2 % (inside the 1-point tolerance): any FAIL per rollout", "0.6 %", "≤ 0.5 %",
						boundaryErrors, 100, DEFAULT_STEPS, Measure.ANY_FAIL, 1),
				new Row("p99 × 2 at 100 req/s: rollback median / p99 intervals", "5 / 12", "≤ 2 / ≤ 4",
						new Scenario("latency x 2", stable, stable.slower(2), true), 100, DEFAULT_STEPS,
						Measure.ROLLBACK_INTERVALS, 1),
				new Row("latency × 1.5 at 100 req/s: caught", "25 %", "≥ 95 %",
						new Scenario("latency x 1.5", stable, stable.slower(1.5), true), 100, DEFAULT_STEPS,
						Measure.CAUGHT, 1),
				new Row("latency × 2 at 20 req/s: caught (median intervals)", "71 % (20)", "≥ 99 % (≤ 8)",
						new Scenario("latency x 2, 20 req/s", stable, stable.slower(2), true), 20, DEFAULT_STEPS,
						Measure.CAUGHT_MEDIAN, 1),
				new Row("2 % of requests +500 ms (tail only): caught", "—", "≥ 90 %",
						new Scenario("2 % +500 ms", stable, stable.withTail(0.02, 500), true), 100, DEFAULT_STEPS,
						Measure.CAUGHT, 1),
				new Row("latency 1.2× (inside tolerance), 50 req/lane/interval: FAIL per step", "3.1 %", "≤ 0.5 %",
						new Scenario("latency x 1.2, weight 50, 10 req/s", stable, stable.slower(1.2), false), 10,
						List.of(50), Measure.ANY_FAIL, 1),
				new Row("A/A, 1 % errors: false rollbacks / false pauses", "0 / ~0.9 %", "≤ 1 % / ≤ 1 %",
						new Scenario("A/A", stable, stable, false), 100, DEFAULT_STEPS, Measure.AA, 1),
				new Row("3 gateways sharing one window, boundary 1 % → 2 %: false rollback per rollout", "not measured",
						"≤ 1 − confidence (1 %)", boundaryErrors, 100, DEFAULT_STEPS, Measure.CAUGHT, 3));
	}

	/** The boundary scenarios the anchors are calibrated on. */
	static Scenario errorBoundary() {
		return rows().get(2).scenario();
	}

	static Scenario latencyBoundary() {
		LaneModel stable = LaneModel.healthy(0.01);
		return new Scenario("latency x 1.2", stable, stable.slower(1.2), false);
	}

	static void print(int runs, long seed, int calibrationRuns, ExecutorService pool) throws Exception {
		ReleaseConfig defaults = Releases.defaults("orders");
		AnalysisConfig analysis = defaults.analysis();
		System.out.printf(Locale.ROOT, "== detection targets: %d seeded rollouts per row and detector (seeds %d..%d)%n",
				runs, seed, seed + runs - 1);
		// Canary Gateway's false alarms at the two boundaries: what the anchors are held
		// to
		CanaryGatewayDetector ours = canaryGateway(DEFAULT_STEPS);
		Summary errorAlarms = DetectionSimulator.simulate(ours, errorBoundary(), 100, calibrationRuns, seed, pool);
		Summary latencyAlarms = DetectionSimulator.simulate(ours, latencyBoundary(), 100, calibrationRuns, seed, pool);
		double errorRate = anyFail(errorAlarms);
		double latencyRate = anyFail(latencyAlarms);
		System.out.printf(Locale.ROOT,
				"   canary-gateway at the boundaries (%d runs): any FAIL %.2f %% (errors 1 %% -> 2 %%), %.2f %% "
						+ "(latency x 1.2); the anchors' knobs are set to stay at or below%n",
				calibrationRuns, errorRate * 100, latencyRate * 100);
		List<AnchorDetector> anchors = new ArrayList<>();
		AnchorDetector threshold = new AnchorDetector(AnchorDetector.Kind.THRESHOLD, DEFAULT_STEPS, 1, 3_600_000,
				analysis.errorRateTolerance(), analysis.latencyTolerance(), DetectionSimulator.MAX_SECONDS);
		double errorKnob = smallest(0.02, 0.30,
				(x) -> rate(threshold.withKnobs(x, 3_600_000), errorBoundary(), calibrationRuns, seed, pool),
				errorRate);
		double latencyKnob = smallest(150, 2_000,
				(x) -> rate(threshold.withKnobs(1, x), latencyBoundary(), calibrationRuns, seed, pool), latencyRate);
		anchors.add(threshold.withKnobs(errorKnob, latencyKnob));
		for (AnchorDetector.Kind kind : List.of(AnchorDetector.Kind.MANN_WHITNEY, AnchorDetector.Kind.MSPRT)) {
			AnchorDetector anchor = new AnchorDetector(kind, DEFAULT_STEPS, 0.01, 0, analysis.errorRateTolerance(),
					analysis.latencyTolerance(), DetectionSimulator.MAX_SECONDS);
			// the largest level whose false alarms stay at or below Canary Gateway's at
			// both
			// boundaries
			double level = largestLevel((x) -> Math.max(
					rate(anchor.withKnobs(x, 0), errorBoundary(), calibrationRuns, seed, pool) - errorRate,
					rate(anchor.withKnobs(x, 0), latencyBoundary(), calibrationRuns, seed, pool) - latencyRate));
			anchors.add(anchor.withKnobs(level, 0));
		}
		for (AnchorDetector anchor : anchors) {
			System.out.printf(Locale.ROOT, "   anchor: %s: boundary rollbacks %.2f %% (errors), %.2f %% (latency)%n",
					anchor.name(), rate(anchor, errorBoundary(), calibrationRuns, seed, pool) * 100,
					rate(anchor, latencyBoundary(), calibrationRuns, seed, pool) * 100);
		}
		System.out.println();
		System.out.println("| scenario (interval 10 s) | issue: before | target | canary-gateway | "
				+ "threshold (tuned) | Mann–Whitney, 1-min | mSPRT |");
		System.out.println("|---|---|---|---|---|---|---|");
		for (Row row : rows()) {
			List<String> cells = new ArrayList<>();
			Detector detector = (row.gateways() > 1) ? new FleetDetector(withSteps(defaults, row.steps()),
					row.gateways(), DetectionSimulator.MAX_SECONDS) : canaryGateway(row.steps());
			cells.add(measure(row, DetectionSimulator.simulate(detector, row.scenario(), row.rps(), runs, seed, pool)));
			for (AnchorDetector anchor : anchors) {
				cells.add((row.gateways() > 1) ? "—" : measure(row, DetectionSimulator
					.simulate(anchor.withSteps(row.steps()), row.scenario(), row.rps(), runs, seed, pool)));
			}
			System.out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", row.label(), row.today(), row.target(),
					String.join(" | ", cells));
		}
	}

	private static CanaryGatewayDetector canaryGateway(List<Integer> steps) {
		return new CanaryGatewayDetector(withSteps(Releases.defaults("orders"), steps), DetectionSimulator.MAX_SECONDS);
	}

	static ReleaseConfig withSteps(ReleaseConfig d, List<Integer> steps) {
		return new ReleaseConfig(d.name(), d.stableVersion(), d.canaryVersion(), true, steps, d.stepInterval(),
				List.of(), d.progressDeadline(), d.routing(), d.analysis(), d.breaker(), d.trigger(),
				d.triggerSettle());
	}

	private static double rate(Detector detector, Scenario scenario, int runs, long seed, ExecutorService pool) {
		try {
			return anyFail(DetectionSimulator.simulate(detector, scenario, 100, runs, seed, pool));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	static double anyFail(Summary summary) {
		return (double) summary.runs().stream().filter((r) -> r.fails() > 0).count() / summary.runs().size();
	}

	/**
	 * The smallest threshold in [low, high] whose false-alarm rate is at most
	 * {@code allowed} (rates fall as the threshold rises), to 1 %.
	 */
	private static double smallest(double low, double high, DoubleFunction<Double> rate, double allowed) {
		for (int i = 0; i < 12 && high / low > 1.01; i++) {
			double mid = Math.sqrt(low * high);
			if (rate.apply(mid) <= allowed) {
				high = mid;
			}
			else {
				low = mid;
			}
		}
		return high;
	}

	/** The largest level in [1e-6, 0.5] for which {@code excess} is at most 0. */
	private static double largestLevel(DoubleFunction<Double> excess) {
		double low = 1e-6;
		double high = 0.5;
		for (int i = 0; i < 12 && high / low > 1.05; i++) {
			double mid = Math.sqrt(low * high);
			if (excess.apply(mid) <= 0) {
				low = mid;
			}
			else {
				high = mid;
			}
		}
		return low;
	}

	static String measure(Row row, Summary summary) {
		int n = summary.runs().size();
		double rolledBack = summary.rate(Run.End.ROLLED_BACK);
		double[] intervals = summary.runs()
			.stream()
			.filter((r) -> r.end() == Run.End.ROLLED_BACK)
			.mapToDouble((r) -> r.intervals(10))
			.sorted()
			.toArray();
		return switch (row.measure()) {
			case ROLLBACK_INTERVALS -> (intervals.length == 0) ? "never rolled back"
					: String.format(Locale.ROOT, "%.0f / %.0f (%s rolled back)", Summary.quantile(intervals, 0.5),
							nearestRank(intervals, 0.99), percent(rolledBack));
			case CAUGHT -> percent(rolledBack);
			case CAUGHT_MEDIAN -> percent(rolledBack) + ((intervals.length == 0) ? ""
					: String.format(Locale.ROOT, " (%.0f)", Summary.quantile(intervals, 0.5)));
			case ANY_FAIL -> percent((double) summary.runs().stream().filter((r) -> r.fails() > 0).count() / n);
			case AA ->
				percent(rolledBack) + " / " + percent(summary.rate(Run.End.PAUSED) + summary.rate(Run.End.TIME_LIMIT));
		};
	}

	private static double nearestRank(double[] sorted, double q) {
		int rank = (int) Math.ceil(q * sorted.length);
		return sorted[Math.max(0, rank - 1)];
	}

	private static String percent(double rate) {
		return String.format(Locale.ROOT, "%.1f %%", rate * 100);
	}

}
