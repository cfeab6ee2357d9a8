package io.canarygateway.control;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.canarygateway.core.LaneFigures;
import io.canarygateway.core.Verdict;

/**
 * Folds probe answers into verdicts: the judge's verdict with the step hooks' and metric
 * checks' answers, and the evidence of a gate's decision.
 */
final class ProbeVerdicts {

	private ProbeVerdicts() {
	}

	/**
	 * The judge's verdict with the checks' answers folded in: a failing answer fails it,
	 * an inconclusive one (or none yet) makes a passing verdict inconclusive — a pass
	 * needs every check to pass. The answers' texts join the reasons (for answers that
	 * did not pass) and their figures the statistics.
	 * @param answers the checks' answers, or {@code null} when they have not answered
	 * since the last look
	 */
	static Verdict combine(Verdict verdict, List<Probe> checks, List<Probe.Answer> answers) {
		if (checks.isEmpty()) {
			return verdict;
		}
		Verdict.Result result = verdict.result();
		List<String> reasons = new ArrayList<>(verdict.reasons());
		Map<String, Double> statistics = new LinkedHashMap<>(verdict.statistics());
		if (answers == null) {
			result = worse(result, Verdict.Result.INCONCLUSIVE);
			reasons.add("no answer yet from " + String.join(", ", checks.stream().map(Probe::describe).toList()));
		}
		else {
			for (Probe.Answer answer : answers) {
				result = worse(result, answer.result());
				if (!answer.passed()) {
					reasons.add(answer.text());
				}
				statistics.putAll(answer.figures());
			}
		}
		return new Verdict(result, verdict.at(), verdict.stable(), verdict.canary(), statistics,
				(result == Verdict.Result.PASS) ? List.of() : reasons);
	}

	/**
	 * The evidence of a gate's decision: passing when every answer passed, failing
	 * otherwise, with the answers' texts as reasons (all of them: a pass says which hooks
	 * allowed it) and their figures.
	 */
	static Verdict gate(List<Probe.Answer> answers, Instant now) {
		Verdict.Result result = Verdict.Result.PASS;
		List<String> reasons = new ArrayList<>();
		Map<String, Double> statistics = new LinkedHashMap<>();
		for (Probe.Answer answer : answers) {
			if (!answer.passed()) {
				result = Verdict.Result.FAIL;
			}
			reasons.add(answer.text());
			statistics.putAll(answer.figures());
		}
		return new Verdict(result, now, LaneFigures.EMPTY, LaneFigures.EMPTY, statistics, reasons);
	}

	/** Whether every answer passed. */
	static boolean allPassed(List<Probe.Answer> answers) {
		return answers.stream().allMatch(Probe.Answer::passed);
	}

	/** The texts of the answers that did not pass, joined. */
	static String failing(List<Probe.Answer> answers) {
		return String.join("; ", answers.stream().filter((a) -> !a.passed()).map(Probe.Answer::text).toList());
	}

	/** The worse of two results: fail over inconclusive over pass. */
	private static Verdict.Result worse(Verdict.Result a, Verdict.Result b) {
		return (rank(a) >= rank(b)) ? a : b;
	}

	private static int rank(Verdict.Result result) {
		return switch (result) {
			case FAIL -> 2;
			case INCONCLUSIVE -> 1;
			case PASS -> 0;
		};
	}

}
