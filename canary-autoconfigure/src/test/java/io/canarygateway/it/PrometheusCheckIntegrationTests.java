package io.canarygateway.it;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Verdict;
import io.canarygateway.testing.PrometheusServer;
import io.canarygateway.testing.Traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A metric check end to end: real checkout services (one per version) answer every
 * request 200 but count the checkouts that failed in a version-tagged business counter, a
 * real Prometheus server scrapes them every second, and the gateway's check rolls back a
 * canary whose failed checkouts rise — while the gateway's own figures (HTTP errors) stay
 * clean.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PrometheusCheckIntegrationTests {

	static final Duration LONG = Duration.ofSeconds(120);

	static CheckoutService stable;

	static CheckoutService canary;

	static PrometheusServer prometheus;

	@Autowired
	ReleaseController controller;

	@LocalServerPort
	int port;

	@BeforeAll
	static void start() {
		PrometheusServer.assumeInstalled();
		stable = new CheckoutService("v1");
		canary = new CheckoutService("v2");
		prometheus = new PrometheusServer(List.of(stable.target(), canary.target()));
	}

	@AfterAll
	static void stop() {
		if (prometheus != null) {
			prometheus.close();
		}
		if (stable != null) {
			stable.close();
			canary.close();
		}
	}

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		String simple = "spring.cloud.discovery.client.simple.instances.checkout";
		registry.add(simple + "[0].uri", () -> stable.uri());
		registry.add(simple + "[0].metadata.version", () -> "v1");
		registry.add(simple + "[1].uri", () -> canary.uri());
		registry.add(simple + "[1].metadata.version", () -> "v2");
		TestRoutes.loadBalanced(registry, 0, "checkout", "checkout");
		String release = "canary.releases.checkout.";
		registry.add(release + "stable-version", () -> "v1");
		registry.add(release + "canary-version", () -> "v2");
		registry.add(release + "auto-start", () -> "false");
		registry.add(release + "steps", () -> "50,100");
		// the check, not the schedule, decides in this test
		registry.add(release + "step-interval", () -> "1h");
		registry.add(release + "progress-deadline", () -> "2h");
		registry.add(release + "analysis.interval", () -> "1s");
		registry.add(release + "analysis.min-requests", () -> "10");
		registry.add(release + "analysis.failure-threshold", () -> "2");
		registry.add(release + "analysis.latency-tolerance", () -> "1000");
		registry.add(release + "analysis.max-latency", () -> "1m");
		registry.add("canary.metrics.prometheus.url", () -> prometheus.url());
		registry.add(release + "metrics[0].name", () -> "checkout-failures");
		registry.add(release + "metrics[0].prometheus.query",
				() -> "sum(rate(checkout_failed_total{version=\"{{version}}\"}[5s]))");
		registry.add(release + "metrics[0].max-increase", () -> "0.5");
	}

	@Test
	void aCanaryWhoseBusinessCounterRisesIsRolledBackWhileItsHttpErrorsStayClean() {
		String baseUrl = "http://127.0.0.1:" + this.port;
		try (Traffic traffic = Traffic.get(baseUrl, "/checkout/1").concurrency(2).pause(Duration.ofMillis(5)).start()) {
			assertThat(this.controller.operate("checkout", Action.START, 0, Transition.ANONYMOUS).kind().name())
				.isEqualTo("APPLIED");
			// healthy so far: the check has looked (no data yet, or no failed checkouts)
			await().atMost(LONG).until(() -> this.controller.release("checkout").lastVerdict() != null);
			assertThat(status().state()).isEqualTo(ReleaseState.PROGRESSING);
			canary.failCheckouts(true);
			await().atMost(LONG).until(() -> status().state() == ReleaseState.ROLLED_BACK);
			assertThat(traffic.errors()).as("errors clients saw: %s", traffic).isZero();
		}
		ReleaseStatus status = status();
		assertThat(status.reason()).isEqualTo(Reason.ANALYSIS);
		Verdict evidence = status.lastTransition().evidence();
		assertThat(evidence.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(evidence.reasons()).anyMatch((reason) -> reason.startsWith("metric 'checkout-failures': canary ")
				&& reason.contains("> max-increase 0.5"));
		assertThat(evidence.statistics().get("metric.checkout-failures.canary")).isGreaterThan(0.5);
		assertThat(evidence.statistics()).containsEntry("metric.checkout-failures.stable", 0.0);
		// the gateway's own view of the canary: no HTTP error at all
		assertThat(evidence.canary().errors()).isZero();
		assertThat(canary.failed.get()).isPositive();
	}

	private ReleaseStatus status() {
		return this.controller.release("checkout").status();
	}

	/**
	 * A checkout service of one version: answers every request 200, counts the checkouts
	 * in {@code checkout_total} and the failed ones in {@code checkout_failed_total}
	 * (both with {@code version}), and serves them at {@code /metrics}.
	 */
	static final class CheckoutService implements AutoCloseable {

		final String version;

		final AtomicLong checkouts = new AtomicLong();

		final AtomicLong failed = new AtomicLong();

		final AtomicBoolean failing = new AtomicBoolean();

		private final DisposableServer server;

		CheckoutService(String version) {
			this.version = version;
			this.server = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
				String body;
				if (request.path().equals("metrics")) {
					String labels = "{version=\"" + version + "\"}";
					body = "# TYPE checkout_total counter\ncheckout_total" + labels + " " + this.checkouts.get()
							+ "\n# TYPE checkout_failed_total counter\ncheckout_failed_total" + labels + " "
							+ this.failed.get() + "\n";
				}
				else {
					this.checkouts.incrementAndGet();
					if (this.failing.get()) {
						this.failed.incrementAndGet();
					}
					body = "{\"version\":\"" + version + "\"}";
				}
				// never answered synchronously (reactor/reactor-netty#4361, see
				// TestBackend)
				return response.status(200).sendString(Mono.just(body)).then().subscribeOn(Schedulers.parallel());
			}).bindNow();
		}

		void failCheckouts(boolean failing) {
			this.failing.set(failing);
		}

		String uri() {
			return "http://127.0.0.1:" + this.server.port();
		}

		String target() {
			return "127.0.0.1:" + this.server.port();
		}

		@Override
		public void close() {
			this.server.disposeNow();
		}

	}

}
