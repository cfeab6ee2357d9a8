package io.canarygateway.it;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real HTTP backend on a random loopback port (Reactor Netty): answers every request
 * with a small JSON naming its version and instance and the lane and versions headers
 * that came with the request, counts what reached it (and which lane header came with
 * it), and can be told to fail or slow down, or to set a cookie.
 */
final class TestBackend implements AutoCloseable {

	final String version;

	final String instance;

	private final DisposableServer server;

	private final AtomicLong requests = new AtomicLong();

	private final Map<String, AtomicLong> lanes = new ConcurrentHashMap<>();

	private final AtomicInteger status = new AtomicInteger(200);

	private final AtomicLong delayMillis = new AtomicLong();

	/** Fail every n-th request (0: never), deterministically. */
	private final AtomicInteger failEvery = new AtomicInteger();

	/** Delay every n-th request (0: never) by {@link #slowMillis}, deterministically. */
	private final AtomicInteger slowEvery = new AtomicInteger();

	private final AtomicLong slowMillis = new AtomicLong();

	/** A {@code Set-Cookie} every response carries, or {@code null}. */
	private final AtomicReference<String> setCookie = new AtomicReference<>();

	TestBackend(String version, String instance) {
		this.version = version;
		this.instance = instance;
		this.server = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
			long n = this.requests.incrementAndGet();
			int every = this.failEvery.get();
			int code = (every > 0 && n % every == 0) ? 500 : this.status.get();
			String lane = request.requestHeaders().get("X-Canary-Lane");
			this.lanes.computeIfAbsent(String.valueOf(lane), (k) -> new AtomicLong()).incrementAndGet();
			String versions = request.requestHeaders().get("X-Canary-Versions");
			String body = "{\"version\":\"" + version + "\",\"instance\":\"" + instance + "\",\"lane\":\"" + lane
					+ "\",\"versions\":\"" + versions + "\"}";
			String cookie = this.setCookie.get();
			if (cookie != null) {
				response.addHeader("Set-Cookie", cookie);
			}
			Mono<Void> send = response.status(code)
				.header("Content-Type", "application/json")
				.header("X-Backend-Instance", instance)
				.sendString(Mono.just(body))
				.then();
			int slow = this.slowEvery.get();
			long delay = this.delayMillis.get() + ((slow > 0 && n % slow == 0) ? this.slowMillis.get() : 0);
			// never answered synchronously: Reactor Netty 1.3.6 can then stop reading the
			// gateway's keep-alive connection (reactor/reactor-netty#4361)
			return (delay > 0) ? Mono.delay(Duration.ofMillis(delay)).then(send)
					: send.subscribeOn(Schedulers.parallel());
		}).bindNow();
	}

	int port() {
		return this.server.port();
	}

	String uri() {
		return "http://127.0.0.1:" + port();
	}

	long requests() {
		return this.requests.get();
	}

	long lane(String lane) {
		AtomicLong count = this.lanes.get(lane);
		return (count != null) ? count.get() : 0;
	}

	void failWith(int status) {
		this.status.set(status);
	}

	void failEvery(int n) {
		this.failEvery.set(n);
	}

	void delay(long millis) {
		this.delayMillis.set(millis);
	}

	/**
	 * Delays every n-th request by {@code millis} more: a regression of the tail alone.
	 */
	void delayEvery(int n, long millis) {
		this.slowMillis.set(millis);
		this.slowEvery.set(n);
	}

	/** Every response carries this {@code Set-Cookie} header (until {@link #reset}). */
	void setCookie(String header) {
		this.setCookie.set(header);
	}

	void reset() {
		this.setCookie.set(null);
		this.requests.set(0);
		this.lanes.clear();
		this.status.set(200);
		this.delayMillis.set(0);
		this.failEvery.set(0);
		this.slowEvery.set(0);
		this.slowMillis.set(0);
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

}
