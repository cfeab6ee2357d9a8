package io.canarygateway.docs;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
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
 * Keeps docs/configuration.md complete: every property in Canary Gateway's generated configuration metadata must
 * appear on the page in backticks, and every property the page's tables list must exist.
 * <p>
 * Properties under {@code canary.defaults.} and {@code canary.releases.<name>.} have the same shape, so the page
 * documents each release property once as {@code canary.releases.<name>.X}; map-level names (such as
 * {@code canary.releases} itself) are not properties one sets and are skipped.
 */
class ConfigurationReferenceTest {

	private static final String METADATA = "META-INF/spring-configuration-metadata.json";

	/** Properties whose source type is ours; other jars' metadata on the class path is ignored. */
	private static final String OUR_PACKAGE = "io.canarygateway.";

	private static final String DEFAULTS = "canary.defaults.";

	private static final String RELEASES = "canary.releases.";

	private static final String DOCUMENTED_RELEASE = "canary.releases.<name>.";

	/** A table row whose first cell is a property in backticks. */
	private static final Pattern TABLE_ROW = Pattern.compile("(?m)^\\|\\s*`([^`]+)`\\s*\\|");

	private static Set<String> documentedForms;

	private static Path page;

	private static String text;

	@BeforeAll
	static void load() throws IOException {
		documentedForms = new TreeSet<>();
		JsonMapper json = JsonMapper.builder().build();
		Enumeration<URL> files = ConfigurationReferenceTest.class.getClassLoader().getResources(METADATA);
		while (files.hasMoreElements()) {
			try (InputStream in = files.nextElement().openStream()) {
				JsonNode properties = json.readTree(in).path("properties");
				for (JsonNode property : properties) {
					String name = property.path("name").asString();
					String type = property.path("type").asString();
					boolean ours = property.path("sourceType").asString().startsWith(OUR_PACKAGE);
					if (!ours || type.startsWith("java.util.Map")) {
						continue;
					}
					documentedForms.add(documentedForm(name));
				}
			}
		}
		page = findPage();
		text = Files.readString(page, StandardCharsets.UTF_8);
	}

	/** {@code canary.defaults.X} and {@code canary.releases.<anything>.X} are documented as the same row. */
	static String documentedForm(String name) {
		if (name.startsWith(DEFAULTS)) {
			return DOCUMENTED_RELEASE + name.substring(DEFAULTS.length());
		}
		if (name.startsWith(RELEASES)) {
			String rest = name.substring(RELEASES.length());
			int dot = rest.indexOf('.');
			return (dot < 0) ? name : DOCUMENTED_RELEASE + rest.substring(dot + 1);
		}
		return name;
	}

	/**
	 * docs/configuration.md, looked for from the working directory upwards: Maven runs tests in the module
	 * directory, an IDE may run them in the repository root.
	 */
	private static Path findPage() {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			Path candidate = dir.resolve("docs").resolve("configuration.md");
			if (Files.isRegularFile(candidate)) {
				return candidate;
			}
		}
		throw new IllegalStateException(
				"docs/configuration.md not found in " + Path.of("").toAbsolutePath() + " or any parent directory");
	}

	@Test
	void metadataIsFound() {
		assertThat(documentedForms).as("Canary Gateway's properties in " + METADATA)
			.contains("canary.enabled", "canary.releases.<name>.stable-version",
					"canary.releases.<name>.analysis.confidence", "canary.releases.<name>.breaker.sliding-window-size");
	}

	@Test
	void everyPropertyIsDocumented() {
		List<String> missing = new ArrayList<>();
		for (String name : documentedForms) {
			if (!text.contains("`" + name + "`")) {
				missing.add(name);
			}
		}
		assertThat(missing).as("properties missing from " + page + " (write each in backticks, with its default, "
				+ "meaning and rule)").isEmpty();
	}

	@Test
	void everyDocumentedPropertyExists() {
		List<String> unknown = new ArrayList<>();
		Matcher row = TABLE_ROW.matcher(text);
		while (row.find()) {
			String name = row.group(1);
			boolean property = name.startsWith("canary.") || name.startsWith("management.endpoint.canary.");
			if (property && !documentedForms.contains(name)) {
				unknown.add(name);
			}
		}
		assertThat(unknown).as("rows of " + page + " naming properties the metadata does not have").isEmpty();
	}

	@Test
	void releasePropertiesAreSaidToApplyUnderDefaultsToo() {
		assertThat(text).contains("`canary.defaults.");
	}

}
