package io.canarygateway.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration metadata the annotation processor generates from
 * {@link CanaryProperties}: every property of docs/configuration.md ("Global properties",
 * "Release properties") is there, with a description (so IDEs complete and explain it)
 * and the right type.
 */
class CanaryConfigurationMetadataTests {

	private static final String RELEASE = "canary.defaults.";

	private static Map<String, JsonNode> properties;

	@BeforeAll
	static void loadMetadata() throws IOException {
		// our own classes' copy, not one of the many other jars' metadata files on the
		// class path
		URL classes = CanaryProperties.class.getProtectionDomain().getCodeSource().getLocation();
		URL metadata = new URL(classes, "META-INF/spring-configuration-metadata.json");
		try (InputStream in = metadata.openStream()) {
			JsonNode root = JsonMapper.builder().build().readTree(in);
			properties = new LinkedHashMap<>();
			root.get("properties").forEach((property) -> properties.put(property.get("name").asString(), property));
		}
	}

	static Stream<String> documentedProperties() {
		Stream<String> global = Stream.of("canary.enabled", "canary.instance-metadata-key", "canary.store.type",
				"canary.store.file.path", "canary.releases", "canary.dashboard.enabled", "canary.dashboard.path");
		Stream<String> release = Stream
			.of("stable-version", "canary-version", "auto-start", "steps", "step-interval", "manual-gates",
					"progress-deadline", "routing.override-header", "routing.override-cookie", "routing.sticky-header",
					"routing.sticky-cookie", "routing.expose-version", "routing.retry-on-stable", "analysis.interval",
					"analysis.min-requests", "analysis.confidence", "analysis.error-rate-tolerance",
					"analysis.latency-tolerance", "analysis.max-error-rate", "analysis.max-latency",
					"analysis.failure-threshold", "breaker.failure-rate-threshold", "breaker.sliding-window-size",
					"breaker.minimum-number-of-calls", "breaker.slow-call-duration-threshold",
					"breaker.slow-call-rate-threshold")
			.map((name) -> RELEASE + name);
		return Stream.concat(global, release);
	}

	@ParameterizedTest
	@MethodSource("documentedProperties")
	void propertyIsDescribed(String name) {
		assertThat(properties).containsKey(name);
		JsonNode property = properties.get(name);
		assertThat(property.path("description").asString()).as(name + " description").isNotBlank();
		// what the IDE shows as is: no Javadoc tags or HTML entities
		assertThat(property.path("description").asString()).as(name + " description")
			.doesNotContain("{@")
			.doesNotContain("&lt;")
			.doesNotContain("&gt;");
		assertThat(property.path("sourceType").asString()).startsWith(CanaryProperties.class.getName());
	}

	@Test
	void booleansSayWhether() {
		List<String> booleans = properties.values()
			.stream()
			.filter((p) -> p.path("name").asString().startsWith("canary."))
			.filter((p) -> p.path("type").asString().equals(Boolean.class.getName()))
			.map((p) -> p.path("name").asString())
			.toList();
		assertThat(booleans).contains("canary.enabled", "canary.dashboard.enabled", RELEASE + "auto-start",
				RELEASE + "routing.expose-version", RELEASE + "routing.retry-on-stable");
		booleans.forEach((name) -> assertThat(properties.get(name).path("description").asString()).as(name)
			.startsWith("Whether"));
	}

	@Test
	void durationsAreDurations() {
		Stream
			.of("step-interval", "progress-deadline", "analysis.interval", "analysis.max-latency",
					"breaker.slow-call-duration-threshold")
			.forEach((name) -> assertThat(properties.get(RELEASE + name).path("type").asString()).as(name)
				.isEqualTo("java.time.Duration"));
	}

	@Test
	void topLevelDefaultsAreDocumented() {
		assertThat(properties.get("canary.enabled").path("defaultValue").asBoolean()).isTrue();
		assertThat(properties.get("canary.instance-metadata-key").path("defaultValue").asString()).isEqualTo("version");
		assertThat(properties.get("canary.store.type").path("defaultValue").asString()).isEqualTo("file");
		assertThat(properties.get("canary.store.file.path").path("defaultValue").asString()).isEqualTo("canary-state");
		assertThat(properties.get("canary.dashboard.enabled").path("defaultValue").asBoolean()).isFalse();
		assertThat(properties.get("canary.dashboard.path").path("defaultValue").asString())
			.isEqualTo("/canary-dashboard/");
	}

	@Test
	void releaseDefaultsNameTheirBuiltInValue() {
		// release settings have no defaultValue (null means "inherit"), so the
		// description must say it
		Map<String, String> builtIn = Map.of("steps", "[5, 10, 25, 50, 100]", "step-interval", "1m",
				"progress-deadline", "10m", "analysis.interval", "10s", "analysis.min-requests", "50",
				"analysis.confidence", "0.99", "analysis.failure-threshold", "1", "breaker.sliding-window-size", "20",
				"routing.override-header", "X-Canary", "routing.retry-on-stable", "true");
		builtIn
			.forEach((name, value) -> assertThat(properties.get(RELEASE + name).path("description").asString()).as(name)
				.contains("default " + value));
	}

}
