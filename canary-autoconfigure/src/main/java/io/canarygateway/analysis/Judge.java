package io.canarygateway.analysis;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.LaneFigures;
import io.canarygateway.core.Verdict;
import org.hipparchus.special.Erf;

/**
 * Compares the canary with stable and says pass, fail or inconclusive, on evidence that
 * accumulates over the whole rollout. A pure function of its inputs: the rollout's
 * {@link Evidence} so far and one look's new data in, the verdict and the updated
 * evidence out; no clock, no randomness, no state between calls.
 *
 * <h2>One false-rollback budget per rollout</h2> Each test is an <em>e-process</em>: a
 * product, over the looks of the rollout, of per-look factors whose expectation given the
 * past is at most 1 when the canary is within the tolerance (a nonnegative
 * supermartingale starting at 1). By Ville's inequality such a process ever reaches 1/a
 * with probability at most a — however many looks, at whatever cadence, across steps,
 * pauses and resumes. The budget α = 1 − {@code confidence} is split: α/2 for the error
 * rate and α/2 for latency; within each, a quarter goes to its ceiling when one is
 * configured. A test fails when its e-process reaches 1 / (its share of α). By the union
 * bound, P(false rollback of a canary within tolerance) ≤ 1 − confidence per rollout
 * (docs/analysis.md, "The guarantee", states the conditions).
 *
 * <h2>Rules</h2>
 * <ol>
 * <li><b>Latency</b> (H0: the canary's latencies divided by 1 + {@code latencyTolerance}
 * are stochastically no larger than stable's). On each look's new requests, for q = 1 %,
 * 10 % and 50 %, the number X of canary requests among the K = ⌈q·N⌉ slowest of both
 * lanes ({@link TailCount}), exactly Hypergeometric(N, n_c, K) at the null boundary. Per
 * look and per (q, ψ) the factor ψ^X / E[ψ^X]; the e-process is the average over the 15
 * (q, ψ) pairs (ψ = 1.5, 2, 3, 5, 8) of their products over the looks. Exact at every
 * sample size; histogram buckets only make it conservative.</li>
 * <li><b>Error rate</b> (H0: p_canary − p_stable ≤ {@code errorRateTolerance} = δ in
 * every look). The Farrington–Manning score stratified over the looks (Mantel–Haenszel
 * weights w = n_c·n_s/N): S = Σ w·(p̂_c − p̂_s − δ), variance V = Σ w²·(p̃_c(1 −
 * p̃_c)/n_c + p̃_s(1 − p̃_s)/n_s) with p̃ the {@linkplain FarringtonManning restricted
 * maximum-likelihood rates} of the rollout's data, and the one-sided normal-mixture
 * e-process M(ρ) = 2·√(ρ/(V + ρ))·exp(S²/(2(V + ρ)))·Φ(S/√(V + ρ)), averaged over ρ and
 * ρ/{@value #EARLY_TUNING}. ρ is fixed at the first look, from its request counts alone,
 * to the information the rollout's steps below 100 % are expected to bring at a stable
 * error rate of {@value #TUNING_RATE}; ρ/{@value #EARLY_TUNING} keeps the test sharp when
 * far fewer requests come than the first look promised. Valid as far as the normal
 * approximation of the score holds (asymptotically exact); a fail also needs at least
 * {@value #MIN_CANARY_ERRORS} canary errors in the rollout.</li>
 * <li><b>Ceilings</b> (H0: the canary's error rate ≤ {@code maxErrorRate}; at most 1 % of
 * its requests above {@code maxLatency}): per look the exact binomial likelihood ratio
 * ψ^Y / (1 − c + c·ψ)^n of the Y canary errors (or requests certainly slower than the
 * ceiling) among its n new requests, averaged over ψ; exact at every sample size.</li>
 * <li><b>Stable's side.</b> Each look's relative tests need stable requests of the same
 * look. At 100 % (no stable traffic) the caller passes one interval of the last step that
 * had stable traffic (each used once, so the looks stay independent) and marks it
 * {@code carried}; that comparison assumes stable did not change since (the drift caveat
 * of docs/analysis.md). Without either, the look adds no relative evidence
 * ({@code relative.skipped} = 1).</li>
 * <li><b>Verdict.</b> FAIL when any e-process has reached its threshold. Otherwise
 * INCONCLUSIVE when the step's window has fewer than {@code minRequests} canary requests,
 * or when no relative evidence was possible and no ceiling is configured; else PASS.</li>
 * </ol>
 *
 * <h2>Cost</h2> Per look: one pass over each lane's recorded histogram buckets, K + 1
 * terms of a hypergeometric distribution for each of 3 K (so O(N) at worst), a few
 * special functions, and the small verdict. The histograms are read, never copied.
 */
public final class Judge {

	/** The tail fractions q of the latency counts. */
	static final double[] TAILS = { 0.01, 0.10, 0.50 };

	/** The bets ψ of the e-values (odds ratios the mixtures spread over). */
	static final double[] PSI = { 1.5, 2, 3, 5, 8 };

	/** Canary errors in the rollout an error-rate fail needs. */
	static final int MIN_CANARY_ERRORS = 5;

	/** The stable error rate the error-rate e-process is tuned for. */
	static final double TUNING_RATE = 0.01;

	/**
	 * The error-rate e-process also bets on a rollout with this many times less
	 * information than planned.
	 */
	static final double EARLY_TUNING = 100;

	/** Share of a metric's budget that goes to its ceiling, when one is configured. */
	static final double CEILING_SHARE = 0.25;

	/** The tail fraction the latency ceiling is about: p99. */
	static final double CEILING_TAIL = 0.01;

	/** A latency ceiling at or above this (one hour) cannot be exceeded: off. */
	static final Duration LATENCY_CEILING_OFF = Duration
		.ofMillis(LaneRecorder.DEFAULT_HIGHEST_TRACKABLE_MICROS / 1_000);

	private static final double[] LOG_PSI = Arrays.stream(PSI).map(Math::log).toArray();

	private final AnalysisConfig config;

	private final double plannedInformation;

	private final int minRequests;

	private final Double errorCeiling;

	private final Long latencyCeilingMicros;

	private final double errorRateAlpha;

	private final double latencyAlpha;

	private final double errorCeilingAlpha;

	private final double latencyCeilingAlpha;

	/**
	 * A judge for a release.
	 * @param config the analysis settings
	 * @param plannedInformation Σ over the looks a rollout is expected to have below 100
	 * % of share·(1 − share), the canary's share of each look's requests (e.g. 6 looks at
	 * each of 5, 10, 25, 50 %: 6·(0.0475 + 0.09 + 0.1875 + 0.25) = 3.45): what the
	 * error-rate e-process is tuned to
	 */
	public Judge(AnalysisConfig config, double plannedInformation) {
		this.config = Objects.requireNonNull(config, "config must not be null");
		if (!(plannedInformation > 0) || Double.isInfinite(plannedInformation)) {
			throw new IllegalArgumentException("plannedInformation must be positive, was " + plannedInformation);
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
		this.plannedInformation = plannedInformation;
		// Without a single request there is nothing to judge, whatever min-requests says.
		this.minRequests = Math.max(1, config.minRequests());
		this.errorCeiling = (config.maxErrorRate() != null && config.maxErrorRate() < 1) ? config.maxErrorRate() : null;
		this.latencyCeilingMicros = (config.maxLatency() != null
				&& config.maxLatency().compareTo(LATENCY_CEILING_OFF) < 0) ? config.maxLatency().toNanos() / 1_000
						: null;
		double perMetric = config.alpha() / 2;
		this.errorCeilingAlpha = (this.errorCeiling != null) ? CEILING_SHARE * perMetric : 0;
		this.errorRateAlpha = perMetric - this.errorCeilingAlpha;
		this.latencyCeilingAlpha = (this.latencyCeilingMicros != null) ? CEILING_SHARE * perMetric : 0;
		this.latencyAlpha = perMetric - this.latencyCeilingAlpha;
	}

	/**
	 * The planned information of a rollout through {@code steps} (weights in percent)
	 * with {@code looksPerStep} looks each: Σ over the steps below 100 of looksPerStep ·
	 * w(1 − w), w = weight / 100; looksPerStep · 0.25 when no step is below 100.
	 */
	public static double plannedInformation(List<Integer> steps, int looksPerStep) {
		double sum = 0;
		for (int weight : steps) {
			if (weight > 0 && weight < 100) {
				double w = weight / 100.0;
				sum += w * (1 - w);
			}
		}
		return Math.max(1, looksPerStep) * ((sum > 0) ? sum : 0.25);
	}

	/** The analysis settings this judge applies. */
	public AnalysisConfig config() {
		return this.config;
	}

	/**
	 * The share of the rollout's false-rollback budget each test spends
	 * (docs/analysis.md, "The guarantee"): keys {@code errorRate}, {@code latency},
	 * {@code errorRate.ceiling}, {@code latency.ceiling}; a test that is off spends 0. A
	 * test fails when its e-process reaches 1 / its share.
	 */
	public Map<String, Double> budget() {
		return Map.of("errorRate", this.errorRateAlpha, "latency", this.latencyAlpha, "errorRate.ceiling",
				this.errorCeilingAlpha, "latency.ceiling", this.latencyCeilingAlpha);
	}

	/**
	 * Judges one look.
	 * @param evidence the rollout's evidence before this look ({@link Evidence#NONE} at
	 * its first)
	 * @param stable stable's requests new since the previous look (or, when
	 * {@code carried}, one interval of the last step with stable traffic)
	 * @param canary the canary's requests new since the previous look
	 * @param carried whether {@code stable} is an earlier step's interval carried to a
	 * step without stable traffic
	 * @param stableWindow everything stable did in the current step (shown as evidence)
	 * @param canaryWindow everything the canary did in the current step (shown, and
	 * counted against {@code minRequests})
	 * @param look the 1-based index of this look within the current step
	 * @param at when the judge looks (stamped on the verdict)
	 * @return the verdict and the rollout's evidence after this look
	 */
	public Judgement judge(Evidence evidence, LaneSample stable, LaneSample canary, boolean carried,
			LaneSample stableWindow, LaneSample canaryWindow, int look, Instant at) {
		Objects.requireNonNull(evidence, "evidence must not be null");
		Objects.requireNonNull(stable, "stable must not be null");
		Objects.requireNonNull(canary, "canary must not be null");
		Objects.requireNonNull(stableWindow, "stableWindow must not be null");
		Objects.requireNonNull(canaryWindow, "canaryWindow must not be null");
		Objects.requireNonNull(at, "at must not be null");
		boolean relative = stable.requests() > 0 && canary.requests() > 0;
		Evidence next = evidence.plusLook();
		if (relative) {
			next = updateErrorRate(next, stable, canary);
			next = updateLatency(next, stable, canary);
		}
		next = updateCeilings(next, canary);

		LaneFigures stableFigures = (carried ? stable : stableWindow).figures();
		LaneFigures canaryFigures = canaryWindow.figures();
		Map<String, Double> statistics = new HashMap<>(48);
		List<String> reasons = new ArrayList<>(4);
		statistics.put("look", (double) look);
		statistics.put("rollout.looks", (double) next.looks);
		statistics.put("minRequests", (double) this.minRequests);
		statistics.put("relative.skipped", relative ? 0.0 : 1.0);
		statistics.put("baseline.carried", (relative && carried) ? 1.0 : 0.0);
		boolean failed = reportErrorRate(next, statistics, reasons);
		failed |= reportLatency(next, stable, canary, relative, statistics, reasons);
		failed |= reportCeilings(next, statistics, reasons);
		if (failed) {
			return new Judgement(
					new Verdict(Verdict.Result.FAIL, at, stableFigures, canaryFigures, statistics, reasons), next);
		}
		reasons.clear();
		if (canaryWindow.requests() < this.minRequests) {
			reasons.add(String.format(Locale.ROOT, "canary has %d requests, at least %d needed before a verdict",
					canaryWindow.requests(), this.minRequests));
			return new Judgement(
					new Verdict(Verdict.Result.INCONCLUSIVE, at, stableFigures, canaryFigures, statistics, reasons),
					next);
		}
		if (!relative && this.errorCeiling == null && this.latencyCeilingMicros == null) {
			reasons.add(String.format(Locale.ROOT,
					"stable has no requests to compare with (%d in the step) and no ceiling is configured",
					stableWindow.requests()));
			return new Judgement(
					new Verdict(Verdict.Result.INCONCLUSIVE, at, stableFigures, canaryFigures, statistics, reasons),
					next);
		}
		return new Judgement(new Verdict(Verdict.Result.PASS, at, stableFigures, canaryFigures, statistics, List.of()),
				next);
	}

	private Evidence updateErrorRate(Evidence evidence, LaneSample stable, LaneSample canary) {
		double nc = canary.requests();
		double ns = stable.requests();
		double w = nc * ns / (nc + ns);
		double score = w * (canary.errorRate() - stable.errorRate() - this.config.errorRateTolerance());
		Evidence next = evidence.withErrorRate(evidence.score + score, evidence.canaryWeight + w * w / nc,
				evidence.stableWeight + w * w / ns, evidence.canaryErrors + canary.errors(),
				evidence.canaryRequests + canary.requests(), evidence.stableErrors + stable.errors(),
				evidence.stableRequests + stable.requests(), evidence.rho);
		if (next.rho == 0) {
			// tuned on the counts of the first look alone (not on its errors), for a
			// stable error rate of about 1 %
			double proxyStable = TUNING_RATE;
			double proxyCanary = TUNING_RATE + this.config.errorRateTolerance();
			double variance = proxyCanary * (1 - proxyCanary) * w * w / nc
					+ proxyStable * (1 - proxyStable) * w * w / ns;
			double share = nc / (nc + ns);
			double optimal = variance * Math.max(1, this.plannedInformation / (share * (1 - share)));
			double bet = 2 * Math.log(1 / (2 * this.errorRateAlpha));
			next = next.withErrorRate(next.score, next.canaryWeight, next.stableWeight, next.canaryErrors,
					next.canaryRequests, next.stableErrors, next.stableRequests, optimal / (bet + Math.log(1 + bet)));
		}
		return next;
	}

	private Evidence updateLatency(Evidence evidence, LaneSample stable, LaneSample canary) {
		long pooled = stable.requests() + canary.requests();
		long[] k = new long[TAILS.length];
		for (int i = 0; i < TAILS.length; i++) {
			k[i] = Math.max(1, (long) Math.ceil(TAILS[i] * pooled));
		}
		long[] slowest = TailCount.slowestCanary(stable, canary, this.config.latencyTolerance(), k);
		double[] logs = evidence.latency.clone();
		for (int i = 0; i < TAILS.length; i++) {
			double[] logPgf = TailCount.logPgf(pooled, canary.requests(), k[i], LOG_PSI);
			for (int j = 0; j < PSI.length; j++) {
				logs[i * PSI.length + j] += slowest[i] * LOG_PSI[j] - logPgf[j];
			}
		}
		return evidence.withLatency(logs, slowest);
	}

	private Evidence updateCeilings(Evidence evidence, LaneSample canary) {
		if (canary.requests() == 0) {
			return evidence;
		}
		double[] errors = evidence.errorCeiling;
		double[] latency = evidence.latencyCeiling;
		if (this.errorCeiling != null) {
			errors = binomialLogs(errors, canary.errors(), canary.requests(), this.errorCeiling);
		}
		if (this.latencyCeilingMicros != null) {
			latency = binomialLogs(latency, canary.countAboveMicros(this.latencyCeilingMicros), canary.requests(),
					CEILING_TAIL);
		}
		return evidence.withCeilings(errors, latency).countCeiling(canary.errors(), canary.requests());
	}

	/** Adds the binomial likelihood-ratio factors ψ^y / (1 − p + p·ψ)^n, in logs. */
	private static double[] binomialLogs(double[] logs, long y, long n, double p) {
		double[] next = logs.clone();
		for (int j = 0; j < PSI.length; j++) {
			next[j] += y * LOG_PSI[j] - n * Math.log1p(p * (PSI[j] - 1));
		}
		return next;
	}

	private boolean reportErrorRate(Evidence evidence, Map<String, Double> statistics, List<String> reasons) {
		double margin = this.config.errorRateTolerance();
		double variance = evidence.variance(margin);
		double logE = evidence.errorRateLogE(variance);
		double threshold = 1 / this.errorRateAlpha;
		statistics.put("errorRate.eValue", Math.exp(logE));
		statistics.put("errorRate.threshold", threshold);
		statistics.put("errorRate.z", (variance > 0) ? evidence.score / Math.sqrt(variance) : 0.0);
		statistics.put("errorRate.canary", evidence.canaryRate());
		statistics.put("errorRate.stable", evidence.stableRate());
		statistics.put("errorRate.canaryErrors", (double) evidence.canaryErrors);
		statistics.put("errorRate.tolerance", margin);
		if (logE >= Math.log(threshold) && evidence.canaryErrors >= MIN_CANARY_ERRORS) {
			reasons.add(String.format(Locale.ROOT,
					"canary error rate %.4f exceeds stable %.4f by more than %.3f (e-value %.3g >= %.3g, "
							+ "%d canary errors in %d requests over the rollout)",
					evidence.canaryRate(), evidence.stableRate(), margin, Math.exp(logE), threshold,
					evidence.canaryErrors, evidence.canaryRequests));
			return true;
		}
		return false;
	}

	private boolean reportLatency(Evidence evidence, LaneSample stable, LaneSample canary, boolean relative,
			Map<String, Double> statistics, List<String> reasons) {
		double tolerance = this.config.latencyTolerance();
		double logE = mixture(evidence.latency);
		double threshold = 1 / this.latencyAlpha;
		statistics.put("latency.eValue", Math.exp(logE));
		statistics.put("latency.threshold", threshold);
		statistics.put("latency.tolerance", tolerance);
		long pooled = stable.requests() + canary.requests();
		for (int i = 0; i < TAILS.length; i++) {
			String name = "latency.slowest" + Math.round(TAILS[i] * 100);
			long k = Math.max(1, (long) Math.ceil(TAILS[i] * pooled));
			statistics.put(name + ".canary", relative ? (double) evidence.slowest[i] : 0.0);
			statistics.put(name + ".expected", relative ? (double) k * canary.requests() / pooled : 0.0);
		}
		if (logE >= Math.log(threshold)) {
			reasons.add(String.format(Locale.ROOT,
					"canary latency divided by %.2f is slower than stable's (e-value %.3g >= %.3g; "
							+ "last look: %d of the slowest 1 %% were canary requests, %.1f expected)",
					1 + tolerance, Math.exp(logE), threshold, evidence.slowest[0],
					statistics.get("latency.slowest1.expected")));
			return true;
		}
		return false;
	}

	private boolean reportCeilings(Evidence evidence, Map<String, Double> statistics, List<String> reasons) {
		boolean failed = false;
		if (this.errorCeiling != null) {
			double logE = mixture(evidence.errorCeiling);
			double threshold = 1 / this.errorCeilingAlpha;
			statistics.put("errorRate.ceiling", this.errorCeiling);
			statistics.put("errorRate.ceiling.eValue", Math.exp(logE));
			statistics.put("errorRate.ceiling.threshold", threshold);
			if (logE >= Math.log(threshold)) {
				reasons.add(String.format(Locale.ROOT,
						"canary error rate %.4f is above the ceiling %.3f (e-value %.3g >= %.3g, %d errors in %d "
								+ "requests over the rollout)",
						evidence.ceilingRate(), this.errorCeiling, Math.exp(logE), threshold, evidence.ceilingErrors,
						evidence.ceilingRequests));
				failed = true;
			}
		}
		if (this.latencyCeilingMicros != null) {
			double logE = mixture(evidence.latencyCeiling);
			double threshold = 1 / this.latencyCeilingAlpha;
			double ceilingMs = this.latencyCeilingMicros / 1e3;
			statistics.put("latency.ceiling", ceilingMs);
			statistics.put("latency.ceiling.eValue", Math.exp(logE));
			statistics.put("latency.ceiling.threshold", threshold);
			if (logE >= Math.log(threshold)) {
				reasons.add(String.format(Locale.ROOT,
						"canary p99 is above the ceiling %.1f ms: more than 1 %% of canary requests slower "
								+ "(e-value %.3g >= %.3g)",
						ceilingMs, Math.exp(logE), threshold));
				failed = true;
			}
		}
		return failed;
	}

	/** log of the average of exp(logs[i]). */
	static double mixture(double[] logs) {
		double max = Double.NEGATIVE_INFINITY;
		for (double log : logs) {
			max = Math.max(max, log);
		}
		if (max == Double.NEGATIVE_INFINITY) {
			return max;
		}
		double sum = 0;
		for (double log : logs) {
			sum += Math.exp(log - max);
		}
		return max + Math.log(sum / logs.length);
	}

	@Override
	public String toString() {
		return "Judge[plannedInformation=" + this.plannedInformation + ", " + this.config + "]";
	}

	/**
	 * One look's verdict and the rollout's evidence after it.
	 *
	 * @param verdict the verdict
	 * @param evidence the evidence to pass to the next look of the same rollout
	 */
	public record Judgement(Verdict verdict, Evidence evidence) {
	}

	/**
	 * What the looks of one rollout have shown so far: the running state of the
	 * e-processes. Immutable; {@link #NONE} before the first look.
	 */
	public static final class Evidence {

		/** No look yet. */
		public static final Evidence NONE = new Evidence(0, 0, 0, 0, 0, 0, 0, 0, 0,
				new double[TAILS.length * PSI.length], new long[TAILS.length], new double[PSI.length],
				new double[PSI.length], 0, 0);

		final int looks;

		final double score;

		final double canaryWeight;

		final double stableWeight;

		final long canaryErrors;

		final long canaryRequests;

		final long stableErrors;

		final long stableRequests;

		final double rho;

		final double[] latency;

		final long[] slowest;

		final double[] errorCeiling;

		final double[] latencyCeiling;

		final long ceilingErrors;

		final long ceilingRequests;

		private Evidence(int looks, double score, double canaryWeight, double stableWeight, long canaryErrors,
				long canaryRequests, long stableErrors, long stableRequests, double rho, double[] latency,
				long[] slowest, double[] errorCeiling, double[] latencyCeiling, long ceilingErrors,
				long ceilingRequests) {
			this.looks = looks;
			this.score = score;
			this.canaryWeight = canaryWeight;
			this.stableWeight = stableWeight;
			this.canaryErrors = canaryErrors;
			this.canaryRequests = canaryRequests;
			this.stableErrors = stableErrors;
			this.stableRequests = stableRequests;
			this.rho = rho;
			this.latency = latency;
			this.slowest = slowest;
			this.errorCeiling = errorCeiling;
			this.latencyCeiling = latencyCeiling;
			this.ceilingErrors = ceilingErrors;
			this.ceilingRequests = ceilingRequests;
		}

		/** Looks judged in the rollout. */
		public int looks() {
			return this.looks;
		}

		/**
		 * This evidence as bytes (a ledger shared by gateways, {@link Ledger#toBytes()}):
		 * the counts, the running sums and the e-processes' logs, each array with its
		 * length. Read back with {@link #fromBytes}.
		 */
		byte[] toBytes() {
			int arrays = this.latency.length + this.slowest.length + this.errorCeiling.length
					+ this.latencyCeiling.length;
			ByteBuffer out = ByteBuffer
				.allocate(Integer.BYTES + 4 * Double.BYTES + 6 * Long.BYTES + 4 * Integer.BYTES + arrays * Long.BYTES);
			out.putInt(this.looks)
				.putDouble(this.score)
				.putDouble(this.canaryWeight)
				.putDouble(this.stableWeight)
				.putLong(this.canaryErrors)
				.putLong(this.canaryRequests)
				.putLong(this.stableErrors)
				.putLong(this.stableRequests)
				.putDouble(this.rho)
				.putLong(this.ceilingErrors)
				.putLong(this.ceilingRequests);
			putDoubles(out, this.latency);
			out.putInt(this.slowest.length);
			for (long value : this.slowest) {
				out.putLong(value);
			}
			putDoubles(out, this.errorCeiling);
			putDoubles(out, this.latencyCeiling);
			return out.array();
		}

		/**
		 * Reads evidence written by {@link #toBytes()}.
		 * @throws IllegalArgumentException if the bytes are not such evidence (e.g.
		 * written by a version with other tests)
		 */
		static Evidence fromBytes(byte[] bytes) {
			try {
				ByteBuffer in = ByteBuffer.wrap(bytes);
				int looks = in.getInt();
				double score = in.getDouble();
				double canaryWeight = in.getDouble();
				double stableWeight = in.getDouble();
				long canaryErrors = in.getLong();
				long canaryRequests = in.getLong();
				long stableErrors = in.getLong();
				long stableRequests = in.getLong();
				double rho = in.getDouble();
				long ceilingErrors = in.getLong();
				long ceilingRequests = in.getLong();
				double[] latency = getDoubles(in, NONE.latency.length);
				int slowestLength = in.getInt();
				if (slowestLength != NONE.slowest.length) {
					throw new IllegalArgumentException(
							"evidence with " + slowestLength + " tail counts, expected " + NONE.slowest.length);
				}
				long[] slowest = new long[slowestLength];
				for (int i = 0; i < slowestLength; i++) {
					slowest[i] = in.getLong();
				}
				double[] errorCeiling = getDoubles(in, PSI.length);
				double[] latencyCeiling = getDoubles(in, PSI.length);
				if (in.hasRemaining() || looks < 0) {
					throw new IllegalArgumentException("corrupt evidence");
				}
				return new Evidence(looks, score, canaryWeight, stableWeight, canaryErrors, canaryRequests,
						stableErrors, stableRequests, rho, latency, slowest, errorCeiling, latencyCeiling,
						ceilingErrors, ceilingRequests);
			}
			catch (BufferUnderflowException ex) {
				throw new IllegalArgumentException("corrupt evidence: " + ex, ex);
			}
		}

		private static void putDoubles(ByteBuffer out, double[] values) {
			out.putInt(values.length);
			for (double value : values) {
				out.putDouble(value);
			}
		}

		private static double[] getDoubles(ByteBuffer in, int expected) {
			int length = in.getInt();
			if (length != expected) {
				throw new IllegalArgumentException(
						"evidence with " + length + " values where " + expected + " were expected");
			}
			double[] values = new double[length];
			for (int i = 0; i < length; i++) {
				values[i] = in.getDouble();
			}
			return values;
		}

		@Override
		public boolean equals(Object other) {
			return (other instanceof Evidence that) && Arrays.equals(toBytes(), that.toBytes());
		}

		@Override
		public int hashCode() {
			return Arrays.hashCode(toBytes());
		}

		Evidence plusLook() {
			return new Evidence(this.looks + 1, this.score, this.canaryWeight, this.stableWeight, this.canaryErrors,
					this.canaryRequests, this.stableErrors, this.stableRequests, this.rho, this.latency,
					new long[TAILS.length], this.errorCeiling, this.latencyCeiling, this.ceilingErrors,
					this.ceilingRequests);
		}

		Evidence withErrorRate(double score, double canaryWeight, double stableWeight, long canaryErrors,
				long canaryRequests, long stableErrors, long stableRequests, double rho) {
			return new Evidence(this.looks, score, canaryWeight, stableWeight, canaryErrors, canaryRequests,
					stableErrors, stableRequests, rho, this.latency, this.slowest, this.errorCeiling,
					this.latencyCeiling, this.ceilingErrors, this.ceilingRequests);
		}

		Evidence withLatency(double[] latency, long[] slowest) {
			return new Evidence(this.looks, this.score, this.canaryWeight, this.stableWeight, this.canaryErrors,
					this.canaryRequests, this.stableErrors, this.stableRequests, this.rho, latency, slowest,
					this.errorCeiling, this.latencyCeiling, this.ceilingErrors, this.ceilingRequests);
		}

		Evidence withCeilings(double[] errorCeiling, double[] latencyCeiling) {
			return new Evidence(this.looks, this.score, this.canaryWeight, this.stableWeight, this.canaryErrors,
					this.canaryRequests, this.stableErrors, this.stableRequests, this.rho, this.latency, this.slowest,
					errorCeiling, latencyCeiling, this.ceilingErrors, this.ceilingRequests);
		}

		Evidence countCeiling(long errors, long requests) {
			return new Evidence(this.looks, this.score, this.canaryWeight, this.stableWeight, this.canaryErrors,
					this.canaryRequests, this.stableErrors, this.stableRequests, this.rho, this.latency, this.slowest,
					this.errorCeiling, this.latencyCeiling, this.ceilingErrors + errors,
					this.ceilingRequests + requests);
		}

		double canaryRate() {
			return (this.canaryRequests == 0) ? 0.0 : (double) this.canaryErrors / this.canaryRequests;
		}

		double stableRate() {
			return (this.stableRequests == 0) ? 0.0 : (double) this.stableErrors / this.stableRequests;
		}

		double ceilingRate() {
			return (this.ceilingRequests == 0) ? 0.0 : (double) this.ceilingErrors / this.ceilingRequests;
		}

		/**
		 * V: the score's variance at the restricted maximum-likelihood rates of the
		 * rollout's data.
		 */
		double variance(double margin) {
			if (this.canaryRequests == 0 || this.stableRequests == 0) {
				return 0;
			}
			double canary = FarringtonManning.restrictedRate1(this.canaryErrors, this.canaryRequests, this.stableErrors,
					this.stableRequests, margin);
			double stable = canary - margin;
			return canary * (1 - canary) * this.canaryWeight + stable * (1 - stable) * this.stableWeight;
		}

		/**
		 * log of the error-rate e-value at variance V: the average of two one-sided
		 * normal mixtures, one tuned to the planned information (ρ) and one to a
		 * hundredth of it (a rollout with far less traffic than its first look promised).
		 */
		double errorRateLogE(double variance) {
			if (this.rho <= 0) {
				return 0;
			}
			double tuned = normalMixtureLogE(variance, this.rho);
			double early = normalMixtureLogE(variance, this.rho / EARLY_TUNING);
			double max = Math.max(tuned, early);
			if (max == Double.NEGATIVE_INFINITY) {
				return max;
			}
			return max + Math.log((Math.exp(tuned - max) + Math.exp(early - max)) / 2);
		}

		private double normalMixtureLogE(double variance, double rho) {
			double spread = variance + rho;
			double z = this.score / Math.sqrt(spread);
			double tail = 0.5 * Erf.erfc(-z / Math.sqrt(2));
			if (tail <= 0) {
				return Double.NEGATIVE_INFINITY;
			}
			return Math.log(2) + 0.5 * Math.log(rho / spread) + z * z / 2 + Math.log(tail);
		}

		@Override
		public String toString() {
			return String.format(Locale.ROOT, "Evidence[looks=%d, canary %d/%d, stable %d/%d, S=%.3g]", this.looks,
					this.canaryErrors, this.canaryRequests, this.stableErrors, this.stableRequests, this.score);
		}

	}

}
