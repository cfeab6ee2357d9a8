package io.canarygateway.analysis;

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
	void withoutAMarginTheRestrictedRateIsThePooledRate() {
		assertThat(FarringtonManning.restrictedRate1(3, 100, 9, 900, 0.0)).isEqualTo(12.0 / 1000);
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
