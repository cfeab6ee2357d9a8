package io.canarygateway.store.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.canarygateway.control.ManagedRelease;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.ReleaseStatus;

/**
 * One gateway replica: a {@link RedisGatewayTestApplication} context on a random port,
 * and HTTP calls to it.
 */
final class Replica implements AutoCloseable {

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private static final JsonMapper JSON = JsonMapper.builder().build();

	final String name;

	final ConfigurableApplicationContext context;

	final int port;

	Replica(String name, Map<String, Object> properties) {
		this.name = name;
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--spring.application.name=gateway-" + name));
		// as command-line arguments: they win over the test JVM's
		// canary.store.type=memory
		properties.forEach((key, value) -> args.add("--" + key + "=" + value));
		this.context = new SpringApplicationBuilder(RedisGatewayTestApplication.class).run(args.toArray(String[]::new));
		this.port = ((WebServerApplicationContext) this.context).getWebServer().getPort();
	}

	String baseUrl() {
		return "http://127.0.0.1:" + this.port;
	}

	ReleaseController controller() {
		return this.context.getBean(ReleaseController.class);
	}

	ManagedRelease release(String release) {
		return controller().release(release);
	}

	/** The release record this replica routes with. */
	ReleaseStatus status(String release) {
		return release(release).status();
	}

	<T> T bean(Class<T> type) {
		return this.context.getBean(type);
	}

	/**
	 * {@code POST /actuator/canary/{release}/{action}}, with body {@code {"weight": n}}
	 * for a weight.
	 */
	Response act(String release, String action, Integer weight) {
		return actWith(release, action, (weight != null) ? "{\"weight\":" + weight + "}" : null);
	}

	/** {@code POST /actuator/canary/{release}/{action}} with a JSON body, if any. */
	Response actWith(String release, String action, String json) {
		HttpRequest.Builder request = HttpRequest
			.newBuilder(URI.create(baseUrl() + "/actuator/canary/" + release + "/" + action))
			.timeout(Duration.ofSeconds(15));
		if (json != null) {
			request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
		}
		else {
			request.POST(HttpRequest.BodyPublishers.noBody());
		}
		return send(request.build());
	}

	Response get(String path, String... headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
			.timeout(Duration.ofSeconds(15));
		if (headers.length > 0) {
			request.headers(headers);
		}
		return send(request.GET().build());
	}

	private static Response send(HttpRequest request) {
		try {
			HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
			return new Response(response.statusCode(), response.body(), response);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public void close() {
		this.context.close();
	}

	@Override
	public String toString() {
		return "replica " + this.name;
	}

	/** An HTTP answer. */
	record Response(int status, String body, HttpResponse<String> raw) {

		JsonNode json() {
			return JSON.readTree(this.body);
		}

		String header(String name) {
			return this.raw.headers().firstValue(name).orElse(null);
		}

	}

}
