package io.canarygateway.benchmarks.jmh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with the given command line plus {@link #DEFAULTS} (as
 * {@code org.openjdk.jmh.Main} would; all benchmarks of this package when none is named),
 * then prints one summary line per benchmark: time per operation, its error, and bytes
 * allocated per operation ({@code -prof gc}), and whether the decision targets (≤ 100 ns,
 * 0 B/op) are met.
 */
public final class JmhMain {

	/**
	 * Short settings for a shared 2-core machine (each given on the command line wins): 1
	 * fork, 3 × 1 s warm-up, 5 × 1 s measurement, 1 thread, the GC profiler, heap fixed
	 * at 1 GB.
	 */
	static final String[] DEFAULTS = { "-f", "1", "-wi", "3", "-w", "1s", "-i", "5", "-r", "1s", "-t", "1", "-prof",
			"gc", "-jvmArgs", "-Xms1g -Xmx1g" };

	private JmhMain() {
	}

	public static void main(String[] args) throws Exception {
		List<String> arguments = new ArrayList<>(List.of(args));
		for (int i = 0; i < DEFAULTS.length; i += 2) {
			if (!arguments.contains(DEFAULTS[i])) {
				arguments.add(DEFAULTS[i]);
				if (!DEFAULTS[i + 1].isEmpty()) {
					arguments.add(DEFAULTS[i + 1]);
				}
			}
		}
		boolean named = arguments.stream().anyMatch((a) -> !a.startsWith("-") && !isOptionValue(arguments, a));
		if (!named) {
			arguments.add(JmhMain.class.getPackageName() + ".*Benchmark");
		}
		CommandLineOptions options = new CommandLineOptions(arguments.toArray(String[]::new));
		Collection<RunResult> results = new Runner(options).run();
		System.out.println();
		System.out.println("== summary (ns/op: mean ± 99.9 % error; B/op: gc.alloc.rate.norm)");
		System.out.printf(Locale.ROOT, "%-52s %10s %9s %8s  %s%n", "benchmark", "ns/op", "±", "B/op", "target");
		for (RunResult result : results) {
			String name = result.getParams().getBenchmark().replace(JmhMain.class.getPackageName() + ".", "");
			String params = result.getParams().getParamsKeys().isEmpty() ? ""
					: " " + result.getParams()
						.getParamsKeys()
						.stream()
						.map((k) -> k + "=" + result.getParams().getParam(k))
						.reduce((a, b) -> a + "," + b)
						.orElse("");
			Result<?> primary = result.getPrimaryResult();
			double alloc = allocation(result);
			String target = "";
			if (name.startsWith("DecisionBenchmark.decide")) {
				boolean met = primary.getScore() <= 100 && alloc < 0.5;
				target = (met ? "met" : "MISSED") + " (≤ 100 ns, 0 B/op)";
			}
			System.out.printf(Locale.ROOT, "%-52s %10.1f %9.1f %8s  %s%n", name + params, primary.getScore(),
					primary.getScoreError(), Double.isNaN(alloc) ? "n/a" : String.format(Locale.ROOT, "%.1f", alloc),
					target);
		}
	}

	private static boolean isOptionValue(List<String> arguments, String value) {
		int index = arguments.indexOf(value);
		if (index <= 0) {
			return false;
		}
		String option = arguments.get(index - 1);
		// options of org.openjdk.jmh.Main that take a value
		return option.startsWith("-") && !option.equals("-foe") && !option.equals("-gc") && !option.equals("-v")
				&& !option.equals("-h") && !option.equals("-l") && !option.equals("-lp") && !option.equals("-lprof")
				&& !option.equals("-lrf");
	}

	private static double allocation(RunResult result) {
		for (String key : List.of("gc.alloc.rate.norm", "·gc.alloc.rate.norm")) {
			Result<?> r = result.getSecondaryResults().get(key);
			if (r != null) {
				return r.getScore();
			}
		}
		return Double.NaN;
	}

}
