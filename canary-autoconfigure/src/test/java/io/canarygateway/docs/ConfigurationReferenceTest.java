package io.canarygateway.docs;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.BeanWrapper;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.convert.DurationStyle;

import io.canarygateway.autoconfigure.CanaryProperties;
import io.canarygateway.autoconfigure.CanaryRedisProperties;
import io.canarygateway.autoconfigure.CanarySecurityProperties;
import io.canarygateway.core.Defaults;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps docs/configuration.md complete and its defaults right: every property in Canary
 * Gateway's generated configuration metadata must appear on the page in backticks, every
 * property the page's tables list must exist, and every default the page states (in the
 * tables and in "Everything at its default") must be the one the code applies:
 * {@link Defaults} for release properties, the initial value of {@link CanaryProperties},
 * {@link CanaryRedisProperties} or {@link CanarySecurityProperties} for the other
 * {@code canary.*} ones, the metadata's default for the endpoint's (which are Spring
 * Boot's). The "(default …)" of each release property's description, which IDEs show, is
 * checked against {@link Defaults} too.
 * <p>
 * Properties under {@code canary.defaults.} and {@code canary.releases.<name>.} have the
 * same shape, so the page documents each release property once as
 * {@code canary.releases.<name>.X}; map-level names (such as {@code canary.releases}
 * itself) are not properties one sets and are skipped.
 */
class ConfigurationReferenceTest {

	private static final String METADATA = "META-INF/spring-configuration-metadata.json";

	/**
	 * Properties whose source type is ours; other jars' metadata on the class path is
	 * ignored.
	 */
	private static final String OUR_PACKAGE = "io.canarygateway.";

	private static final String DEFAULTS = "canary.defaults.";

	private static final String RELEASES = "canary.releases.";

	private static final String DOCUMENTED_RELEASE = "canary.releases.<name>.";

	/** A table row whose first cell is a property in backticks. */
	private static final Pattern TABLE_ROW = Pattern.compile("(?m)^\\|\\s*`([^`]+)`\\s*\\|");

	/** A table row's property (group 1) and its second cell, the default (group 2). */
	private static final Pattern DEFAULT_CELL = Pattern.compile("(?m)^\\|\\s*`([^`]+)`\\s*\\|([^|]*)\\|");

	/** The default a property description names, e.g. {@code (default 10s)}. */
	private static final Pattern DESCRIBED_DEFAULT = Pattern.compile("\\(default ([^()]*)\\)");

	/** The YAML block of the page's section "Everything at its default". */
	private static final Pattern ALL_DEFAULTS_BLOCK = Pattern
		.compile("(?s)## Everything at its default\\s*\n```yaml\n(.*?)\n```");

	/**
	 * Release properties without a built-in default: each release must set them (here or
	 * under canary.defaults).
	 */
	private static final Set<String> WITHOUT_DEFAULT = Set.of("stable-version", "canary-version");

	/**
	 * The built-in default of every other release property, by its name relative to the
	 * release.
	 */
	private static final Map<String, Object> BUILT_IN = Map.ofEntries(entry("auto-start", Defaults.AUTO_START),
			entry("trigger", Defaults.TRIGGER), entry("trigger-settle", Defaults.TRIGGER_SETTLE),
			entry("steps", Defaults.STEPS), entry("step-interval", Defaults.STEP_INTERVAL),
			entry("manual-gates", Defaults.MANUAL_GATES), entry("progress-deadline", Defaults.PROGRESS_DEADLINE),
			entry("routing.override-header", Defaults.OVERRIDE_HEADER),
			entry("routing.override-cookie", Defaults.OVERRIDE_COOKIE),
			entry("routing.sticky-header", Defaults.STICKY_HEADER),
			entry("routing.sticky-cookie", Defaults.STICKY_COOKIE),
			entry("routing.sticky-cookie-max-age", Defaults.STICKY_COOKIE_MAX_AGE),
			entry("routing.expose-version", Defaults.EXPOSE_VERSION),
			entry("routing.retry-on-stable", Defaults.RETRY_ON_STABLE), entry("routing.only-for", List.of()),
			entry("routing.always-for", List.of()), entry("routing.trust-lane-from", List.of()),
			entry("analysis.interval", Defaults.ANALYSIS_INTERVAL),
			entry("analysis.min-requests", Defaults.MIN_REQUESTS), entry("analysis.confidence", Defaults.CONFIDENCE),
			entry("analysis.error-rate-tolerance", Defaults.ERROR_RATE_TOLERANCE),
			entry("analysis.latency-tolerance", Defaults.LATENCY_TOLERANCE),
			entry("analysis.max-error-rate", Defaults.MAX_ERROR_RATE),
			entry("analysis.max-latency", Defaults.MAX_LATENCY),
			entry("analysis.failure-threshold", Defaults.FAILURE_THRESHOLD),
			entry("breaker.failure-rate-threshold", Defaults.BREAKER_FAILURE_RATE_THRESHOLD),
			entry("breaker.sliding-window-size", Defaults.BREAKER_SLIDING_WINDOW_SIZE),
			entry("breaker.minimum-number-of-calls", Defaults.BREAKER_MINIMUM_NUMBER_OF_CALLS),
			entry("breaker.slow-call-duration-threshold", Defaults.BREAKER_SLOW_CALL_DURATION_THRESHOLD),
			entry("breaker.slow-call-rate-threshold", Defaults.BREAKER_SLOW_CALL_RATE_THRESHOLD),
			entry("webhooks", List.of()), entry("metrics", List.of()));

	private static Set<String> documentedForms;

	/**
	 * Our properties' descriptions, by full name ({@code canary.defaults.X} for release
	 * properties).
	 */
	private static Map<String, String> descriptions;

	/** The metadata's default values, by full name, where it has one. */
	private static Map<String, String> metadataDefaults;

	private static Path page;

	private static String text;

	@BeforeAll
	static void load() throws IOException {
		documentedForms = new TreeSet<>();
		descriptions = new TreeMap<>();
		metadataDefaults = new TreeMap<>();
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
					descriptions.put(name, property.path("description").asString());
					if (property.has("defaultValue")) {
						metadataDefaults.put(name, property.path("defaultValue").asString());
					}
				}
			}
		}
		page = findPage();
		text = Files.readString(page, StandardCharsets.UTF_8);
	}

	/**
	 * {@code canary.defaults.X} and {@code canary.releases.<anything>.X} are documented
	 * as the same row.
	 */
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
	 * docs/configuration.md, looked for from the working directory upwards: Maven runs
	 * tests in the module directory, an IDE may run them in the repository root.
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
		assertThat(missing)
			.as("properties missing from " + page + " (write each in backticks, with its default, "
					+ "meaning and rule)")
			.isEmpty();
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

	@Test
	void everyReleasePropertyHasABuiltInDefaultOrNone() {
		Set<String> releaseProperties = new TreeSet<>();
		for (String name : documentedForms) {
			if (name.startsWith(DOCUMENTED_RELEASE)) {
				releaseProperties.add(name.substring(DOCUMENTED_RELEASE.length()));
			}
		}
		Set<String> known = new TreeSet<>(BUILT_IN.keySet());
		known.addAll(WITHOUT_DEFAULT);
		assertThat(known).as("release properties this test knows the built-in default of (add new ones to BUILT_IN)")
			.isEqualTo(releaseProperties);
	}

	@Test
	void tablesStateTheDefaultsTheCodeApplies() {
		List<String> wrong = new ArrayList<>();
		Set<String> seen = new TreeSet<>();
		Matcher row = DEFAULT_CELL.matcher(text);
		while (row.find()) {
			String name = row.group(1);
			String cell = row.group(2).strip();
			if (name.startsWith(DOCUMENTED_RELEASE)) {
				String property = name.substring(DOCUMENTED_RELEASE.length());
				if (WITHOUT_DEFAULT.contains(property)) {
					check(wrong, name, cell, "none", "none");
				}
				else {
					check(wrong, name, cell, parse(firstCode(cell), BUILT_IN.get(property)), BUILT_IN.get(property));
				}
				seen.add(name);
			}
			else if (name.startsWith("canary.")) {
				Object initial = initialValue(name);
				check(wrong, name, cell, parse(firstCode(cell), initial), initial);
				seen.add(name);
			}
			else if (metadataDefaults.containsKey(name)) {
				// the endpoint's properties are Spring Boot's: their defaults are the
				// metadata's
				check(wrong, name, cell, firstCode(cell), metadataDefaults.get(name));
				seen.add(name);
			}
		}
		assertThat(wrong).as("default cells of " + page + " that differ from the code").isEmpty();
		assertThat(seen).as("properties with a default cell in " + page).containsAll(documentedForms);
	}

	@Test
	void everythingAtItsDefaultIsTheDefaults() {
		Matcher block = ALL_DEFAULTS_BLOCK.matcher(text);
		assertThat(block.find()).as("a yaml block under \"## Everything at its default\" in " + page).isTrue();
		Map<String, Object> values = new TreeMap<>();
		flatten("", new Yaml(new SafeConstructor(new LoaderOptions())).load(block.group(1)), values);
		List<String> wrong = new ArrayList<>();
		Set<String> listed = new TreeSet<>();
		values.forEach((name, value) -> {
			if (name.startsWith(RELEASES)) {
				return; // the example release
			}
			String documented = documentedForm(name);
			String written = (value != null) ? value.toString() : "";
			Object expected = documented.startsWith(DOCUMENTED_RELEASE)
					? BUILT_IN.get(documented.substring(DOCUMENTED_RELEASE.length())) : initialValue(name);
			check(wrong, name, written, parse(written, expected), expected);
			listed.add(documented);
		});
		assertThat(wrong).as("values of \"Everything at its default\" in " + page + " that differ from the code")
			.isEmpty();
		Set<String> all = new TreeSet<>(documentedForms);
		all.removeIf((name) -> !name.startsWith("canary."));
		WITHOUT_DEFAULT.forEach((property) -> all.remove(DOCUMENTED_RELEASE + property));
		assertThat(listed).as("properties in \"Everything at its default\"").isEqualTo(all);
	}

	/**
	 * What an IDE shows as a global property's default is the value the code applies. The
	 * annotation processor only sees literal initializers: a default taken from a
	 * constant of another class is missing unless the metadata is given by hand.
	 */
	@Test
	void ideMetadataStatesTheDefaultOfEveryGlobalProperty() {
		List<String> wrong = new ArrayList<>();
		for (String name : documentedForms) {
			if (!name.startsWith("canary.") || name.startsWith(DOCUMENTED_RELEASE)) {
				continue;
			}
			Object initial = initialValue(name);
			if (initial instanceof Collection<?> || initial instanceof Map<?, ?>) {
				continue;
			}
			String metadata = metadataDefaults.get(name);
			if (metadata == null) {
				wrong.add(name + ": no defaultValue, the code has " + initial);
			}
			else {
				check(wrong, name, metadata, parse(metadata, initial), initial);
			}
		}
		assertThat(wrong).as("defaults in " + METADATA + " that differ from the code").isEmpty();
	}

	@Test
	void releasePropertyDescriptionsNameTheBuiltInDefault() {
		List<String> wrong = new ArrayList<>();
		BUILT_IN.forEach((property, builtIn) -> {
			String name = DEFAULTS + property;
			Matcher described = DESCRIBED_DEFAULT.matcher(descriptions.getOrDefault(name, ""));
			if (!described.find()) {
				wrong.add(name + ": the description names no \"(default …)\"");
				return;
			}
			check(wrong, name, described.group(0), parse(described.group(1), builtIn), builtIn);
		});
		assertThat(wrong).as("descriptions in CanaryProperties whose \"(default …)\" differs from Defaults").isEmpty();
	}

	private static void check(List<String> wrong, String name, String written, Object parsed, Object expected) {
		if (!parsed.equals(expected)) {
			wrong.add(name + ": says " + written + ", the code has " + expected);
		}
	}

	/**
	 * The first {@code `code`} of a table cell, or the whole cell when it has none (such
	 * as {@code none}).
	 */
	private static String firstCode(String cell) {
		Matcher code = Pattern.compile("`([^`]*)`").matcher(cell);
		return code.find() ? code.group(1) : cell;
	}

	/**
	 * A default as the page writes it ({@code 10s}, {@code [5, 10]}, {@code ""},
	 * {@code none}), read as a value of the type of {@code like}; text that does not read
	 * as that type is returned as it is, so it compares unequal.
	 */
	static Object parse(String written, Object like) {
		String text = written.strip();
		try {
			if (like instanceof Duration) {
				return DurationStyle.detectAndParse(text);
			}
			if (like instanceof List) {
				String items = text.equals("none") ? "" : text.replaceAll("^\\[|\\]$", "").strip();
				List<Integer> list = new ArrayList<>();
				for (String item : items.isEmpty() ? new String[0] : items.split(",")) {
					list.add(Integer.valueOf(item.strip()));
				}
				return list;
			}
			if (like instanceof Boolean) {
				return text.equals("true") || text.equals("false") ? Boolean.valueOf(text) : text;
			}
			if (like instanceof Integer) {
				return Integer.valueOf(text);
			}
			if (like instanceof Double) {
				return Double.valueOf(text);
			}
			if (like instanceof Float) {
				return Float.valueOf(text);
			}
			if (like instanceof Enum<?> constant) {
				return text.equalsIgnoreCase(constant.name()) ? constant : text;
			}
			if (like instanceof String) {
				return (text.equals("none") || text.equals("\"\"")) ? "" : text;
			}
		}
		catch (RuntimeException ex) {
			return text;
		}
		throw new IllegalArgumentException("no reading of a default for " + like.getClass());
	}

	/**
	 * The value a global property has when nothing sets it: its field's initial value.
	 */
	private static Object initialValue(String name) {
		String redis = CanaryRedisProperties.PREFIX + ".";
		String security = CanarySecurityProperties.PREFIX + ".";
		BeanWrapper bean;
		String property;
		if (name.startsWith(redis)) {
			bean = new BeanWrapperImpl(new CanaryRedisProperties());
			property = name.substring(redis.length());
		}
		else if (name.startsWith(security)) {
			bean = new BeanWrapperImpl(new CanarySecurityProperties());
			property = name.substring(security.length());
		}
		else {
			bean = new BeanWrapperImpl(new CanaryProperties());
			property = name.substring("canary.".length());
		}
		StringBuilder path = new StringBuilder();
		for (int i = 0; i < property.length(); i++) {
			char c = property.charAt(i);
			path.append((c == '-') ? Character.toUpperCase(property.charAt(++i)) : c);
		}
		Object value = bean.getPropertyValue(path.toString());
		assertThat(value).as(name + " has no initial value to document").isNotNull();
		return value;
	}

	/** Nested YAML maps as dotted property names; lists and scalars are values. */
	@SuppressWarnings("unchecked")
	private static void flatten(String prefix, Object node, Map<String, Object> into) {
		if (node instanceof Map<?, ?> map) {
			((Map<String, Object>) map).forEach((key, value) -> flatten(prefix + key + ".", value, into));
		}
		else {
			into.put(prefix.substring(0, prefix.length() - 1), node);
		}
	}

}
