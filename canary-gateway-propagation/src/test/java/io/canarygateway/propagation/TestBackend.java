package io.canarygateway.propagation;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on a random port standing in for one instance of a service: answers
 * every request with {@code {"version":"<version>"}} and records the headers it got.
 */
public final class TestBackend implements AutoCloseable {

	private final String version;

	private final HttpServer server;

	private final List<Map<String, List<String>>> requests = new CopyOnWriteArrayList<>();

	private TestBackend(String version) throws IOException {
		this.version = version;
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.server.setExecutor(Executors.newFixedThreadPool(4));
		this.server.createContext("/", this::handle);
		this.server.start();
	}

	/**
	 * @param version the version this instance answers with (also {@code "none"} for an
	 * untagged one)
	 */
	public static TestBackend start(String version) {
		try {
			return new TestBackend(version);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void handle(HttpExchange exchange) throws IOException {
		Headers headers = exchange.getRequestHeaders();
		this.requests.add(Map.copyOf(headers));
		exchange.getRequestBody().readAllBytes();
		byte[] body = ("{\"version\":\"" + this.version + "\"}").getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().set("Content-Type", "application/json");
		exchange.sendResponseHeaders(200, body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

	public String uri() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort();
	}

	public String version() {
		return this.version;
	}

	/** The headers of every request so far (names as the JDK server spells them). */
	public List<Map<String, List<String>>> requests() {
		return List.copyOf(this.requests);
	}

	/** All values of one header over every request so far, in order. */
	public List<List<String>> values(String header) {
		return this.requests.stream().map((headers) -> valuesOf(headers, header)).toList();
	}

	private static List<String> valuesOf(Map<String, List<String>> headers, String header) {
		for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
			if (entry.getKey().equalsIgnoreCase(header)) {
				return entry.getValue();
			}
		}
		return List.of();
	}

	public void clear() {
		this.requests.clear();
	}

	@Override
	public void close() {
		this.server.stop(0);
		((java.util.concurrent.ExecutorService) this.server.getExecutor()).shutdownNow();
	}

}
