package io.canarygateway.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.LaneFigures;
import io.canarygateway.core.Verdict;
import org.hipparchus.distribution.continuous.NormalDistribution;
import org.hipparchus.special.Beta;

/**
 * Compares the canary with stable over the current step's window and says pass, fail or
 * inconclusive. A pure function of its inputs: no clock, no randomness, no state between
 * calls.
 *
 * <h2>Rules</h2>
 * <ol>
 * <li><b>Enough data.</b> Fewer than {@code minRequests} canary requests: INCONCLUSIVE,
 * never PASS.</li>
 * <li><b>Ceilings</b> (point estimates, no test: a ceiling is an absolute service-level
 * limit the operator set, not a comparison, and it should trip as soon as the window
 * shows it broken): canary error rate above {@code maxErrorRate}, or canary p99 (the top
 * of its histogram bucket, so within the recorder's precision above the true value) above
 * {@code maxLatency}: FAIL. A canary whose true rate sits right at a ceiling fails about
 * every other look.</li>
 * <li><b>Error rate</b> (needs {@code minRequests} stable requests): one-sided
 * {@linkplain FarringtonManning Farrington–Manning score test} of H0: p_canary − p_stable
 * ≤ {@code errorRateTolerance}; significant when z exceeds the critical value Φ⁻¹(1 −
 * α_k) of this look, raised by a Cornish–Fisher term for the skewness of the score (Gart
 * and Nam). The score test estimates the variance under H0, which gives it power at the
 * small error rates a canary sees, where the Wald test has none (its variance is 0 when
 * no error was seen); the skewness correction keeps its size there, where the plain
 * normal approximation rejects up to a hundred times too often at the tiny α_k of late
 * looks (exact sizes in {@code FarringtonManningTest}).</li>
 * <li><b>Latency</b> (needs {@code minRequests} stable requests): H0: canary p99 ≤ stable
 * p99 × (1 + {@code latencyTolerance}). First a distribution-free upper confidence bound
 * of stable's p99: the stable latency at percentile min(100, 99 +
 * z_b·sqrt(0.99·0.01/n_s)·100) (the normal approximation of the binomial rank of the 99th
 * order statistic), with z_b = Φ⁻¹(1 − α_k/2). Times (1 + tolerance) this gives the
 * threshold T. Under H0 each canary request exceeds T with probability at most 0.01 (when
 * the bound holds), so the number X of canary requests above T is at most Binomial(n_c,
 * 0.01) and the p-value is P(Bin(n_c, 0.01) ≥ X); significant when p ≤ α_k/2. Half of the
 * look's α_k is spent on the bound and half on the exceedance test, so that a false alarm
 * needs one of two events of probability α_k/2 each. X counts only requests in histogram
 * buckets wholly above T, and the baseline is read as the top of its bucket: histogram
 * rounding only ever makes the test more conservative. Cost: two passes over the
 * histograms' counts arrays, no allocation.</li>
 * <li>With fewer than {@code minRequests} stable requests (e.g. at weight 100 stable gets
 * no traffic) the two relative tests are skipped and the verdict rests on the ceilings
 * alone: PASS if none is breached, INCONCLUSIVE if none is configured. Carrying an
 * earlier baseline forward is the caller's concern. Statistic {@code relative.skipped} is
 * 1 then, 0 otherwise.</li>
 * <li>FAIL if a test is significant or a ceiling is breached, else PASS.</li>
 * </ol>
 *
 * <h2>Repeated looks: alpha spending</h2> The judge looks again and again at a window
 * that grows through the step; testing each look at level α would make a false rollback
 * nearly certain over enough looks. The budget α = 1 − {@code confidence} is the
 * probability of failing a healthy canary <em>in one step</em> (the window resets each
 * step). It is split evenly over the two tests, α_test = α / 2, and spent over the looks
 * of the step with a two-part spending rule built around L = {@code looksPerStep}, the
 * number of looks a step normally gets (step-interval / interval): <pre>
 *   α_k = ¾ · α_test / (2L)                      for looks k = 1 … 2L   (a flat, Pocock-like part)
 *   α_k = ¼ · α_test / (j (j + 1)),  j = k − 2L   for later looks        (Σ_j 1/(j(j+1)) = 1)
 * </pre> so Σ_{k≥1} α_k = α_test exactly. The flat part gives every look of a normal step
 * the same, not vanishing, level — a broken canary is as likely to be caught at look 8 as
 * at look 2 — and the tail keeps the rule valid for an unbounded number of looks (a step
 * may last long beyond its step-interval while data is missing or a verdict failed). It
 * needs no assumption about the correlation between looks and no information-fraction
 * schedule. By the union bound, under H0 the probability that any look of either test in
 * a step is significant is at most α; over a rollout of S steps at most S·α, and far less
 * in practice: the bound ignores the strong correlation of looks at nested windows, and a
 * rollback needs {@code failureThreshold} failures in a row (simulated A/A: see the tests
 * and docs/analysis.md). This holds as far as each test keeps its level α_k, which both
 * do only approximately (normal approximations): the error-rate test thanks to its
 * skewness correction, the latency test by a wide margin. An earlier version split α over
 * the steps too and spent 6/(π²k²) per look; it was so conservative at later looks that a
 * 1 % → 5 % error jump at 100 canary requests per interval took up to 14 intervals to
 * catch. Ceilings are not part of this budget. Statistics {@code errorRate.alpha},
 * {@code latency.alpha} show the α_k spent, {@code errorRate.critical} the critical z.
 *
 * <h2>Cost</h2> Per call: four passes over the lanes' histogram counts arrays (p99 of
 * both lanes, the stable bound, the canary exceedances: a few thousand longs each at the
 * recorder's default precision), a few special functions (inverse normal, regularized
 * incomplete beta, one cubic root), and the small verdict (map, list, strings; about 2.5
 * KB). The histograms are read, never copied. About ten microseconds: a look per second
 * for 1,000 releases costs about 1 % of a core.
 */
public final class Judge {

	/** The tail fraction the latency test is about: p99. */
	static final double TAIL = 0.01;

	private final AnalysisConfig config;

	private final int looksPerStep;

	private final int minRequests;

	private final double alphaPerTest;

	private final NormalDistribution standardNormal = new NormalDistribution(0, 1);

	/**
	 * A judge for a release whose steps normally get {@code looksPerStep} looks.
	 * @param config the analysis settings
	 * @param looksPerStep looks a step normally gets (step-interval / interval, at least
	 * 1): the false-rollback budget is spent evenly over twice as many looks, then over a
	 * tail
	 */
	public Judge(AnalysisConfig config, int looksPerStep) {
		this.config = Objects.requireNonNull(config, "config must not be null");
		if (looksPerStep < 1) {
			throw new IllegalArgumentException("looksPerStep must be at least 1, was " + looksPerStep);
		}
		if (!(config.confidence() > 0 && config.confidence() < 1)) {
			throw new IllegalArgumentException(
					"analysis.confidence must be between 0 and 1 (exclusive), was " + config.confidence());
		}
		if (!(config.errorRateTolerance() >= 0 && config.errorRateTolerance() < 1)) {
			throw new IllegalArgumentException(
					"analysis.error-rate-tolerance must be in [0, 1), was " + config.errorRateTolerance());
		}
		if (!(config.latencyTolerance() >= 0) || Double.isInfinite(config.latencyTolerance())) {
			throw new IllegalArgumentException(
					"analysis.latency-tolerance must be 0 or more, was " + config.latencyTolerance());
		}
		this.looksPerStep = looksPerStep;
		// Without a single request there is nothing to judge, whatever min-requests says.
		this.minRequests = Math.max(1, config.minRequests());
		this.alphaPerTest = config.alpha() / 2.0;
	}

	/** The analysis settings this judge applies. */
	public AnalysisConfig config() {
		return this.config;
	}

	/**
	 * The looks a step normally gets; the flat part of the spending covers twice as many.
	 */
	public int looksPerStep() {
		return this.looksPerStep;
	}

	/**
	 * The significance level α_k one test may spend at look k of a step (see the class
	 * description).
	 * @param look the 1-based index of the look within the step
	 */
	public double alphaAtLook(int look) {
		if (look < 1) {
			throw new IllegalArgumentException("look must be at least 1, was " + look);
		}
		int flat = 2 * this.looksPerStep;
		if (look <= flat) {
			return 0.75 * this.alphaPerTest / flat;
		}
		double j = look - flat;
		return 0.25 * this.alphaPerTest / (j * (j + 1));
	}

	/**
	 * Judges the canary against stable.
	 * @param stable everything stable did since the current step began (or a carried
	 * baseline)
	 * @param canary everything the canary did since the current step began
	 * @param look the 1-based index of this look within the current step
	 * @param at when the judge looks (stamped on the verdict)
	 */
	public Verdict judge(LaneSample stable, LaneSample canary, int look, Instant at) {
		Objects.requireNonNull(stable, "stable must not be null");
		Objects.requireNonNull(canary, "canary must not be null");
		Objects.requireNonNull(at, "at must not be null");
		double alpha = alphaAtLook(look);
		LaneFigures stableFigures = stable.figures();
		LaneFigures canaryFigures = canary.figures();
		Map<String, Double> statistics = new HashMap<>(32);
		List<String> reasons = new ArrayList<>(4);
		statistics.put("look", (double) look);
		statistics.put("minRequests", (double) this.minRequests);

		if (canary.requests() < this.minRequests) {
			reasons.add(String.format(Locale.ROOT, "canary has %d requests, at least %d needed before a verdict",
					canary.requests(), this.minRequests));
			return new Verdict(Verdict.Result.INCONCLUSIVE, at, stableFigures, canaryFigures, statistics, reasons);
		}

		boolean failed = checkCeilings(canaryFigures, statistics, reasons);
		boolean relative = stable.requests() >= this.minRequests;
		statistics.put("relative.skipped", relative ? 0.0 : 1.0);
		if (relative) {
			failed |= testErrorRate(stable, canary, alpha, statistics, reasons);
			failed |= testLatency(stable, canary, stableFigures, canaryFigures, alpha, statistics, reasons);
		}
		else {
			String skipped = String.format(Locale.ROOT,
					"stable has %d requests, fewer than the %d needed to compare with: relative tests skipped",
					stable.requests(), this.minRequests);
			if (failed) {
				reasons.add(skipped);
			}
			else if (this.config.maxErrorRate() == null && this.config.maxLatency() == null) {
				reasons.add(skipped + " and no ceiling is configured");
				return new Verdict(Verdict.Result.INCONCLUSIVE, at, stableFigures, canaryFigures, statistics, reasons);
			}
		}
		Verdict.Result result = failed ? Verdict.Result.FAIL : Verdict.Result.PASS;
		return new Verdict(result, at, stableFigures, canaryFigures, statistics, failed ? reasons : List.of());
	}

	private boolean checkCeilings(LaneFigures canary, Map<String, Double> statistics, List<String> reasons) {
		boolean failed = false;
		Double maxErrorRate = this.config.maxErrorRate();
		if (maxErrorRate != null) {
			statistics.put("errorRate.ceiling", maxErrorRate);
			if (canary.errorRate() > maxErrorRate) {
				reasons.add(String.format(Locale.ROOT, "canary error rate %.3f exceeds the ceiling %.3f",
						canary.errorRate(), maxErrorRate));
				failed = true;
			}
		}
		Duration maxLatency = this.config.maxLatency();
		if (maxLatency != null) {
			double ceilingMs = maxLatency.toNanos() / 1e6;
			statistics.put("latency.ceiling", ceilingMs);
			if (canary.p99Ms() > ceilingMs) {
				reasons.add(String.format(Locale.ROOT, "canary p99 %.1f ms exceeds the ceiling %.1f ms", canary.p99Ms(),
						ceilingMs));
				failed = true;
			}
		}
		return failed;
	}

	private boolean testErrorRate(LaneSample stable, LaneSample canary, double alpha, Map<String, Double> statistics,
			List<String> reasons) {
		double margin = this.config.errorRateTolerance();
		long x1 = canary.errors();
		long n1 = canary.requests();
		long x2 = stable.errors();
		long n2 = stable.requests();
		double z = FarringtonManning.z(x1, n1, x2, n2, margin);
		double normalCritical = criticalZ(alpha);
		double skewness = FarringtonManning.skewness(x1, n1, x2, n2, margin);
		double critical = FarringtonManning.criticalValue(normalCritical, skewness);
		statistics.put("errorRate.z", z);
		statistics.put("errorRate.critical", critical);
		statistics.put("errorRate.normalCritical", normalCritical);
		statistics.put("errorRate.skewness", skewness);
		statistics.put("errorRate.alpha", alpha);
		statistics.put("errorRate.difference", canary.errorRate() - stable.errorRate());
		statistics.put("errorRate.tolerance", margin);
		if (z > critical) {
			reasons.add(String.format(Locale.ROOT,
					"canary error rate %.3f exceeds stable %.3f by more than %.3f (z=%.1f > %.1f)", canary.errorRate(),
					stable.errorRate(), margin, z, critical));
			return true;
		}
		return false;
	}

	private boolean testLatency(LaneSample stable, LaneSample canary, LaneFigures stableFigures,
			LaneFigures canaryFigures, double alpha, Map<String, Double> statistics, List<String> reasons) {
		double tolerance = this.config.latencyTolerance();
		double halfAlpha = alpha / 2;
		double baselineZ = criticalZ(halfAlpha);
		double percentile = Math.min(100.0,
				100.0 * (1 - TAIL) + baselineZ * Math.sqrt((1 - TAIL) * TAIL / stable.requests()) * 100.0);
		long baselineMicros = stable.valueAtPercentileMicros(percentile);
		double thresholdMicros = baselineMicros * (1 + tolerance);
		// Whole microseconds at or below the threshold; countAboveMicros then skips T's
		// own bucket too.
		long exceedances = canary.countAboveMicros((long) Math.floor(thresholdMicros));
		long n = canary.requests();
		double pValue = binomialUpperTail(exceedances, n, TAIL);
		statistics.put("latency.baselineZ", baselineZ);
		statistics.put("latency.baselinePercentile", percentile);
		statistics.put("latency.baselineMs", baselineMicros / 1e3);
		statistics.put("latency.threshold", thresholdMicros / 1e3);
		statistics.put("latency.exceedances", (double) exceedances);
		statistics.put("latency.expectedExceedances", n * TAIL);
		statistics.put("latency.pValue", pValue);
		statistics.put("latency.critical", halfAlpha);
		statistics.put("latency.alpha", alpha);
		statistics.put("latency.tolerance", tolerance);
		if (pValue <= halfAlpha) {
			reasons.add(String.format(Locale.ROOT,
					"canary p99 %.1f ms exceeds stable p99 %.1f ms by more than %.0f %% "
							+ "(%d of %d canary requests above %.1f ms, at most %.1f expected; p=%.2g <= %.2g)",
					canaryFigures.p99Ms(), stableFigures.p99Ms(), tolerance * 100, exceedances, n,
					thresholdMicros / 1e3, n * TAIL, pValue, halfAlpha));
			return true;
		}
		return false;
	}

	private double criticalZ(double alpha) {
		return this.standardNormal.inverseCumulativeProbability(1 - alpha);
	}

	/**
	 * P(Bin(n, p) ≥ x), computed as the regularized incomplete beta function I_p(x, n − x
	 * + 1) (the identity Hipparchus' {@code BinomialDistribution.cumulativeProbability}
	 * rests on), which keeps its relative precision for tiny tails where
	 * {@code 1 − cdf(x − 1)} would round to 0, and is not limited to {@code int} trial
	 * counts.
	 */
	static double binomialUpperTail(long x, long n, double p) {
		if (x <= 0) {
			return 1.0;
		}
		if (x > n) {
			return 0.0;
		}
		return Beta.regularizedBeta(p, x, n - x + 1.0);
	}

	@Override
	public String toString() {
		return "Judge[looksPerStep=" + this.looksPerStep + ", " + this.config + "]";
	}

}
