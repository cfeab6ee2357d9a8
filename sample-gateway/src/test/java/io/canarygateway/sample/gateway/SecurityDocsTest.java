package io.canarygateway.sample.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The security configuration the docs tell users to copy is the sample's own
 * {@link SecurityConfiguration}, tested by {@link SampleGatewaySecurityTest}: the page's
 * Java block that declares {@code class SecurityConfiguration} must be the sample's
 * source without its package line and class Javadoc, character for character (trailing
 * spaces aside).
 */
class SecurityDocsTest {

	private static final Path SOURCE = Path
		.of("sample-gateway/src/main/java/io/canarygateway/sample/gateway/SecurityConfiguration.java");

	private static final Path APPLICATION_YML = Path.of("sample-gateway/src/main/resources/application.yml");

	private static final Pattern JAVA_BLOCK = Pattern.compile("(?s)```java\n(.*?)```");

	private static final Pattern YAML_BLOCK = Pattern.compile("(?s)```yaml\n(.*?)```");

	@ParameterizedTest
	@ValueSource(strings = { "docs/getting-started.md", "docs/operations.md" })
	void theSnippetIsTheSamplesSecurityConfiguration(String page) throws IOException {
		Path root = repositoryRoot();
		String source = Files.readString(root.resolve(SOURCE), StandardCharsets.UTF_8);
		String expected = normalize(source.replaceFirst("^package [^;]+;\\s*", "")
			.replaceFirst("(?s)/\\*\\*.*?\\*/\\s*(?=@Configuration)", ""));
		assertThat(expected).as("the sample's class without package and Javadoc")
			.startsWith("import ")
			.contains("SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http)");

		List<String> snippets = new ArrayList<>();
		Matcher block = JAVA_BLOCK.matcher(Files.readString(root.resolve(page), StandardCharsets.UTF_8));
		while (block.find()) {
			if (block.group(1).contains("class SecurityConfiguration")) {
				snippets.add(normalize(block.group(1)));
			}
		}
		assertThat(snippets).as(page + ": its Java blocks that declare class SecurityConfiguration").hasSize(1);
		assertThat(snippets.get(0)).as(page + " must show " + SOURCE + " as it is (without package and Javadoc)")
			.isEqualTo(expected);
	}

	@ParameterizedTest
	@ValueSource(strings = { "docs/getting-started.md", "docs/operations.md" })
	void theUserIsTheSamplesUser(String page) throws IOException {
		Path root = repositoryRoot();
		Object expected = securityUser(Files.readString(root.resolve(APPLICATION_YML), StandardCharsets.UTF_8));
		assertThat(expected).as("spring.security.user of " + APPLICATION_YML).isNotNull();

		List<Object> users = new ArrayList<>();
		Matcher block = YAML_BLOCK.matcher(Files.readString(root.resolve(page), StandardCharsets.UTF_8));
		while (block.find()) {
			Object user = securityUser(block.group(1));
			if (user != null) {
				users.add(user);
			}
		}
		assertThat(users).as(page + ": its YAML blocks that set spring.security.user").hasSize(1);
		assertThat(users.get(0)).as(page + ": spring.security.user as in " + APPLICATION_YML).isEqualTo(expected);
	}

	/** {@code spring.security.user} of a YAML text, or {@code null}. */
	private static Object securityUser(String yaml) {
		Object node = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
		for (String key : new String[] { "spring", "security", "user" }) {
			node = (node instanceof Map<?, ?> map) ? map.get(key) : null;
		}
		return node;
	}

	private static String normalize(String code) {
		return code.replaceAll("(?m)[ \t]+$", "").strip();
	}

	/**
	 * The repository's root, looked for from the working directory upwards: Maven runs
	 * tests in the module directory, an IDE may run them in the root.
	 */
	private static Path repositoryRoot() {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			if (Files.isRegularFile(dir.resolve(SOURCE)) && Files.isDirectory(dir.resolve("docs"))) {
				return dir;
			}
		}
		throw new IllegalStateException(SOURCE + " not found from " + Path.of("").toAbsolutePath() + " upwards");
	}

}
