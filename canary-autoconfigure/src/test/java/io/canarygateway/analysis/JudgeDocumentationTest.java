package io.canarygateway.analysis;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.canarygateway.core.AnalysisConfig;
import io.canarygateway.core.ReleaseConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/analysis.md says what the code does: its budget table is the {@link Judge}'s
 * budget at the defaults, its statistics table names exactly the statistics a verdict
 * carries, and its thresholds are the judge's.
 */
class JudgeDocumentationTest {

	/** Every statistic of a verdict with both ceilings configured. */
	static final List<String> STATISTICS = List.of("look", "rollout.looks", "minRequests", "relative.skipped",
			"baseline.carried", "errorRate.eValue", "errorRate.threshold", "errorRate.z", "errorRate.canary",
			"errorRate.stable", "errorRate.canaryErrors", "errorRate.tolerance", "latency.eValue", "latency.threshold",
			"latency.tolerance", "latency.slowest1.canary", "latency.slowest1.expected", "latency.slowest10.canary",
			"latency.slowest10.expected", "latency.slowest50.canary", "latency.slowest50.expected", "errorRate.ceiling",
			"errorRate.ceiling.eValue", "errorRate.ceiling.threshold", "latency.ceiling", "latency.ceiling.eValue",
			"latency.ceiling.threshold");

	private static final Pattern ROW = Pattern.compile("^\\| `([a-zA-Z0-9.]+)`[^|]*\\|.*$", Pattern.MULTILINE);

	@Test
	void theBudgetTableIsTheJudgesBudgetAtTheDefaults() throws IOException {
		Judge judge = new Judge(AnalysisConfig.defaults(), Judge.plannedInformation(ReleaseConfig.DEFAULT_STEPS, 6));
		String table = section(read(), "| test | share of α | at the defaults | fails when its e-value reaches |");
		Map<String, String> rows = new LinkedHashMap<>();
		for (String line : table.split("\n")) {
			String[] cells = line.split("\\|");
			if (cells.length > 4 && cells[1].contains("`")) {
				rows.put(cells[1].replaceAll(".*`(.+)`.*", "$1").trim(), cells[3].trim() + " | " + cells[4].trim());
			}
		}
		Map<String, String> expected = new LinkedHashMap<>();
		judge.budget()
			.forEach((test, alpha) -> expected.put(test,
					String.format(Locale.ROOT, "%s | %s", format(alpha), format(1 / alpha))));
		assertThat(rows).isEqualTo(expected);
	}

	@Test
	void theStatisticsTableNamesExactlyTheVerdictsStatistics() throws IOException {
		String table = section(read(), "| statistic | meaning |");
		Matcher matcher = ROW.matcher(table);
		List<String> documented = new java.util.ArrayList<>();
		while (matcher.find()) {
			documented.add(matcher.group(1));
		}
		assertThat(documented).containsExactlyInAnyOrderElementsOf(STATISTICS);
		Judge judge = new Judge(
				new AnalysisConfig(Duration.ofSeconds(10), 50, 0.99, 0.01, 0.2, 0.05, Duration.ofSeconds(2), 2), 3.45);
		LaneSample lane = Samples.constant(100, 1, 20);
		assertThat(judge.judge(Judge.Evidence.NONE, lane, lane, false, lane, lane, 1, Instant.EPOCH)
			.verdict()
			.statistics()
			.keySet()).containsExactlyInAnyOrderElementsOf(STATISTICS);
	}

	private static String format(double value) {
		if (value >= 1) {
			return String.format(Locale.ROOT, "%.0f", value);
		}
		return String.format(Locale.ROOT, "%.5f", value).replaceAll("0+$", "");
	}

	/** The table that starts with {@code header}. */
	private static String section(String page, String header) {
		int start = page.indexOf(header);
		assertThat(start).as("docs/analysis.md has a table starting with %s", header).isNotNegative();
		int end = page.indexOf("\n\n", start);
		return page.substring(start, (end < 0) ? page.length() : end);
	}

	private static String read() throws IOException {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			Path page = dir.resolve("docs/analysis.md");
			if (Files.isRegularFile(page)) {
				return Files.readString(page, StandardCharsets.UTF_8);
			}
		}
		throw new IllegalStateException("docs/analysis.md not found above " + Path.of("").toAbsolutePath());
	}

}
