package io.canarygateway.it;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Steady client traffic against the gateway: a fixed request rate, bounded in time, counting what clients saw.
 */
final class Traffic implements AutoCloseable {

	final AtomicLong sent = new AtomicLong();

	final AtomicLong ok = new AtomicLong();

	final AtomicLong errors = new AtomicLong();

	private final Disposable running;

	private final ConnectionProvider connections;

	/**
	 * Starts sending.
	 * @param baseUrl the gateway
	 * @param method the method of every request
	 * @param path the path of every request
	 * @param perSecond the request rate
	 * @param limit stop after this long whatever happens
	 */
	Traffic(String baseUrl, HttpMethod method, String path, int perSecond, Duration limit) {
		// its own pool, large enough that clients never queue for a connection (Reactor Netty's default pool
		// has 2 x cores, min 16, connections: a slow canary would otherwise throttle all traffic)
		this.connections = ConnectionProvider.builder("traffic").maxConnections(1024).pendingAcquireMaxCount(-1).build();
		WebClient client = WebClient.builder()
			.baseUrl(baseUrl)
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create(this.connections)))
			.build();
		this.running = Flux.interval(Duration.ofNanos(1_000_000_000L / perSecond))
			.take(limit)
			// a tick finding every slot busy is skipped: an unbuffered interval would otherwise fail the whole
			// flux (a cold gateway answers its first requests slowly)
			.onBackpressureDrop()
			.flatMap((i) -> {
				this.sent.incrementAndGet();
				WebClient.RequestBodySpec spec = client.method(method).uri(path);
				Mono<Integer> status = ((method == HttpMethod.POST) ? spec.bodyValue("{\"n\":" + i + "}") : spec)
					.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()));
				return status.timeout(Duration.ofSeconds(10)).onErrorReturn(-1).doOnNext((code) -> {
					if (code >= 200 && code < 400) {
						this.ok.incrementAndGet();
					}
					else {
						this.errors.incrementAndGet();
					}
				});
			}, 1024)
			.subscribe();
	}

	/** Waits until the condition holds or the time is up; returns whether it held. */
	static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (condition.getAsBoolean()) {
				return true;
			}
			Thread.sleep(20);
		}
		return condition.getAsBoolean();
	}

	@Override
	public void close() {
		this.running.dispose();
		this.connections.disposeLater().subscribe();
	}

}
