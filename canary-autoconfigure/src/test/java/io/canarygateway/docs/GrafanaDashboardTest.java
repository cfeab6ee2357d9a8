package io.canarygateway.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/grafana/canary-gateway.json imports the way docs/operations.md says: Grafana's
 * import asks for the Prometheus data source (an {@code __inputs} entry), puts the choice
 * into the dashboard's {@code datasource} variable, and every panel and query reads the
 * variable, so switching the data source later switches them all.
 */
class GrafanaDashboardTest {

	private static final String INPUT = "DS_PROMETHEUS";

	private static final Pattern INPUT_REFERENCE = Pattern.compile("\\$\\{(DS_[A-Z0-9_]+)}");

	private static String text;

	private static JsonNode dashboard;

	@BeforeAll
	static void load() throws IOException {
		Path file = find(Path.of("docs", "grafana", "canary-gateway.json"));
		text = Files.readString(file, StandardCharsets.UTF_8);
		dashboard = JsonMapper.builder().build().readTree(text);
	}

	@Test
	void importAsksForThePrometheusDataSource() {
		JsonNode inputs = dashboard.path("__inputs");
		assertThat(inputs.isArray()).as("__inputs").isTrue();
		Set<String> declared = new TreeSet<>();
		for (JsonNode input : inputs) {
			assertThat(input.path("type").asString()).as("type of input " + input).isEqualTo("datasource");
			assertThat(input.path("pluginId").asString()).as("pluginId of input " + input).isEqualTo("prometheus");
			declared.add(input.path("name").asString());
		}
		assertThat(declared).containsExactly(INPUT);
		Set<String> used = new TreeSet<>();
		Matcher reference = INPUT_REFERENCE.matcher(text);
		while (reference.find()) {
			used.add(reference.group(1));
		}
		assertThat(used).as("inputs the dashboard refers to").isEqualTo(declared);
	}

	@Test
	void theChosenDataSourceBecomesTheDatasourceVariable() {
		JsonNode variable = null;
		for (JsonNode candidate : dashboard.path("templating").path("list")) {
			if (candidate.path("name").asString().equals("datasource")) {
				variable = candidate;
			}
		}
		assertThat(variable).as("a templating variable named datasource").isNotNull();
		assertThat(variable.path("type").asString()).isEqualTo("datasource");
		assertThat(variable.path("query").asString()).isEqualTo("prometheus");
		assertThat(variable.path("current").path("value").asString()).isEqualTo("${" + INPUT + "}");
	}

	@Test
	void everyPanelAndQueryReadsTheVariable() {
		List<String> wrong = new ArrayList<>();
		collect(dashboard.path("panels"), "panels", wrong);
		for (JsonNode variable : dashboard.path("templating").path("list")) {
			if (variable.has("datasource")) {
				check(variable.path("datasource"), "variable " + variable.path("name").asString(), wrong);
			}
		}
		assertThat(wrong).as("data source references that bypass the datasource variable").isEmpty();
	}

	private static void collect(JsonNode node, String where, List<String> wrong) {
		if (node.isArray()) {
			for (int i = 0; i < node.size(); i++) {
				collect(node.get(i), where + "[" + i + "]", wrong);
			}
		}
		else if (node.isObject()) {
			for (String field : node.propertyNames()) {
				if (field.equals("datasource")) {
					check(node.get(field), where + " \"" + node.path("title").asString() + "\"", wrong);
				}
				else {
					collect(node.get(field), where + "." + field, wrong);
				}
			}
		}
	}

	private static void check(JsonNode datasource, String where, List<String> wrong) {
		String uid = datasource.isObject() ? datasource.path("uid").asString() : datasource.asString();
		if (!uid.equals("${datasource}")) {
			wrong.add(where + ": " + datasource);
		}
	}

	/** A file of the repository, looked for from the working directory upwards. */
	private static Path find(Path relative) {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			Path candidate = dir.resolve(relative);
			if (Files.isRegularFile(candidate)) {
				return candidate;
			}
		}
		throw new IllegalStateException(
				relative + " not found in " + Path.of("").toAbsolutePath() + " or any parent directory");
	}

}
