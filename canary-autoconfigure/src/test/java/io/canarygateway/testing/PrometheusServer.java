package io.canarygateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

import static org.awaitility.Awaitility.await;

/**
 * A real Prometheus server for the tests: Debian's {@code prometheus} package
 * ({@code /usr/bin/prometheus}, which {@code .ci/run} installs), started on a free
 * loopback port with a configuration and a TSDB directory of its own, scraping the given
 * targets every second. Tests that need it are skipped, saying why, where it is not
 * installed.
 */
public final class PrometheusServer implements AutoCloseable {

	/** Where Debian's package installs the server. */
	public static final Path BINARY = Path.of("/usr/bin/prometheus");

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final Path directory;

	private final Process process;

	private final int port;

	/** Skips the calling test, with a message, unless the server is installed. */
	public static void assumeInstalled() {
		Assumptions.assumeTrue(Files.isExecutable(BINARY), () -> "needs a real Prometheus server at " + BINARY
				+ " (Debian's package: apt-get install prometheus; .ci/run installs it)");
	}

	/**
	 * Starts a server that scrapes {@code targets} ({@code host:port}, path
	 * {@code /metrics}) every second, and waits until it is ready.
	 */
	public PrometheusServer(List<String> targets) {
		assumeInstalled();
		try {
			this.directory = Files.createTempDirectory("canary-prometheus");
			Path config = this.directory.resolve("prometheus.yml");
			Files.writeString(config,
					"global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
							+ "scrape_configs: [{job_name: test, static_configs: [{targets: ["
							+ targets.stream().map((t) -> "'" + t + "'").collect(Collectors.joining(", ")) + "]}]}]\n");
			this.port = freePort();
			this.process = new ProcessBuilder(BINARY.toString(), "--config.file=" + config,
					"--storage.tsdb.path=" + this.directory.resolve("data"),
					"--web.listen-address=127.0.0.1:" + this.port, "--log.level=warn")
				.redirectErrorStream(true)
				.redirectOutput(this.directory.resolve("prometheus.log").toFile())
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(this::ready);
	}

	private boolean ready() throws IOException, InterruptedException {
		if (!this.process.isAlive()) {
			throw new IllegalStateException("prometheus exited: " + log());
		}
		try {
			HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready")).build(),
					HttpResponse.BodyHandlers.discarding());
			return response.statusCode() == 200;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** The server's base URL. */
	public String url() {
		return "http://127.0.0.1:" + this.port;
	}

	private String log() throws IOException {
		return Files.readString(this.directory.resolve("prometheus.log"));
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		try (Stream<Path> files = Files.walk(this.directory)) {
			files.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// a temporary directory left behind
		}
	}

}
