package io.canarygateway.benchmarks.detection;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import io.canarygateway.benchmarks.Releases;
import io.canarygateway.core.ReleaseConfig;

/**
 * Detection speed and false alarms, simulated: for each scenario (how stable and canary
 * behave), many seeded rollouts under Canary Gateway's real controller, breaker, analysis
 * loop and judge with its default settings, and under a Flagger-like analysis (absolute
 * thresholds checked every 60 s, thresholds 1 and 5) fed the very same request streams.
 * Prints per scenario and detector: how the rollouts ended, and for the rollbacks the
 * virtual time and the failed canary requests until the rollback (median and worst).
 * <p>
 * Arguments (all optional):
 * {@code --runs 1000 --rps 100 --seed 1 --steps 5,10,25,50,100 --threads N
 * --scenario <substring> --stable error=0.01,median=50,sigma=0.5 --canary error=0.05,factor=1.2}.
 * {@code --targets} prints the detection targets instead ({@link Targets}), with
 * {@code --calibration-runs N} rollouts for tuning the anchors. With
 * {@code --stable}/{@code --canary} a scenario named {@code custom} is added (and only it
 * runs unless {@code --scenario} says otherwise).
 */
public final class DetectionSimulator {

	/**
	 * Virtual time after which a run stops (Canary Gateway pauses at its 10 min progress
	 * deadline before).
	 */
	static final double MAX_SECONDS = 3_600;

	private DetectionSimulator() {
	}

	/** The scenarios of docs/benchmarks.md. */
	public static List<Scenario> scenarios() {
		LaneModel healthy = LaneModel.healthy(0.001);
		LaneModel onePercent = LaneModel.healthy(0.01);
		return List.of(new Scenario("hard failure (100 % errors)", healthy, LaneModel.healthy(1.0), true),
				new Scenario("errors 1 % -> 3 %", onePercent, LaneModel.healthy(0.03), true),
				new Scenario("errors 1 % -> 5 %", onePercent, LaneModel.healthy(0.05), true),
				new Scenario("errors 0 % -> 10 %", LaneModel.healthy(0.0), LaneModel.healthy(0.10), true),
				new Scenario("latency p99 +20 %", healthy, healthy.slower(1.2), true),
				new Scenario("latency p99 +100 %", healthy, healthy.slower(2.0), true),
				new Scenario("A/A, 0.1 % errors", healthy, healthy, false),
				new Scenario("A/A, 1 % errors", onePercent, onePercent, false));
	}

	/**
	 * Canary Gateway with the built-in defaults, and Flagger-like analysis with
	 * thresholds 1 and 5.
	 */
	static List<Detector> detectors(List<Integer> steps) {
		ReleaseConfig defaults = Releases.defaults("orders");
		ReleaseConfig config = new ReleaseConfig(defaults.name(), defaults.stableVersion(), defaults.canaryVersion(),
				true, steps, defaults.stepInterval(), List.of(), defaults.progressDeadline(), defaults.routing(),
				defaults.analysis(), defaults.breaker(), defaults.trigger(), defaults.triggerSettle());
		return List.of(new CanaryGatewayDetector(config, MAX_SECONDS),
				new FlaggerLikeDetector(steps, 1, 60, 99, 500, MAX_SECONDS),
				new FlaggerLikeDetector(steps, 5, 60, 99, 500, MAX_SECONDS));
	}

	public static void main(String[] args) throws Exception {
		int runs = 1000;
		double rps = 100;
		long seed = 1;
		int threads = Runtime.getRuntime().availableProcessors();
		List<Integer> steps = ReleaseConfig.DEFAULT_STEPS;
		String filter = null;
		LaneModel customStable = null;
		LaneModel customCanary = null;
		boolean targets = false;
		int calibrationRuns = 1000;
		for (int i = 0; i < args.length; i++) {
			String value = (i + 1 < args.length) ? args[i + 1] : "";
			switch (args[i]) {
				case "--runs" -> runs = Integer.parseInt(args[++i]);
				case "--rps" -> rps = Double.parseDouble(args[++i]);
				case "--seed" -> seed = Long.parseLong(args[++i]);
				case "--threads" -> threads = Integer.parseInt(args[++i]);
				case "--steps" ->
					steps = Arrays.stream(args[++i].split(",")).map(String::trim).map(Integer::valueOf).toList();
				case "--scenario" -> filter = args[++i];
				case "--stable" -> customStable = LaneModel.parse(args[++i]);
				case "--canary" -> customCanary = LaneModel.parse(args[++i]);
				case "--targets" -> targets = true;
				case "--calibration-runs" -> calibrationRuns = Integer.parseInt(args[++i]);
				default -> throw new IllegalArgumentException("unknown argument " + args[i] + " " + value
						+ " (--runs --rps --seed --threads --steps --scenario --stable --canary --targets "
						+ "--calibration-runs)");
			}
		}
		if (targets) {
			// the transitions of thousands of rollouts are not news
			java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
			java.util.Arrays.stream(java.util.logging.Logger.getLogger("").getHandlers())
				.forEach((handler) -> handler.setLevel(java.util.logging.Level.WARNING));
			ExecutorService pool = Executors.newFixedThreadPool(threads);
			long started = System.nanoTime();
			try {
				Targets.print(runs, seed, calibrationRuns, pool);
			}
			finally {
				pool.shutdownNow();
			}
			System.out.printf(Locale.ROOT, "== %.1f s wall time%n", (System.nanoTime() - started) / 1e9);
			return;
		}
		List<Scenario> scenarios = new ArrayList<>(scenarios());
		if (customStable != null || customCanary != null) {
			LaneModel stable = (customStable != null) ? customStable : LaneModel.healthy(0.01);
			LaneModel canary = (customCanary != null) ? customCanary : stable;
			scenarios.add(new Scenario("custom", stable, canary, !stable.equals(canary)));
			if (filter == null) {
				filter = "custom";
			}
		}
		String match = filter;
		if (match != null) {
			scenarios.removeIf((s) -> !s.name().toLowerCase(Locale.ROOT).contains(match.toLowerCase(Locale.ROOT)));
		}
		System.out.printf(Locale.ROOT,
				"== detection: %d seeded rollouts per scenario and detector, %.0f requests/s (all lanes), steps %s%n",
				runs, rps, steps);
		System.out.println("   canary-gateway (defaults): step-interval 1m, analysis every 10s, min-requests 50, "
				+ "confidence 0.99, tolerances 1 % errors / 20 % p99, ceilings 5 % / 2 s, failure-threshold 2, "
				+ "breaker 50 % of 20 (min 10)");
		System.out.println("   flagger-like: every 60 s, canary alone over the last minute: success rate >= 99 %, "
				+ "p99 <= 500 ms; rollback at <threshold> failed checks; a passed check advances one step");
		System.out.println("   times from the first canary request; 'worst' = the largest over the runs that "
				+ "rolled back; the same seeds (request streams) for every detector");
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		long started = System.nanoTime();
		try {
			List<Detector> detectors = detectors(steps);
			List<Summary> all = new ArrayList<>();
			for (Scenario scenario : scenarios) {
				System.out.printf(Locale.ROOT, "%n-- %s: stable %s, canary %s%n", scenario.name(), scenario.stable(),
						scenario.canary());
				System.out.println(Summary.HEADER);
				for (Detector detector : detectors) {
					Summary summary = simulate(detector, scenario, rps, runs, seed, pool);
					all.add(summary);
					System.out.println(summary.row());
				}
			}
			System.out.printf(Locale.ROOT, "%n== side by side (%s): %s%n",
					"rolled back % | median s to rollback | median failed canary requests until rollback",
					"canary-gateway vs flagger-like threshold 1 vs 5");
			for (Scenario scenario : scenarios) {
				List<Summary> row = all.stream().filter((s) -> s.scenario() == scenario).toList();
				System.out.printf(Locale.ROOT, "%-28s %s%n", scenario.name(),
						row.stream().map(Summary::brief).collect(Collectors.joining("  |  ")));
			}
		}
		finally {
			pool.shutdownNow();
		}
		System.out.printf(Locale.ROOT, "== %.1f s wall time%n", (System.nanoTime() - started) / 1e9);
	}

	/**
	 * Runs {@code runs} seeded rollouts ({@code seed}, {@code seed + 1} …) of a scenario
	 * under a detector.
	 */
	static Summary simulate(Detector detector, Scenario scenario, double rps, int runs, long seed, ExecutorService pool)
			throws Exception {
		List<Future<Run>> futures = new ArrayList<>(runs);
		for (int i = 0; i < runs; i++) {
			long runSeed = seed + i;
			futures.add(pool.submit(() -> detector.run(scenario, rps, runSeed)));
		}
		List<Run> results = new ArrayList<>(runs);
		for (Future<Run> future : futures) {
			results.add(future.get());
		}
		return new Summary(scenario, detector.name(), results);
	}

}
