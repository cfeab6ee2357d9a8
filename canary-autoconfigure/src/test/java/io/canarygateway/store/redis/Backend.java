package io.canarygateway.store.redis;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import io.canarygateway.testing.Traffic;

/**
 * A real HTTP backend on a random loopback port (the pattern of the integration tests'
 * {@code TestBackend}): answers with a small JSON naming its version, counts what reached
 * it (and the {@link Traffic} sequence number each request carried), and can be told to
 * fail.
 */
final class Backend implements AutoCloseable {

	final String version;

	private final DisposableServer server;

	private final AtomicLong requests = new AtomicLong();

	private final AtomicInteger status = new AtomicInteger(200);

	/** The {@link Traffic#SEQUENCE_HEADER} of each request that carried one. */
	private final Queue<Long> sequences = new ConcurrentLinkedQueue<>();

	Backend(String version) {
		this.version = version;
		this.server = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
			this.requests.incrementAndGet();
			String sequence = request.requestHeaders().get(Traffic.SEQUENCE_HEADER);
			if (sequence != null) {
				this.sequences.add(Long.parseLong(sequence));
			}
			return response.status(this.status.get())
				.header("Content-Type", "application/json")
				.sendString(Mono.just("{\"version\":\"" + version + "\"}"))
				.then()
				// never answered synchronously: Reactor Netty 1.3.6 can then stop reading
				// the gateway's keep-alive connection (reactor/reactor-netty#4361)
				.subscribeOn(Schedulers.parallel());
		}).bindNow();
	}

	String uri() {
		return "http://127.0.0.1:" + this.server.port();
	}

	long requests() {
		return this.requests.get();
	}

	/**
	 * How many of the requests that reached this backend were sent, by the one
	 * {@link Traffic} aimed at it, after that traffic had sent {@code sequence} requests.
	 */
	long requestsSentAfter(long sequence) {
		return this.sequences.stream().filter((n) -> n > sequence).count();
	}

	void failWith(int code) {
		this.status.set(code);
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

}
