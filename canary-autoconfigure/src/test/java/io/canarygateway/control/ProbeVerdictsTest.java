package io.canarygateway.control;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.canarygateway.core.LaneFigures;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Verdict;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How probe answers fold into the judge's verdict: a failing answer fails it, a missing
 * or inconclusive one keeps it from passing, and passing answers leave a pass a pass with
 * their figures.
 */
class ProbeVerdictsTest {

	static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");

	static final Probe CHECK = new Probe() {

		@Override
		public String describe() {
			return "metric 'errors'";
		}

		@Override
		public CompletableFuture<Answer> call(ReleaseStatus status, Instant now) {
			throw new UnsupportedOperationException();
		}

	};

	static final Verdict PASS = verdict(Verdict.Result.PASS, List.of());

	@Test
	void passingAnswersKeepAPassWithTheirFigures() {
		Verdict combined = ProbeVerdicts.combine(PASS, List.of(CHECK),
				List.of(answer(Verdict.Result.PASS, "metric 'errors': canary 0.1 ≤ max 0.5")));
		assertThat(combined.result()).isEqualTo(Verdict.Result.PASS);
		assertThat(combined.reasons()).isEmpty();
		assertThat(combined.statistics()).containsEntry("errorRate.z", 0.5).containsEntry("metric.errors.canary", 0.1);
	}

	@Test
	void aFailingAnswerFailsEvenAnInconclusiveVerdict() {
		Verdict inconclusive = verdict(Verdict.Result.INCONCLUSIVE, List.of("too few canary requests"));
		Verdict combined = ProbeVerdicts.combine(inconclusive, List.of(CHECK),
				List.of(answer(Verdict.Result.FAIL, "metric 'errors': canary 0.8 > max 0.5")));
		assertThat(combined.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(combined.reasons()).containsExactly("too few canary requests",
				"metric 'errors': canary 0.8 > max 0.5");
	}

	@Test
	void noAnswerOrAnInconclusiveOneIsNeverAPass() {
		Verdict unanswered = ProbeVerdicts.combine(PASS, List.of(CHECK), null);
		assertThat(unanswered.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(unanswered.reasons()).containsExactly("no answer yet from metric 'errors'");
		Verdict noData = ProbeVerdicts.combine(PASS, List.of(CHECK),
				List.of(answer(Verdict.Result.INCONCLUSIVE, "metric 'errors': canary no data")));
		assertThat(noData.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		// a failing verdict stays failing
		Verdict failed = verdict(Verdict.Result.FAIL, List.of("canary error rate"));
		assertThat(ProbeVerdicts.combine(failed, List.of(CHECK), null).result()).isEqualTo(Verdict.Result.FAIL);
	}

	@Test
	void aGatesEvidenceListsEveryAnswer() {
		Verdict evidence = ProbeVerdicts.gate(List.of(answer(Verdict.Result.PASS, "pre-rollout hook 'a': 200"),
				answer(Verdict.Result.FAIL, "pre-rollout hook 'b': 500")), NOW);
		assertThat(evidence.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(evidence.reasons()).containsExactly("pre-rollout hook 'a': 200", "pre-rollout hook 'b': 500");
		assertThat(evidence.canary()).isEqualTo(LaneFigures.EMPTY);
	}

	private static Probe.Answer answer(Verdict.Result result, String text) {
		return new Probe.Answer(result, text,
				(result == Verdict.Result.PASS) ? Map.of("metric.errors.canary", 0.1) : Map.of());
	}

	private static Verdict verdict(Verdict.Result result, List<String> reasons) {
		return new Verdict(result, NOW, new LaneFigures(100, 0, 0, 10), new LaneFigures(50, 0, 0, 10),
				Map.of("errorRate.z", 0.5), reasons);
	}

}
