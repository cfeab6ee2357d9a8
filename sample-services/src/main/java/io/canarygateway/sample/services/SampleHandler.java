package io.canarygateway.sample.services;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.springframework.web.reactive.function.server.RequestPredicates.all;
import static org.springframework.web.reactive.function.server.RequestPredicates.path;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/**
 * The HTTP side of a sample service: the demo endpoint on every path, and the control
 * endpoints under {@value #CONTROL_PREFIX} which are never subject to faults and never
 * counted.
 */
public class SampleHandler {

	/**
	 * Prefix of the control endpoints; gateway routes such as {@code /orders/**} never
	 * reach it.
	 */
	public static final String CONTROL_PREFIX = "/_sample";

	/**
	 * Fault settings: GET reads, PUT changes (partial JSON), DELETE removes every fault.
	 */
	public static final String FAULTS_PATH = CONTROL_PREFIX + "/faults";

	/** Request counts: GET reads, DELETE starts again from zero. */
	public static final String STATS_PATH = CONTROL_PREFIX + "/stats";

	/**
	 * Path (also under one prefix, e.g. {@code /orders/checkout}) of the demo request
	 * that calls the checkout service ({@code sample.checkout-service}).
	 */
	public static final String CHECKOUT_PATH = "/checkout";

	/** Request header whose value the demo endpoint echoes as {@code lane}. */
	public static final String LANE_HEADER = "X-Canary-Lane";

	/** Response header naming the version that answered (also on injected failures). */
	public static final String VERSION_HEADER = "X-Sample-Version";

	/** Response header naming the instance that answered (also on injected failures). */
	public static final String INSTANCE_HEADER = "X-Sample-Instance";

	private static final List<String> FAULT_FIELDS = List.of("errorRate", "errorStatus", "latencyMs",
			"latencyJitterMs");

	private final SampleProperties properties;

	private final FaultInjector faults;

	private final RequestStats stats;

	private final JsonMapper jsonMapper;

	private final CheckoutCall checkout;

	/**
	 * @param checkout the call {@code GET /…/checkout} makes, or {@code null} for none
	 * (the path is then an ordinary demo request)
	 */
	public SampleHandler(SampleProperties properties, FaultInjector faults, RequestStats stats, JsonMapper jsonMapper,
			CheckoutCall checkout) {
		this.properties = properties;
		this.faults = faults;
		this.stats = stats;
		this.jsonMapper = jsonMapper;
		this.checkout = checkout;
	}

	/**
	 * @return the routes: control endpoints first, then the checkout (when there is a
	 * checkout call), then the demo endpoint for everything else
	 */
	public RouterFunction<ServerResponse> routes() {
		RouterFunctions.Builder routes = route().GET(FAULTS_PATH, this::getFaults)
			.PUT(FAULTS_PATH, this::putFaults)
			.DELETE(FAULTS_PATH, this::deleteFaults)
			.GET(STATS_PATH, this::getStats)
			.DELETE(STATS_PATH, this::deleteStats)
			.route(path(CONTROL_PREFIX).or(path(CONTROL_PREFIX + "/**")), this::unknownControl);
		if (this.checkout != null) {
			routes.GET(CHECKOUT_PATH, this::checkout).GET("/*" + CHECKOUT_PATH, this::checkout);
		}
		return routes.route(all(), this::demo).build();
	}

	Mono<ServerResponse> demo(ServerRequest request) {
		FaultInjector.Decision decision = this.faults.decide();
		this.stats.record(decision.status(), decision.failed());
		Map<String, Object> body = decision.failed() ? faultBody() : demoBody(request);
		return drainAndDelay(request, decision).then(answer(decision.status(), body));
	}

	/**
	 * A demo request that also calls the checkout service: its faults apply first (an
	 * injected failure answers without calling); then the answer carries the called
	 * service's answer under its name, or is a 502 when that call failed, so a failing
	 * downstream version shows up as this service's errors at the gateway.
	 */
	Mono<ServerResponse> checkout(ServerRequest request) {
		FaultInjector.Decision decision = this.faults.decide();
		if (decision.failed()) {
			this.stats.record(decision.status(), true);
			return drainAndDelay(request, decision).then(answer(decision.status(), faultBody()));
		}
		return drainAndDelay(request, decision).then(this.checkout.call()).flatMap((result) -> {
			int status = result.ok() ? HttpStatus.OK.value() : HttpStatus.BAD_GATEWAY.value();
			this.stats.record(status, !result.ok());
			Map<String, Object> body = demoBody(request);
			body.put(this.checkout.service(), downstreamBody(result));
			if (!result.ok()) {
				body.put("error", this.checkout.service() + " failed: " + result.problem());
			}
			return answer(status, body);
		});
	}

	private Map<String, Object> demoBody(ServerRequest request) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("service", this.properties.serviceName());
		body.put("version", this.properties.version());
		body.put("instance", this.properties.instanceId());
		body.put("path", request.path());
		body.put("method", request.method().name());
		body.put("lane", request.headers().firstHeader(LANE_HEADER));
		return body;
	}

	private Map<String, Object> faultBody() {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("error", "injected fault");
		body.put("version", this.properties.version());
		body.put("instance", this.properties.instanceId());
		return body;
	}

	/** The called service's JSON answer as is; anything else as text. */
	private Object downstreamBody(CheckoutCall.Result result) {
		if (result.body() == null) {
			return Map.of("error", result.problem());
		}
		try {
			JsonNode json = this.jsonMapper.readTree(result.body());
			if (json != null && json.isObject()) {
				return json;
			}
		}
		catch (JacksonException ex) {
			// not JSON: passed on as text
		}
		return Map.of("status", result.status(), "body", result.body());
	}

	private Mono<ServerResponse> answer(int status, Map<String, Object> body) {
		return ServerResponse.status(status)
			.header(VERSION_HEADER, this.properties.version())
			.header(INSTANCE_HEADER, this.properties.instanceId())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body);
	}

	/**
	 * Reads (and drops) any request body first, so a client never sees an answer to a
	 * half-sent request; then waits out the injected latency.
	 */
	private static Mono<Void> drainAndDelay(ServerRequest request, FaultInjector.Decision decision) {
		Mono<Void> drain = request.bodyToFlux(DataBuffer.class).doOnNext(DataBufferUtils::release).then();
		Mono<Void> delay = (decision.delayMs() > 0) ? Mono.delay(Duration.ofMillis(decision.delayMs())).then()
				: Mono.empty();
		return drain.then(delay);
	}

	Mono<ServerResponse> getFaults(ServerRequest request) {
		return json(HttpStatus.OK, this.faults.settings());
	}

	Mono<ServerResponse> putFaults(ServerRequest request) {
		return request.bodyToMono(String.class).defaultIfEmpty("").flatMap((body) -> {
			try {
				JsonNode patch = parsePatch(body);
				return json(HttpStatus.OK, this.faults.update((current) -> applyPatch(current, patch)));
			}
			catch (FaultSettings.InvalidFaultException ex) {
				return badRequest(ex.getMessage(), ex.getField());
			}
			catch (IllegalArgumentException ex) {
				return badRequest(ex.getMessage(), null);
			}
		});
	}

	Mono<ServerResponse> deleteFaults(ServerRequest request) {
		return json(HttpStatus.OK, this.faults.reset());
	}

	Mono<ServerResponse> getStats(ServerRequest request) {
		return json(HttpStatus.OK, statsBody());
	}

	Mono<ServerResponse> deleteStats(ServerRequest request) {
		this.stats.reset();
		return json(HttpStatus.OK, statsBody());
	}

	Mono<ServerResponse> unknownControl(ServerRequest request) {
		String path = request.path();
		if (path.equals(FAULTS_PATH) || path.equals(STATS_PATH)) {
			List<HttpMethod> allowed = path.equals(FAULTS_PATH)
					? List.of(HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE)
					: List.of(HttpMethod.GET, HttpMethod.DELETE);
			return ServerResponse.status(HttpStatus.METHOD_NOT_ALLOWED)
				.allow(allowed.toArray(HttpMethod[]::new))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("error", request.method().name() + " is not supported on " + path + ", use one of "
						+ allowed.stream().map(HttpMethod::name).toList()));
		}
		return json(HttpStatus.NOT_FOUND,
				Map.of("error", "no control endpoint " + path + "; there are " + FAULTS_PATH + " and " + STATS_PATH));
	}

	private Map<String, Object> statsBody() {
		RequestStats.Snapshot snapshot = this.stats.snapshot();
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("service", this.properties.serviceName());
		body.put("version", this.properties.version());
		body.put("instance", this.properties.instanceId());
		body.put("since", snapshot.since().toString());
		body.put("requests", snapshot.requests());
		body.put("succeeded", snapshot.succeeded());
		body.put("failed", snapshot.failed());
		body.put("byStatus", snapshot.byStatus());
		return body;
	}

	/** Parses a PUT body: a JSON object with any of the fault fields, nothing else. */
	private JsonNode parsePatch(String body) {
		JsonNode patch;
		try {
			patch = this.jsonMapper.readTree(body);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("request body is not valid JSON: " + ex.getOriginalMessage());
		}
		if (patch == null || !patch.isObject()) {
			throw new IllegalArgumentException("request body must be a JSON object with any of " + FAULT_FIELDS);
		}
		for (String field : patch.propertyNames()) {
			if (!FAULT_FIELDS.contains(field)) {
				throw new FaultSettings.InvalidFaultException(field,
						"unknown field " + field + ", expected any of " + FAULT_FIELDS);
			}
		}
		return patch;
	}

	/** Fields absent or null in the patch keep their current value. */
	private static FaultSettings applyPatch(FaultSettings current, JsonNode patch) {
		double errorRate = current.errorRate();
		JsonNode rate = patch.get("errorRate");
		if (rate != null && !rate.isNull()) {
			if (!rate.isNumber()) {
				throw new FaultSettings.InvalidFaultException("errorRate",
						"errorRate must be a number between 0 and 1, was " + rate);
			}
			errorRate = rate.doubleValue();
			FaultSettings.checkErrorRate("errorRate", errorRate);
		}
		long errorStatus = wholeNumber(patch, "errorStatus", current.errorStatus());
		FaultSettings.checkErrorStatus("errorStatus", errorStatus);
		return new FaultSettings(errorRate, (int) errorStatus, wholeNumber(patch, "latencyMs", current.latencyMs()),
				wholeNumber(patch, "latencyJitterMs", current.latencyJitterMs()));
	}

	private static long wholeNumber(JsonNode patch, String field, long currentValue) {
		JsonNode node = patch.get(field);
		if (node == null || node.isNull()) {
			return currentValue;
		}
		if (!node.isNumber() || !node.canConvertToExactIntegral() || !node.canConvertToLong()) {
			throw new FaultSettings.InvalidFaultException(field, field + " must be a whole number, was " + node);
		}
		return node.longValue();
	}

	private static Mono<ServerResponse> json(HttpStatus status, Object body) {
		return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).bodyValue(body);
	}

	private static Mono<ServerResponse> badRequest(String message, String field) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("error", message);
		if (field != null) {
			body.put("field", field);
		}
		return json(HttpStatus.BAD_REQUEST, body);
	}

}
