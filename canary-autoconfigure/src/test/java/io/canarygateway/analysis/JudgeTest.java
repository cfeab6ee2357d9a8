package io.canarygateway.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;

import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.Verdict;
import org.hipparchus.distribution.continuous.NormalDistribution;
import org.hipparchus.distribution.discrete.BinomialDistribution;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

class JudgeTest {

	private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

	private static final LatencyModel TYPICAL = LatencyModel.logNormal(20, 0.5);

	private final Judge judge = new Judge(AnalysisConfig.defaults(), 5);

	private final Judge withoutCeilings = new Judge(config(0.99, null, null), 5);

	@Test
	void tooFewCanaryRequestsIsInconclusiveAndSaysHowMany() {
		Verdict verdict = this.judge.judge(Samples.constant(900, 9, 20), Samples.constant(12, 12, 5_000), 1, AT);

		assertThat(verdict.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(verdict.reasons()).containsExactly("canary has 12 requests, at least 50 needed before a verdict");
		assertThat(verdict.at()).isEqualTo(AT);
		assertThat(verdict.canary().requests()).isEqualTo(12);
		assertThat(verdict.canary().errorRate()).as("evidence even without a verdict").isEqualTo(1.0);
		assertThat(verdict.stable().requests()).isEqualTo(900);
		assertThat(verdict.statistics()).containsEntry("look", 1.0).containsEntry("minRequests", 50.0);
	}

	@Test
	void noDataAtAllIsInconclusive() {
		Verdict verdict = this.judge.judge(LaneSample.EMPTY, LaneSample.EMPTY, 4, AT);

		assertThat(verdict.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(verdict.reasons()).containsExactly("canary has 0 requests, at least 50 needed before a verdict");
		assertThat(verdict.stable().requests()).isZero();
		assertThat(verdict.canary().requests()).isZero();
		assertThat(verdict.statistics()).containsEntry("look", 4.0);
	}

	@Test
	void identicalLanesPassWithEvidenceAndNoReasons() {
		SplittableRandom random = new SplittableRandom(1);
		LaneSample stable = Samples.random(random, 900, 0.01, TYPICAL);
		LaneSample canary = Samples.random(random, 100, 0.01, TYPICAL);

		Verdict verdict = this.judge.judge(stable, canary, 1, AT);

		assertThat(verdict.result()).isEqualTo(Verdict.Result.PASS);
		assertThat(verdict.reasons()).isEmpty();
		assertThat(verdict.stable()).isEqualTo(stable.figures());
		assertThat(verdict.canary()).isEqualTo(canary.figures());
		assertThat(verdict.statistics()).containsKeys("look", "minRequests", "relative.skipped", "errorRate.z",
				"errorRate.critical", "errorRate.normalCritical", "errorRate.skewness", "errorRate.alpha",
				"errorRate.difference", "errorRate.tolerance", "errorRate.ceiling", "latency.threshold",
				"latency.exceedances", "latency.expectedExceedances", "latency.pValue", "latency.critical",
				"latency.alpha", "latency.baselineZ", "latency.baselinePercentile", "latency.baselineMs",
				"latency.tolerance", "latency.ceiling");
		assertThat(verdict.statistics()).containsEntry("relative.skipped", 0.0);
	}

	@Test
	void zeroAgainstTenPercentErrorsFailsWithAReadableReason() {
		Verdict verdict = this.withoutCeilings.judge(Samples.constant(900, 0, 20), Samples.constant(100, 10, 20), 1,
				AT);

		assertThat(verdict.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(verdict.reasons()).singleElement()
			.asString()
			.matches(
					"canary error rate 0\\.100 exceeds stable 0\\.000 by more than 0\\.010 \\(z=\\d+\\.\\d > \\d\\.\\d\\)");
		assertThat(verdict.statistics().get("errorRate.z"))
			.isGreaterThan(verdict.statistics().get("errorRate.critical"));
	}

	@Test
	void errorRateWithinTheToleranceIsNotSignificant() {
		// 1.9 % against 1 %: less than the tolerated 1 % more
		Verdict verdict = this.withoutCeilings.judge(Samples.constant(9_000, 90, 20), Samples.constant(1_000, 19, 20),
				1, AT);
		assertThat(verdict.result()).isEqualTo(Verdict.Result.PASS);
		assertThat(verdict.statistics().get("errorRate.z")).isNegative();
	}

	@Test
	void errorRateCeilingFailsEvenWhenTheRelativeTestPasses() {
		Verdict verdict = this.judge.judge(Samples.constant(900, 54, 20), Samples.constant(100, 6, 20), 1, AT);

		assertThat(verdict.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(verdict.statistics().get("errorRate.z")).isLessThan(verdict.statistics().get("errorRate.critical"));
		assertThat(verdict.statistics()).containsEntry("errorRate.ceiling", 0.05);
		assertThat(verdict.reasons()).containsExactly("canary error rate 0.060 exceeds the ceiling 0.050");
	}

	@Test
	void latencyCeilingFailsEvenWhenTheRelativeTestPasses() {
		Verdict verdict = this.judge.judge(Samples.constant(900, 0, 3_000), Samples.constant(100, 0, 3_000), 1, AT);

		assertThat(verdict.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(verdict.statistics().get("latency.exceedances")).isZero();
		assertThat(verdict.statistics()).containsEntry("latency.ceiling", 2_000.0);
		assertThat(verdict.reasons()).singleElement()
			.asString()
			.matches("canary p99 30\\d\\d\\.\\d ms exceeds the ceiling 2000\\.0 ms");
	}

	@Test
	void ceilingsAreNotCheckedBeforeMinRequests() {
		Verdict verdict = this.judge.judge(Samples.constant(900, 0, 20), Samples.constant(49, 49, 9_000), 1, AT);
		assertThat(verdict.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
	}

	@Test
	void slowerCanaryFailsTheLatencyTest() {
		SplittableRandom random = new SplittableRandom(2);
		LaneSample stable = Samples.random(random, 900, 0.0, TYPICAL);
		LaneSample canary = Samples.random(random, 100, 0.0, TYPICAL.plusMillis(350));

		Verdict verdict = this.judge.judge(stable, canary, 1, AT);

		assertThat(verdict.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(verdict.statistics()).containsEntry("latency.exceedances", 100.0)
			.containsEntry("latency.expectedExceedances", 1.0);
		assertThat(verdict.statistics().get("latency.pValue")).isLessThan(verdict.statistics().get("latency.critical"));
		assertThat(verdict.statistics().get("latency.threshold"))
			.isCloseTo(verdict.statistics().get("latency.baselineMs") * 1.2, within(1e-9));
		assertThat(verdict.reasons()).singleElement()
			.asString()
			.startsWith("canary p99 ")
			.contains("exceeds stable p99", "by more than 20 %", "100 of 100 canary requests above");
	}

	@Test
	void latencyWithinTheToleranceIsNotSignificant() {
		SplittableRandom random = new SplittableRandom(3);
		LaneSample stable = Samples.random(random, 9_000, 0.0, TYPICAL);
		LaneSample canary = Samples.random(random, 1_000, 0.0, TYPICAL.times(1.15));
		Verdict verdict = this.withoutCeilings.judge(stable, canary, 1, AT);
		assertThat(verdict.result()).isEqualTo(Verdict.Result.PASS);
	}

	@Test
	void withoutAStableBaselineOnlyTheCeilingsDecideAndTheVerdictSaysSo() {
		LaneSample healthy = Samples.constant(100, 1, 20);
		LaneSample failing = Samples.constant(100, 10, 20);

		Verdict pass = this.judge.judge(LaneSample.EMPTY, healthy, 2, AT);
		assertThat(pass.result()).isEqualTo(Verdict.Result.PASS);
		assertThat(pass.statistics()).containsEntry("relative.skipped", 1.0).doesNotContainKey("errorRate.z");
		assertThat(pass.reasons()).isEmpty();

		Verdict fail = this.judge.judge(Samples.constant(10, 0, 20), failing, 2, AT);
		assertThat(fail.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(fail.reasons()).containsExactly("canary error rate 0.100 exceeds the ceiling 0.050",
				"stable has 10 requests, fewer than the 50 needed to compare with: relative tests skipped");

		Verdict nothingToGoBy = this.withoutCeilings.judge(LaneSample.EMPTY, failing, 2, AT);
		assertThat(nothingToGoBy.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(nothingToGoBy.reasons()).containsExactly("stable has 0 requests, fewer than the 50 needed to "
				+ "compare with: relative tests skipped and no ceiling is configured");
	}

	@Test
	void statisticsCarryTheAlphaSpentAtThisLookAndTheCriticalValues() {
		SplittableRandom random = new SplittableRandom(4);
		Verdict verdict = this.judge.judge(Samples.random(random, 2_700, 0.01, TYPICAL),
				Samples.random(random, 300, 0.01, TYPICAL), 3, AT);

		// flat part of the spending: ¾ of α/2 over the first 2 × 5 looks
		double alpha = 0.75 * (0.01 / 2) / 10;
		assertThat(this.judge.alphaAtLook(3)).isCloseTo(alpha, within(1e-15));
		assertThat(verdict.statistics()).containsEntry("look", 3.0);
		assertThat(verdict.statistics().get("errorRate.alpha")).isCloseTo(alpha, within(1e-15));
		assertThat(verdict.statistics().get("latency.alpha")).isCloseTo(alpha, within(1e-15));
		assertThat(verdict.statistics().get("latency.critical")).isCloseTo(alpha / 2, within(1e-15));
		double normalCritical = new NormalDistribution(0, 1).inverseCumulativeProbability(1 - alpha);
		assertThat(verdict.statistics().get("errorRate.normalCritical")).isCloseTo(normalCritical, within(1e-9))
			.isCloseTo(3.37, within(0.01));
		// raised for the right skew of the score at a 1 % error rate
		double skewness = verdict.statistics().get("errorRate.skewness");
		assertThat(skewness).isPositive();
		assertThat(verdict.statistics().get("errorRate.critical"))
			.isCloseTo(normalCritical + skewness / 6 * (normalCritical * normalCritical - 1), within(1e-9));
	}

	@Test
	void alphaSpendingAddsUpToTheFalseRollbackBudgetOverUnboundedLooks() {
		double perStepPerTest = 0.0;
		for (int look = 1_000_000; look >= 1; look--) {
			perStepPerTest += this.judge.alphaAtLook(look);
		}
		// two tests: 2 × α_test = 1 − confidence per step, approached from below
		assertThat(2 * perStepPerTest).isLessThanOrEqualTo(0.01).isCloseTo(0.01, within(1e-7));
		// flat over the first 2 × looksPerStep looks, then a 1/(j(j+1)) tail
		assertThat(this.judge.alphaAtLook(10)).isEqualTo(this.judge.alphaAtLook(1));
		assertThat(this.judge.alphaAtLook(1)).isCloseTo(0.75 * 0.005 / 10, within(1e-15));
		assertThat(this.judge.alphaAtLook(11)).isCloseTo(0.25 * 0.005 / 2, within(1e-15));
		assertThat(this.judge.alphaAtLook(12)).isCloseTo(0.25 * 0.005 / 6, within(1e-15));
		assertThat(new Judge(AnalysisConfig.defaults(), 1).alphaAtLook(1)).isCloseTo(5 * this.judge.alphaAtLook(1),
				within(1e-15));
	}

	@Test
	void theJudgeIsAPureFunctionOfItsInputs() {
		SplittableRandom random = new SplittableRandom(5);
		LaneSample stable = Samples.random(random, 900, 0.02, TYPICAL);
		LaneSample canary = Samples.random(random, 100, 0.05, TYPICAL.times(1.5));
		assertThat(this.judge.judge(stable, canary, 2, AT)).isEqualTo(this.judge.judge(stable, canary, 2, AT))
			.isEqualTo(new Judge(AnalysisConfig.defaults(), 5).judge(stable, canary, 2, AT));
	}

	@Test
	void binomialTailAgreesWithHipparchus() {
		for (int n : new int[] { 1, 50, 100, 1_000, 30_000 }) {
			BinomialDistribution binomial = new BinomialDistribution(n, 0.01);
			for (int x = 0; x <= Math.min(n, 60); x++) {
				double expected = (x == 0) ? 1.0 : 1.0 - binomial.cumulativeProbability(x - 1);
				assertThat(Judge.binomialUpperTail(x, n, 0.01)).as("n=%d x=%d", n, x)
					.isCloseTo(expected, within(1e-12));
			}
		}
		assertThat(Judge.binomialUpperTail(101, 100, 0.01)).isZero();
		assertThat(Judge.binomialUpperTail(80, 100, 0.01)).as("keeps precision deep in the tail")
			.isPositive()
			.isLessThan(1e-100);
	}

	@Test
	void errorRateTestKeepsItsSizeAtTheNullBoundary() {
		// α chosen so that look 1 tests at 5 % (α_1 = ¾ · α/2 / 2 with one look per
		// step); canary exactly 1 %
		// (the tolerance) worse.
		double alpha = 0.05 / 0.1875;
		Judge calibrated = new Judge(config(1 - alpha, null, null), 1);
		assertThat(calibrated.alphaAtLook(1)).isCloseTo(0.05, within(1e-12));
		SplittableRandom random = new SplittableRandom(6);
		int trials = 2_000;
		int rejected = 0;
		for (int i = 0; i < trials; i++) {
			LaneSample stable = Samples.constant(9_000, binomial(random, 9_000, 0.01), 20);
			LaneSample canary = Samples.constant(1_000, binomial(random, 1_000, 0.02), 20);
			if (calibrated.judge(stable, canary, 1, AT).result() == Verdict.Result.FAIL) {
				rejected++;
			}
		}
		System.out.printf("error-rate test at the null boundary: %d of %d looks significant at nominal 5 %%%n",
				rejected, trials);
		// nominal 5 %: neither inflated nor powerless (± 4 standard errors is ± 2 %)
		assertThat(rejected / (double) trials).isBetween(0.03, 0.07);
	}

	@Test
	void latencyTestIsConservativeAtTheNullBoundary() {
		double alpha = 0.05 / 0.1875;
		Judge calibrated = new Judge(config(1 - alpha, null, null), 1);
		SplittableRandom random = new SplittableRandom(7);
		int trials = 500;
		int rejected = 0;
		for (int i = 0; i < trials; i++) {
			// canary p99 exactly stable p99 × 1.2
			LaneSample stable = Samples.random(random, 9_000, 0.0, TYPICAL);
			LaneSample canary = Samples.random(random, 1_000, 0.0, TYPICAL.times(1.2));
			if (calibrated.judge(stable, canary, 1, AT).result() == Verdict.Result.FAIL) {
				rejected++;
			}
		}
		System.out.printf("latency test at the null boundary: %d of %d looks significant at nominal 5 %%%n", rejected,
				trials);
		assertThat(rejected / (double) trials).isLessThanOrEqualTo(0.05);
	}

	@Test
	void rejectsArgumentsItCannotJudgeWith() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Judge(AnalysisConfig.defaults(), 0))
			.withMessage("looksPerStep must be at least 1, was 0");
		assertThatIllegalArgumentException().isThrownBy(() -> new Judge(config(1.0, null, null), 5))
			.withMessageContaining("analysis.confidence");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.judge.judge(LaneSample.EMPTY, LaneSample.EMPTY, 0, AT))
			.withMessage("look must be at least 1, was 0");
	}

	private static long binomial(SplittableRandom random, int n, double p) {
		long count = 0;
		for (int i = 0; i < n; i++) {
			if (random.nextDouble() < p) {
				count++;
			}
		}
		return count;
	}

	private static AnalysisConfig config(double confidence, Double maxErrorRate, Duration maxLatency) {
		return new AnalysisConfig(Duration.ofSeconds(10), 50, confidence, 0.01, 0.2, maxErrorRate, maxLatency, 2);
	}

}
