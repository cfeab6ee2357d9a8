package io.canarygateway.store.redis;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real HTTP backend on a random loopback port (the pattern of the integration tests' {@code TestBackend}): answers
 * with a small JSON naming its version, counts what reached it, and can be told to fail.
 */
final class Backend implements AutoCloseable {

	final String version;

	private final DisposableServer server;

	private final AtomicLong requests = new AtomicLong();

	private final AtomicInteger status = new AtomicInteger(200);

	Backend(String version) {
		this.version = version;
		this.server = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
			this.requests.incrementAndGet();
			return response.status(this.status.get())
				.header("Content-Type", "application/json")
				.sendString(Mono.just("{\"version\":\"" + version + "\"}"))
				.then();
		}).bindNow();
	}

	String uri() {
		return "http://127.0.0.1:" + this.server.port();
	}

	long requests() {
		return this.requests.get();
	}

	void failWith(int code) {
		this.status.set(code);
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

}
