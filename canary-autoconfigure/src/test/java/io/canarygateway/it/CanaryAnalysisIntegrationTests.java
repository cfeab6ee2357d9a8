package io.canarygateway.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.canarygateway.control.ActionResult;
import io.canarygateway.control.ManagedRelease;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Verdict;
import io.canarygateway.event.CanaryTransitionEvent;
import io.canarygateway.testing.Traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The automation end to end: real backends with injected failures, real client traffic
 * through the gateway, the breaker, the judge, progression and retry on stable. Each
 * scenario has its own release and service so that the scenarios share one application
 * context.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(CanaryAnalysisIntegrationTests.Events.class)
class CanaryAnalysisIntegrationTests {

	static final List<TestBackend> backends = new ArrayList<>();

	static final int DEAD_PORT = freePort();

	/** How many clients send a test's traffic at once. */
	static final int CLIENTS = 4;

	/**
	 * Generous: a busy two-core machine is slow, and none of these waits measures speed.
	 * How fast the automation reacts is measured in requests (how many reached a failing
	 * canary, how many clients saw an error).
	 */
	static final Duration LONG = Duration.ofSeconds(120);

	@Autowired
	ReleaseController controller;

	@Autowired
	Events events;

	@Autowired
	MeterRegistry meters;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		release(registry, 0, "hard", backend("hard", "v2"));
		release(registry, 1, "hardpost", backend("hardpost", "v2"));
		release(registry, 2, "errors", backend("errors", "v2"));
		release(registry, 3, "slow", backend("slow", "v2"));
		release(registry, 4, "healthy", backend("healthy", "v2"));
		release(registry, 5, "quiet", backend("quiet", "v2"));
		release(registry, 6, "gated", backend("gated", "v2"));
		release(registry, 7, "dead", "http://127.0.0.1:" + DEAD_PORT);
		release(registry, 8, "forced", backend("forced", "v2"));
		release(registry, 9, "tail", backend("tail", "v2"));
		registry.add("canary.defaults.stable-version", () -> "v1");
		registry.add("canary.defaults.canary-version", () -> "v2");
		registry.add("canary.defaults.auto-start", () -> "false");
		registry.add("canary.defaults.steps", () -> "20,50,100");
		registry.add("canary.defaults.step-interval", () -> "30s");
		registry.add("canary.defaults.analysis.interval", () -> "500ms");
		registry.add("canary.defaults.analysis.min-requests", () -> "20");
		// the breaker's test: the judge, which would roll the failing canary back too
		// (at its first look), must not come first on a slow machine
		registry.add("canary.releases.hard.analysis.failure-threshold", () -> "1000");
		registry.add("canary.releases.healthy.steps", () -> "10,50,100");
		registry.add("canary.releases.healthy.step-interval", () -> "1s");
		registry.add("canary.releases.healthy.analysis.interval", () -> "250ms");
		registry.add("canary.releases.gated.steps", () -> "10,50,100");
		registry.add("canary.releases.gated.manual-gates", () -> "50");
		registry.add("canary.releases.gated.step-interval", () -> "1s");
		registry.add("canary.releases.gated.analysis.interval", () -> "250ms");
		// the healthy releases are judged on errors: a shared test machine's pauses hit
		// one lane or the other and
		// make p99 noisy, and one failed verdict keeps a step from advancing
		registry.add("canary.releases.healthy.analysis.latency-tolerance", () -> "3");
		registry.add("canary.releases.gated.analysis.latency-tolerance", () -> "3");
		registry.add("canary.releases.healthy.analysis.max-latency", () -> "1m");
		registry.add("canary.releases.gated.analysis.max-latency", () -> "1m");
		registry.add("canary.releases.quiet.steps", () -> "10,100");
		// no traffic: the deadline (which must be longer than the step-interval) pauses
		// it
		registry.add("canary.releases.quiet.step-interval", () -> "1s");
		registry.add("canary.releases.quiet.progress-deadline", () -> "2s");
		registry.add("canary.releases.quiet.analysis.interval", () -> "250ms");
	}

	/**
	 * Registers service {@code name} (a stable and a canary instance), its route and its
	 * release.
	 */
	private static void release(DynamicPropertyRegistry registry, int index, String name, String canaryUri) {
		String stable = backend(name, "v1");
		String simple = "spring.cloud.discovery.client.simple.instances." + name;
		registry.add(simple + "[0].uri", () -> stable);
		registry.add(simple + "[0].metadata.version", () -> "v1");
		registry.add(simple + "[1].uri", () -> canaryUri);
		registry.add(simple + "[1].metadata.version", () -> "v2");
		String route = "spring.cloud.gateway.server.webflux.routes[" + index + "]";
		registry.add(route + ".id", () -> name);
		registry.add(route + ".uri", () -> "lb://" + name);
		registry.add(route + ".predicates[0]", () -> "Path=/" + name + "/**");
		registry.add(route + ".filters[0]", () -> "Canary=" + name);
		registry.add("canary.releases." + name + ".stable-version", () -> "v1");
	}

	private static String backend(String name, String version) {
		TestBackend backend = new TestBackend(version, name + "-" + version);
		backends.add(backend);
		return backend.uri();
	}

	private static TestBackend backendOf(String name, String version) {
		return backends.stream().filter((b) -> b.instance.equals(name + "-" + version)).findFirst().orElseThrow();
	}

	@AfterAll
	static void stopBackends() {
		backends.forEach(TestBackend::close);
	}

	@Test
	void hardFailingCanaryIsRolledBackByItsBreakerAndGetClientsSeeNoError() throws Exception {
		TestBackend canary = backendOf("hard", "v2");
		canary.failWith(500);
		start("hard");
		// at 20 %, enough canary requests for the breaker (it opens at 10 failures),
		// however fast the machine
		Traffic traffic = get("/hard/1").requests(400).send(LONG);
		awaitState("hard", ReleaseState.ROLLED_BACK);
		ReleaseStatus status = this.controller.release("hard").status();
		assertThat(status.reason().tag()).isEqualTo("breaker");
		assertThat(status.lastTransition().evidence().reasons()).anyMatch((r) -> r.contains("canary-hard"));
		assertThat(this.controller.release("hard").killSwitch().stateName()).isEqualTo("FORCED_OPEN");
		// the 10 calls that opened the breaker and at most one per client on its way
		// then: the breaker, not the
		// machine's speed, bounds what reaches a failing canary
		long reached = canary.requests();
		assertThat(reached).as("requests that reached the failing canary").isLessThanOrEqualTo(25);
		Traffic after = get("/hard/1").requests(100).send(LONG);
		assertThat(canary.requests()).as("canary requests after the rollback").isEqualTo(reached);
		assertThat(traffic.errors() + after.errors()).as("errors GET clients saw: %s, %s", traffic, after).isZero();
		assertThat(traffic.ok()).isEqualTo(400);
		assertThat(this.events.of("hard")).anyMatch((e) -> e.getTo() == ReleaseState.ROLLED_BACK);
	}

	@Test
	void hardFailingCanaryUnderPostCostsAtMostTwentyFiveClientErrors() throws Exception {
		backendOf("hardpost", "v2").failWith(500);
		start("hardpost");
		// POSTs are not retried: each one that reached the canary before its breaker
		// opened failed
		Traffic traffic = post("/hardpost/1").requests(400).send(LONG);
		awaitState("hardpost", ReleaseState.ROLLED_BACK);
		assertThat(traffic.errors()).as("errors POST clients saw: %s", traffic).isBetween(1L, 25L);
	}

	@Test
	void canaryWithTenPercentErrorsIsRolledBackByTheJudgeWithEvidence() throws Exception {
		backendOf("errors", "v2").failEvery(10);
		start("errors");
		awaitFirstLook("errors");
		// about 100 canary requests in the step's window, 10 % of them failed: then the
		// judge decides, traffic
		// or not
		Traffic traffic = get("/errors/1").requests(500).send(LONG);
		assertThat(traffic.errors()).as("retried on stable: %s", traffic).isZero();
		awaitState("errors", ReleaseState.ROLLED_BACK);
		ReleaseStatus status = this.controller.release("errors").status();
		assertThat(status.reason().tag()).isEqualTo("analysis");
		Verdict evidence = status.lastTransition().evidence();
		assertThat(evidence.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(evidence.canary().errorRate()).isGreaterThan(0.05);
		assertThat(evidence.stable().errorRate()).isZero();
		assertThat(evidence.statistics()).containsKey("errorRate.eValue");
		assertThat(status.history()).noneMatch((t) -> t.to() == ReleaseState.PROMOTED);
	}

	@Test
	void slowCanaryIsRolledBack() throws Exception {
		backendOf("slow", "v2").delay(350);
		start("slow");
		// traffic until the judge has seen enough: how many stable requests it needs to
		// bound stable's p99 depends
		// on how noisy the machine is
		try (Traffic traffic = get("/slow/1").concurrency(16).start()) {
			awaitState("slow", ReleaseState.ROLLED_BACK);
		}
		Verdict evidence = this.controller.release("slow").status().lastTransition().evidence();
		assertThat(evidence.canary().p99Ms()).isGreaterThan(300);
		assertThat(evidence.reasons()).anyMatch((r) -> r.contains("p99") || r.contains("latency"));
	}

	@Test
	void canaryWithATailOnlyLatencyRegressionIsRolledBack() throws Exception {
		// every 50th canary request 500 ms slower, the other 98 % as fast as stable: the
		// canary's p99 is barely touched, its slowest requests are
		backendOf("tail", "v2").delayEvery(50, 500);
		start("tail");
		try (Traffic traffic = get("/tail/1").concurrency(16).start()) {
			awaitState("tail", ReleaseState.ROLLED_BACK);
		}
		ReleaseStatus status = this.controller.release("tail").status();
		assertThat(status.reason().tag()).isEqualTo("analysis");
		Verdict evidence = status.lastTransition().evidence();
		assertThat(evidence.reasons()).anyMatch((r) -> r.startsWith("canary latency divided by 1.20 is slower"));
		assertThat(evidence.statistics().get("latency.eValue"))
			.isGreaterThanOrEqualTo(evidence.statistics().get("latency.threshold"));
		assertThat(evidence.canary().errorRate()).isZero();
	}

	@Test
	void healthyCanaryIsPromotedThroughEveryStep() throws Exception {
		start("healthy");
		try (Traffic traffic = get("/healthy/1").pause(Duration.ofMillis(10)).start()) {
			awaitState("healthy", ReleaseState.PROMOTED);
			traffic.stop().awaitFinished(LONG);
			assertThat(traffic.errors()).as("%s", traffic).isZero();
		}
		List<Transition> history = this.controller.release("healthy").status().history();
		assertThat(history).filteredOn((t) -> t.reason().tag().equals("schedule"))
			.extracting(Transition::weight)
			.containsExactly(50, 100, 100);
		assertThat(history.get(0).weight()).as("the operator's start").isEqualTo(10);
		assertThat(history.get(history.size() - 1).to()).isEqualTo(ReleaseState.PROMOTED);
		assertThat(history.get(history.size() - 1).evidence().result()).isEqualTo(Verdict.Result.PASS);
		assertThat(this.meters.find("canary.analysis").tags("release", "healthy", "verdict", "pass").counter().count())
			.isPositive();
		assertThat(this.meters.find("canary.transitions")
			.tags("release", "healthy", "state", "PROMOTED", "reason", "schedule")
			.counter()
			.count()).isEqualTo(1);
	}

	@Test
	void withoutTrafficTheReleaseWaitsAtItsFirstStepAndPausesAtTheDeadline() throws Exception {
		start("quiet");
		awaitState("quiet", ReleaseState.PAUSED);
		ReleaseStatus status = this.controller.release("quiet").status();
		assertThat(status.reason().tag()).isEqualTo("deadline");
		assertThat(status.weight()).isEqualTo(10);
		assertThat(this.controller.release("quiet").lastVerdict().result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(status.history()).noneMatch((t) -> t.to() == ReleaseState.PROMOTED);
	}

	@Test
	void manualGatePausesUntilResumedThenPromotes() throws Exception {
		start("gated");
		try (Traffic traffic = get("/gated/1").pause(Duration.ofMillis(10)).start()) {
			awaitState("gated", ReleaseState.PAUSED);
			ReleaseStatus paused = this.controller.release("gated").status();
			assertThat(paused.reason().tag()).isEqualTo("gate");
			assertThat(paused.weight()).isEqualTo(50);
			// the judge keeps looking meanwhile: a few more looks, and the gate still
			// holds
			long looks = verdicts("gated");
			await().atMost(LONG).until(() -> verdicts("gated") >= looks + 4);
			assertThat(state("gated")).as("a gate waits for an operator").isEqualTo(ReleaseState.PAUSED);
			assertThat(this.controller.operate("gated", Action.RESUME, 0, "operator").kind())
				.isEqualTo(ActionResult.Kind.APPLIED);
			awaitState("gated", ReleaseState.PROMOTED);
		}
	}

	@Test
	void canaryThatIsNotRunningIsRolledBackAndGetClientsSeeNoError() throws Exception {
		start("dead");
		// at 20 %, enough canary requests for the breaker (it opens at 10 failures),
		// however fast the machine
		Traffic traffic = get("/dead/1").requests(400).send(LONG);
		awaitState("dead", ReleaseState.ROLLED_BACK);
		assertThat(traffic.errors()).as("%s", traffic).isZero();
		assertThat(traffic.ok()).isEqualTo(400);
	}

	@Test
	void clientsWhoForceTheirLaneCanNeitherRollTheReleaseBackNorBeJudged() throws Exception {
		// the attack: a path that fails on both versions, asked for again and again with
		// the canary forced
		backendOf("forced", "v1").failWith(500);
		backendOf("forced", "v2").failWith(500);
		start("forced");
		Traffic forced = get("/forced/1").header("X-Canary", "always").requests(200).send(LONG);
		assertThat(forced.sent()).isEqualTo(200);
		assertThat(backendOf("forced", "v2").requests()).as("forced requests are served by the canary").isEqualTo(200);
		// counted, told apart, never judged: no verdict sees them and the breaker does
		// not open
		assertThat(this.meters.get("canary.requests")
			.tags("release", "forced", "lane", "canary", "outcome", "failure", "assignment", "forced")
			.timer()
			.count()).isEqualTo(200);
		long looks = verdicts("forced");
		await().atMost(LONG).until(() -> verdicts("forced") >= looks + 3);
		ManagedRelease release = this.controller.release("forced");
		assertThat(release.status().state()).isEqualTo(ReleaseState.PROGRESSING);
		assertThat(release.killSwitch().stateName()).isEqualTo("CLOSED");
		assertThat(release.lastVerdict().result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(release.lastVerdict().canary().requests()).isZero();
	}

	private void awaitState(String release, ReleaseState state) {
		await().atMost(LONG)
			.untilAsserted(() -> assertThat(state(release))
				.as(() -> release + " reaches " + state + "; now " + this.controller.release(release).status()
						+ ", last verdict " + this.controller.release(release).lastVerdict())
				.isEqualTo(state));
	}

	/**
	 * Waits until the judge looks at the release's first step: what is recorded before
	 * the step's first look is dropped (it may straddle the change), so traffic of a
	 * given count must come after it.
	 */
	private void awaitFirstLook(String release) {
		await().atMost(LONG).until(() -> this.controller.release(release).lastVerdict() != null);
	}

	/**
	 * How many verdicts the judge gave on the release so far (every look at a splitting
	 * release gives one).
	 */
	private long verdicts(String release) {
		return (long) this.meters.find("canary.analysis")
			.tags("release", release)
			.counters()
			.stream()
			.mapToDouble((counter) -> counter.count())
			.sum();
	}

	private Traffic.Builder get(String path) {
		return Traffic.get("http://127.0.0.1:" + this.port, path).concurrency(CLIENTS);
	}

	private Traffic.Builder post(String path) {
		return Traffic.post("http://127.0.0.1:" + this.port, path).concurrency(CLIENTS);
	}

	private void start(String release) {
		assertThat(this.controller.operate(release, Action.START, 0, "operator").kind())
			.isEqualTo(ActionResult.Kind.APPLIED);
	}

	private ReleaseState state(String release) {
		ManagedRelease managed = this.controller.release(release);
		return managed.status().state();
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Collects transition events; also proves a throwing listener breaks nothing. */
	static class Events {

		final List<CanaryTransitionEvent> received = new java.util.concurrent.CopyOnWriteArrayList<>();

		List<CanaryTransitionEvent> of(String release) {
			return this.received.stream().filter((e) -> e.getRelease().equals(release)).toList();
		}

		@Bean
		ApplicationListener<CanaryTransitionEvent> collectingListener() {
			return this.received::add;
		}

		@Bean
		ApplicationListener<CanaryTransitionEvent> throwingListener() {
			return (event) -> {
				throw new IllegalStateException("a listener that fails must not break the state machine");
			};
		}

	}

}
