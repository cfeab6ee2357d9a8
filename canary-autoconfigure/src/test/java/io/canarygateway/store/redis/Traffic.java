package io.canarygateway.store.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * Steady GET traffic against one gateway replica (the pattern of the integration tests' {@code Traffic}): a fixed
 * rate, bounded in time, counting what clients saw.
 */
final class Traffic implements AutoCloseable {

	final AtomicLong sent = new AtomicLong();

	final AtomicLong ok = new AtomicLong();

	final AtomicLong errors = new AtomicLong();

	private final Disposable running;

	Traffic(Replica replica, String path, int perSecond, Duration limit) {
		WebClient client = WebClient.create(replica.baseUrl());
		this.running = Flux.interval(Duration.ofNanos(1_000_000_000L / perSecond))
			.take(limit)
			// on a machine too busy to keep up, ticks are skipped instead of ending the traffic
			.onBackpressureDrop()
			.flatMap((i) -> {
				this.sent.incrementAndGet();
				return client.get()
					.uri(path)
					.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()))
					.timeout(Duration.ofSeconds(10))
					.onErrorReturn(-1)
					.doOnNext((code) -> ((code >= 200 && code < 400) ? this.ok : this.errors).incrementAndGet());
			}, 256)
			.subscribe(null, (error) -> this.errors.incrementAndGet());
	}

	@Override
	public void close() {
		this.running.dispose();
	}

}
