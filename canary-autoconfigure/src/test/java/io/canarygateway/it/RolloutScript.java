package io.canarygateway.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestInstanceFactoryContext;
import org.junit.jupiter.api.extension.TestInstancePreConstructCallback;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Runs the repository's {@code scripts/canary-rollout} as a pipeline would: {@code sh}
 * with the script and its arguments, output and errors into one file, the environment of
 * this JVM without {@code CANARY_CREDENTIALS} unless a test gives it.
 */
final class RolloutScript {

	/** Generous: a busy two-core machine is slow, and no wait here measures speed. */
	static final Duration LONG = Duration.ofMinutes(5);

	static final Path SCRIPT = locate();

	private final Process process;

	private final Path output;

	private RolloutScript(Process process, Path output) {
		this.process = process;
		this.output = output;
	}

	/** Runs the script to its end (at most {@link #LONG}). */
	static Result run(String... args) {
		return run(Map.of(), args);
	}

	/**
	 * Runs the script to its end (at most {@link #LONG}) with more environment variables.
	 */
	static Result run(Map<String, String> environment, String... args) {
		return start(environment, args).awaitExit();
	}

	/** Starts the script and leaves it running. */
	static RolloutScript start(String... args) {
		return start(Map.of(), args);
	}

	static RolloutScript start(Map<String, String> environment, String... args) {
		List<String> command = new ArrayList<>();
		command.add("sh");
		command.add(SCRIPT.toString());
		command.addAll(List.of(args));
		try {
			Path output = Files.createTempFile("canary-rollout", ".out");
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(output.toFile());
			builder.environment().remove("CANARY_CREDENTIALS");
			builder.environment().putAll(environment);
			return new RolloutScript(builder.start(), output);
		}
		catch (IOException ex) {
			throw new IllegalStateException("cannot run " + command, ex);
		}
	}

	/** What the script printed so far. */
	String output() {
		try {
			return Files.readString(this.output, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Waits until the script printed a line containing {@code text}. */
	RolloutScript awaitOutput(String text) {
		await().atMost(LONG).until(() -> output().contains(text) || !this.process.isAlive());
		if (!output().contains(text)) {
			fail("the script ended (exit %d) without printing '%s':%n%s", this.process.exitValue(), text, output());
		}
		return this;
	}

	/** Waits for the script's end (at most {@link #LONG}). */
	Result awaitExit() {
		try {
			if (!this.process.waitFor(LONG.toSeconds(), TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
				fail("the script did not end within %s:%n%s", LONG, output());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.process.destroyForcibly();
			throw new IllegalStateException(ex);
		}
		Result result = new Result(this.process.exitValue(), output());
		try {
			Files.deleteIfExists(this.output);
		}
		catch (IOException ex) {
			// a temporary file left behind
		}
		return result;
	}

	/** Finds the script from the module's directory (Maven runs tests there) upwards. */
	private static Path locate() {
		for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
			Path script = dir.resolve("scripts/canary-rollout");
			if (Files.isRegularFile(script)) {
				return script;
			}
		}
		throw new IllegalStateException(
				"scripts/canary-rollout not found in " + Path.of("").toAbsolutePath() + " or a directory above it");
	}

	/**
	 * How the script ended.
	 *
	 * @param exitCode its exit code
	 * @param output what it printed, errors included
	 */
	record Result(int exitCode, String output) {

		List<String> lines() {
			return this.output.lines().toList();
		}

		@Override
		public String toString() {
			return "exit " + this.exitCode + ", output:\n" + this.output;
		}

	}

	/**
	 * Skips the test, saying why, where {@code sh} or {@code curl} is missing — before
	 * the test instance exists, so that no gateway starts for nothing.
	 */
	static final class NeedsShellAndCurl implements TestInstancePreConstructCallback {

		@Override
		public void preConstructTestInstance(TestInstanceFactoryContext factoryContext, ExtensionContext context) {
			boolean curl;
			try {
				Process check = new ProcessBuilder("sh", "-c", "command -v curl").redirectErrorStream(true).start();
				curl = check.waitFor(60, TimeUnit.SECONDS) && check.exitValue() == 0;
			}
			catch (IOException ex) {
				Assumptions.abort(context.getDisplayName()
						+ " skipped: scripts/canary-rollout runs with sh, and no sh was found (" + ex.getMessage()
						+ ")");
				return;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			Assumptions.assumeTrue(curl, () -> context.getDisplayName()
					+ " skipped: scripts/canary-rollout needs curl, and sh found none (Debian: apt-get install -y curl; .ci/run installs it)");
		}

	}

}
