package io.canarygateway.sample.multiservice;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.canarygateway.sample.services.SampleServiceApplication;

import static org.awaitility.Awaitility.await;

/**
 * One instance of the sample service in a process of its own (a JVM started from this
 * test's class path), as a service behind the gateway runs: its own load balancer, its
 * own propagation module. Its output goes to a log file, shown when it fails to start.
 */
final class ServiceProcess implements AutoCloseable {

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	final String service;

	final String version;

	final int port;

	private final Process process;

	private final Path log;

	private ServiceProcess(String service, String version, int port, Process process, Path log) {
		this.service = service;
		this.version = version;
		this.port = port;
		this.process = process;
		this.log = log;
	}

	/**
	 * Starts {@code service} as {@code version} with {@code properties} on its command
	 * line; {@link #awaitReady()} waits for it.
	 */
	static ServiceProcess start(String service, String version, Map<String, String> properties) {
		int port = freePort();
		try {
			Path log = Files.createTempFile("sample-" + service + "-" + version + "-", ".log");
			List<String> command = new ArrayList<>(
					List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx192m",
							"-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
							SampleServiceApplication.class.getName(), "--server.port=" + port,
							"--sample.service-name=" + service, "--sample.version=" + version,
							"--sample.instance-id=" + service + "-" + version, "--spring.main.banner-mode=off"));
			properties.forEach((name, value) -> command.add("--" + name + "=" + value));
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			return new ServiceProcess(service, version, port, process, log);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("could not start " + service + " " + version, ex);
		}
	}

	/** Waits until the instance answers (a busy machine starts a JVM slowly). */
	ServiceProcess awaitReady() {
		await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).until(() -> {
			if (!this.process.isAlive()) {
				throw new IllegalStateException(this.service + " " + this.version + " exited with "
						+ this.process.exitValue() + ":\n" + logTail());
			}
			try {
				return get("/_sample/stats").statusCode() == 200;
			}
			catch (IOException ex) {
				return false;
			}
		});
		return this;
	}

	String url() {
		return "http://127.0.0.1:" + this.port;
	}

	/** Sets the instance's injected faults ({@code PUT /_sample/faults}). */
	void faults(String json) throws IOException, InterruptedException {
		HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/_sample/faults"))
			.timeout(Duration.ofSeconds(60))
			.header("Content-Type", "application/json")
			.PUT(HttpRequest.BodyPublishers.ofString(json))
			.build(), HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() != 200) {
			throw new IllegalStateException("faults of " + this.service + " " + this.version + ": "
					+ response.statusCode() + " " + response.body());
		}
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private String logTail() {
		try {
			List<String> lines = Files.readAllLines(this.log, StandardCharsets.UTF_8);
			return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
		}
		catch (IOException ex) {
			return "(no log: " + ex.getMessage() + ")";
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
			Files.deleteIfExists(this.log);
		}
		catch (InterruptedException ex) {
			this.process.destroyForcibly();
			Thread.currentThread().interrupt();
		}
		catch (IOException ex) {
			// a log left in the temp directory
		}
	}

}
