package io.canarygateway.sample.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo's users: a steady open-loop stream of requests through the gateway, as a
 * population of users each carrying {@code X-User-Id} (the orders release is sticky on
 * it, so a user stays in one lane).
 * <ul>
 * <li>{@code GET /orders/{id}}: 70 % of the rate,</li>
 * <li>{@code POST /orders}: 10 % (not idempotent: a failed canary POST is not retried on
 * stable),</li>
 * <li>{@code GET /payments/{id}}: 20 %;</li>
 * <li>{@code GET /orders/checkout} (orders calls payments), once {@link #checkouts} is
 * on: 20 % more. The versions of orders and payments each answer names are counted.</li>
 * </ul>
 * Every response other than 2xx, and every request that could not complete, is an error a
 * user saw.
 */
final class TrafficGenerator implements AutoCloseable {

	/** The kinds of request sent. */
	enum Kind {

		ORDERS_GET("orders", "GET", 0.70), ORDERS_POST("orders", "POST", 0.10), PAYMENTS_GET("payments", "GET", 0.20),
		/** Sent only once {@link TrafficGenerator#checkouts} is on, at its own share. */
		CHECKOUT_GET("checkout", "GET", 0);

		final String release;

		final String method;

		final double share;

		Kind(String release, String method, double share) {
			this.release = release;
			this.method = method;
			this.share = share;
		}

	}

	/** What one kind of request did, cumulative since the generator started. */
	record Counts(long sent, long ok, long errors, long dropped) {

		Counts minus(Counts earlier) {
			return new Counts(this.sent - earlier.sent, this.ok - earlier.ok, this.errors - earlier.errors,
					this.dropped - earlier.dropped);
		}

		Counts plus(Counts other) {
			return new Counts(this.sent + other.sent, this.ok + other.ok, this.errors + other.errors,
					this.dropped + other.dropped);
		}

		long completed() {
			return this.ok + this.errors;
		}

	}

	/** Counters of every kind at one moment. */
	record Snapshot(long atNanos, Map<Kind, Counts> counts) {

		Counts of(Kind kind) {
			return this.counts.get(kind);
		}

		/** Completed requests of a release since {@code earlier}. */
		long completed(String release, Snapshot earlier) {
			long total = 0;
			for (Kind kind : Kind.values()) {
				if (kind.release.equals(release)) {
					total += of(kind).minus(earlier.of(kind)).completed();
				}
			}
			return total;
		}

		long errors(String release, String method, Snapshot earlier) {
			long total = 0;
			for (Kind kind : Kind.values()) {
				if (kind.release.equals(release) && kind.method.equals(method)) {
					total += of(kind).minus(earlier.of(kind)).errors();
				}
			}
			return total;
		}

		long completedAll() {
			return this.counts.values().stream().mapToLong(Counts::completed).sum();
		}

		long errorsAll() {
			return this.counts.values().stream().mapToLong(Counts::errors).sum();
		}

	}

	private static final Duration TICK = Duration.ofMillis(10);

	/** A checkout answer's first version: the version of orders, which answered. */
	private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]*)\"");

	/** The version of payments, in the part of the answer orders got from it. */
	private static final Pattern PAYMENTS_VERSION = Pattern
		.compile("\"payments\"\\s*:\\s*\\{[^}]*?\"version\"\\s*:\\s*\"([^\"]*)\"");

	private final URI gateway;

	private final int users;

	private final HttpClient client;

	private final ExecutorService clientExecutor;

	private final ScheduledExecutorService scheduler;

	private final Semaphore inFlight = new Semaphore(400);

	private final Map<Kind, Counter> counters = new EnumMap<>(Kind.class);

	private final Map<Kind, Double> budget = new EnumMap<>(Kind.class);

	private final SplittableRandom random = new SplittableRandom(42);

	private final AtomicReference<String> lastError = new AtomicReference<>();

	private volatile int rate;

	/** The share of the rate sent as checkouts on top of the rest (0: none). */
	private volatile double checkoutShare;

	/** Answered checkouts by the versions of orders and payments that served them. */
	private final Map<String, LongAdder> checkoutVersions = new ConcurrentHashMap<>();

	private volatile boolean running;

	TrafficGenerator(String gatewayUrl, int rate, int users) {
		this.gateway = URI.create(gatewayUrl);
		this.rate = rate;
		this.users = users;
		this.clientExecutor = Executors.newFixedThreadPool(4, daemon("demo-traffic-io"));
		this.client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(2))
			.executor(this.clientExecutor)
			.build();
		this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("demo-traffic"));
		for (Kind kind : Kind.values()) {
			this.counters.put(kind, new Counter());
			this.budget.put(kind, 0.0);
		}
	}

	static ThreadFactory daemon(String name) {
		AtomicInteger n = new AtomicInteger();
		return (runnable) -> {
			Thread thread = new Thread(runnable, name + "-" + n.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

	void start() {
		this.running = true;
		this.scheduler.scheduleAtFixedRate(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
	}

	/** Starts sending checkouts: 20 % on top of the other requests. */
	void checkouts() {
		this.checkoutShare = 0.20;
	}

	/**
	 * Answered checkouts so far by the versions that served them, as
	 * {@code orders v4 + payments v8}.
	 */
	Map<String, Long> checkoutVersions() {
		Map<String, Long> out = new TreeMap<>();
		this.checkoutVersions.forEach((pair, count) -> out.put(pair, count.sum()));
		return out;
	}

	int rate() {
		return this.rate;
	}

	int users() {
		return this.users;
	}

	/** The last error a user saw, e.g. {@code POST /orders → 500}. */
	String lastError() {
		return this.lastError.get();
	}

	Snapshot snapshot() {
		Map<Kind, Counts> counts = new EnumMap<>(Kind.class);
		this.counters.forEach((kind, counter) -> counts.put(kind, counter.counts()));
		return new Snapshot(System.nanoTime(), counts);
	}

	private void tick() {
		if (!this.running) {
			return;
		}
		double perTick = this.rate * TICK.toMillis() / 1000.0;
		for (Kind kind : Kind.values()) {
			double share = (kind == Kind.CHECKOUT_GET) ? this.checkoutShare : kind.share;
			double due = this.budget.get(kind) + perTick * share;
			while (due >= 1) {
				due -= 1;
				send(kind);
			}
			this.budget.put(kind, due);
		}
	}

	private void send(Kind kind) {
		Counter counter = this.counters.get(kind);
		counter.sent.increment();
		if (!this.inFlight.tryAcquire()) {
			counter.dropped.increment(); // the gateway is not keeping up: do not pile on
			return;
		}
		int user = 1 + this.random.nextInt(this.users);
		int id = 1000 + this.random.nextInt(9000);
		HttpRequest.Builder request = HttpRequest.newBuilder()
			.timeout(Duration.ofSeconds(10))
			.header("X-User-Id", String.format("user-%04d", user));
		String path;
		switch (kind) {
			case ORDERS_GET -> {
				path = "/orders/" + id;
				request.GET();
			}
			case ORDERS_POST -> {
				path = "/orders";
				request.header("Content-Type", "application/json")
					.POST(HttpRequest.BodyPublishers.ofString("{\"item\":" + id + ",\"quantity\":1}"));
			}
			case CHECKOUT_GET -> {
				path = "/orders/checkout";
				request.GET();
			}
			default -> {
				path = "/payments/" + id;
				request.GET();
			}
		}
		request.uri(this.gateway.resolve(path));
		try {
			this.client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
				.whenComplete((response, failure) -> {
					this.inFlight.release();
					if (failure == null && response.statusCode() / 100 == 2) {
						counter.ok.increment();
						if (kind == Kind.CHECKOUT_GET) {
							countVersions(response.body());
						}
					}
					else {
						counter.errors.increment();
						this.lastError.set(kind.method + " " + path.replaceAll("/\\d+$", "/{id}") + " → "
								+ ((failure != null) ? failure.getClass().getSimpleName() : response.statusCode()));
					}
				});
		}
		catch (RuntimeException ex) {
			this.inFlight.release();
			counter.errors.increment();
		}
	}

	/**
	 * Counts the versions a checkout's answer names: orders' own {@code version} first,
	 * then {@code payments.version}.
	 */
	private void countVersions(String body) {
		Matcher orders = VERSION.matcher(body);
		Matcher payments = PAYMENTS_VERSION.matcher(body);
		String pair = "orders " + (orders.find() ? orders.group(1) : "?") + " + payments "
				+ (payments.find() ? payments.group(1) : "?");
		this.checkoutVersions.computeIfAbsent(pair, (p) -> new LongAdder()).increment();
	}

	/**
	 * Stops sending; requests in flight finish (or are abandoned when the gateway stops).
	 */
	@Override
	public void close() {
		this.running = false;
		this.scheduler.shutdownNow();
		this.clientExecutor.shutdownNow();
	}

	private static final class Counter {

		final LongAdder sent = new LongAdder();

		final LongAdder ok = new LongAdder();

		final LongAdder errors = new LongAdder();

		final LongAdder dropped = new LongAdder();

		Counts counts() {
			return new Counts(this.sent.sum(), this.ok.sum(), this.errors.sum(), this.dropped.sum());
		}

	}

}
