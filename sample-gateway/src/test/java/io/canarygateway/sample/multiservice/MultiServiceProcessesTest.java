package io.canarygateway.sample.multiservice;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Verdict;
import io.canarygateway.sample.gateway.SampleGatewayApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A release across two services with real service processes (docs/multi-service.md): the
 * sample gateway, orders v1 and v2 and payments v7 and v8, each service instance a JVM of
 * its own with the propagation module. A checkout ({@code GET /orders/checkout}) goes
 * through the gateway to orders, and orders calls payments through its own load balancer.
 * A user's lane holds across both hops, and a failing payments v8 behind a good orders v2
 * rolls the whole release back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiServiceProcessesTest {

	private static final Duration LONG = Duration.ofSeconds(180);

	private static final String CHECKOUT = "canary.releases.checkout.";

	private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final List<ServiceProcess> processes = new ArrayList<>();

	private static ServiceProcess payments8;

	private static ConfigurableApplicationContext gateway;

	private static ReleaseController controller;

	private static String base;

	@BeforeAll
	static void start() {
		ServiceProcess payments7 = started(ServiceProcess.start("payments", "v7", Map.of()));
		payments8 = started(ServiceProcess.start("payments", "v8", Map.of()));
		// orders finds payments through Spring Cloud's simple discovery, each instance
		// tagged with its version
		String payments = "spring.cloud.discovery.client.simple.instances.payments";
		Map<String, String> discovery = Map.of(payments + "[0].uri", payments7.url(), payments + "[0].metadata.version",
				"v7", payments + "[1].uri", payments8.url(), payments + "[1].metadata.version", "v8");
		ServiceProcess orders1 = started(ServiceProcess.start("orders", "v1", discovery));
		ServiceProcess orders2 = started(ServiceProcess.start("orders", "v2", discovery));
		processes.forEach(ServiceProcess::awaitReady);
		// on the command line: it beats the gateway's application.yml
		String[] args = Stream
			.of("server.port=0", "CANARY_ADMIN_PASSWORD=multi-service-test", "ORDERS_V1_A=" + orders1.url(),
					"ORDERS_V1_B=" + orders1.url(), "ORDERS_V2=" + orders2.url(),
					"canary.releases.orders.auto-start=false", "canary.releases.payments.auto-start=false",
					CHECKOUT + "services.orders.stable-version=v1", CHECKOUT + "services.orders.canary-version=v2",
					CHECKOUT + "auto-start=true", CHECKOUT + "steps=50,100", CHECKOUT + "step-interval=1h",
					CHECKOUT + "progress-deadline=2h", CHECKOUT + "analysis.interval=250ms",
					CHECKOUT + "analysis.min-requests=20",
					// judged on errors: a busy machine's pauses make latency noisy
					CHECKOUT + "analysis.latency-tolerance=3", CHECKOUT + "analysis.max-latency=1m")
			.map((property) -> "--" + property)
			.toArray(String[]::new);
		gateway = new SpringApplicationBuilder(SampleGatewayApplication.class).run(args);
		controller = gateway.getBean(ReleaseController.class);
		base = "http://127.0.0.1:" + ((WebServerApplicationContext) gateway).getWebServer().getPort();
	}

	private static ServiceProcess started(ServiceProcess process) {
		processes.add(process);
		return process;
	}

	@AfterAll
	static void stop() {
		if (gateway != null) {
			gateway.close();
		}
		processes.forEach(ServiceProcess::close);
	}

	@Test
	@Order(1)
	void aStickyUsersCheckoutsAreAllOnTheNewVersionsOrAllOnTheOld() throws Exception {
		awaitState(ReleaseState.PROGRESSING);
		int canary = 0;
		for (int request = 0; request < 200; request++) {
			String user = "user-" + (request % 40);
			JsonNode answer = checkout(user, 200);
			String orders = answer.path("version").asString();
			String payments = answer.path("payments").path("version").asString();
			assertThat(List.of(orders, payments)).as("request %d of %s: %s", request, user, answer)
				.isIn(List.of("v2", "v8"), List.of("v1", "v7"));
			assertThat(answer.path("payments").path("lane").asString()).isEqualTo(answer.path("lane").asString());
			canary += orders.equals("v2") ? 1 : 0;
		}
		// 40 users at weight 50: some in each lane
		assertThat(canary).isBetween(1, 199);
		// and each user stayed in one lane: its five requests agree
		for (int user = 0; user < 40; user++) {
			JsonNode first = checkout("user-" + user, 200);
			for (int again = 0; again < 4; again++) {
				assertThat(checkout("user-" + user, 200).path("version").asString())
					.isEqualTo(first.path("version").asString());
			}
		}
	}

	@Test
	@Order(2)
	void aFailingPaymentsCanaryBehindAGoodOrdersCanaryRollsTheReleaseBack() throws Exception {
		awaitState(ReleaseState.PROGRESSING);
		payments8.faults("{\"errorRate\": 0.3, \"errorStatus\": 500}");
		AtomicLong sent = new AtomicLong();
		List<CompletableFuture<Void>> clients = new ArrayList<>();
		for (int c = 0; c < 4; c++) {
			// no sticky key: each checkout's lane is drawn, so both lanes are judged
			clients.add(CompletableFuture.runAsync(() -> {
				while (controller.release("checkout").status().state() == ReleaseState.PROGRESSING
						&& sent.incrementAndGet() < 20_000) {
					send(HttpRequest.newBuilder(URI.create(base + "/orders/checkout")).build());
				}
			}));
		}
		awaitState(ReleaseState.ROLLED_BACK);
		CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
		ReleaseStatus status = controller.release("checkout").status();
		assertThat(status.reason().tag()).isIn("analysis", "breaker");
		Verdict evidence = status.lastTransition().evidence();
		assertThat(evidence.canary().errors()).as("payments v8's failures surface as the release's canary errors")
			.isPositive();
		assertThat(evidence.stable().errors()).isZero();
		// everyone is back on orders v1 and payments v7
		for (int user = 0; user < 40; user++) {
			JsonNode answer = checkout("user-" + user, 200);
			assertThat(List.of(answer.path("version").asString(), answer.path("payments").path("version").asString()))
				.containsExactly("v1", "v7");
		}
	}

	private static JsonNode checkout(String user, int expectedStatus) throws Exception {
		HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/orders/checkout"))
			.timeout(Duration.ofSeconds(60))
			.header("X-User-Id", user)
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
		return JSON.readTree(response.body());
	}

	private static void send(HttpRequest request) {
		try {
			HTTP.send(request, HttpResponse.BodyHandlers.discarding());
		}
		catch (Exception ex) {
			// a client's failure is no part of the judgement; the gateway's outcome is
		}
	}

	private static void awaitState(ReleaseState state) {
		await().atMost(LONG)
			.untilAsserted(() -> assertThat(controller.release("checkout").status().state())
				.as(() -> "checkout reaches " + state + "; now " + controller.release("checkout").status()
						+ ", last verdict " + controller.release("checkout").lastVerdict())
				.isEqualTo(state));
	}

}
