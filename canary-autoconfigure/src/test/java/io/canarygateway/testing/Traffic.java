package io.canarygateway.testing;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import static org.awaitility.Awaitility.await;

/**
 * Client traffic for the end-to-end tests: a number of requests (or an open-ended stream,
 * ended by {@link #stop()} or {@link #close()}), sent by a fixed number of concurrent
 * clients, each of which sends its next request only once its previous one was answered
 * (and, optionally, after a pause).
 * <p>
 * The loop is closed on purpose. A machine that is too busy to keep up makes the traffic
 * slower; it never piles up requests inside the gateway, so at any moment at most
 * {@link #concurrency()} requests are on their way. A test that asserts on what a breaker
 * or the judge saw therefore counts requests, never time: "N requests were sent and
 * answered" means the same on a fast and on a loaded machine.
 * <p>
 * Every request carries its sequence number (1, 2, … in the order the requests are sent)
 * in {@value #SEQUENCE_HEADER}, which the gateway forwards: a backend can tell which of
 * the requests that reached it were sent after a given moment ({@link #sent()} read at
 * that moment).
 * <p>
 * Only ever aimed at this machine's loopback address.
 */
public final class Traffic implements AutoCloseable {

	/** The request header that carries each request's sequence number. */
	public static final String SEQUENCE_HEADER = "X-Traffic-Seq";

	/**
	 * The status counted for a request that got no answer (connection failure, timeout).
	 */
	public static final int NO_ANSWER = -1;

	/**
	 * How long one request may take before it counts as unanswered: very long, a busy
	 * machine is slow.
	 */
	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

	private final int concurrency;

	private final AtomicLong sent = new AtomicLong();

	private final AtomicLong ok = new AtomicLong();

	private final AtomicLong errors = new AtomicLong();

	private final Map<Integer, AtomicLong> errorStatuses = new ConcurrentHashMap<>();

	private final CountDownLatch finished = new CountDownLatch(1);

	private final ConnectionProvider connections;

	private final Disposable running;

	private volatile boolean stopping;

	private Traffic(Builder builder) {
		this.concurrency = builder.concurrency;
		// its own pool, with a connection for every client: no request ever waits for
		// another one's connection
		this.connections = ConnectionProvider.builder("traffic")
			.maxConnections(2 * builder.concurrency)
			.pendingAcquireMaxCount(-1)
			.build();
		WebClient client = WebClient.builder()
			.baseUrl(builder.baseUrl)
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create(this.connections)))
			.build();
		long requests = builder.requests;
		Duration pause = builder.pause;
		Flux<Long> numbers = Flux.<Long, Long>generate(() -> 0L, (n, sink) -> {
			if (this.stopping || n >= requests) {
				sink.complete();
			}
			else {
				sink.next(n);
			}
			return n + 1;
		})
			// a safety stop, so that a test that fails half-way never leaves traffic
			// behind
			.take(builder.timeLimit);
		this.running = numbers.flatMap((n) -> {
			Mono<Integer> answer = send(client, builder.method, builder.path, builder.headers);
			return pause.isZero() ? answer : answer.delayUntil((code) -> Mono.delay(pause));
		}, this.concurrency, 1).doFinally((signal) -> {
			this.finished.countDown();
			this.connections.disposeLater().subscribe();
		}).subscribe();
	}

	/**
	 * GET requests to {@code path} of the server at {@code baseUrl} (a loopback address).
	 */
	public static Builder get(String baseUrl, String path) {
		return new Builder(baseUrl, HttpMethod.GET, path);
	}

	/**
	 * POST requests, each with a small JSON body, to {@code path} of the server at
	 * {@code baseUrl}.
	 */
	public static Builder post(String baseUrl, String path) {
		return new Builder(baseUrl, HttpMethod.POST, path);
	}

	private Mono<Integer> send(WebClient client, HttpMethod method, String path, Map<String, String> headers) {
		return Mono.defer(() -> {
			long sequence = this.sent.incrementAndGet();
			WebClient.RequestBodySpec spec = client.method(method)
				.uri(path)
				.header(SEQUENCE_HEADER, Long.toString(sequence));
			headers.forEach(spec::header);
			WebClient.RequestHeadersSpec<?> request = (method == HttpMethod.POST)
					? spec.bodyValue("{\"n\":" + sequence + "}") : spec;
			return request
				.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value()));
		}).timeout(REQUEST_TIMEOUT).onErrorReturn(NO_ANSWER).doOnNext(this::count);
	}

	private void count(int status) {
		if (status >= 200 && status < 400) {
			this.ok.incrementAndGet();
		}
		else {
			this.errorStatuses.computeIfAbsent(status, (s) -> new AtomicLong()).incrementAndGet();
			this.errors.incrementAndGet();
		}
	}

	/**
	 * How many clients send at once: at most this many requests are on their way at any
	 * moment.
	 */
	public int concurrency() {
		return this.concurrency;
	}

	/**
	 * How many requests were sent so far; the sequence number of the latest one. Every
	 * request sent after this was read carries a higher sequence number.
	 */
	public long sent() {
		return this.sent.get();
	}

	/** Requests answered with a 2xx or 3xx status. */
	public long ok() {
		return this.ok.get();
	}

	/** Requests answered with another status, or not at all. */
	public long errors() {
		return this.errors.get();
	}

	/**
	 * Whether every request is sent and answered (or the traffic was closed); its
	 * connections are then closed.
	 */
	public boolean isFinished() {
		return this.finished.getCount() == 0;
	}

	/**
	 * Waits until every request is sent and answered.
	 * @param limit the longest wait: generous, this is no measure of speed
	 * @return this traffic
	 */
	public Traffic awaitFinished(Duration limit) {
		await().atMost(limit).until(this::isFinished);
		return this;
	}

	/**
	 * Sends no further request; those on their way are still answered and counted (see
	 * {@link #awaitFinished}).
	 */
	public Traffic stop() {
		this.stopping = true;
		return this;
	}

	/** Stops at once: requests on their way are abandoned. */
	@Override
	public void close() {
		this.stopping = true;
		this.running.dispose();
		this.connections.disposeLater().subscribe();
	}

	@Override
	public String toString() {
		return "Traffic[sent " + sent() + ", ok " + ok() + ", errors " + errors() + " by status "
				+ new TreeMap<>(this.errorStatuses) + "]";
	}

	/** What to send; {@link #start()} starts sending. */
	public static final class Builder {

		private final String baseUrl;

		private final HttpMethod method;

		private final String path;

		private int concurrency = 4;

		private long requests = Long.MAX_VALUE;

		private Duration pause = Duration.ZERO;

		private Duration timeLimit = Duration.ofMinutes(5);

		private final Map<String, String> headers = new TreeMap<>();

		private Builder(String baseUrl, HttpMethod method, String path) {
			this.baseUrl = baseUrl;
			this.method = method;
			this.path = path;
		}

		/** How many clients send at once (default 4). */
		public Builder concurrency(int concurrency) {
			if (concurrency < 1) {
				throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
			}
			this.concurrency = concurrency;
			return this;
		}

		/** A header every request carries. */
		public Builder header(String name, String value) {
			this.headers.put(name, value);
			return this;
		}

		/** How many requests to send in all (default: no limit, until stopped). */
		public Builder requests(long requests) {
			this.requests = requests;
			return this;
		}

		/**
		 * How long each client waits after an answer before its next request (default
		 * none).
		 */
		public Builder pause(Duration pause) {
			this.pause = pause;
			return this;
		}

		/**
		 * When to stop sending whatever happens (default 5 minutes): a safety net, not a
		 * measure.
		 */
		public Builder timeLimit(Duration timeLimit) {
			this.timeLimit = timeLimit;
			return this;
		}

		/** Starts sending. */
		public Traffic start() {
			return new Traffic(this);
		}

		/**
		 * Sends every request and waits until all are answered (at most {@code limit}:
		 * generous).
		 */
		public Traffic send(Duration limit) {
			return start().awaitFinished(limit);
		}

	}

}
