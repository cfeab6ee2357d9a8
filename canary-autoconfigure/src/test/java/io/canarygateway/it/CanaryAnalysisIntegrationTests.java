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
import org.springframework.http.HttpMethod;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The automation end to end: real backends with injected failures, real client traffic through the gateway, the
 * breaker, the judge, progression and retry on stable. Each scenario has its own release and service so that the
 * scenarios share one application context.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(CanaryAnalysisIntegrationTests.Events.class)
class CanaryAnalysisIntegrationTests {

	static final List<TestBackend> backends = new ArrayList<>();

	static final int DEAD_PORT = freePort();

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
		registry.add("canary.defaults.stable-version", () -> "v1");
		registry.add("canary.defaults.canary-version", () -> "v2");
		registry.add("canary.defaults.auto-start", () -> "false");
		registry.add("canary.defaults.steps", () -> "20,50,100");
		registry.add("canary.defaults.step-interval", () -> "30s");
		registry.add("canary.defaults.analysis.interval", () -> "500ms");
		registry.add("canary.defaults.analysis.min-requests", () -> "20");
		registry.add("canary.releases.healthy.steps", () -> "10,50,100");
		registry.add("canary.releases.healthy.step-interval", () -> "1s");
		registry.add("canary.releases.healthy.analysis.interval", () -> "250ms");
		registry.add("canary.releases.gated.steps", () -> "10,50,100");
		registry.add("canary.releases.gated.manual-gates", () -> "50");
		registry.add("canary.releases.gated.step-interval", () -> "1s");
		registry.add("canary.releases.gated.analysis.interval", () -> "250ms");
		// the healthy releases are judged on errors: a shared test machine's pauses hit one lane or the other and
		// make p99 noisy, and one failed verdict keeps a step from advancing
		registry.add("canary.releases.healthy.analysis.latency-tolerance", () -> "3");
		registry.add("canary.releases.gated.analysis.latency-tolerance", () -> "3");
		registry.add("canary.releases.healthy.analysis.max-latency", () -> "1m");
		registry.add("canary.releases.gated.analysis.max-latency", () -> "1m");
		registry.add("canary.releases.quiet.steps", () -> "10,100");
		registry.add("canary.releases.quiet.progress-deadline", () -> "2s");
		registry.add("canary.releases.quiet.analysis.interval", () -> "250ms");
	}

	/** Registers service {@code name} (a stable and a canary instance), its route and its release. */
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
	void hardFailingCanaryIsRolledBackBySecondsAndGetClientsSeeNoError() throws Exception {
		TestBackend canary = backendOf("hard", "v2");
		canary.failWith(500);
		start("hard");
		try (Traffic traffic = traffic(HttpMethod.GET, "/hard/1")) {
			awaitState("hard", ReleaseState.ROLLED_BACK, 5);
			ReleaseStatus status = this.controller.release("hard").status();
			assertThat(status.reason().tag()).isEqualTo("breaker");
			assertThat(status.lastTransition().evidence().reasons()).anyMatch((r) -> r.contains("canary-hard"));
			assertThat(this.controller.release("hard").killSwitch().stateName()).isEqualTo("FORCED_OPEN");
			// requests already on their way when the breaker opened may still arrive
			Thread.sleep(1000);
			assertThat(canary.requests()).as("requests that reached the failing canary").isLessThanOrEqualTo(25);
			long reached = canary.requests();
			Thread.sleep(1000);
			assertThat(canary.requests()).as("no canary request after the rollback").isEqualTo(reached);
			traffic.close();
			assertThat(traffic.errors.get()).as("errors GET clients saw").isZero();
			assertThat(traffic.ok.get()).isPositive();
		}
		assertThat(this.events.of("hard")).anyMatch((e) -> e.getTo() == ReleaseState.ROLLED_BACK);
	}

	@Test
	void hardFailingCanaryUnderPostCostsAtMostTwentyFiveClientErrors() throws Exception {
		backendOf("hardpost", "v2").failWith(500);
		start("hardpost");
		try (Traffic traffic = traffic(HttpMethod.POST, "/hardpost/1")) {
			awaitState("hardpost", ReleaseState.ROLLED_BACK, 5);
			Thread.sleep(500);
			traffic.close();
			assertThat(traffic.errors.get()).as("errors POST clients saw").isBetween(1L, 25L);
		}
	}

	@Test
	void canaryWithTenPercentErrorsIsRolledBackByTheJudgeWithEvidence() throws Exception {
		backendOf("errors", "v2").failEvery(10);
		start("errors");
		try (Traffic traffic = traffic(HttpMethod.GET, "/errors/1")) {
			awaitState("errors", ReleaseState.ROLLED_BACK, 15);
			traffic.close();
			assertThat(traffic.errors.get()).as("retried on stable").isZero();
		}
		ReleaseStatus status = this.controller.release("errors").status();
		assertThat(status.reason().tag()).isEqualTo("analysis");
		Verdict evidence = status.lastTransition().evidence();
		assertThat(evidence.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(evidence.canary().errorRate()).isGreaterThan(0.05);
		assertThat(evidence.stable().errorRate()).isZero();
		assertThat(evidence.statistics()).containsKey("errorRate.z");
		assertThat(status.history()).noneMatch((t) -> t.to() == ReleaseState.PROMOTED);
	}

	@Test
	void slowCanaryIsRolledBack() throws Exception {
		backendOf("slow", "v2").delay(350);
		start("slow");
		try (Traffic traffic = traffic(HttpMethod.GET, "/slow/1")) {
			awaitState("slow", ReleaseState.ROLLED_BACK, 20);
		}
		Verdict evidence = this.controller.release("slow").status().lastTransition().evidence();
		assertThat(evidence.canary().p99Ms()).isGreaterThan(300);
		assertThat(evidence.reasons()).anyMatch((r) -> r.contains("p99") || r.contains("latency"));
	}

	@Test
	void healthyCanaryIsPromotedThroughEveryStep() throws Exception {
		start("healthy");
		try (Traffic traffic = traffic(HttpMethod.GET, "/healthy/1")) {
			awaitState("healthy", ReleaseState.PROMOTED, 30);
			traffic.close();
			assertThat(traffic.errors.get()).isZero();
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
		awaitState("quiet", ReleaseState.PAUSED, 10);
		ReleaseStatus status = this.controller.release("quiet").status();
		assertThat(status.reason().tag()).isEqualTo("deadline");
		assertThat(status.weight()).isEqualTo(10);
		assertThat(this.controller.release("quiet").lastVerdict().result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(status.history()).noneMatch((t) -> t.to() == ReleaseState.PROMOTED);
	}

	@Test
	void manualGatePausesUntilResumedThenPromotes() throws Exception {
		start("gated");
		try (Traffic traffic = traffic(HttpMethod.GET, "/gated/1")) {
			awaitState("gated", ReleaseState.PAUSED, 20);
			ReleaseStatus paused = this.controller.release("gated").status();
			assertThat(paused.reason().tag()).isEqualTo("gate");
			assertThat(paused.weight()).isEqualTo(50);
			Thread.sleep(1500);
			assertThat(state("gated")).as("a gate waits for an operator").isEqualTo(ReleaseState.PAUSED);
			assertThat(this.controller.operate("gated", Action.RESUME, 0).kind())
				.isEqualTo(ActionResult.Kind.APPLIED);
			awaitState("gated", ReleaseState.PROMOTED, 20);
		}
	}

	@Test
	void canaryThatIsNotRunningIsRolledBackAndGetClientsSeeNoError() throws Exception {
		start("dead");
		try (Traffic traffic = traffic(HttpMethod.GET, "/dead/1")) {
			awaitState("dead", ReleaseState.ROLLED_BACK, 5);
			Thread.sleep(300);
			traffic.close();
			assertThat(traffic.errors.get()).isZero();
			assertThat(traffic.ok.get()).isPositive();
		}
	}

	private void awaitState(String release, ReleaseState state, int seconds) throws InterruptedException {
		assertThat(Traffic.await(Duration.ofSeconds(seconds), () -> state(release) == state))
			.as(() -> release + " reaches " + state + " within " + seconds + " s; now "
					+ this.controller.release(release).status() + ", last verdict "
					+ this.controller.release(release).lastVerdict())
			.isTrue();
	}

	private Traffic traffic(HttpMethod method, String path) {
		return new Traffic("http://127.0.0.1:" + this.port, method, path, 200, Duration.ofSeconds(40));
	}

	private void start(String release) {
		assertThat(this.controller.operate(release, Action.START, 0).kind()).isEqualTo(ActionResult.Kind.APPLIED);
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
