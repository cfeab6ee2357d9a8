package io.canarygateway.sample.demo;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import tools.jackson.databind.JsonNode;

import io.canarygateway.autoconfigure.CanaryProperties;
import io.canarygateway.sample.demo.CanaryApi.ApiException;
import io.canarygateway.sample.demo.DemoCluster.StartupException;
import io.canarygateway.sample.demo.TrafficGenerator.Snapshot;

import static io.canarygateway.sample.demo.CanaryApi.integer;
import static io.canarygateway.sample.demo.CanaryApi.number;
import static io.canarygateway.sample.demo.CanaryApi.text;

/**
 * {@code ./demo}: the whole Canary Gateway story in one JVM. Starts the sample services
 * and the sample gateway on free ports, sends traffic, then plays four acts through the
 * gateway's actuator endpoint, as an operator would:
 * <ol>
 * <li>a bad canary ({@code orders} v2 failing 15 % of requests and 150 ms slower) that
 * the judge rolls back;</li>
 * <li>a good canary ({@code orders} v2 healthy, with {@code payments} v2 alongside, which
 * stops at its manual gate until the operator resumes it) promoted step by step;</li>
 * <li>the next version: {@code orders} v3 is deployed while the gateway runs and started
 * with {@code {"version": "v3"}}; v2 becomes the stable version it is compared with, v1
 * is retired, and v3 is promoted — the gateway is never restarted;</li>
 * <li>a promotion the pipeline approves: {@code orders} v4 waits at its last step until
 * its confirm-promotion webhook answers 200 (a local stand-in for a pipeline), while a
 * post-rollout webhook prints chat lines;</li>
 * <li>a release across two services ({@code checkout}: orders v4→v5, payments v7→v8,
 * payments called by orders): payments v8 fails a quarter of its charges, orders v5 is
 * fine, and both are rolled back together; no checkout mixes an old and a new
 * version.</li>
 * </ol>
 * Live status on a terminal, plain timestamped lines otherwise, then a summary table. See
 * {@code docs/demo.md}.
 */
public final class Demo {

	static final int USERS = 1000;

	/** What makes payments v8 bad in act 5: a quarter of its charges fail. */
	static final String CHECKOUT_FAULTS = "{\"errorRate\":0.25,\"errorStatus\":500}";

	static final String BAD_FAULTS = "{\"errorRate\":0.15,\"errorStatus\":500,\"latencyMs\":150,\"latencyJitterMs\":20}";

	/**
	 * What every instance runs with anyway (a little natural latency); see
	 * {@link DemoCluster}.
	 */
	static final String HEALTHY = "{\"errorRate\":0,\"latencyMs\":2,\"latencyJitterMs\":6}";

	/**
	 * One release's outcome in one act, with the versions its record held at the end.
	 */
	record ActResult(int act, String release, String state, String reason, Duration decidedIn, long requests,
			long getErrors, long postErrors, long canaryRequests, long canaryFailed, int steps, String stableVersion,
			String canaryVersion, String previousVersion) {
	}

	/** How the demo ended. */
	record Result(int exitCode, List<ActResult> acts, String failure) {

		ActResult act(int act, String release) {
			return this.acts.stream()
				.filter((r) -> r.act() == act && r.release().equals(release))
				.findFirst()
				.orElse(null);
		}

	}

	private final DemoOptions options;

	private final Terminal term;

	private final DemoCluster cluster;

	private final Map<String, Watch> watches = new LinkedHashMap<>();

	private final List<ActResult> results = new ArrayList<>();

	private final long startNanos = System.nanoTime();

	private TrafficGenerator traffic;

	private CanaryApi api;

	/** The pipeline gate and chat channel the gateway's webhooks call (act 4). */
	private final DemoHookReceiver hooks = new DemoHookReceiver();

	private volatile boolean stopping;

	private volatile boolean finished;

	private long lastPlainNanos;

	private Snapshot rateSnapshot;

	private double clientRate;

	Demo(DemoOptions options, PrintStream out) {
		this.options = options;
		this.term = new Terminal(out, options);
		this.cluster = new DemoCluster(options);
	}

	public static void main(String[] args) {
		DemoOptions options;
		try {
			options = DemoOptions.parse(args);
		}
		catch (IllegalArgumentException ex) {
			System.err.println("demo: " + ex.getMessage());
			System.exit(64);
			return;
		}
		if (options.help()) {
			System.out.print(DemoOptions.USAGE);
			System.exit(0);
			return;
		}
		PrintStream out = options.unicode()
				? new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8) : System.out;
		Demo demo = new Demo(options, out);
		Runtime.getRuntime().addShutdownHook(new Thread(demo::interrupted, "demo-shutdown"));
		Result result = demo.run();
		demo.finished = true;
		out.flush();
		System.exit(result.exitCode());
	}

	/** Ctrl-C (or any other end of the JVM): stop everything this demo started. */
	private void interrupted() {
		if (!this.finished) {
			this.stopping = true;
			this.term.endStatus();
			this.term.print("\n" + "interrupted: stopping the traffic, the gateway and the services…");
		}
		stopAll();
		this.term.restoreCursor();
	}

	private void stopAll() {
		TrafficGenerator generator = this.traffic;
		if (generator != null) {
			generator.close();
		}
		this.cluster.close();
		this.hooks.close();
	}

	/**
	 * Plays the story; returns when it is over (with {@code --keep}: when interrupted).
	 */
	Result run() {
		String failure = null;
		int code = 0;
		try {
			start();
			act1();
			pause(this.options.breather());
			act2();
			pause(this.options.breather());
			act3();
			pause(this.options.breather());
			act4();
			pause(this.options.breather());
			act5();
			this.term.endStatus();
			failure = summary();
			code = (failure != null) ? 1 : 0;
			if (this.options.keep() && !this.stopping) {
				keepRunning();
			}
		}
		catch (StartupException ex) {
			failure = ex.getMessage();
			code = 2;
			this.term.endStatus();
			this.term.print(this.term.red(this.term.cross() + " " + failure));
			showLogTail();
		}
		catch (RuntimeException ex) {
			if (this.stopping) {
				return new Result(130, List.copyOf(this.results), "interrupted");
			}
			failure = (ex instanceof StoryException || ex instanceof ApiException) ? ex.getMessage() : ex.toString();
			code = 1;
			this.term.endStatus();
			if (!this.results.isEmpty()) {
				summary();
			}
			this.term.print(this.term.red(this.term.cross() + " the demo did not go as expected: " + failure));
			if (this.options.logFile() != null) {
				this.term.print("  logs: " + this.options.logFile());
			}
		}
		finally {
			this.term.restoreCursor();
			if (!this.options.keep() || code != 0 || this.stopping) {
				stopAll();
			}
		}
		if (this.stopping) {
			return new Result(130, List.copyOf(this.results), "interrupted");
		}
		return new Result(code, List.copyOf(this.results), failure);
	}

	// ---- setting the stage ----

	private void start() {
		Terminal t = this.term;
		t.print(t.bold("Canary Gateway demo") + ": a bad canary is rolled back, a good one promoted, the next "
				+ "version shipped without a restart, and a release across two services rolled back together"
				+ (this.options.fast() ? " (fast mode)" : "") + ".");
		if (this.options.logFile() != null) {
			try {
				Files.createDirectories(this.options.logFile().toAbsolutePath().getParent());
				Files.deleteIfExists(this.options.logFile());
			}
			catch (IOException ex) {
				throw new StartupException("the log file " + this.options.logFile(), ex);
			}
		}
		t.event("starting orders v1 (two instances), orders v2, payments v1, v2, v7, v8 and the sample gateway…");
		long begin = System.nanoTime();
		this.cluster.startServices();
		this.cluster.webhooks(this.hooks.url("/approve"), this.hooks.url("/chat"));
		this.cluster.startGateway();
		this.api = new CanaryApi(this.cluster.gatewayUrl(), this.cluster.adminUser(), this.cluster.adminPassword());
		probe("/orders/1");
		probe("/payments/1");
		t.event("ready in " + seconds(Duration.ofNanos(System.nanoTime() - begin)));
		for (String release : List.of("orders", "payments")) {
			Watch watch = new Watch(release);
			watch.track(this.api.release(release));
			this.watches.put(release, watch);
		}
		Map<String, DemoCluster.Service> s = this.cluster.services();
		String gw = this.cluster.publicUrl();
		Watch orders = this.watches.get("orders");
		Watch payments = this.watches.get("payments");
		String indent = "\n" + " ".repeat(13);
		t.print("  gateway    " + gw + "   dashboard " + gw + this.cluster.dashboardPath());
		t.print("  orders     one route on lb://orders, sticky on X-User-Id: v1 :" + s.get("ORDERS_V1_A").port() + " :"
				+ s.get("ORDERS_V1_B").port() + " (stable), v2 :" + s.get("ORDERS_V2").port() + " (canary)" + indent
				+ "steps " + orders.stepsText());
		t.print("  payments   two direct routes: v1 :" + s.get("PAYMENTS_V1").port() + " (stable), v2 :"
				+ s.get("PAYMENTS_V2").port() + " (canary)" + indent + "steps " + payments.stepsText()
				+ ", manual gate at " + gates("payments"));
		t.print("  checkout   one release across orders and payments: GET /orders/checkout on lb://orders, where"
				+ indent + "orders calls payments v7 :" + s.get("PAYMENTS_V7").port() + " (stable) or v8 :"
				+ s.get("PAYMENTS_V8").port() + " (canary) through its own load balancer (act 5)");
		t.print("  judge      looks every " + seconds(this.options.analysisInterval()) + ", needs "
				+ this.options.minRequests() + " canary requests for a verdict;" + indent + "a step lasts at least "
				+ seconds(this.options.stepInterval()) + "; 2 failed verdicts in a row roll back");
		this.traffic = new TrafficGenerator(this.cluster.gatewayUrl(), this.options.rate(), USERS);
		t.print(String.format(Locale.ROOT,
				"  traffic    %d req/s from %,d users (X-User-Id):%sGET /orders/{id} 70 %%, POST /orders 10 %%, "
						+ "GET /payments/{id} 20 %%",
				this.options.rate(), USERS, indent));
		t.print("  webhooks   orders: a pipeline's confirm-promotion gate and a chat channel (post-rollout, Slack format)"
				+ indent + "at a local receiver " + this.hooks.url("/"));
		if (this.options.logFile() != null) {
			t.print("  logs       " + this.options.logFile());
		}
		this.traffic.start();
		this.rateSnapshot = this.traffic.snapshot();
		t.event("traffic flowing; both releases IDLE: every request goes to v1");
		watch(this.options.warmUp(), () -> false, () -> {
		});
	}

	private String gates(String release) {
		try {
			CanaryProperties properties = this.cluster.gatewayContext().getBean(CanaryProperties.class);
			List<Integer> gates = properties.getReleases().get(release).getManualGates();
			if (gates == null) {
				gates = properties.getDefaults().getManualGates();
			}
			return (gates == null || gates.isEmpty()) ? "none"
					: String.join(", ", gates.stream().map(String::valueOf).toList()) + " %";
		}
		catch (RuntimeException ex) {
			return "?";
		}
	}

	private void probe(String path) {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		String last = null;
		while (System.nanoTime() < deadline) {
			try {
				last = this.api.probe(path);
				if (last.startsWith("200 ")) {
					return;
				}
			}
			catch (ApiException ex) {
				last = ex.getMessage();
			}
			sleep(Duration.ofMillis(200));
		}
		throw new StartupException("a route through the gateway",
				new IllegalStateException("GET " + path + " did not answer 200 within 30 s; last: " + last));
	}

	// ---- the acts ----

	private void act1() {
		Terminal t = this.term;
		t.print("");
		t.print(t.rule("Act 1: a bad canary"));
		DemoCluster.Service v2 = this.cluster.service("ORDERS_V2");
		this.api.setFaults(v2.url(), BAD_FAULTS);
		this.api.resetStats(v2.url());
		t.event("orders v2 is broken: it fails " + t.red("15 %") + " of requests (HTTP 500) and answers "
				+ t.red("150 ms") + " slower");
		Snapshot before = this.traffic.snapshot();
		Watch orders = this.watches.get("orders");
		operator("POST /actuator/canary/orders/start");
		orders.started(this.api.act("orders", "start"));
		boolean decided = watch(this.options.actTimeout(), orders::decided, () -> {
		});
		settle();
		Snapshot after = this.traffic.snapshot();
		JsonNode stats = this.api.stats(v2.url());
		ActResult result = orders.result(1, before, after, stats);
		this.results.add(result);
		if (!decided) {
			throw new StoryException("act 1: orders was still " + orders.state() + " at " + orders.weight()
					+ " % after " + seconds(this.options.actTimeout()) + " (expected ROLLED_BACK)");
		}
		t.event(String.format(Locale.ROOT,
				"%s after %s (%s): %,d requests reached the bad canary, %,d of them failed; users saw %s "
						+ "(the gateway retried them on v1) and %s (not retried: POST is not idempotent)",
				t.bold("orders " + t.state(result.state())), seconds(result.decidedIn()), result.reason(),
				result.canaryRequests(), result.canaryFailed(), failed(result.getErrors(), "GET"),
				failed(result.postErrors(), "POST")));
	}

	private void act2() {
		Terminal t = this.term;
		t.print("");
		t.print(t.rule("Act 2: a good canary"));
		DemoCluster.Service ordersV2 = this.cluster.service("ORDERS_V2");
		DemoCluster.Service paymentsV2 = this.cluster.service("PAYMENTS_V2");
		this.api.setFaults(ordersV2.url(), HEALTHY);
		this.api.resetStats(ordersV2.url());
		this.api.resetStats(paymentsV2.url());
		t.event("orders v2 is fixed (faults cleared); payments v2 goes out alongside, with a manual gate at "
				+ gates("payments"));
		Snapshot before = this.traffic.snapshot();
		Watch orders = this.watches.get("orders");
		Watch payments = this.watches.get("payments");
		operator("POST /actuator/canary/orders/start");
		orders.started(this.api.act("orders", "start"));
		operator("POST /actuator/canary/payments/start");
		payments.started(this.api.act("payments", "start"));
		long[] gateSince = { 0 };
		Set<Integer> approved = new HashSet<>();
		boolean decided = watch(this.options.actTimeout(), () -> orders.decided() && payments.decided(), () -> {
			if ("PAUSED".equals(payments.state()) && "gate".equals(payments.reason())
					&& !approved.contains(payments.weight())) {
				if (gateSince[0] == 0) {
					gateSince[0] = System.nanoTime();
				}
				else if (System.nanoTime() - gateSince[0] >= this.options.breather().toNanos()) {
					approved.add(payments.weight());
					gateSince[0] = 0;
					operator("payments looks healthy at " + payments.weight() + " %: POST "
							+ "/actuator/canary/payments/resume");
					payments.update(this.api.act("payments", "resume"));
				}
			}
		});
		settle();
		Snapshot after = this.traffic.snapshot();
		ActResult ordersResult = orders.result(2, before, after, this.api.stats(ordersV2.url()));
		ActResult paymentsResult = payments.result(2, before, after, this.api.stats(paymentsV2.url()));
		this.results.add(ordersResult);
		this.results.add(paymentsResult);
		if (!decided) {
			throw new StoryException("act 2: after " + seconds(this.options.actTimeout()) + " orders was "
					+ orders.state() + " at " + orders.weight() + " % and payments " + payments.state() + " at "
					+ payments.weight() + " % (expected PROMOTED)");
		}
		for (ActResult r : List.of(ordersResult, paymentsResult)) {
			t.event(String.format(Locale.ROOT,
					"%s after %s through %d steps: %,d requests reached v2, %,d failed; " + "users saw %s and %s",
					t.bold(r.release() + " " + t.state(r.state())), seconds(r.decidedIn()), r.steps(),
					r.canaryRequests(), r.canaryFailed(), failed(r.getErrors(), "GET"),
					failed(r.postErrors(), "POST")));
		}
	}

	private void act3() {
		Terminal t = this.term;
		t.print("");
		t.print(t.rule("Act 3: the next version, without a restart"));
		Watch orders = this.watches.get("orders");
		if (!"PROMOTED".equals(orders.state())) {
			throw new StoryException(
					"act 3 ships v3 over the version act 2 promoted, but orders is " + orders.state() + " after act 2");
		}
		String stable = orders.stableVersion();
		String promoted = orders.canaryVersion();
		DemoCluster.Service v3 = this.cluster.deploy("ORDERS_V3", "v3", "orders-v3");
		t.event("orders v3 deployed while the gateway runs: a new instance on :" + v3.port()
				+ ", registered with the gateway's discovery, which now lists "
				+ String.join(", ", this.cluster.discoveredInstances()));
		Snapshot before = this.traffic.snapshot();
		operator("POST /actuator/canary/orders/start {\"version\": \"v3\"}");
		orders.started(this.api.start("orders", "v3"));
		t.event("the promotion hands over: " + t.bold("stable " + orders.stableVersion()) + " (promoted in act 2), "
				+ t.bold("canary " + orders.canaryVersion()) + ", previous " + orders.previousVersion()
				+ "; no request reaches " + stable + " any more");
		if (!promoted.equals(orders.stableVersion()) || !stable.equals(orders.previousVersion())) {
			throw new StoryException("act 3: after start v3, orders has stable " + orders.stableVersion()
					+ " and previous " + orders.previousVersion() + " (expected stable " + promoted + ", previous "
					+ stable + ")");
		}
		this.cluster.retire("ORDERS_V1_A", "ORDERS_V1_B");
		operator("retires orders " + stable + ": its two instances leave the discovery, which now lists "
				+ String.join(", ", this.cluster.discoveredInstances()) + ", and stop");
		boolean decided = watch(this.options.actTimeout(), orders::decided, () -> {
		});
		settle();
		Snapshot after = this.traffic.snapshot();
		ActResult result = orders.result(3, before, after, this.api.stats(v3.url()));
		this.results.add(result);
		if (!decided) {
			throw new StoryException("act 3: orders was still " + orders.state() + " at " + orders.weight()
					+ " % after " + seconds(this.options.actTimeout()) + " (expected PROMOTED)");
		}
		t.event(String.format(Locale.ROOT,
				"%s after %s through %d steps: %,d requests reached v3, %,d failed; users saw %s and %s. "
						+ "The gateway has run since %s without a restart",
				t.bold("orders " + t.state(result.state())), seconds(result.decidedIn()), result.steps(),
				result.canaryRequests(), result.canaryFailed(), failed(result.getErrors(), "GET"),
				failed(result.postErrors(), "POST"), Terminal.clock(this.cluster.gatewayStartedAt())));
	}

	private void act4() {
		Terminal t = this.term;
		t.print("");
		t.print(t.rule("Act 4: a promotion the pipeline approves"));
		Watch orders = this.watches.get("orders");
		if (!"PROMOTED".equals(orders.state())) {
			throw new StoryException(
					"act 4 ships v4 over the version act 3 promoted, but orders is " + orders.state() + " after act 3");
		}
		DemoCluster.Service v4 = this.cluster.deploy("ORDERS_V4", "v4", "orders-v4");
		this.hooks.approve(false);
		t.event("orders v4 deployed on :" + v4.port() + "; the pipeline has not approved it yet: its "
				+ "confirm-promotion hook answers 403");
		Snapshot before = this.traffic.snapshot();
		operator("POST /actuator/canary/orders/start {\"version\": \"v4\"}");
		orders.started(this.api.start("orders", "v4"));
		long[] waitingSince = { 0 };
		boolean[] approved = { false };
		boolean decided = watch(this.options.actTimeout(), orders::decided, () -> {
			String waiting = text(orders.last, "waiting");
			if (approved[0] || waiting == null) {
				return;
			}
			if (waitingSince[0] == 0) {
				waitingSince[0] = System.nanoTime();
				t.event("orders holds at its last step, " + orders.weight() + " % (" + orders.state() + "): "
						+ waiting);
			}
			else if (System.nanoTime() - waitingSince[0] >= this.options.breather().toNanos()) {
				approved[0] = true;
				this.hooks.approve(true);
				t.event(t.bold("pipeline") + "  approves orders v4: the hook answers 200 from now on (asked "
						+ this.hooks.asked() + " times so far)");
			}
		});
		settle();
		poll();
		Snapshot after = this.traffic.snapshot();
		ActResult result = orders.result(4, before, after, this.api.stats(v4.url()));
		this.results.add(result);
		if (!decided) {
			throw new StoryException("act 4: orders was still " + orders.state() + " at " + orders.weight()
					+ " % after " + seconds(this.options.actTimeout()) + " (expected PROMOTED once approved)");
		}
		if (!approved[0]) {
			throw new StoryException("act 4: orders ended " + orders.state() + " before the pipeline approved it "
					+ "(expected it to wait for the confirm-promotion hook)");
		}
		t.event(String.format(Locale.ROOT, "%s after %s (reason %s): %,d requests reached v4, %,d failed",
				t.bold("orders " + t.state(result.state())), seconds(result.decidedIn()), result.reason(),
				result.canaryRequests(), result.canaryFailed()));
	}

	/**
	 * A release across two services: orders v5 is good, the payments v8 it needs is bad;
	 * the gateway rolls both back together, and no checkout mixed an old and a new
	 * version.
	 */
	private void act5() {
		Terminal t = this.term;
		t.print("");
		t.print(t.rule("Act 5: one release across two services"));
		DemoCluster.Service v5 = this.cluster.deploy("ORDERS_V5", "v5", "orders-v5");
		DemoCluster.Service payments8 = this.cluster.service("PAYMENTS_V8");
		t.event("release checkout ships " + t.bold("orders v5 with payments v8")
				+ " (over orders v4 with payments v7): " + "orders v5 deployed on :" + v5.port()
				+ "; orders calls payments v7 :" + this.cluster.service("PAYMENTS_V7").port() + " or v8 :"
				+ payments8.port()
				+ " through its own load balancer, which keeps the lane the gateway chose (X-Canary-Versions)");
		this.api.setFaults(payments8.url(), CHECKOUT_FAULTS);
		this.api.resetStats(payments8.url());
		t.event("payments v8 is broken: it fails " + t.red("25 %") + " of charges; orders v5 itself is fine");
		this.traffic.checkouts();
		t.event("users also check out now: GET /orders/checkout, sticky on X-User-Id across both services");
		Watch checkout = new Watch("checkout");
		checkout.track(this.api.release("checkout"));
		this.watches.put("checkout", checkout);
		// checkouts before the start, on v4 and v7, settle first
		watch(this.options.fast() ? Duration.ofSeconds(1) : Duration.ofSeconds(3), () -> false, () -> {
		});
		Map<String, Long> versionsBefore = this.traffic.checkoutVersions();
		Snapshot before = this.traffic.snapshot();
		operator("POST /actuator/canary/checkout/start");
		checkout.started(this.api.act("checkout", "start"));
		boolean decided = watch(this.options.actTimeout(), checkout::decided, () -> {
		});
		settle();
		Snapshot after = this.traffic.snapshot();
		ActResult result = checkout.result(5, before, after, this.api.stats(payments8.url()));
		this.results.add(result);
		this.checkoutVersions = minus(this.traffic.checkoutVersions(), versionsBefore);
		if (!decided) {
			throw new StoryException("act 5: checkout was still " + checkout.state() + " at " + checkout.weight()
					+ " % after " + seconds(this.options.actTimeout()) + " (expected ROLLED_BACK)");
		}
		t.event(String.format(Locale.ROOT,
				"%s after %s (%s): payments v8 got %,d charges and failed %,d of them, which orders v5 answered "
						+ "with 502: the release's canary errors. Both services are back on v4 and v7; users saw %s",
				t.bold("checkout " + t.state(result.state())), seconds(result.decidedIn()), result.reason(),
				result.canaryRequests(), result.canaryFailed(), failed(result.getErrors(), "GET")));
		t.event("checkouts answered, by the versions that served them: " + describe(this.checkoutVersions));
	}

	/** The checkouts answered during act 5, by versions; empty before it. */
	private Map<String, Long> checkoutVersions = Map.of();

	/** Checkouts that mixed an old and a new version, of {@code versions}. */
	static long mixed(Map<String, Long> versions) {
		return versions.entrySet()
			.stream()
			.filter((e) -> !e.getKey().equals("orders v4 + payments v7")
					&& !e.getKey().equals("orders v5 + payments v8"))
			.mapToLong(Map.Entry::getValue)
			.sum();
	}

	private static Map<String, Long> minus(Map<String, Long> now, Map<String, Long> before) {
		Map<String, Long> out = new java.util.TreeMap<>();
		now.forEach((pair, count) -> {
			long delta = count - before.getOrDefault(pair, 0L);
			if (delta > 0) {
				out.put(pair, delta);
			}
		});
		return out;
	}

	private static String describe(Map<String, Long> versions) {
		List<String> parts = new ArrayList<>();
		versions.forEach((pair, count) -> parts.add(String.format(Locale.ROOT, "%s %,d", pair, count)));
		return parts.isEmpty() ? "none" : String.join(", ", parts);
	}

	private void operator(String what) {
		this.term.event(this.term.bold("operator") + "  " + what);
	}

	/** Lets requests in flight at the decision finish before counting. */
	private void settle() {
		watch(this.options.fast() ? Duration.ofMillis(300) : Duration.ofSeconds(1), () -> false, () -> {
		});
	}

	// ---- the summary ----

	/**
	 * Prints the table; returns what went wrong, or {@code null} when the story ended as
	 * it should.
	 */
	private String summary() {
		Terminal t = this.term;
		t.print("");
		t.print(t.rule("Summary"));
		List<String[]> rows = new ArrayList<>();
		// two header rows keep the table within 80 columns
		rows.add(new String[] { "act", "release", "outcome", "reason", "decided", "requests", "failed", "canary got" });
		rows.add(new String[] { "", "", "", "", "after", "served", "GET/POST", "(failed)" });
		for (ActResult r : this.results) {
			rows.add(new String[] { String.valueOf(r.act()), r.release(), r.state(), r.reason(),
					(r.decidedIn() != null) ? seconds(r.decidedIn()) : "-",
					String.format(Locale.ROOT, "%,d", r.requests()), r.getErrors() + "/" + r.postErrors(),
					String.format(Locale.ROOT, "%,d (%,d)", r.canaryRequests(), r.canaryFailed()) });
		}
		int[] widths = new int[rows.get(0).length];
		for (String[] row : rows) {
			for (int i = 0; i < row.length; i++) {
				widths[i] = Math.max(widths[i], row[i].length());
			}
		}
		boolean[] right = { false, false, false, false, true, true, true, true };
		for (int r = 0; r < rows.size(); r++) {
			StringBuilder line = new StringBuilder(" ");
			for (int i = 0; i < widths.length; i++) {
				String cell = rows.get(r)[i];
				String padded = right[i] ? " ".repeat(widths[i] - cell.length()) + cell
						: cell + " ".repeat(widths[i] - cell.length());
				if (r > 1 && i == 2) {
					padded = t.state(cell) + " ".repeat(widths[i] - cell.length());
				}
				line.append(' ').append(padded).append(' ');
			}
			String text = line.toString().stripTrailing();
			t.print((r < 2) ? t.bold(text) : text);
		}
		t.print("");
		List<String> problems = new ArrayList<>();
		ActResult bad = find(1, "orders");
		if (bad == null || !"ROLLED_BACK".equals(bad.state())) {
			problems.add("act 1 should end ROLLED_BACK, orders ended " + ((bad != null) ? bad.state() : "nowhere"));
		}
		else {
			t.print(t.green(t.check()) + String.format(Locale.ROOT,
					" act 1: the bad canary was rolled back after %s (%s); users saw %s and %s",
					seconds(bad.decidedIn()), bad.reason(), failed(bad.getErrors(), "GET"),
					failed(bad.postErrors(), "POST")));
		}
		for (String release : List.of("orders", "payments")) {
			ActResult good = find(2, release);
			if (good == null || !"PROMOTED".equals(good.state())) {
				problems.add("act 2 should end with " + release + " PROMOTED, it ended "
						+ ((good != null) ? good.state() : "nowhere"));
			}
			else {
				t.print(t.green(t.check()) + String.format(Locale.ROOT,
						" act 2: %s v2 was promoted through %d steps in %s; users saw %s", release, good.steps(),
						seconds(good.decidedIn()), failed(good.getErrors() + good.postErrors(), "request")));
			}
		}
		ActResult next = find(3, "orders");
		if (next == null || !"PROMOTED".equals(next.state()) || !"v2".equals(next.stableVersion())
				|| !"v3".equals(next.canaryVersion()) || !"v1".equals(next.previousVersion())) {
			problems.add(
					"act 3 should end with orders v3 PROMOTED over v2 (previous v1), it ended "
							+ ((next != null)
									? next.state() + " with stable " + next.stableVersion() + ", canary "
											+ next.canaryVersion() + ", previous " + next.previousVersion()
									: "nowhere"));
		}
		else {
			t.print(t.green(t.check()) + String.format(Locale.ROOT,
					" act 3: orders v3 was shipped without a restart and promoted over v2 through %d steps in %s; "
							+ "users saw %s",
					next.steps(), seconds(next.decidedIn()), failed(next.getErrors() + next.postErrors(), "request")));
		}
		ActResult approved = find(4, "orders");
		if (approved == null || !"PROMOTED".equals(approved.state()) || !"webhook".equals(approved.reason())) {
			problems
				.add("act 4 should end with orders v4 PROMOTED by the pipeline's approval (reason webhook), it ended "
						+ ((approved != null) ? approved.state() + " (reason " + approved.reason() + ")" : "nowhere"));
		}
		else {
			t.print(t.green(t.check()) + String.format(Locale.ROOT,
					" act 4: orders v4 waited at its last step for the pipeline's approval, then was promoted in %s",
					seconds(approved.decidedIn())));
		}
		ActResult group = find(5, "checkout");
		long mixed = mixed(this.checkoutVersions);
		if (group == null || !"ROLLED_BACK".equals(group.state())) {
			problems.add("act 5 should end with checkout ROLLED_BACK, it ended "
					+ ((group != null) ? group.state() : "nowhere"));
		}
		else if (mixed > 0 || this.checkoutVersions.isEmpty()) {
			problems.add("act 5: " + mixed + " checkouts mixed an old and a new version, of "
					+ describe(this.checkoutVersions));
		}
		else {
			t.print(t.green(t.check()) + String.format(Locale.ROOT,
					" act 5: a bad payments v8 behind a good orders v5 rolled both back after %s (%s); "
							+ "no checkout mixed v4 with v8 or v5 with v7; users saw %s",
					seconds(group.decidedIn()), group.reason(), failed(group.getErrors(), "GET")));
		}
		Duration total = Duration.ofNanos(System.nanoTime() - this.startNanos);
		if (problems.isEmpty()) {
			t.print("The story ended as expected in " + seconds(total) + ".");
			return null;
		}
		String failure = String.join("; ", problems);
		t.print(t.red(t.cross() + " " + failure));
		return failure;
	}

	private ActResult find(int act, String release) {
		return this.results.stream()
			.filter((r) -> r.act() == act && r.release().equals(release))
			.findFirst()
			.orElse(null);
	}

	// ---- --keep ----

	private void keepRunning() {
		Terminal t = this.term;
		String gw = this.cluster.publicUrl();
		String auth = "-u " + this.cluster.adminUser() + ":" + this.cluster.adminPassword();
		// after act 3: v3 promoted over v2
		String v3 = this.cluster.service("ORDERS_V3").url().replace("127.0.0.1", "localhost");
		t.print("");
		t.print(t.rule("Still running (--keep)"));
		t.print("  dashboard  " + t.bold(gw + this.cluster.dashboardPath()));
		t.print("  actuator   " + gw + "/actuator/canary   (POST needs " + auth + ")");
		t.print("  metrics    " + gw + "/actuator/prometheus   (needs " + auth + ")");
		t.print("");
		t.print("  curl -s " + gw + "/actuator/canary/orders");
		t.print("  curl -s " + auth + " -X POST " + gw + "/actuator/canary/orders/start");
		t.print("  curl -s " + auth + " -X POST " + gw + "/actuator/canary/orders/promote");
		t.print("  curl -s " + auth + " -X POST " + gw + "/actuator/canary/orders/abort");
		t.print("  curl -s " + auth + " -X POST " + gw + "/actuator/canary/orders/pause");
		t.print("  curl -s " + auth + " -X POST " + gw + "/actuator/canary/orders/resume");
		t.print("  curl -s " + auth + " -X POST " + gw
				+ "/actuator/canary/orders/weight -H 'Content-Type: application/json' -d '{\"weight\": 30}'");
		t.print("  # the next version; deploy it first: no v4 instance runs here, so its share of the traffic");
		t.print("  # falls back to stable (v3 once v4 starts) and the progress deadline pauses the rollout");
		t.print("  curl -s " + auth + " -X POST " + gw
				+ "/actuator/canary/orders/start -H 'Content-Type: application/json' -d '{\"version\": \"v4\"}'");
		t.print("  # break orders v3, or heal it (restart its rollout first to see the judge at work):");
		t.print("  curl -s -X PUT " + v3 + "/_sample/faults -H 'Content-Type: application/json' -d '" + BAD_FAULTS
				+ "'");
		t.print("  curl -s -X DELETE " + v3 + "/_sample/faults");
		t.print("  curl -s " + gw + "/orders/42 -H 'X-User-Id: alice' -H 'X-Canary: always' -i");
		t.print("");
		t.print("Traffic keeps flowing. Press Ctrl-C to stop everything.");
		try {
			while (!this.stopping) {
				watch(Duration.ofSeconds(60), () -> this.stopping, () -> {
				});
			}
		}
		catch (RuntimeException ex) {
			if (!this.stopping) {
				throw ex;
			}
		}
	}

	// ---- watching ----

	/**
	 * Polls the releases, prints what changed and redraws the status until {@code done}
	 * or the timeout.
	 * @return whether {@code done} became true
	 */
	private boolean watch(Duration timeout, BooleanSupplier done, Runnable eachPoll) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			if (this.stopping) {
				throw new StoryException("interrupted");
			}
			poll();
			eachPoll.run();
			if (done.getAsBoolean()) {
				return true;
			}
			if (System.nanoTime() >= deadline) {
				return false;
			}
			sleep(this.options.pollInterval());
		}
	}

	private void poll() {
		for (Watch watch : this.watches.values()) {
			watch.update(this.api.release(watch.release));
		}
		for (String message : this.hooks.takeChat()) {
			// as a chat client shows a Slack message: its escapes undone
			this.term.event(this.term.bold("chat") + "      #releases  "
					+ message.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"));
		}
		render();
	}

	private void render() {
		long now = System.nanoTime();
		Snapshot snapshot = this.traffic.snapshot();
		double dt = (snapshot.atNanos() - this.rateSnapshot.atNanos()) / 1e9;
		if (dt >= 1) {
			this.clientRate = (snapshot.completedAll() - this.rateSnapshot.completedAll()) / dt;
			this.rateSnapshot = snapshot;
		}
		Terminal t = this.term;
		if (t.live()) {
			List<String> lines = new ArrayList<>();
			lines.add("");
			for (Watch watch : this.watches.values()) {
				lines.addAll(watch.statusLines());
			}
			TrafficGenerator.Counts get = snapshot.of(TrafficGenerator.Kind.ORDERS_GET)
				.plus(snapshot.of(TrafficGenerator.Kind.PAYMENTS_GET));
			TrafficGenerator.Counts post = snapshot.of(TrafficGenerator.Kind.ORDERS_POST);
			long elapsed = Duration.ofNanos(now - this.startNanos).toSeconds();
			lines.add(String.format(Locale.ROOT, "%-9s %3.0f req/s  %,d requests  failed: GET %s  POST %s   %d:%02d",
					"users", this.clientRate, snapshot.completedAll(), count(get.errors()), count(post.errors()),
					elapsed / 60, elapsed % 60));
			t.status(lines);
		}
		else {
			long every = (this.options.fast() ? Duration.ofSeconds(1) : Duration.ofSeconds(2)).toNanos();
			if (now - this.lastPlainNanos >= every) {
				this.lastPlainNanos = now;
				List<String> lines = new ArrayList<>();
				for (Watch watch : this.watches.values()) {
					if (watch.active()) {
						lines.add(watch.plainLine());
					}
				}
				if (!lines.isEmpty()) {
					lines.add(String.format(Locale.ROOT, "%-9s %.0f req/s, %,d requests, %,d failed", "users",
							this.clientRate, snapshot.completedAll(), snapshot.errorsAll()));
					t.plainStatus(lines);
				}
			}
		}
	}

	/** What the demo knows of one release, from polling the actuator. */
	private final class Watch {

		final String release;

		JsonNode last;

		final Set<String> seen = new HashSet<>();

		final Set<String> evidenceShown = new HashSet<>();

		String lastVerdictAt;

		String printedVerdict;

		String printedStep;

		Instant startedAt;

		Watch(String release) {
			this.release = release;
		}

		/** Starts watching: what happened before is not news. */
		void track(JsonNode release) {
			this.last = release;
			for (JsonNode transition : release.path("history")) {
				this.seen.add(key(transition));
			}
			JsonNode verdict = release.path("analysis");
			this.lastVerdictAt = verdict.isObject() ? text(verdict, "at") : null;
		}

		void started(JsonNode release) {
			this.startedAt = instant(text(release, "stepStartedAt"));
			update(release);
		}

		void update(JsonNode release) {
			this.last = release;
			for (JsonNode transition : release.path("history")) {
				if (this.seen.add(key(transition))) {
					transition(transition);
				}
			}
			JsonNode verdict = release.path("analysis");
			if (verdict.isObject()) {
				String at = text(verdict, "at");
				if (at != null && !at.equals(this.lastVerdictAt)) {
					this.lastVerdictAt = at;
					verdict(verdict);
				}
			}
		}

		private String key(JsonNode transition) {
			return text(transition, "at") + "|" + text(transition, "to") + "|" + text(transition, "weight") + "|"
					+ text(transition, "reason");
		}

		String state() {
			return text(this.last, "state");
		}

		String reason() {
			return text(this.last, "reason");
		}

		int weight() {
			return (int) integer(this.last, "weight");
		}

		String stableVersion() {
			return text(this.last, "stableVersion");
		}

		String canaryVersion() {
			return text(this.last, "canaryVersion");
		}

		String previousVersion() {
			return text(this.last, "previousVersion");
		}

		List<Integer> steps() {
			List<Integer> steps = new ArrayList<>();
			this.last.path("steps").forEach((s) -> steps.add(s.asInt()));
			return steps;
		}

		String stepsText() {
			return String.join(" ", steps().stream().map(String::valueOf).toList()) + " %";
		}

		boolean active() {
			String state = state();
			return "PROGRESSING".equals(state) || "PAUSED".equals(state);
		}

		/** Rolled back, promoted, or stuck (paused by the progress deadline). */
		boolean decided() {
			String state = state();
			return "ROLLED_BACK".equals(state) || "PROMOTED".equals(state)
					|| ("PAUSED".equals(state) && "deadline".equals(reason()));
		}

		private String name() {
			return String.format(Locale.ROOT, "%-9s ", this.release);
		}

		// ---- events ----

		private void transition(JsonNode transition) {
			Terminal t = Demo.this.term;
			String from = text(transition, "from");
			String to = text(transition, "to");
			String reason = text(transition, "reason");
			int weight = (int) integer(transition, "weight");
			JsonNode evidence = transition.path("evidence");
			List<Integer> steps = steps();
			String head;
			if ("PROGRESSING".equals(from) && "PROGRESSING".equals(to) || "PAUSED".equals(to) && "gate".equals(reason)
					&& !"IDLE".equals(from) && steps.indexOf(weight) > 0) {
				int index = steps.indexOf(weight);
				int previous = (index > 0) ? steps.get(index - 1) : 0;
				head = String.format(Locale.ROOT, "step %d/%d: %d %% %s %s", index + 1, steps.size(), previous,
						t.arrow(), t.bold(weight + " %"));
				if (!"PROGRESSING".equals(to)) {
					head += "  " + t.state(to);
				}
			}
			else {
				head = t.state(from) + " " + t.arrow() + " " + t.state(to) + "  " + weight + " %";
				if ("PROGRESSING".equals(to) && !"PAUSED".equals(from) && steps.indexOf(weight) >= 0) {
					head += String.format(Locale.ROOT, " (step %d/%d)", steps.indexOf(weight) + 1, steps.size());
				}
				String version = text(transition, "version");
				if (version != null && isRollout(from, to)) {
					head += "  rollout of " + t.bold(version);
				}
			}
			StringBuilder text = new StringBuilder(name()).append(head)
				.append("   ")
				.append(t.dim(reason + ": " + explain(reason, to)));
			if (evidence.isObject()) {
				this.evidenceShown.add(text(evidence, "at"));
				String verdict = text(evidence, "verdict");
				text.append("\n  ")
					.append("ROLLED_BACK".equals(to) ? "evidence" : "verdict " + t.verdict(verdict))
					.append(": ")
					.append(figures(evidence));
				if ("ROLLED_BACK".equals(to) || "fail".equals(verdict)) {
					for (JsonNode why : evidence.path("reasons")) {
						text.append("\n  - ").append(why.asString());
					}
				}
			}
			t.event(text.toString());
		}

		/** Whether a transition starts a new rollout. */
		private static boolean isRollout(String from, String to) {
			boolean split = "PROGRESSING".equals(to) || "PAUSED".equals(to);
			return split && ("IDLE".equals(from) || "PROMOTED".equals(from) || "ROLLED_BACK".equals(from));
		}

		private String explain(String reason, String to) {
			if (reason == null) {
				return "";
			}
			return switch (reason) {
				case "manual" -> "the operator asked for it";
				case "analysis" -> "the judge failed the canary twice in a row";
				case "breaker" -> "the canary's circuit breaker opened";
				case "gate" -> "a manual gate: waiting for an operator to resume or promote";
				case "deadline" -> "no step advance within the progress deadline";
				case "schedule" -> "PROMOTED".equals(to) ? "the last step passed" : "the step passed";
				default -> reason;
			};
		}

		private void verdict(JsonNode verdict) {
			Terminal t = Demo.this.term;
			String at = text(verdict, "at");
			if (this.evidenceShown.contains(at)) {
				return;
			}
			String result = text(verdict, "verdict");
			String step = text(this.last, "stepStartedAt") + "@" + weight();
			if (!"fail".equals(result) && result != null && result.equals(this.printedVerdict)
					&& step.equals(this.printedStep)) {
				return; // the same as last time in this step: not news
			}
			this.printedVerdict = result;
			this.printedStep = step;
			StringBuilder text = new StringBuilder(name()).append("judge: ").append(t.verdict(result));
			JsonNode reasons = verdict.path("reasons");
			if ("inconclusive".equals(result) && reasons.size() > 0) {
				text.append(" (").append(reasons.get(0).asString()).append(")");
			}
			else {
				text.append("  ").append(figures(verdict));
				if ("fail".equals(result)) {
					for (JsonNode why : reasons) {
						text.append("\n  - ").append(why.asString());
					}
				}
			}
			t.event(text.toString());
		}

		private String figures(JsonNode verdict) {
			JsonNode stable = verdict.path("stable");
			JsonNode canary = verdict.path("canary");
			String sep = " " + Demo.this.term.sep() + " ";
			if (integer(stable, "requests") == 0 && verdict.path("statistics").has("breaker.failureRate")) {
				return String.format(Locale.ROOT, "breaker: %d of the last %d canary calls failed",
						integer(canary, "errors"), integer(canary, "requests"));
			}
			return lane("stable", stable) + sep + lane("canary", canary);
		}

		private String lane(String name, JsonNode lane) {
			long requests = integer(lane, "requests");
			if (requests == 0) {
				return name + " no requests";
			}
			return String.format(Locale.ROOT, "%s %,d req, %s errors, p99 %.0f ms", name, requests,
					percent(number(lane, "errorRate")), number(lane, "p99Ms"));
		}

		// ---- status ----

		/**
		 * Three lines, each under 80 columns: the bar with weight, state, step and
		 * breaker; then one line per lane with its rate, error rate and p99 over the last
		 * analysis interval, and the judge's current verdict.
		 */
		List<String> statusLines() {
			Terminal t = Demo.this.term;
			List<Integer> steps = steps();
			int index = (int) integer(this.last, "step");
			String step = (active() && index >= 0) ? "step " + (index + 1) + "/" + steps.size() : "";
			String verdict = currentVerdict();
			String first = String.format(Locale.ROOT, "%s%s %3d %%  %s  %s  breaker %s", t.bold(name()),
					t.bar(weight(), 20), weight(), pad(t.state(state()), 11), pad(step, 8),
					breaker(text(this.last, "breaker")));
			JsonNode point = lastPoint();
			String indent = " ".repeat(10);
			String stable = indent + laneStatus("stable", stableVersion(), point);
			String canary = indent + laneStatus("canary", canaryVersion(), point);
			if (previousVersion() != null) {
				stable = pad(stable, 60) + t.dim("previous " + previousVersion());
			}
			if (active()) {
				canary = pad(canary, 60) + "judge " + ((verdict != null) ? t.verdict(verdict) : "-");
			}
			return List.of(first, stable, canary);
		}

		private String laneStatus(String lane, String version, JsonNode point) {
			Terminal t = Demo.this.term;
			String label = String.format(Locale.ROOT, "%s %-3s", lane, version);
			JsonNode figures = (point != null) ? point.path(lane) : null;
			long requests = (figures != null) ? integer(figures, "requests") : 0;
			if (requests == 0) {
				return t.dim(label + "    0 req/s");
			}
			double rate = requests / Math.max(0.001, number(point, "seconds"));
			double errors = number(figures, "errorRate");
			String errorText = String.format(Locale.ROOT, "%5.1f %% err", errors * 100);
			return String.format(Locale.ROOT, "%s %4.0f req/s  %s  p99 %4.0f ms", label, rate,
					(errors > 0.01) ? t.red(errorText) : errorText, number(figures, "p99Ms"));
		}

		String plainLine() {
			List<Integer> steps = steps();
			int index = (int) integer(this.last, "step");
			String verdict = currentVerdict();
			JsonNode point = lastPoint();
			String previous = (previousVersion() != null) ? " | previous " + previousVersion() : "";
			return String.format(Locale.ROOT, "%s%3d %% %s step %d/%d | %s | %s%s | judge %s | breaker %s", name(),
					weight(), state(), index + 1, steps.size(), plainLane("stable", stableVersion(), point),
					plainLane("canary", canaryVersion(), point), previous, (verdict != null) ? verdict : "-",
					text(this.last, "breaker"));
		}

		/**
		 * The last verdict if it is about the current step (not one left over from before
		 * it).
		 */
		private String currentVerdict() {
			JsonNode analysis = this.last.path("analysis");
			if (!analysis.isObject()) {
				return null;
			}
			Instant at = instant(text(analysis, "at"));
			Instant stepStarted = instant(text(this.last, "stepStartedAt"));
			return (at != null && stepStarted != null && at.isBefore(stepStarted)) ? null : text(analysis, "verdict");
		}

		private JsonNode lastPoint() {
			JsonNode traffic = this.last.path("traffic");
			return (traffic.isArray() && traffic.size() > 0) ? traffic.get(traffic.size() - 1) : null;
		}

		private String plainLane(String lane, String version, JsonNode point) {
			JsonNode figures = (point != null) ? point.path(lane) : null;
			long requests = (figures != null) ? integer(figures, "requests") : 0;
			if (requests == 0) {
				return lane + " " + version + " 0 req/s";
			}
			double rate = requests / Math.max(0.001, number(point, "seconds"));
			return String.format(Locale.ROOT, "%s %s %.0f req/s %.1f %% err p99 %.0f ms", lane, version, rate,
					number(figures, "errorRate") * 100, number(figures, "p99Ms"));
		}

		private String breaker(String state) {
			Terminal t = Demo.this.term;
			if (state == null) {
				return "?";
			}
			return "CLOSED".equals(state) ? state : t.red(state);
		}

		// ---- the act's result ----

		ActResult result(int act, Snapshot before, Snapshot after, JsonNode canaryStats) {
			Duration decidedIn = null;
			String state = state();
			JsonNode history = this.last.path("history");
			for (JsonNode transition : history) {
				if (state.equals(text(transition, "to"))) {
					Instant at = instant(text(transition, "at"));
					if (this.startedAt != null && at != null && !at.isBefore(this.startedAt)) {
						decidedIn = Duration.between(this.startedAt, at);
					}
				}
			}
			Set<Integer> visited = new HashSet<>();
			for (JsonNode transition : history) {
				Instant at = instant(text(transition, "at"));
				String to = text(transition, "to");
				int weight = (int) integer(transition, "weight");
				if (at != null && this.startedAt != null && !at.isBefore(this.startedAt)
						&& ("PROGRESSING".equals(to) || "PAUSED".equals(to)) && steps().contains(weight)) {
					visited.add(weight);
				}
			}
			int steps = visited.size();
			return new ActResult(act, this.release, state, reason(), decidedIn, after.completed(this.release, before),
					after.errors(this.release, "GET", before), after.errors(this.release, "POST", before),
					integer(canaryStats, "requests"), integer(canaryStats, "failed"), steps, stableVersion(),
					canaryVersion(), previousVersion());
		}

	}

	// ---- small helpers ----

	/** Pads a possibly styled text to a visible width. */
	private static String pad(String styled, int width) {
		int visible = styled.replaceAll("\u001b\\[[0-9;]*m", "").length();
		return styled + " ".repeat(Math.max(0, width - visible));
	}

	private String count(long n) {
		String s = String.format(Locale.ROOT, "%,d", n);
		return (n == 0) ? this.term.green(s) : this.term.red(s);
	}

	/** "0 failed GETs", "1 failed POST" … with the count in colour. */
	private String failed(long n, String what) {
		return count(n) + " failed " + what + ((n == 1) ? "" : "s");
	}

	static String percent(double rate) {
		return String.format(Locale.ROOT, "%.1f %%", rate * 100);
	}

	static String seconds(Duration duration) {
		if (duration == null) {
			return "-";
		}
		double s = duration.toMillis() / 1000.0;
		return (s < 10 && s != Math.rint(s)) ? String.format(Locale.ROOT, "%.1f s", s)
				: String.format(Locale.ROOT, "%.0f s", s);
	}

	static Instant instant(String text) {
		if (text == null) {
			return null;
		}
		try {
			return Instant.parse(text);
		}
		catch (RuntimeException ex) {
			try { // epoch seconds with a fraction
				double epoch = Double.parseDouble(text);
				long secs = (long) Math.floor(epoch);
				return Instant.ofEpochSecond(secs, Math.round((epoch - secs) * 1e9));
			}
			catch (NumberFormatException nfe) {
				return null;
			}
		}
	}

	private void pause(Duration duration) {
		watch(duration, () -> false, () -> {
		});
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new StoryException("interrupted");
		}
	}

	private void showLogTail() {
		Path log = this.options.logFile();
		if (log == null || !Files.isReadable(log)) {
			return;
		}
		try {
			List<String> lines = Files.readAllLines(log);
			int from = Math.max(0, lines.size() - 25);
			this.term.print("  last lines of " + log + ":");
			for (String line : lines.subList(from, lines.size())) {
				this.term.print("    " + line);
			}
		}
		catch (IOException | RuntimeException ex) {
			this.term.print("  logs: " + log);
		}
	}

	/** The story did not go as it should. */
	static final class StoryException extends RuntimeException {

		StoryException(String message) {
			super(message);
		}

	}

}
