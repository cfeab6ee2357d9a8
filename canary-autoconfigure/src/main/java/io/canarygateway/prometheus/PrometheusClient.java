package io.canarygateway.prometheus;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeoutException;

import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Asks Prometheus' HTTP API for one value ({@code GET /api/v1/query}) with Reactor Netty
 * on event loops of its own: never on a request thread nor on the analysis thread. Every
 * way a query can come back without one number (an error, no series, several, NaN, ±Inf,
 * a timeout, no connection) is a {@link Value} without a number that says why.
 */
public final class PrometheusClient implements AutoCloseable {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final LoopResources loops;

	private final ConnectionProvider connections;

	private final HttpClient client;

	public PrometheusClient() {
		this.loops = LoopResources.create("canary-prometheus", 1, true);
		this.connections = ConnectionProvider.builder("canary-prometheus").maxConnections(20).build();
		this.client = HttpClient.create(this.connections).runOn(this.loops);
	}

	/**
	 * One instant query.
	 * @param url the server's base URL
	 * @param query the rendered PromQL query
	 * @param time the evaluation time (the same for the queries one look compares)
	 * @param timeout how long the query may take, also passed to Prometheus
	 * @return the value, or why there is none; never an error signal
	 */
	public Mono<Value> query(String url, String query, Instant time, Duration timeout) {
		String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
		String uri = base + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&time="
				+ time.getEpochSecond() + "." + String.format("%03d", time.getNano() / 1_000_000) + "&timeout="
				+ timeout.toMillis() + "ms";
		return this.client.responseTimeout(timeout)
			.get()
			.uri(uri)
			.responseSingle((response,
					bytes) -> bytes.asString().defaultIfEmpty("").map((body) -> parse(response.status().code(), body)))
			.timeout(timeout)
			.onErrorResume((ex) -> Mono.just(Value.none(failure(ex, timeout))));
	}

	/** The value of an answer of {@code /api/v1/query}. */
	static Value parse(int status, String body) {
		JsonNode root;
		try {
			root = JSON.readTree(body);
		}
		catch (RuntimeException ex) {
			// e.g. 503 "Service Unavailable" while the server starts
			return Value.none("Prometheus answered " + status + " " + abbreviate(body));
		}
		if (!"success".equals(root.path("status").asString(""))) {
			return Value.none("Prometheus answered " + status + " " + root.path("errorType").asString("") + ": "
					+ root.path("error").asString(""));
		}
		JsonNode data = root.path("data");
		JsonNode result = data.path("result");
		String type = data.path("resultType").asString("");
		String sample;
		switch (type) {
			case "scalar" -> sample = result.path(1).asString("");
			case "vector" -> {
				if (result.size() == 0) {
					return Value.none("no data (the query returned no series)");
				}
				if (result.size() > 1) {
					return Value.none("the query returned " + result.size() + " series, it must return one "
							+ "(aggregate it, e.g. with sum(...))");
				}
				sample = result.path(0).path("value").path(1).asString("");
			}
			default -> {
				return Value.none("the query returned a " + type + ", it must return one number (an instant vector "
						+ "of one series, or a scalar)");
			}
		}
		return switch (sample) {
			case "NaN" -> Value.none("no data (the query returned NaN, e.g. 0/0 without traffic)");
			case "+Inf", "-Inf", "Inf" -> Value.none("the query returned " + sample);
			default -> {
				try {
					yield Value.of(Double.parseDouble(sample));
				}
				catch (NumberFormatException ex) {
					yield Value.none("the query returned '" + sample + "', not a number");
				}
			}
		};
	}

	private static String failure(Throwable ex, Duration timeout) {
		if (ex instanceof TimeoutException || ex instanceof io.netty.handler.timeout.TimeoutException) {
			return "no answer from Prometheus within " + timeout.toMillis() + " ms";
		}
		return "Prometheus could not be asked: "
				+ ((ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName());
	}

	private static String abbreviate(String body) {
		String text = body.strip();
		return (text.length() > 200) ? "\"" + text.substring(0, 200) + "…\"" : "\"" + text + "\"";
	}

	@Override
	public void close() {
		this.connections.dispose();
		this.loops.dispose();
	}

	/**
	 * What a query came to: a number, or why there is none.
	 *
	 * @param number the value, or {@code NaN} when there is none
	 * @param problem why there is no number, or {@code null}
	 */
	public record Value(double number, String problem) {

		static Value of(double number) {
			return new Value(number, null);
		}

		static Value none(String problem) {
			return new Value(Double.NaN, problem);
		}

		public boolean present() {
			return this.problem == null;
		}

	}

}
