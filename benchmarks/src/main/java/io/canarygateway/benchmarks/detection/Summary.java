package io.canarygateway.benchmarks.detection;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The runs of one scenario under one detector, summed up.
 *
 * @param scenario the scenario
 * @param detector the detector's name
 * @param runs every run, in seed order
 */
record Summary(Scenario scenario, String detector, List<Run> runs) {

	static final String HEADER = String.format(Locale.ROOT, "%-28s %16s %9s %8s %11s %15s %17s %11s %16s  %s",
			"detector", "rolled back", "promoted", "paused", "95 % CI", "s to rollback", "failed canary req",
			"s to promote", "failed, all runs", "rollbacks by");

	long count(Run.End end) {
		return this.runs.stream().filter((r) -> r.end() == end).count();
	}

	double rate(Run.End end) {
		return (double) count(end) / this.runs.size();
	}

	double[] rolledBack(ToDoubleFunction<Run> value) {
		return this.runs.stream().filter((r) -> r.end() == Run.End.ROLLED_BACK).mapToDouble(value).sorted().toArray();
	}

	String row() {
		double[] seconds = rolledBack(Run::seconds);
		double[] failed = rolledBack((r) -> r.failedCanary());
		double[] allFailed = this.runs.stream().mapToDouble((r) -> r.failedCanary()).sorted().toArray();
		double[] ci = wilson(count(Run.End.ROLLED_BACK), this.runs.size());
		Map<String, Long> reasons = new TreeMap<>();
		this.runs.stream()
			.filter((r) -> r.end() == Run.End.ROLLED_BACK)
			.forEach((r) -> reasons.merge(r.reason(), 1L, Long::sum));
		String paused = percent(rate(Run.End.PAUSED) + rate(Run.End.TIME_LIMIT));
		double[] promoted = this.runs.stream()
			.filter((r) -> r.end() == Run.End.PROMOTED)
			.mapToDouble(Run::seconds)
			.sorted()
			.toArray();
		return String.format(Locale.ROOT, "%-28s %8d %7s %9s %8s %11s %15s %17s %11s %16s  %s", this.detector,
				count(Run.End.ROLLED_BACK), "(" + percent(rate(Run.End.ROLLED_BACK)) + ")",
				percent(rate(Run.End.PROMOTED)), paused,
				String.format(Locale.ROOT, "%.1f-%.1f%%", ci[0] * 100, ci[1] * 100), pair(seconds, "%.1f"),
				pair(failed, "%.0f"),
				(promoted.length == 0) ? "-" : String.format(Locale.ROOT, "%.0f", quantile(promoted, 0.5)),
				String.format(Locale.ROOT, "%.0f / %.0f", quantile(allFailed, 0.5), quantile(allFailed, 1.0)),
				reasons.isEmpty() ? "-" : reasons.toString());
	}

	/**
	 * Rolled back %, median seconds and median failed canary requests of the rollbacks.
	 */
	String brief() {
		double[] seconds = rolledBack(Run::seconds);
		double[] failed = rolledBack((r) -> r.failedCanary());
		return String.format(Locale.ROOT, "%6s %7s %7s", percent(rate(Run.End.ROLLED_BACK)),
				seconds.length == 0 ? "-" : String.format(Locale.ROOT, "%.0fs", quantile(seconds, 0.5)),
				failed.length == 0 ? "-" : String.format(Locale.ROOT, "%.0f", quantile(failed, 0.5)));
	}

	private static String pair(double[] sorted, String format) {
		if (sorted.length == 0) {
			return "-";
		}
		return String.format(Locale.ROOT, format + " / " + format, quantile(sorted, 0.5), quantile(sorted, 1.0));
	}

	static double quantile(double[] sorted, double q) {
		if (sorted.length == 0) {
			return Double.NaN;
		}
		if (q >= 1) {
			return sorted[sorted.length - 1];
		}
		double position = q * (sorted.length - 1);
		int low = (int) Math.floor(position);
		int high = Math.min(low + 1, sorted.length - 1);
		return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
	}

	private static String percent(double rate) {
		return String.format(Locale.ROOT, "%.1f%%", rate * 100);
	}

	/** Wilson score 95 % interval of a proportion. */
	static double[] wilson(long successes, long n) {
		double z = 1.959963984540054;
		double p = (double) successes / n;
		double denominator = 1 + z * z / n;
		double centre = (p + z * z / (2.0 * n)) / denominator;
		double half = z * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denominator;
		return new double[] { Math.max(0, centre - half), Math.min(1, centre + half) };
	}

	@Override
	public String toString() {
		return this.detector + " " + this.scenario.name() + " " + Arrays.toString(rolledBack(Run::seconds));
	}

}
