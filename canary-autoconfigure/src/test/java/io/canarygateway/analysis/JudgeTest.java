package io.canarygateway.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.Verdict;
import org.hipparchus.distribution.discrete.BinomialDistribution;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * The judge's rules, and exact sizes of its tests at small samples (n = 20 … 2,000):
 * rejection probabilities summed over exact distributions, not simulated.
 */
class JudgeTest {

	private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

	private static final LatencyModel TYPICAL = LatencyModel.logNormal(20, 0.5);

	/** The defaults' steps, 6 looks each. */
	private static final double PLANNED = Judge.plannedInformation(List.of(5, 10, 25, 50, 100), 6);

	private final Judge judge = new Judge(AnalysisConfig.defaults(), PLANNED);

	private final Judge withoutCeilings = new Judge(config(0.99, null, null), PLANNED);

	@Test
	void tooFewCanaryRequestsIsInconclusiveAndSaysHowMany() {
		Verdict verdict = once(this.judge, Samples.constant(900, 9, 20), Samples.constant(12, 0, 20));

		assertThat(verdict.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(verdict.reasons()).containsExactly("canary has 12 requests, at least 50 needed before a verdict");
		assertThat(verdict.at()).isEqualTo(AT);
		assertThat(verdict.canary().requests()).isEqualTo(12);
		assertThat(verdict.stable().requests()).isEqualTo(900);
		assertThat(verdict.statistics()).containsEntry("look", 1.0).containsEntry("minRequests", 50.0);
	}

	@Test
	void noDataAtAllIsInconclusive() {
		Verdict verdict = once(this.judge, LaneSample.EMPTY, LaneSample.EMPTY);

		assertThat(verdict.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(verdict.reasons()).containsExactly("canary has 0 requests, at least 50 needed before a verdict");
		assertThat(verdict.statistics()).containsEntry("relative.skipped", 1.0);
	}

	@Test
	void identicalLanesPassWithEvidenceAndNoReasons() {
		SplittableRandom random = new SplittableRandom(1);
		LaneSample stable = Samples.random(random, 900, 0.01, TYPICAL);
		LaneSample canary = Samples.random(random, 100, 0.01, TYPICAL);

		Verdict verdict = once(this.judge, stable, canary);

		assertThat(verdict.result()).isEqualTo(Verdict.Result.PASS);
		assertThat(verdict.reasons()).isEmpty();
		assertThat(verdict.stable()).isEqualTo(stable.figures());
		assertThat(verdict.canary()).isEqualTo(canary.figures());
		assertThat(verdict.statistics().keySet())
			.containsExactlyInAnyOrderElementsOf(JudgeDocumentationTest.STATISTICS);
		assertThat(verdict.statistics()).containsEntry("relative.skipped", 0.0).containsEntry("baseline.carried", 0.0);
		assertThat(verdict.statistics().get("latency.slowest1.expected")).isCloseTo(1.0, within(1e-9));
	}

	@Test
	void aTenPercentErrorRateAgainstNoneFailsWithinThreeLooksWithAReadableReason() {
		Judge.Evidence evidence = Judge.Evidence.NONE;
		Verdict verdict = null;
		int look = 0;
		while (look < 3 && (verdict == null || verdict.result() != Verdict.Result.FAIL)) {
			look++;
			Judge.Judgement judgement = this.withoutCeilings.judge(evidence, Samples.constant(900, 0, 20),
					Samples.constant(100, 10, 20), false, Samples.constant(900, 0, 20), Samples.constant(100, 10, 20),
					look, AT);
			evidence = judgement.evidence();
			verdict = judgement.verdict();
		}
		assertThat(verdict.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(verdict.reasons()).singleElement()
			.asString()
			.matches("canary error rate 0\\.1000 exceeds stable 0\\.0000 by more than 0\\.010 \\(e-value \\S+ >= 200, "
					+ "\\d+ canary errors in \\d+ requests over the rollout\\)");
		assertThat(verdict.statistics().get("errorRate.eValue")).isGreaterThanOrEqualTo(267);
	}

	@Test
	void anErrorRateWithinTheToleranceNeverFailsHoweverManyLooks() {
		// 1.9 % against 1 %: less than the tolerated 1 point more, 100 looks
		Judge.Evidence evidence = Judge.Evidence.NONE;
		for (int look = 1; look <= 100; look++) {
			Judge.Judgement judgement = this.withoutCeilings.judge(evidence, Samples.constant(900, 9, 20),
					Samples.constant(1_000, 19, 20), false, LaneSample.EMPTY, Samples.constant(1_000, 19, 20), look,
					AT);
			evidence = judgement.evidence();
			assertThat(judgement.verdict().result()).isEqualTo(Verdict.Result.PASS);
		}
		assertThat(evidence.looks()).isEqualTo(100);
	}

	@Test
	void anErrorRateFailNeedsFiveCanaryErrors() {
		// tuned to a single look at a tiny share: strong evidence from few errors
		Judge strict = new Judge(new AnalysisConfig(Duration.ofSeconds(10), 1, 0.99, 0.0, 0.2, null, null, 2), 0.001);
		Judge.Judgement four = strict.judge(Judge.Evidence.NONE, Samples.constant(100_000, 0, 20),
				Samples.constant(100, 4, 20), false, LaneSample.EMPTY, Samples.constant(100, 4, 20), 1, AT);
		assertThat(four.verdict().statistics().get("errorRate.eValue")).as("strong evidence")
			.isGreaterThan(four.verdict().statistics().get("errorRate.threshold"));
		assertThat(four.verdict().result()).as("but only 4 errors").isEqualTo(Verdict.Result.PASS);
		Judge.Judgement five = strict.judge(four.evidence(), Samples.constant(100_000, 0, 20),
				Samples.constant(100, 1, 20), false, LaneSample.EMPTY, Samples.constant(200, 5, 20), 2, AT);
		assertThat(five.verdict().result()).isEqualTo(Verdict.Result.FAIL);
	}

	@Test
	void aSlowerCanaryFailsTheLatencyTestOnItsFirstLook() {
		SplittableRandom random = new SplittableRandom(2);
		Verdict verdict = once(this.judge, Samples.random(random, 900, 0.0, TYPICAL),
				Samples.random(random, 100, 0.0, TYPICAL.plusMillis(350)));

		assertThat(verdict.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(verdict.statistics()).containsEntry("latency.slowest1.canary", 10.0)
			.containsEntry("latency.slowest50.canary", 100.0);
		assertThat(verdict.reasons()).singleElement()
			.asString()
			.matches("canary latency divided by 1\\.20 is slower than stable's \\(e-value \\S+ >= 267; "
					+ "last look: 10 of the slowest 1 % were canary requests, 1\\.0 expected\\)");
	}

	@Test
	void aTailOnlyRegressionIsCaught() {
		// 2 % of the canary's requests 500 ms slower, the rest as stable; 1,000 requests
		// a look, 6 looks at each of the weights 5, 10, 25 and 50
		LatencyModel tail = (random) -> TYPICAL.nanos(random) + ((random.nextDouble() < 0.02) ? 500_000_000L : 0);
		int[] weights = { 5, 10, 25, 50 };
		int caught = 0;
		for (int run = 0; run < 50; run++) {
			SplittableRandom random = new SplittableRandom(100 + run);
			Judge.Evidence evidence = Judge.Evidence.NONE;
			for (int look = 0; look < 24; look++) {
				int canary = weights[look / 6] * 10;
				Judge.Judgement judgement = this.judge.judge(evidence,
						Samples.random(random, 1_000 - canary, 0, TYPICAL), Samples.random(random, canary, 0, tail),
						false, LaneSample.EMPTY, LaneSample.EMPTY, look + 1, AT);
				evidence = judgement.evidence();
				if (judgement.verdict().result() == Verdict.Result.FAIL) {
					caught++;
					break;
				}
			}
		}
		assertThat(caught).isGreaterThanOrEqualTo(45);
	}

	@Test
	void aCanaryExactlyAtTheLatencyToleranceRarelyFailsEvenWithFiftyRequestsALane() {
		int failed = 0;
		for (int run = 0; run < 200; run++) {
			SplittableRandom random = new SplittableRandom(1_000 + run);
			Judge.Evidence evidence = Judge.Evidence.NONE;
			for (int look = 1; look <= 6; look++) {
				Judge.Judgement judgement = this.judge.judge(evidence, Samples.random(random, 50, 0, TYPICAL),
						Samples.random(random, 50, 0, TYPICAL.times(1.2)), false, LaneSample.EMPTY, LaneSample.EMPTY,
						look, AT);
				evidence = judgement.evidence();
				if (judgement.verdict().result() == Verdict.Result.FAIL) {
					failed++;
					break;
				}
			}
		}
		assertThat(failed).isZero();
	}

	@Test
	void aHealthyCanaryAboveTheErrorCeilingInOneSmallWindowIsNotFailed() {
		// 4 errors in 50 (8 %, above the 5 % ceiling as a point estimate), stable alike
		Verdict verdict = once(this.judge, Samples.constant(950, 76, 20), Samples.constant(50, 4, 20));
		assertThat(verdict.result()).isEqualTo(Verdict.Result.PASS);
	}

	@Test
	void theErrorCeilingFailsWithoutStableTraffic() {
		Judge.Evidence evidence = Judge.Evidence.NONE;
		Verdict verdict = null;
		for (int look = 1; look <= 2; look++) {
			Judge.Judgement judgement = this.judge.judge(evidence, LaneSample.EMPTY, Samples.constant(500, 75, 20),
					false, LaneSample.EMPTY, Samples.constant(500 * look, 75 * look, 20), look, AT);
			evidence = judgement.evidence();
			verdict = judgement.verdict();
		}
		assertThat(verdict.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(verdict.statistics()).containsEntry("relative.skipped", 1.0)
			.containsEntry("errorRate.ceiling", 0.05);
		assertThat(verdict.reasons()).singleElement()
			.asString()
			.startsWith("canary error rate 0.1500 is above the ceiling 0.050 (e-value ");
	}

	@Test
	void theLatencyCeilingFailsACanaryWhoseTailIsAboveIt() {
		Verdict verdict = once(this.judge, Samples.constant(900, 0, 3_000), Samples.constant(100, 0, 3_000));

		assertThat(verdict.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(verdict.statistics()).containsEntry("latency.ceiling", 2_000.0);
		assertThat(verdict.reasons()).singleElement()
			.asString()
			.matches("canary p99 is above the ceiling 2000\\.0 ms: more than 1 % of canary requests slower "
					+ "\\(e-value \\S+ >= 800\\)");
	}

	@Test
	void withoutStableTrafficAndWithoutCeilingsTheVerdictIsInconclusive() {
		Verdict verdict = once(this.withoutCeilings, LaneSample.EMPTY, Samples.constant(100, 0, 20));
		assertThat(verdict.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(verdict.reasons())
			.containsExactly("stable has no requests to compare with (0 in the step) and no ceiling is configured");
	}

	@Test
	void aCarriedBaselineIsComparedWithAndShown() {
		LaneSample baseline = Samples.constant(500, 5, 20);
		Verdict verdict = this.judge
			.judge(Judge.Evidence.NONE, baseline, Samples.constant(1_000, 10, 20), true, LaneSample.EMPTY,
					Samples.constant(1_000, 10, 20), 1, AT)
			.verdict();
		assertThat(verdict.result()).isEqualTo(Verdict.Result.PASS);
		assertThat(verdict.statistics()).containsEntry("baseline.carried", 1.0).containsEntry("relative.skipped", 0.0);
		assertThat(verdict.stable()).isEqualTo(baseline.figures());
	}

	@Test
	void theBudgetIsOneMinusConfidencePerRolloutSplitOverTheTests() {
		assertThat(this.judge.budget().get("errorRate")).isCloseTo(0.00375, within(1e-15));
		assertThat(this.judge.budget().get("latency")).isCloseTo(0.00375, within(1e-15));
		assertThat(this.judge.budget().get("errorRate.ceiling")).isCloseTo(0.00125, within(1e-15));
		assertThat(this.judge.budget().get("latency.ceiling")).isCloseTo(0.00125, within(1e-15));
		assertThat(this.judge.budget().values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(0.01,
				within(1e-12));
		assertThat(this.withoutCeilings.budget().get("errorRate")).isCloseTo(0.005, within(1e-15));
		assertThat(this.withoutCeilings.budget()).containsEntry("errorRate.ceiling", 0.0)
			.containsEntry("latency.ceiling", 0.0);
		Judge switchedOff = new Judge(config(0.99, 1.0, Duration.ofDays(1)), PLANNED);
		assertThat(switchedOff.budget()).isEqualTo(this.withoutCeilings.budget());
	}

	@Test
	void theJudgeIsAPureFunctionOfItsInputs() {
		SplittableRandom random = new SplittableRandom(3);
		LaneSample stable = Samples.random(random, 900, 0.02, TYPICAL);
		LaneSample canary = Samples.random(random, 100, 0.05, TYPICAL.times(1.3));
		assertThat(once(this.judge, stable, canary)).isEqualTo(once(this.judge, stable, canary));
	}

	/**
	 * The per-look latency e-value at the null boundary (canary / 1.2 distributed as
	 * stable, no ties: every rank order equally likely) has expectation exactly 1, so the
	 * product over looks is a martingale; and one look fails with probability at most
	 * α_lat. Summed over the exact joint distribution of the three tail counts (a chain
	 * of hypergeometric distributions), for n = 20 … 2,000 requests in all.
	 */
	@Test
	void theLatencyEValueHasExpectationOneAtTheNullBoundaryExactly() {
		int[][] lanes = { { 10, 10 }, { 50, 50 }, { 50, 950 }, { 200, 200 }, { 100, 1_900 }, { 1_000, 1_000 } };
		double threshold = Math.log(1 / this.judge.budget().get("latency"));
		for (int[] lane : lanes) {
			int nc = lane[0];
			int pooled = lane[0] + lane[1];
			long[] k = new long[Judge.TAILS.length];
			double[][] logPgf = new double[k.length][];
			double[] logPsi = new double[Judge.PSI.length];
			for (int j = 0; j < logPsi.length; j++) {
				logPsi[j] = Math.log(Judge.PSI[j]);
			}
			for (int i = 0; i < k.length; i++) {
				k[i] = Math.max(1, (long) Math.ceil(Judge.TAILS[i] * pooled));
				logPgf[i] = TailCount.logPgf(pooled, nc, k[i], logPsi);
			}
			double expectation = 0;
			double total = 0;
			double rejection = 0;
			double[] p1 = hypergeometric(pooled, nc, (int) k[0]);
			for (int x1 = 0; x1 < p1.length; x1++) {
				if (p1[x1] == 0) {
					continue;
				}
				double[] p2 = hypergeometric(pooled - (int) k[0], nc - x1, (int) (k[1] - k[0]));
				for (int d2 = 0; d2 < p2.length; d2++) {
					if (p2[d2] == 0) {
						continue;
					}
					double[] p3 = hypergeometric(pooled - (int) k[1], nc - x1 - d2, (int) (k[2] - k[1]));
					for (int d3 = 0; d3 < p3.length; d3++) {
						double p = p1[x1] * p2[d2] * p3[d3];
						if (p == 0) {
							continue;
						}
						long[] x = { x1, x1 + d2, x1 + d2 + d3 };
						double[] logs = new double[k.length * logPsi.length];
						for (int i = 0; i < k.length; i++) {
							for (int j = 0; j < logPsi.length; j++) {
								logs[i * logPsi.length + j] = x[i] * logPsi[j] - logPgf[i][j];
							}
						}
						double logE = Judge.mixture(logs);
						total += p;
						expectation += p * Math.exp(logE);
						rejection += (logE >= threshold) ? p : 0;
					}
				}
			}
			assertThat(total).as("probabilities of %d + %d", nc, lane[1]).isCloseTo(1.0, within(1e-9));
			assertThat(expectation).as("E[e] at %d + %d", nc, lane[1]).isCloseTo(1.0, within(1e-9));
			assertThat(rejection).as("one look's size at %d + %d", nc, lane[1])
				.isLessThanOrEqualTo(this.judge.budget().get("latency"));
		}
	}

	/**
	 * The tail counts the judge takes from histograms are never above the exact counts of
	 * the raw latencies: bucketing only makes the test conservative.
	 */
	@Test
	void bucketedTailCountsNeverExceedTheExactCounts() {
		SplittableRandom random = new SplittableRandom(5);
		for (int run = 0; run < 200; run++) {
			int ns = 20 + random.nextInt(500);
			int nc = 20 + random.nextInt(500);
			long[] stable = new long[ns];
			long[] canary = new long[nc];
			LaneRecorder s = new LaneRecorder();
			LaneRecorder c = new LaneRecorder();
			for (int i = 0; i < ns; i++) {
				stable[i] = TYPICAL.nanos(random);
				s.record(stable[i], false);
			}
			for (int i = 0; i < nc; i++) {
				canary[i] = (long) (TYPICAL.nanos(random) * 1.2);
				c.record(canary[i], false);
			}
			long[] k = { 1 + random.nextInt(10), 10 + random.nextInt(50), 60 + random.nextInt(ns + nc - 60) };
			long[] bucketed = TailCount.slowestCanary(s.sampleInterval(), c.sampleInterval(), 0.2, k);
			for (int i = 0; i < k.length; i++) {
				assertThat(bucketed[i]).isLessThanOrEqualTo(exactSlowestCanary(stable, canary, 0.2, k[i]));
			}
		}
	}

	@Test
	void tailCountsRankCanaryBelowTiedStableRequests() {
		// all at 20 ms: canary / 1.2 ranks below every stable request
		long[] counts = TailCount.slowestCanary(Samples.constant(10, 0, 20), Samples.constant(10, 0, 20), 0.2,
				new long[] { 1, 10, 15 });
		assertThat(counts).containsExactly(0, 0, 5);
		// without tolerance the tie still goes to stable
		assertThat(TailCount.slowestCanary(Samples.constant(10, 0, 20), Samples.constant(10, 0, 20), 0.0,
				new long[] { 10, 20 }))
			.containsExactly(0, 10);
	}

	/**
	 * The error-rate e-process over 6 looks at the null boundary (canary error rate =
	 * stable's + the tolerance), through the judge itself: the exact probability that any
	 * look fails, summed over every path of the cumulative error counts (probabilities
	 * below 10⁻¹³ dropped), for 40 to 2,000 requests a look. Its validity rests on the
	 * normal approximation of the score; these are the small samples where that is
	 * weakest.
	 */
	@Test
	void theErrorRateTestKeepsItsSizeOverSixLooksAtSmallSamplesExactly() {
		// canary requests, stable requests a look, stable error rate in thousandths
		int[][] cases = { { 20, 20, 1 }, { 20, 20, 10 }, { 20, 20, 50 }, { 50, 50, 1 }, { 50, 50, 10 }, { 50, 50, 50 },
				{ 50, 950, 1 }, { 50, 950, 10 }, { 50, 950, 50 }, { 100, 100, 1 }, { 100, 100, 10 }, { 100, 100, 50 },
				{ 100, 1_900, 1 }, { 100, 1_900, 10 } };
		double alpha = this.withoutCeilings.budget().get("errorRate");
		for (int[] c : cases) {
			double ps = c[2] / 1000.0;
			double size = exactErrorRateSize(this.withoutCeilings, c[0], c[1], ps + 0.01, ps, 6);
			assertThat(size).as("size at %d + %d, stable %.3f", c[0], c[1], ps).isLessThanOrEqualTo(alpha);
		}
	}

	/**
	 * The error ceiling over 30 looks of 50 canary requests with the canary exactly at
	 * the ceiling: exact probability of a fail, at most its share of the budget; a
	 * healthy 1 % canary is practically never failed.
	 */
	@Test
	void theErrorCeilingKeepsItsSizeOverThirtyLooksExactly() {
		double alpha = this.judge.budget().get("errorRate.ceiling");
		assertThat(exactCeilingSize(50, 0.05, 30)).isLessThanOrEqualTo(alpha);
		assertThat(exactCeilingSize(20, 0.05, 30)).isLessThanOrEqualTo(alpha);
		assertThat(exactCeilingSize(50, 0.01, 30)).isLessThan(1e-9);
	}

	@Test
	void rejectsArgumentsItCannotJudgeWith() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Judge(config(1.0, null, null), PLANNED))
			.withMessage("analysis.confidence must be between 0 and 1 (exclusive), was 1.0");
		assertThatIllegalArgumentException().isThrownBy(() -> new Judge(config(0.99, null, null), 0))
			.withMessage("plannedInformation must be positive, was 0.0");
		assertThatIllegalArgumentException().isThrownBy(
				() -> new Judge(new AnalysisConfig(Duration.ofSeconds(10), 50, 0.99, 1.0, 0.2, null, null, 2), PLANNED))
			.withMessage("analysis.error-rate-tolerance must be in [0, 1), was 1.0");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new Judge(new AnalysisConfig(Duration.ofSeconds(10), 50, 0.99, 0.01, -0.1, null, null, 2),
					PLANNED))
			.withMessage("analysis.latency-tolerance must be 0 or more, was -0.1");
	}

	private static double exactErrorRateSize(Judge judge, int nc, int ns, double pc, double ps, int looks) {
		double[] canaryPmf = pmf(nc, pc);
		double[] stablePmf = pmf(ns, ps);
		Map<Long, Double> probability = new HashMap<>();
		Map<Long, Judge.Evidence> evidence = new HashMap<>();
		probability.put(0L, 1.0);
		evidence.put(0L, Judge.Evidence.NONE);
		Map<Long, LaneSample> samples = new HashMap<>();
		double rejected = 0;
		for (int look = 1; look <= looks; look++) {
			Map<Long, Double> nextProbability = new HashMap<>();
			Map<Long, Judge.Evidence> nextEvidence = new HashMap<>();
			for (Map.Entry<Long, Double> state : probability.entrySet()) {
				long xc = state.getKey() >> 32;
				long xs = state.getKey() & 0xffffffffL;
				for (int dc = first(canaryPmf); dc <= last(canaryPmf); dc++) {
					for (int ds = first(stablePmf); ds <= last(stablePmf); ds++) {
						double p = state.getValue() * canaryPmf[dc] * stablePmf[ds];
						if (p < 1e-13) {
							continue;
						}
						long key = ((xc + dc) << 32) | (xs + ds);
						Judge.Evidence after = nextEvidence.get(key);
						if (after == null) {
							LaneSample stable = samples.computeIfAbsent(((long) ns << 32) | ds,
									(x) -> Samples.constant(ns, x & 0xffffffffL, 20));
							int errors = dc;
							LaneSample canary = samples.computeIfAbsent((1L << 62) | ((long) nc << 32) | errors,
									(x) -> Samples.constant(nc, errors, 20));
							Judge.Judgement judgement = judge.judge(evidence.get(state.getKey()), stable, canary, false,
									LaneSample.EMPTY, canary, look, AT);
							boolean fail = judgement.verdict().result() == Verdict.Result.FAIL;
							after = fail ? FAILED : judgement.evidence();
							nextEvidence.put(key, after);
						}
						if (after == FAILED) {
							rejected += p;
						}
						else {
							nextProbability.merge(key, p, Double::sum);
						}
					}
				}
			}
			probability = nextProbability;
			evidence = nextEvidence;
		}
		return rejected;
	}

	/** The first count with a probability above 10⁻¹⁶. */
	private static int first(double[] pmf) {
		int i = 0;
		while (i < pmf.length - 1 && pmf[i] < 1e-16) {
			i++;
		}
		return i;
	}

	/** The last count with a probability above 10⁻¹⁶. */
	private static int last(double[] pmf) {
		int i = pmf.length - 1;
		while (i > 0 && pmf[i] < 1e-16) {
			i--;
		}
		return i;
	}

	/** Marks a state whose look failed (absorbing). */
	private static final Judge.Evidence FAILED = Judge.Evidence.NONE.plusLook();

	private double exactCeilingSize(int n, double rate, int looks) {
		double[] perLook = pmf(n, rate);
		double[] cumulative = { 1.0 };
		Judge.Evidence[] evidence = { Judge.Evidence.NONE };
		double rejected = 0;
		for (int look = 1; look <= looks; look++) {
			double[] next = new double[cumulative.length + n];
			Judge.Evidence[] nextEvidence = new Judge.Evidence[next.length];
			boolean[] failed = new boolean[next.length];
			for (int y = 0; y < cumulative.length; y++) {
				if (cumulative[y] == 0) {
					continue;
				}
				for (int d = 0; d <= n; d++) {
					int total = y + d;
					if (nextEvidence[total] == null && !failed[total]) {
						Judge.Judgement judgement = this.judge.judge(evidence[y], LaneSample.EMPTY,
								Samples.constant(n, d, 20), false, LaneSample.EMPTY, Samples.constant(n, d, 20), look,
								AT);
						failed[total] = judgement.verdict().result() == Verdict.Result.FAIL;
						nextEvidence[total] = judgement.evidence();
					}
					double p = cumulative[y] * perLook[d];
					if (failed[total]) {
						rejected += p;
					}
					else {
						next[total] += p;
					}
				}
			}
			cumulative = next;
			evidence = nextEvidence;
		}
		return rejected;
	}

	private static double[] pmf(int n, double p) {
		BinomialDistribution binomial = new BinomialDistribution(n, p);
		double[] pmf = new double[n + 1];
		for (int x = 0; x <= n; x++) {
			pmf[x] = binomial.probability(x);
		}
		return pmf;
	}

	/** P(X = x), X ~ Hypergeometric(pooled, successes, draws), for x = 0 … draws. */
	private static double[] hypergeometric(int pooled, int successes, int draws) {
		double[] pmf = new double[draws + 1];
		for (int x = 0; x <= draws; x++) {
			double log = TailCount.logChoose(successes, x) + TailCount.logChoose(pooled - successes, draws - x)
					- TailCount.logChoose(pooled, draws);
			pmf[x] = Math.exp(log);
		}
		return pmf;
	}

	private static long exactSlowestCanary(long[] stable, long[] canary, double tolerance, long k) {
		double[][] all = new double[stable.length + canary.length][];
		for (int i = 0; i < stable.length; i++) {
			all[i] = new double[] { stable[i] / 1e3, 0 };
		}
		for (int i = 0; i < canary.length; i++) {
			all[stable.length + i] = new double[] { canary[i] / 1e3 / (1 + tolerance), 1 };
		}
		java.util.Arrays.sort(all, (a, b) -> Double.compare(b[0], a[0]));
		long count = 0;
		for (int i = 0; i < k; i++) {
			count += (long) all[i][1];
		}
		return count;
	}

	private static Verdict once(Judge judge, LaneSample stable, LaneSample canary) {
		return judge.judge(Judge.Evidence.NONE, stable, canary, false, stable, canary, 1, AT).verdict();
	}

	private static AnalysisConfig config(double confidence, Double maxErrorRate, Duration maxLatency) {
		return new AnalysisConfig(Duration.ofSeconds(10), 50, confidence, 0.01, 0.2, maxErrorRate, maxLatency, 2);
	}

}
