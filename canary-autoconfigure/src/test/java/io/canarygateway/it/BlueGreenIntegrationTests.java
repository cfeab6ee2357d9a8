package io.canarygateway.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.Verdict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Blue-green (docs/routing.md, "Blue-green"): a release with {@code steps: [100]} on one
 * {@code lb://} route, a blue (v1) and a green (v2) backend, clients sending all the
 * time. {@code start} sends every request to green at once, {@code promote} keeps them
 * there, {@code abort} sends every request back to blue at once, and no client sees a
 * failed request on the way; a green that fails during the switch is taken back by the
 * breaker, and one that fails after the promotion is hidden from GET clients by the retry
 * on blue until an operator aborts. Each scenario has its own release.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BlueGreenIntegrationTests {

	/** Generous: a busy two-core machine is slow, and no wait here measures speed. */
	static final Duration LONG = Duration.ofSeconds(120);

	/** How many requests after a switch must all have reached the expected version. */
	static final int WINDOW = 200;

	static final List<TestBackend> backends = new ArrayList<>();

	@Autowired
	ReleaseController controller;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		String[] releases = { "shop", "broken", "late" };
		for (int i = 0; i < releases.length; i++) {
			release(registry, i, releases[i]);
		}
		registry.add("canary.store.type", () -> "memory");
		registry.add("management.endpoints.web.exposure.include", () -> "canary");
		// the recipe: one step of 100, started by an operator (or a pipeline)
		registry.add("canary.defaults.steps", () -> "100");
		registry.add("canary.defaults.auto-start", () -> "false");
		// the operator promotes: the step would pass on its own only after an hour
		registry.add("canary.defaults.step-interval", () -> "1h");
		registry.add("canary.defaults.progress-deadline", () -> "2h");
		registry.add("canary.defaults.analysis.interval", () -> "250ms");
		registry.add("canary.defaults.analysis.min-requests", () -> "20");
		// a shared test machine's pauses must not break the latency ceiling
		registry.add("canary.defaults.analysis.max-latency", () -> "1m");
		// the breaker's test: the judge, which would roll the failing canary back too
		// (at its first look), must not come first on a slow machine
		registry.add("canary.releases.broken.analysis.failure-threshold", () -> "1000");
	}

	/**
	 * Registers service {@code name} with a blue (v1) and a green (v2) instance, its
	 * {@code lb://} route and its release.
	 */
	private static void release(DynamicPropertyRegistry registry, int index, String name) {
		String simple = "spring.cloud.discovery.client.simple.instances." + name;
		String blue = backend(name, "v1");
		String green = backend(name, "v2");
		registry.add(simple + "[0].uri", () -> blue);
		registry.add(simple + "[0].metadata.version", () -> "v1");
		registry.add(simple + "[1].uri", () -> green);
		registry.add(simple + "[1].metadata.version", () -> "v2");
		TestRoutes.loadBalanced(registry, index, name, name);
		registry.add("canary.releases." + name + ".stable-version", () -> "v1");
		registry.add("canary.releases." + name + ".canary-version", () -> "v2");
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
	void startSwitchesEveryRequestToGreenAndAbortAfterThePromotionEveryRequestBackToBlueWithoutAFailure() {
		try (Clients clients = new Clients("/shop/1")) {
			clients.awaitWindowAfter(0, "shop-v1");

			act("shop", "start", ReleaseState.PROGRESSING);
			long switched = clients.awaitSwitchTo("shop-v2");
			clients.awaitWindowAfter(switched, "shop-v2");
			// at 100 % stable gets no request: the judge has nothing to compare with and
			// checks the ceilings only
			await().atMost(LONG).untilAsserted(() -> {
				Verdict verdict = this.controller.release("shop").lastVerdict();
				assertThat(verdict).isNotNull();
				assertThat(verdict.statistics()).containsEntry("relative.skipped", 1.0);
			});
			Verdict verdict = this.controller.release("shop").lastVerdict();
			assertThat(verdict.result()).as("%s", verdict).isEqualTo(Verdict.Result.PASS);
			assertThat(verdict.stable().requests()).isZero();
			assertThat(state("shop")).as("a step of an hour").isEqualTo(ReleaseState.PROGRESSING);

			act("shop", "promote", ReleaseState.PROMOTED);
			clients.awaitWindowAfter(clients.sent(), "shop-v2");

			act("shop", "abort", ReleaseState.ROLLED_BACK);
			long back = clients.awaitSwitchTo("shop-v1");
			clients.awaitWindowAfter(back, "shop-v1");

			clients.stop();
			assertThat(clients.failures()).as("failed requests, of %d", clients.answers.size()).isEmpty();
		}
		assertThat(this.controller.release("shop").status().history())
			.extracting((transition) -> transition.to() + " " + transition.reason().tag())
			.containsExactly("PROGRESSING manual", "PROMOTED manual", "ROLLED_BACK manual");
	}

	@Test
	void aGreenThatFailsDuringTheSwitchIsTakenBackByTheBreakerAndGetClientsSeeNoFailure() {
		backendOf("broken", "v2").failWith(500);
		try (Clients clients = new Clients("/broken/1")) {
			clients.awaitWindowAfter(0, "broken-v1");

			act("broken", "start", ReleaseState.PROGRESSING);
			await().atMost(LONG).until(() -> state("broken") == ReleaseState.ROLLED_BACK);
			clients.awaitWindowAfter(clients.sent(), "broken-v1");

			clients.stop();
			// every GET that green failed was retried on blue
			assertThat(clients.failures()).as("failed requests, of %d", clients.answers.size()).isEmpty();
		}
		assertThat(this.controller.release("broken").status().reason().tag()).isEqualTo("breaker");
		// the breaker's 10 failures in its window, and at most one more per client on
		// its way
		assertThat(backendOf("broken", "v2").requests()).as("requests that reached the failing green")
			.isBetween(10L, 10L + Clients.CLIENTS);
	}

	@Test
	void aGreenThatFailsAfterThePromotionIsHiddenByTheRetryOnBlueUntilTheAbort() {
		try (Clients clients = new Clients("/late/1")) {
			act("late", "start", ReleaseState.PROGRESSING);
			act("late", "promote", ReleaseState.PROMOTED);
			clients.awaitWindowAfter(clients.sent(), "late-v2");

			backendOf("late", "v2").failWith(500);
			long failing = clients.sent();
			clients.awaitWindowAfter(failing, "late-v1");
			assertThat(state("late")).as("after the promotion neither the breaker nor the judge act")
				.isEqualTo(ReleaseState.PROMOTED);
			assertThat(backendOf("late", "v2").requests()).as("green is still asked first").isGreaterThan(WINDOW);

			act("late", "abort", ReleaseState.ROLLED_BACK);
			long greenAsked = backendOf("late", "v2").requests();
			clients.awaitWindowAfter(clients.sent(), "late-v1");
			assertThat(backendOf("late", "v2").requests()).as("no request reaches green after the abort")
				.isLessThanOrEqualTo(greenAsked + Clients.CLIENTS);

			clients.stop();
			assertThat(clients.failures()).as("failed requests, of %d", clients.answers.size()).isEmpty();
		}
	}

	/**
	 * Applies an action through the endpoint, as an operator's curl would, and checks the
	 * state it answers.
	 */
	private void act(String release, String action, ReleaseState expected) {
		Map<?, ?> answer = WebClient.create("http://127.0.0.1:" + this.port)
			.post()
			.uri("/actuator/canary/{release}/{action}", release, action)
			.retrieve()
			.bodyToMono(Map.class)
			.block(LONG);
		assertThat(answer).as("%s %s", action, release).isNotNull();
		assertThat(answer.get("state")).as("%s %s: %s", action, release, answer).isEqualTo(expected.name());
	}

	private ReleaseState state(String release) {
		return this.controller.release(release).status().state();
	}

	/**
	 * One answer a client got.
	 *
	 * @param sequence the request's number, in the order the requests were sent
	 * @param status its HTTP status, or -1 for no answer
	 * @param instance the backend instance that answered ({@code X-Backend-Instance}), or
	 * why there was no answer
	 */
	record Answer(long sequence, int status, String instance) {

	}

	/**
	 * Clients that send GET requests to the gateway all the time, each one its next
	 * request as soon as the previous one was answered, and keep every answer.
	 */
	final class Clients implements AutoCloseable {

		static final int CLIENTS = 4;

		final Queue<Answer> answers = new ConcurrentLinkedQueue<>();

		private final AtomicLong sent = new AtomicLong();

		private final ConnectionProvider connections = ConnectionProvider.builder("blue-green")
			.maxConnections(2 * CLIENTS)
			.pendingAcquireMaxCount(-1)
			.build();

		private final Disposable running;

		private volatile boolean stopping;

		Clients(String path) {
			WebClient client = WebClient.builder()
				.baseUrl("http://127.0.0.1:" + BlueGreenIntegrationTests.this.port)
				.clientConnector(new ReactorClientHttpConnector(HttpClient.create(this.connections)))
				.build();
			this.running = Flux.range(0, CLIENTS)
				.flatMap((n) -> Mono.defer(() -> send(client, path)).repeat(() -> !this.stopping), CLIENTS)
				// a safety stop, so that a test that fails half-way leaves no traffic
				.take(Duration.ofMinutes(5))
				.subscribe(this.answers::add);
		}

		private Mono<Answer> send(WebClient client, String path) {
			long sequence = this.sent.incrementAndGet();
			return client.get()
				.uri(path)
				.exchangeToMono((response) -> response.releaseBody()
					.thenReturn(new Answer(sequence, response.statusCode().value(),
							String.valueOf(response.headers().asHttpHeaders().getFirst("X-Backend-Instance")))))
				.timeout(Duration.ofSeconds(60))
				.onErrorResume((ex) -> Mono.just(new Answer(sequence, -1, String.valueOf(ex))));
		}

		/**
		 * The number of the last request sent so far: every request sent later has a
		 * higher one.
		 */
		long sent() {
			return this.sent.get();
		}

		/**
		 * Waits until an answer from {@code instance} arrives: the switch is visible to
		 * clients.
		 * @return the number of the last request sent by then
		 */
		long awaitSwitchTo(String instance) {
			await().atMost(LONG).until(() -> this.answers.stream().anyMatch((a) -> a.instance().equals(instance)));
			return sent();
		}

		/**
		 * Waits for {@link #WINDOW} answers to requests sent after request {@code after},
		 * then asserts that {@code instance} answered every one of them, with 200.
		 */
		void awaitWindowAfter(long after, String instance) {
			await().atMost(LONG).until(() -> after(after).size() >= WINDOW);
			assertThat(summary(after(after)))
				.as("answers to the requests sent after #%d, by instance and status", after)
				.containsOnlyKeys(instance + " 200");
		}

		List<Answer> failures() {
			return this.answers.stream().filter((answer) -> answer.status() != 200).toList();
		}

		private List<Answer> after(long sequence) {
			return this.answers.stream().filter((answer) -> answer.sequence() > sequence).toList();
		}

		private static Map<String, Long> summary(List<Answer> answers) {
			return answers.stream()
				.collect(Collectors.groupingBy((a) -> a.instance() + " " + a.status(), Collectors.counting()));
		}

		/**
		 * Sends no further request and waits until those on their way are answered.
		 */
		void stop() {
			this.stopping = true;
			await().atMost(LONG).until(() -> this.answers.size() >= sent());
		}

		@Override
		public void close() {
			this.stopping = true;
			this.running.dispose();
			this.connections.disposeLater().subscribe();
		}

	}

}
