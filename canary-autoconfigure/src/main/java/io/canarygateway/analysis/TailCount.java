package io.canarygateway.analysis;

import java.util.Arrays;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.HistogramIterationValue;
import org.hipparchus.special.Gamma;

/**
 * The pooled rank test of the latency comparison, on one interval of both lanes: how many
 * canary requests are among the K slowest of both lanes together, each canary latency
 * divided by (1 + tolerance) first, and the exact null distribution of that count.
 *
 * <p>
 * <b>Why the count is hypergeometric.</b> If the canary's latencies divided by (1 +
 * tolerance) have the same distribution as stable's, the N = n_c + n_s values of an
 * interval are exchangeable: every set of K ranks is as likely to hold any x of the
 * canary's n_c values, and the count X of canary values among the K largest is exactly
 * Hypergeometric(N, n_c, K) — at every sample size, whatever the distribution. If the
 * scaled canary is stochastically faster, X is stochastically smaller (each canary value
 * can be coupled below an exchangeable copy, and X only grows with a canary value), so
 * the hypergeometric tail stays a valid bound under the whole null hypothesis "the
 * canary, divided by (1 + tolerance), is no slower than stable".
 *
 * <p>
 * <b>Histogram buckets.</b> Latencies are only known to their HdrHistogram bucket. Each
 * canary value is ranked at the bottom of its bucket (divided by 1 + tolerance), each
 * stable value at the top of its bucket, and a canary value tied with a stable one ranks
 * below it. Every canary value is thereby ranked at or below its true scaled value and
 * every stable value at or above its true value, so the count is at most the count the
 * exact latencies would give: bucketing only ever makes the test more conservative (at 2
 * significant digits it costs at most about 1.6 % of tolerance).
 *
 * <p>
 * Cost: one pass over each lane's recorded buckets (a few hundred at most) and, per
 * count, K + 1 terms of the hypergeometric distribution.
 */
final class TailCount {

	private TailCount() {
	}

	/**
	 * The number of canary requests among the {@code k[i]} slowest of both lanes, for
	 * each i ({@code k} ascending, each at most the pooled count).
	 * @param stable stable's interval
	 * @param canary the canary's interval
	 * @param tolerance the canary's latencies are divided by 1 + tolerance
	 * @param k the K of each count, ascending
	 */
	static long[] slowestCanary(LaneSample stable, LaneSample canary, double tolerance, long[] k) {
		double[][] s = buckets(stable.latencyHistogram(), false, 1.0);
		double[][] c = buckets(canary.latencyHistogram(), true, 1.0 + tolerance);
		long[] counts = new long[k.length];
		int si = s[0].length - 1;
		int ci = c[0].length - 1;
		long taken = 0;
		long canaryTaken = 0;
		long stableLeft = (si >= 0) ? (long) s[1][si] : 0;
		long canaryLeft = (ci >= 0) ? (long) c[1][ci] : 0;
		for (int i = 0; i < k.length; i++) {
			while (taken < k[i]) {
				boolean stableNext = si >= 0 && (ci < 0 || s[0][si] >= c[0][ci]);
				long need = k[i] - taken;
				if (stableNext) {
					long use = Math.min(need, stableLeft);
					taken += use;
					stableLeft -= use;
					if (stableLeft == 0 && --si >= 0) {
						stableLeft = (long) s[1][si];
					}
				}
				else if (ci >= 0) {
					long use = Math.min(need, canaryLeft);
					taken += use;
					canaryTaken += use;
					canaryLeft -= use;
					if (canaryLeft == 0 && --ci >= 0) {
						canaryLeft = (long) c[1][ci];
					}
				}
				else {
					break;
				}
			}
			counts[i] = canaryTaken;
		}
		return counts;
	}

	/**
	 * The recorded buckets of a histogram, ascending: [0] the value a request of the
	 * bucket is ranked at, [1] the bucket's count.
	 */
	private static double[][] buckets(AbstractHistogram histogram, boolean bottom, double divisor) {
		int size = 0;
		for (HistogramIterationValue ignored : histogram.recordedValues()) {
			size++;
		}
		double[][] buckets = new double[2][size];
		int i = 0;
		for (HistogramIterationValue value : histogram.recordedValues()) {
			long at = value.getValueIteratedTo();
			long ranked = bottom ? histogram.lowestEquivalentValue(at) : histogram.highestEquivalentValue(at);
			buckets[0][i] = ranked / divisor;
			buckets[1][i] = value.getCountAtValueIteratedTo();
			i++;
		}
		return buckets;
	}

	/**
	 * log E[ψ^X] for X ~ Hypergeometric(N, n_c, K) and each ψ: the log of the
	 * probability-generating function, the normalizer of the e-value ψ^X / E[ψ^X].
	 * @param pooled N
	 * @param canary n_c, the canary's share of N
	 * @param k K, how many of the slowest are counted
	 * @param logPsi log ψ for each ψ
	 * @return log E[ψ^X] for each ψ
	 */
	static double[] logPgf(long pooled, long canary, long k, double[] logPsi) {
		long stable = pooled - canary;
		long low = Math.max(0, k - stable);
		long high = Math.min(k, canary);
		double[] max = new double[logPsi.length];
		Arrays.fill(max, Double.NEGATIVE_INFINITY);
		double logP0 = logChoose(canary, low) + logChoose(stable, k - low) - logChoose(pooled, k);
		// first pass: the largest term of each sum; second: the sum relative to it
		double logP = logP0;
		for (long x = low; x <= high; x++) {
			for (int j = 0; j < logPsi.length; j++) {
				max[j] = Math.max(max[j], logP + x * logPsi[j]);
			}
			logP += Math.log((double) (canary - x) * (k - x)) - Math.log((double) (x + 1) * (stable - k + x + 1));
		}
		double[] sums = new double[logPsi.length];
		logP = logP0;
		for (long x = low; x <= high; x++) {
			for (int j = 0; j < logPsi.length; j++) {
				double relative = logP + x * logPsi[j] - max[j];
				// terms e^-40 below the largest add nothing a double can hold
				if (relative > -40) {
					sums[j] += Math.exp(relative);
				}
			}
			logP += Math.log((double) (canary - x) * (k - x)) - Math.log((double) (x + 1) * (stable - k + x + 1));
		}
		double[] result = new double[logPsi.length];
		for (int j = 0; j < logPsi.length; j++) {
			result[j] = max[j] + Math.log(sums[j]);
		}
		return result;
	}

	/** log of the binomial coefficient C(n, k). */
	static double logChoose(long n, long k) {
		if (k < 0 || k > n) {
			return Double.NEGATIVE_INFINITY;
		}
		return Gamma.logGamma(n + 1.0) - Gamma.logGamma(k + 1.0) - Gamma.logGamma(n - k + 1.0);
	}

}
