package io.canarygateway.sample.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Executors;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo's operator: reads and steers releases through the gateway's {@code canary}
 * actuator endpoint (writes with HTTP basic authentication, as a person with curl would),
 * and sets faults on sample instances through their {@code /_sample/} control endpoints.
 */
final class CanaryApi {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private final String gateway;

	private final String authorization;

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.executor(Executors.newCachedThreadPool(TrafficGenerator.daemon("demo-api")))
		.build();

	private final JsonMapper json = JsonMapper.builder().build();

	CanaryApi(String gatewayUrl, String user, String password) {
		this.gateway = gatewayUrl;
		this.authorization = "Basic "
				+ Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
	}

	/** {@code GET /actuator/canary/{release}}. */
	JsonNode release(String release) {
		return call(HttpRequest.newBuilder(URI.create(this.gateway + "/actuator/canary/" + release)).GET(), 200);
	}

	/**
	 * {@code POST /actuator/canary/{release}/{action}} with basic authentication; the
	 * release afterwards.
	 */
	JsonNode act(String release, String action) {
		return post(release, action, "{}");
	}

	/**
	 * {@code POST /actuator/canary/{release}/start} with {@code {"version": ...}}: a
	 * rollout of that version; the release afterwards.
	 */
	JsonNode start(String release, String version) {
		return post(release, "start", this.json.writeValueAsString(Map.of("version", version)));
	}

	private JsonNode post(String release, String action, String body) {
		return call(HttpRequest.newBuilder(URI.create(this.gateway + "/actuator/canary/" + release + "/" + action))
			.header("Authorization", this.authorization)
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body)), 200);
	}

	/** One request through the gateway; its status and served version. */
	String probe(String path) {
		HttpResponse<String> response = send(
				HttpRequest.newBuilder(URI.create(this.gateway + path)).header("X-User-Id", "probe").GET());
		return response.statusCode() + " " + response.headers().firstValue("X-Canary-Version").orElse("?");
	}

	/** {@code PUT /_sample/faults} on an instance. */
	JsonNode setFaults(String instanceUrl, String faultsJson) {
		return call(HttpRequest.newBuilder(URI.create(instanceUrl + "/_sample/faults"))
			.header("Content-Type", "application/json")
			.PUT(HttpRequest.BodyPublishers.ofString(faultsJson)), 200);
	}

	/** {@code GET /_sample/stats} of an instance. */
	JsonNode stats(String instanceUrl) {
		return call(HttpRequest.newBuilder(URI.create(instanceUrl + "/_sample/stats")).GET(), 200);
	}

	/** {@code DELETE /_sample/stats}: counts from zero again. */
	void resetStats(String instanceUrl) {
		call(HttpRequest.newBuilder(URI.create(instanceUrl + "/_sample/stats")).DELETE(), 200);
	}

	private JsonNode call(HttpRequest.Builder request, int expected) {
		HttpResponse<String> response = send(request);
		if (response.statusCode() != expected) {
			throw new ApiException(response.request().method() + " " + response.request().uri().getPath() + " → "
					+ response.statusCode() + ": " + response.body());
		}
		return this.json.readTree(response.body());
	}

	private HttpResponse<String> send(HttpRequest.Builder request) {
		HttpRequest built = request.timeout(TIMEOUT).build();
		try {
			return this.client.send(built, HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new ApiException(built.method() + " " + built.uri() + " failed: " + ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new ApiException(built.method() + " " + built.uri() + " interrupted");
		}
	}

	/** A call that did not answer as expected. */
	static final class ApiException extends RuntimeException {

		ApiException(String message) {
			super(message);
		}

	}

	// ---- reading the JSON defensively ----

	static String text(JsonNode node, String field) {
		JsonNode value = node.path(field);
		return (value.isMissingNode() || value.isNull()) ? null : value.asString();
	}

	static double number(JsonNode node, String field) {
		JsonNode value = node.path(field);
		return value.isNumber() ? value.asDouble() : 0;
	}

	static long integer(JsonNode node, String field) {
		JsonNode value = node.path(field);
		return value.isNumber() ? value.asLong() : 0;
	}

}
