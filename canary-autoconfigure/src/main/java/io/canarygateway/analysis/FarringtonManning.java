package io.canarygateway.analysis;

/**
 * The restricted maximum-likelihood rates of the Farrington–Manning score for a
 * difference of two binomial proportions against a non-zero margin, H0: p1 − p2 ≤ δ
 * (group 1 the canary, group 2 stable, δ the tolerated excess error rate): the estimate
 * (p̃1, p̃2 = p̃1 − δ) maximising the likelihood on the null boundary p1 − p2 = δ. The
 * {@link Judge} computes the variance of its stratified score at these rates: estimated
 * where the rates are δ apart, the variance is not 0 when no error was seen, which gives
 * the test power at the small error rates a canary sees.
 *
 * <p>
 * Setting the derivative of the restricted log-likelihood to zero gives the cubic a·p̃1³
 * + b·p̃1² + c·p̃1 + d = 0 with θ = n2/n1 and <pre>
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
 * analysis of two rates", Statistics in Medicine 4 (1985) 213–226.
 * {@code FarringtonManningTest} checks the closed form against a numerical maximisation
 * of the restricted likelihood.
 *
 * <p>
 * Cost: a handful of floating-point operations, one {@code acos}, one {@code cos}; no
 * allocation.
 */
final class FarringtonManning {

	private FarringtonManning() {
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
