package io.canarygateway.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.canarygateway.control.ActionResult;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.testing.Traffic;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code scripts/canary-rollout} run as a pipeline runs it, against a real gateway with
 * real backends and real client traffic: its exit code is the rollout's outcome (0
 * promoted, 1 rolled back, 2 paused by the progress deadline or the script's own
 * timeout), a pause at a manual gate or by an operator is waited through, and errors that
 * are no outcome exit 3 with the endpoint's own words. Each scenario has its own release,
 * so that they share one application context.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(RolloutScript.NeedsShellAndCurl.class)
class CanaryRolloutScriptIntegrationTests {

	static final List<TestBackend> backends = new ArrayList<>();

	@Autowired
	ReleaseController controller;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		String[] releases = { "good", "bad", "quiet", "gated", "held", "running", "next" };
		for (int i = 0; i < releases.length; i++) {
			release(registry, i, releases[i]);
		}
		// the next version of "next", deployed after v2's promotion
		String v3 = backend("next", "v3");
		registry.add("spring.cloud.discovery.client.simple.instances.next[2].uri", () -> v3);
		registry.add("spring.cloud.discovery.client.simple.instances.next[2].metadata.version", () -> "v3");
		registry.add("canary.store.type", () -> "memory");
		registry.add("management.endpoints.web.exposure.include", () -> "canary");
		registry.add("canary.defaults.stable-version", () -> "v1");
		registry.add("canary.defaults.canary-version", () -> "v2");
		registry.add("canary.defaults.auto-start", () -> "false");
		registry.add("canary.defaults.steps", () -> "20,50,100");
		registry.add("canary.defaults.step-interval", () -> "30s");
		registry.add("canary.defaults.analysis.interval", () -> "500ms");
		registry.add("canary.defaults.analysis.min-requests", () -> "20");
		// judged on errors only: a shared test machine's pauses make p99 noisy, and one
		// failed verdict keeps a step from advancing
		registry.add("canary.releases.good.steps", () -> "50,100");
		registry.add("canary.releases.good.step-interval", () -> "1s");
		registry.add("canary.releases.good.analysis.interval", () -> "250ms");
		registry.add("canary.releases.good.analysis.latency-tolerance", () -> "3");
		registry.add("canary.releases.good.analysis.max-latency", () -> "1m");
		for (String setting : List.of("steps=50,100", "step-interval=1s", "analysis.interval=250ms",
				"analysis.latency-tolerance=3", "analysis.max-latency=1m")) {
			int eq = setting.indexOf('=');
			registry.add("canary.releases.next." + setting.substring(0, eq), () -> setting.substring(eq + 1));
		}
		// no traffic: the deadline (longer than the step-interval) pauses it
		registry.add("canary.releases.quiet.steps", () -> "10,100");
		registry.add("canary.releases.quiet.step-interval", () -> "1s");
		registry.add("canary.releases.quiet.progress-deadline", () -> "2s");
		registry.add("canary.releases.quiet.analysis.interval", () -> "250ms");
		// its first step is a gate: the start lands in PAUSED (reason gate)
		registry.add("canary.releases.gated.steps", () -> "50,100");
		registry.add("canary.releases.gated.manual-gates", () -> "50");
	}

	/**
	 * Registers service {@code name} (a stable and a canary instance), its {@code lb://}
	 * route and its release.
	 */
	private static void release(DynamicPropertyRegistry registry, int index, String name) {
		String simple = "spring.cloud.discovery.client.simple.instances." + name;
		String stable = backend(name, "v1");
		String canary = backend(name, "v2");
		registry.add(simple + "[0].uri", () -> stable);
		registry.add(simple + "[0].metadata.version", () -> "v1");
		registry.add(simple + "[1].uri", () -> canary);
		registry.add(simple + "[1].metadata.version", () -> "v2");
		TestRoutes.loadBalanced(registry, index, name, name);
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
	void goodCanaryUnderTrafficIsPromotedAndTheScriptExitsZero() {
		RolloutScript.Result result;
		try (Traffic traffic = traffic("/good/1")) {
			result = RolloutScript.run(options("--interval", "1s", "good", "v2"));
			traffic.stop().awaitFinished(RolloutScript.LONG);
			assertThat(traffic.errors()).as("%s", traffic).isZero();
		}
		assertThat(result.exitCode()).as("%s", result).isZero();
		assertThat(result.lines()).first()
			.isEqualTo("canary-rollout: starting a rollout of good, version v2 (" + endpoint("good") + "/start)");
		assertThat(result.lines()).contains("canary-rollout: started: stable v1, canary v2, steps 50, 100");
		assertThat(result.lines())
			.anyMatch((line) -> line.matches("\\S+Z good PROGRESSING weight=50 step=1/2 reason=manual verdict=\\w+.*"));
		assertThat(result.lines()).anyMatch(
				(line) -> line.matches("\\S+Z good PROMOTED weight=100 step=\\d/2 reason=schedule verdict=pass.*"));
		assertThat(result.lines()).last().isEqualTo("canary-rollout: good PROMOTED: every request goes to v2; exit 0");
		assertThat(state("good")).isEqualTo(ReleaseState.PROMOTED);
	}

	@Test
	void theNextVersionShipsAfterAPromotionWithoutARestart() {
		act("next", Action.START);
		act("next", Action.PROMOTE);
		RolloutScript.Result result;
		try (Traffic traffic = traffic("/next/1")) {
			result = RolloutScript.run(options("--interval", "1s", "next", "v3"));
			traffic.stop().awaitFinished(RolloutScript.LONG);
			assertThat(traffic.errors()).as("%s", traffic).isZero();
		}
		assertThat(result.exitCode()).as("%s", result).isZero();
		assertThat(result.lines()).contains("canary-rollout: started: stable v2, canary v3, steps 50, 100");
		assertThat(result.lines()).last().isEqualTo("canary-rollout: next PROMOTED: every request goes to v3; exit 0");
		assertThat(this.controller.release("next").status().versions().previous()).isEqualTo("v1");
	}

	@Test
	void failingCanaryIsRolledBackAndTheScriptExitsOneWithTheEvidence() {
		backendOf("bad", "v2").failWith(500);
		RolloutScript.Result result;
		try (Traffic traffic = traffic("/bad/1")) {
			result = RolloutScript.run(options("--interval", "1s", "bad"));
		}
		assertThat(result.exitCode()).as("%s", result).isEqualTo(1);
		assertThat(result.lines()).first()
			.isEqualTo("canary-rollout: starting a rollout of bad (" + endpoint("bad") + "/start)");
		assertThat(result.lines())
			.anyMatch((line) -> line.matches("\\S+Z bad ROLLED_BACK weight=0 step=\\S+ reason=(breaker|analysis) .*"));
		// whichever guard was first, its evidence: the breaker's opening or the judge's
		// error rate
		assertThat(result.lines()).last()
			.asString()
			.matches("canary-rollout: bad ROLLED_BACK \\(reason (breaker|analysis)\\): .+; exit 1")
			.containsAnyOf("breaker canary-bad opened", "canary error rate");
	}

	@Test
	void withoutTrafficTheProgressDeadlinePausesTheReleaseAndTheScriptExitsTwo() {
		RolloutScript.Result result = RolloutScript.run(options("--interval", "1s", "quiet"));
		assertThat(result.exitCode()).as("%s", result).isEqualTo(2);
		assertThat(result.lines())
			.anyMatch((line) -> line.matches("\\S+Z quiet PROGRESSING weight=10 step=1/2 reason=manual .*"));
		assertThat(result.lines()).anyMatch(
				(line) -> line.matches("\\S+Z quiet PAUSED weight=10 step=1/2 reason=deadline verdict=inconclusive"
						+ " \\[verdict: canary has 0 requests, at least 20 needed before a verdict\\]"));
		assertThat(result.lines()).last()
			.asString()
			.startsWith("canary-rollout: quiet PAUSED by its progress deadline at weight 10: ")
			.endsWith("; exit 2");
		assertThat(state("quiet")).isEqualTo(ReleaseState.PAUSED);
	}

	@Test
	void aManualGateIsNoOutcomeAndTheScriptExitsTwoAtItsTimeout() {
		RolloutScript.Result result = RolloutScript.run(options("--interval", "1s", "--timeout", "3s", "gated"));
		assertThat(result.exitCode()).as("%s", result).isEqualTo(2);
		assertThat(result.lines()).anyMatch((line) -> line.matches("\\S+Z gated PAUSED weight=50 step=1/2 reason=gate"
				+ " verdict=\\w+: paused at a manual gate: not an outcome, waiting for an operator to resume or promote.*"));
		assertThat(result.lines()).last()
			.asString()
			.matches("canary-rollout: no outcome for gated within 3s \\(last: gated PAUSED weight=50 step=1/2"
					+ " reason=gate verdict=\\w+: paused at a manual gate: .+\\); exit 2");
		assertThat(state("gated")).as("the script's timeout changes nothing").isEqualTo(ReleaseState.PAUSED);
	}

	@Test
	void withoutStartTheScriptWaitsThroughAnOperatorsPauseUntilThePromotion() {
		act("held", Action.START);
		act("held", Action.PAUSE);
		RolloutScript waiting = RolloutScript.start(options("--interval", "1s", "--no-start", "held"));
		waiting.awaitOutput("held PAUSED weight=20 step=1/3 reason=manual verdict=");
		waiting.awaitOutput(": paused by an operator: not an outcome, waiting for resume, promote or abort");
		act("held", Action.PROMOTE);
		RolloutScript.Result result = waiting.awaitExit();
		assertThat(result.exitCode()).as("%s", result).isZero();
		assertThat(result.lines()).first()
			.isEqualTo("canary-rollout: waiting for the outcome of the current rollout of held (" + endpoint("held")
					+ ")");
		assertThat(result.output()).doesNotContain("starting");
		assertThat(result.lines()).last().isEqualTo("canary-rollout: held PROMOTED: every request goes to v2; exit 0");
	}

	@Test
	void aStartTheGatewayRefusesExitsThreeWithItsError() {
		act("running", Action.START);
		RolloutScript.Result result = RolloutScript.run(options("running"));
		assertThat(result.exitCode()).as("%s", result).isEqualTo(3);
		assertThat(result.lines()).last()
			.isEqualTo("canary-rollout: the start of running failed: HTTP 409: cannot start release 'running' in state"
					+ " PROGRESSING; allowed from [IDLE, PROMOTED, ROLLED_BACK]");
	}

	@Test
	void anUnknownReleaseExitsThreeWithTheEndpointsError() {
		RolloutScript.Result result = RolloutScript.run(options("nosuch"));
		assertThat(result.exitCode()).as("%s", result).isEqualTo(3);
		assertThat(result.lines()).last()
			.isEqualTo("canary-rollout: the start of nosuch failed: HTTP 404: no release named 'nosuch'");
		RolloutScript.Result waiting = RolloutScript.run(options("--no-start", "nosuch"));
		assertThat(waiting.exitCode()).as("%s", waiting).isEqualTo(3);
		assertThat(waiting.lines()).last()
			.isEqualTo("canary-rollout: cannot read nosuch: HTTP 404: no release named 'nosuch'");
	}

	@Test
	void aGatewayThatCannotBeReachedExitsThree() {
		String nowhere = "http://127.0.0.1:" + freePort();
		RolloutScript.Result result = RolloutScript.run("--gateway", nowhere, "good");
		assertThat(result.exitCode()).as("%s", result).isEqualTo(3);
		assertThat(result.lines()).last()
			.asString()
			.startsWith("canary-rollout: the start of good failed: no answer from " + nowhere + " (curl exit code ");
		RolloutScript.Result waiting = RolloutScript.run("--gateway", nowhere, "--interval", "1s", "--no-start",
				"good");
		assertThat(waiting.exitCode()).as("%s", waiting).isEqualTo(3);
		assertThat(waiting.output()).contains("cannot read good (attempt 1 of 3): no answer from " + nowhere)
			.contains("cannot read good (attempt 2 of 3)");
		assertThat(waiting.lines()).last()
			.asString()
			.startsWith("canary-rollout: cannot read good, 3 times in a row: no answer from " + nowhere);
	}

	@Test
	void badUsageExitsSixtyFourSayingWhatIsWrong() {
		RolloutScript.Result noRelease = RolloutScript.run("--gateway", gateway());
		assertThat(noRelease.exitCode()).isEqualTo(64);
		assertThat(noRelease.lines()).first().isEqualTo("canary-rollout: which release? RELEASE is missing");
		RolloutScript.Result badTimeout = RolloutScript.run("--timeout", "soon", "good");
		assertThat(badTimeout.exitCode()).isEqualTo(64);
		assertThat(badTimeout.lines()).first()
			.isEqualTo("canary-rollout: --timeout must be a whole number of seconds, or of minutes or hours"
					+ " with m or h (90, 90s, 15m, 2h), was 'soon'");
		RolloutScript.Result badVersion = RolloutScript.run("good", "v2\"}");
		assertThat(badVersion.exitCode()).isEqualTo(64);
		assertThat(badVersion.lines()).first()
			.isEqualTo("canary-rollout: VERSION must be 1 to 64 letters, digits, '.', '_' or '-' (or service=version "
					+ "pairs for a release of several services), was 'v2\"}'");
		RolloutScript.Result help = RolloutScript.run("--help");
		assertThat(help.exitCode()).isZero();
		assertThat(help.output()).contains("Usage: canary-rollout [options] RELEASE [VERSION]")
			.contains("  2  no outcome: PAUSED by the progress deadline, or the timeout passed");
		assertThat(state("good")).as("nothing was started").isNotEqualTo(ReleaseState.PROGRESSING);
	}

	private String[] options(String... args) {
		List<String> all = new ArrayList<>(List.of("--gateway", gateway(), "--timeout", "5m"));
		all.addAll(List.of(args));
		return all.toArray(String[]::new);
	}

	private String gateway() {
		return "http://127.0.0.1:" + this.port;
	}

	private String endpoint(String release) {
		return gateway() + "/actuator/canary/" + release;
	}

	/** Client traffic until closed: four clients, each pausing 10 ms between requests. */
	private Traffic traffic(String path) {
		return Traffic.get(gateway(), path).concurrency(4).pause(Duration.ofMillis(10)).start();
	}

	private void act(String release, Action action) {
		assertThat(this.controller.operate(release, action, 0, "operator").kind()).isEqualTo(ActionResult.Kind.APPLIED);
	}

	private ReleaseState state(String release) {
		return this.controller.release(release).status().state();
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
