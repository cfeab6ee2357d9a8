package io.canarygateway.analysis;

/**
 * The Farrington–Manning score test for a difference of two binomial proportions against
 * a non-zero margin: H0: p1 − p2 ≤ δ against H1: p1 − p2 &gt; δ (group 1 the canary,
 * group 2 stable, δ the tolerated excess error rate).
 *
 * <p>
 * The statistic is <pre>
 *   z = (p̂1 − p̂2 − δ) / sqrt( p̃1(1 − p̃1)/n1 + p̃2(1 − p̃2)/n2 )
 * </pre> where p̂i = xi/ni and (p̃1, p̃2 = p̃1 − δ) is the maximum-likelihood estimate
 * restricted to the null boundary p1 − p2 = δ. Setting the derivative of the restricted
 * log-likelihood to zero gives the cubic a·p̃1³ + b·p̃1² + c·p̃1 + d = 0 with θ = n2/n1
 * and <pre>
 *   a = 1 + θ
 *   b = −(1 + θ + p̂1 + θ·p̂2 + δ(θ + 2))
 *   c = δ² + δ(2·p̂1 + θ + 1) + p̂1 + θ·p̂2
 *   d = −p̂1·δ(1 + δ)
 * </pre> whose root in [δ, 1] is, in trigonometric (Cardano) form, <pre>
 *   v = b³/(3a)³ − bc/(6a²) + d/(2a),   u = sign(v)·sqrt(b²/(3a)² − c/(3a)),
 *   w = (π + arccos(v/u³))/3,           p̃1 = 2u·cos(w) − b/(3a).
 * </pre> Source: C. P. Farrington and G. Manning, "Test statistics and sample size
 * formulae for comparative binomial trials with null hypothesis of non-zero risk
 * difference or non-unity relative risk", Statistics in Medicine 9 (1990) 1447–1454, with
 * the closed-form restricted estimate of O. Miettinen and M. Nurminen, "Comparative
 * analysis of two rates", Statistics in Medicine 4 (1985) 213–226 (without their n/(n−1)
 * variance factor). {@code FarringtonManningTest} checks the closed form against a
 * numerical maximisation of the restricted likelihood. Because the variance is estimated
 * under the null, where the rates are δ apart, the test has power at the small error
 * rates a canary sees, where the Wald test (variance from p̂1 and p̂2, zero when no error
 * was seen) is erratic.
 *
 * <p>
 * <b>Skewness correction.</b> The normal approximation of z is poor in the far upper tail
 * when few errors are expected: the numerator is a difference of binomial proportions
 * whose distribution is skewed to the right at small rates, and a judge that spends α in
 * slices of 10⁻⁴..10⁻⁶ lives in that tail: at the null boundary with 50..1,000 canary
 * requests, the exact rejection probability of the plain test is up to 10 times its level
 * at α = 6·10⁻⁴ and over 100 times at α = 1.7·10⁻⁵, and in simulated rollouts it failed
 * healthy canaries up to 10 times as often as its budget allows. The critical value is
 * therefore corrected for the skewness of the score under the restricted null, after Gart
 * and Nam: with <pre>
 *   μ3 = p̃1(1 − p̃1)(1 − 2p̃1)/n1² − p̃2(1 − p̃2)(1 − 2p̃2)/n2²,   γ = μ3 / V^{3/2},
 *   critical = z_α + max(0, γ/6)·(z_α² − 1)          (one Cornish–Fisher term)
 * </pre> where V is the variance in the denominator of z; the corrected test stays below
 * its level in all the cases above ({@code FarringtonManningTest} sums the exact
 * probabilities). Source: J. J. Gart and J. Nam, "Approximate interval estimation of the
 * difference in binomial parameters: correction for skewness and extension to multiple
 * tables", Biometrics 46 (1990) 637–643; P. J. Laud, "Equal-tailed confidence intervals
 * for comparison of rates", Pharmaceutical Statistics 16 (2017) 334–348 (the "SCAS"
 * method). The correction is only ever applied upwards: a left-skewed score (stable's
 * term dominating) makes the plain test conservative already, and a large negative
 * Cornish–Fisher term is not to be trusted.
 *
 * <p>
 * Cost: a handful of floating-point operations, one {@code acos}, one {@code cos}; no
 * allocation.
 */
final class FarringtonManning {

	private FarringtonManning() {
	}

	/**
	 * The score statistic z; large positive values speak against H0. Returns 0 when no
	 * rate can be estimated (a group without trials) and ±∞ when the null variance is 0
	 * but the difference is not.
	 * @param x1 failures in group 1 (the canary)
	 * @param n1 trials in group 1
	 * @param x2 failures in group 2 (stable)
	 * @param n2 trials in group 2
	 * @param margin δ in [0, 1)
	 */
	static double z(long x1, long n1, long x2, long n2, double margin) {
		if (n1 <= 0 || n2 <= 0) {
			return 0.0;
		}
		double p1 = (double) x1 / n1;
		double p2 = (double) x2 / n2;
		double restricted1 = restrictedRate1(x1, n1, x2, n2, margin);
		double restricted2 = restricted1 - margin;
		double variance = restricted1 * (1 - restricted1) / n1 + restricted2 * (1 - restricted2) / n2;
		double excess = p1 - p2 - margin;
		if (!(variance > 0)) {
			return (excess == 0) ? 0.0 : Math.copySign(Double.POSITIVE_INFINITY, excess);
		}
		return excess / Math.sqrt(variance);
	}

	/**
	 * The skewness γ = μ3 / V^{3/2} of the score p̂1 − p̂2 under the restricted null (0
	 * when undefined).
	 * @param x1 failures in group 1 (the canary)
	 * @param n1 trials in group 1
	 * @param x2 failures in group 2 (stable)
	 * @param n2 trials in group 2
	 * @param margin δ in [0, 1)
	 */
	static double skewness(long x1, long n1, long x2, long n2, double margin) {
		if (n1 <= 0 || n2 <= 0) {
			return 0.0;
		}
		double restricted1 = restrictedRate1(x1, n1, x2, n2, margin);
		double restricted2 = restricted1 - margin;
		double variance = restricted1 * (1 - restricted1) / n1 + restricted2 * (1 - restricted2) / n2;
		if (!(variance > 0)) {
			return 0.0;
		}
		double thirdMoment = restricted1 * (1 - restricted1) * (1 - 2 * restricted1) / ((double) n1 * n1)
				- restricted2 * (1 - restricted2) * (1 - 2 * restricted2) / ((double) n2 * n2);
		return thirdMoment / (variance * Math.sqrt(variance));
	}

	/**
	 * The critical value for z at one-sided level α, corrected for the skewness of the
	 * score.
	 * @param normalCritical z_α = Φ⁻¹(1 − α)
	 * @param skewness γ from {@link #skewness}
	 */
	static double criticalValue(double normalCritical, double skewness) {
		return normalCritical + Math.max(0.0, skewness / 6) * (normalCritical * normalCritical - 1);
	}

	/**
	 * The maximum-likelihood estimate of p1 under p1 − p2 = δ (p2 is this minus δ), by
	 * the closed form of the class documentation; for δ = 0 it is the pooled rate.
	 */
	static double restrictedRate1(long x1, long n1, long x2, long n2, double margin) {
		double p1 = (double) x1 / n1;
		double p2 = (double) x2 / n2;
		if (margin == 0) {
			return (double) (x1 + x2) / (n1 + n2);
		}
		double theta = (double) n2 / n1;
		double a = 1 + theta;
		double b = -(1 + theta + p1 + theta * p2 + margin * (theta + 2));
		double c = margin * margin + margin * (2 * p1 + theta + 1) + p1 + theta * p2;
		double d = -p1 * margin * (1 + margin);
		double a3 = 3 * a;
		double v = b * b * b / (a3 * a3 * a3) - b * c / (6 * a * a) + d / (2 * a);
		double radicand = Math.max(0.0, b * b / (a3 * a3) - c / a3);
		double u = ((v < 0) ? -1.0 : 1.0) * Math.sqrt(radicand);
		double cosine = (u == 0) ? 1.0 : Math.max(-1.0, Math.min(1.0, v / (u * u * u)));
		double w = (Math.PI + Math.acos(cosine)) / 3;
		double root = 2 * u * Math.cos(w) - b / a3;
		// Rounding can push the root a hair outside the parameter space.
		return Math.max(margin, Math.min(1.0, root));
	}

}
