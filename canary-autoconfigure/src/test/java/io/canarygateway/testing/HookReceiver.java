package io.canarygateway.testing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real webhook receiver for the tests (Reactor Netty on a random loopback port): keeps
 * every body POSTed to each path, and answers each path with the status it was told (200
 * unless told otherwise), or never, for a path told to hang.
 */
public final class HookReceiver implements AutoCloseable {

	/** The status that makes a path never answer. */
	public static final int HANG = -1;

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final DisposableServer server;

	private final Map<String, List<JsonNode>> received = new ConcurrentHashMap<>();

	private final Map<String, Integer> statuses = new ConcurrentHashMap<>();

	public HookReceiver() {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle((request,
					response) -> request.receive().aggregate().asString().defaultIfEmpty("").flatMap((body) -> {
						// without its leading slash
						String path = request.path();
						this.received.computeIfAbsent(path, (p) -> new CopyOnWriteArrayList<>())
							.add(JSON.readTree(body));
						int status = this.statuses.getOrDefault(path, 200);
						if (status == HANG) {
							return Mono.never();
						}
						return response.status(status).sendString(Mono.just("answer " + status)).then();
					}).subscribeOn(Schedulers.parallel()))
			.bindNow();
	}

	/** The URL of a path, e.g. {@code url("smoke")}. */
	public String url(String path) {
		return "http://127.0.0.1:" + this.server.port() + "/" + path;
	}

	/** Makes a path answer {@code status} from now on ({@link #HANG}: never). */
	public HookReceiver answer(String path, int status) {
		this.statuses.put(path, status);
		return this;
	}

	/** The bodies POSTed to a path so far, oldest first. */
	public List<JsonNode> received(String path) {
		return List.copyOf(this.received.getOrDefault(path, List.of()));
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

}
