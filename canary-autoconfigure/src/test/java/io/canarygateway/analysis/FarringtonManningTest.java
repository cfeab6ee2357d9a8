package io.canarygateway.analysis;

import org.hipparchus.distribution.continuous.NormalDistribution;
import org.hipparchus.distribution.discrete.BinomialDistribution;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FarringtonManningTest {

	@Test
	void closedFormRestrictedEstimateIsTheConstrainedMaximumLikelihood() {
		long[][] tables = { { 0, 100, 0, 900 }, { 1, 100, 9, 900 }, { 5, 100, 9, 900 }, { 10, 100, 0, 900 },
				{ 50, 1000, 90, 9000 }, { 3, 50, 40, 950 }, { 100, 100, 0, 100 }, { 0, 60, 60, 60 }, { 7, 7, 3, 10 },
				{ 2, 400, 1, 20 }, { 30, 120, 15, 40 } };
		double[] margins = { 0.0, 0.001, 0.01, 0.05, 0.2, 0.6 };
		for (long[] t : tables) {
			for (double margin : margins) {
				double closedForm = FarringtonManning.restrictedRate1(t[0], t[1], t[2], t[3], margin);
				double numeric = maximiseRestrictedLikelihood(t[0], t[1], t[2], t[3], margin);
				assertThat(closedForm).as("table %s margin %s", java.util.Arrays.toString(t), margin)
					.isCloseTo(numeric, within(1e-6));
			}
		}
	}

	@Test
	void withoutMarginItIsThePooledScoreTest() {
		// classic pooled two-proportion z: (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2))
		double pooled = 20.0 / 1000;
		double expected = (0.1 - 10.0 / 900) / Math.sqrt(pooled * (1 - pooled) * (1.0 / 100 + 1.0 / 900));
		assertThat(FarringtonManning.z(10, 100, 10, 900, 0.0)).isCloseTo(expected, within(1e-12));
	}

	@Test
	void zMeasuresTheExcessBeyondTheMargin() {
		// 10 % against 0 %: far beyond a 1 % margin
		assertThat(FarringtonManning.z(10, 100, 0, 900, 0.01)).isGreaterThan(4.5);
		// equal rates: the difference is below the margin, so z is negative
		assertThat(FarringtonManning.z(1, 100, 9, 900, 0.01)).isNegative();
		// exactly at the margin: z is zero
		assertThat(FarringtonManning.z(3, 100, 18, 900, 0.01)).isCloseTo(0.0, within(1e-9));
		// more excess, larger z
		assertThat(FarringtonManning.z(8, 100, 9, 900, 0.01)).isGreaterThan(FarringtonManning.z(5, 100, 9, 900, 0.01));
	}

	@Test
	void skewnessCorrectedTestKeepsItsExactSizeAtTheSmallLevelsTheJudgeSpends() {
		// Exact rejection probabilities at the null boundary p1 − p2 = δ, summed over all
		// tables.
		// Levels: α_1 and α_6 of the defaults (confidence 0.99, two tests, five steps).
		NormalDistribution normal = new NormalDistribution(0, 1);
		double[][] boundaries = { { 50, 950, 0.01, 0.0 }, { 50, 950, 0.02, 0.01 }, { 100, 900, 0.02, 0.01 },
				{ 100, 900, 0.01, 0.01 }, { 250, 750, 0.02, 0.01 }, { 500, 500, 0.02, 0.01 },
				{ 1000, 9000, 0.02, 0.01 }, { 300, 2700, 0.011, 0.01 }, { 50, 950, 0.2, 0.01 },
				{ 50, 950, 0.001, 0.0 } };
		for (double alpha : new double[] { 6.08e-4, 1.69e-5 }) {
			double normalCritical = normal.inverseCumulativeProbability(1 - alpha);
			for (double[] b : boundaries) {
				double[] size = exactSize((int) b[0], (int) b[1], b[2], b[3], normalCritical);
				assertThat(size[1]).as("corrected size at α=%s for %s", alpha, java.util.Arrays.toString(b))
					.isLessThanOrEqualTo(alpha);
			}
		}
		// ... where the plain normal critical value would reject far more often than it
		// may
		double alpha = 6.08e-4;
		double[] plain = exactSize(100, 900, 0.02, 0.01, normal.inverseCumulativeProbability(1 - alpha));
		assertThat(plain[0]).isGreaterThan(5 * alpha);
	}

	/**
	 * {plain, skewness-corrected} rejection probabilities of the one-sided test at the
	 * given z_α.
	 */
	private static double[] exactSize(int n1, int n2, double p1, double margin, double normalCritical) {
		double[] pmf1 = pmf(n1, p1);
		double[] pmf2 = pmf(n2, p1 - margin);
		double plain = 0;
		double corrected = 0;
		for (int x1 = 0; x1 <= n1; x1++) {
			if (pmf1[x1] < 1e-16) {
				continue;
			}
			for (int x2 = 0; x2 <= n2; x2++) {
				if (pmf2[x2] < 1e-16) {
					continue;
				}
				double z = FarringtonManning.z(x1, n1, x2, n2, margin);
				double critical = FarringtonManning.criticalValue(normalCritical,
						FarringtonManning.skewness(x1, n1, x2, n2, margin));
				plain += (z > normalCritical) ? pmf1[x1] * pmf2[x2] : 0;
				corrected += (z > critical) ? pmf1[x1] * pmf2[x2] : 0;
			}
		}
		return new double[] { plain, corrected };
	}

	private static double[] pmf(int n, double p) {
		BinomialDistribution binomial = new BinomialDistribution(n, p);
		double[] pmf = new double[n + 1];
		for (int x = 0; x <= n; x++) {
			pmf[x] = binomial.probability(x);
		}
		return pmf;
	}

	@Test
	void skewnessCorrectionOnlyEverRaisesTheCriticalValue() {
		assertThat(FarringtonManning.skewness(2, 100, 9, 900, 0.01)).isPositive();
		assertThat(FarringtonManning.criticalValue(3.0, 1.2)).isCloseTo(3.0 + 0.2 * 8, within(1e-12));
		assertThat(FarringtonManning.criticalValue(3.0, -1.2)).isEqualTo(3.0);
		assertThat(FarringtonManning.skewness(0, 0, 9, 900, 0.01)).isZero();
	}

	@Test
	void degenerateTablesGiveFiniteOrSignedAnswers() {
		assertThat(FarringtonManning.z(0, 0, 0, 900, 0.01)).isZero();
		assertThat(FarringtonManning.z(0, 100, 0, 900, 0.0)).isZero();
		assertThat(FarringtonManning.z(0, 100, 0, 900, 0.01)).isNegative().isFinite();
		assertThat(FarringtonManning.z(100, 100, 0, 900, 0.01)).isPositive();
	}

	/**
	 * Golden-section search of the binomial log-likelihood along p1 − p2 = margin, p1 in
	 * [margin, 1].
	 */
	private static double maximiseRestrictedLikelihood(long x1, long n1, long x2, long n2, double margin) {
		double lo = margin;
		double hi = 1.0;
		double phi = (Math.sqrt(5) - 1) / 2;
		for (int i = 0; i < 200; i++) {
			double a = hi - phi * (hi - lo);
			double b = lo + phi * (hi - lo);
			if (logLikelihood(x1, n1, x2, n2, margin, a) < logLikelihood(x1, n1, x2, n2, margin, b)) {
				lo = a;
			}
			else {
				hi = b;
			}
		}
		return (lo + hi) / 2;
	}

	private static double logLikelihood(long x1, long n1, long x2, long n2, double margin, double p1) {
		double p2 = p1 - margin;
		return term(x1, p1) + term(n1 - x1, 1 - p1) + term(x2, p2) + term(n2 - x2, 1 - p2);
	}

	private static double term(long count, double p) {
		if (count == 0) {
			return 0;
		}
		return (p <= 0) ? Double.NEGATIVE_INFINITY : count * Math.log(p);
	}

}
