package io.canarygateway.benchmarks.detection;

/**
 * The exact one-sided Mann–Whitney test for small samples, as Kayenta's classifier
 * applies it to metric points: P(U ≥ u) for the canary's rank sum over every equally
 * likely split of the pooled points (mid-ranks for ties), by enumeration.
 */
final class MannWhitney {

	private MannWhitney() {
	}

	/**
	 * P-value of "the canary's points are larger than stable's": the share of splits of
	 * the pooled points whose first group has a rank sum at least the canary's.
	 */
	static double upperP(double[] canary, double[] stable) {
		int n = canary.length + stable.length;
		double[] all = new double[n];
		System.arraycopy(canary, 0, all, 0, canary.length);
		System.arraycopy(stable, 0, all, canary.length, stable.length);
		double[] ranks = midRanks(all);
		double observed = 0;
		for (int i = 0; i < canary.length; i++) {
			observed += ranks[i];
		}
		long[] counts = new long[2];
		enumerate(ranks, 0, canary.length, 0, observed - 1e-9, counts);
		return (double) counts[0] / counts[1];
	}

	private static void enumerate(double[] ranks, int from, int left, double sum, double observed, long[] counts) {
		if (left == 0) {
			counts[1]++;
			counts[0] += (sum >= observed) ? 1 : 0;
			return;
		}
		for (int i = from; i <= ranks.length - left; i++) {
			enumerate(ranks, i + 1, left - 1, sum + ranks[i], observed, counts);
		}
	}

	private static double[] midRanks(double[] values) {
		double[] ranks = new double[values.length];
		for (int i = 0; i < values.length; i++) {
			int below = 0;
			int equal = 0;
			for (double other : values) {
				below += (other < values[i]) ? 1 : 0;
				equal += (other == values[i]) ? 1 : 0;
			}
			ranks[i] = below + (equal + 1) / 2.0;
		}
		return ranks;
	}

}
