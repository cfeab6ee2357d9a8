package io.canarygateway.prometheus;

import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.canarygateway.control.Probe;
import io.canarygateway.core.Lifecycle;
import io.canarygateway.core.MetricCheck;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.StepSchedule;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Versions;
import io.canarygateway.testing.MetricsExporter;
import io.canarygateway.testing.PrometheusServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Metric checks against a real Prometheus server scraping a real exporter: a value above
 * {@code max} or an increase above {@code max-increase} fails, within them passes, and
 * every way of having no number (no series, NaN, several series, a bad query, no server)
 * is inconclusive, saying why.
 */
class PrometheusProbeTest {

	static final Duration LONG = Duration.ofSeconds(120);

	static MetricsExporter exporter;

	static PrometheusServer prometheus;

	static PrometheusClient client;

	/** Release orders rolling out v2 against v1. */
	static final ReleaseStatus ORDERS = Lifecycle
		.start(ReleaseStatus.idle("orders", Versions.of("v1", "v2"), Instant.EPOCH),
				StepSchedule.of(List.of(10, 100), List.of()), null, Reason.MANUAL, "test", Instant.EPOCH)
		.status();

	@BeforeAll
	static void start() {
		PrometheusServer.assumeInstalled();
		exporter = new MetricsExporter()
			.set("gauge", "checkout_failure_ratio", "release=\"orders\",version=\"v1\"", 0.1)
			.set("gauge", "checkout_failure_ratio", "release=\"orders\",version=\"v2\"", 0.8);
		prometheus = new PrometheusServer(List.of(exporter.target()));
		client = new PrometheusClient();
		// the first scrape
		await().atMost(LONG)
			.until(() -> answer(check("checkout_failure_ratio{version=\"{{version}}\"}", 1.0, null)).result(),
					(result) -> result == Verdict.Result.PASS);
	}

	@AfterAll
	static void stop() {
		if (client != null) {
			client.close();
		}
		if (prometheus != null) {
			prometheus.close();
		}
		if (exporter != null) {
			exporter.close();
		}
	}

	@Test
	void aCanaryValueAboveMaxFails() {
		Probe.Answer answer = answer(check("checkout_failure_ratio{version=\"{{version}}\"}", 0.5, null));
		assertThat(answer.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(answer.text()).isEqualTo("metric 'errors': canary 0.8 > max 0.5");
		assertThat(answer.figures()).containsEntry("metric.errors.canary", 0.8).containsEntry("metric.errors.max", 0.5);
	}

	@Test
	void anIncreaseOverStableWithinMaxIncreasePassesAndAboveItFails() {
		String query = "checkout_failure_ratio{release=\"{{release}}\",version=\"{{version}}\"}";
		Probe.Answer within = answer(check(query, null, 0.75));
		assertThat(within.result()).isEqualTo(Verdict.Result.PASS);
		assertThat(within.figures()).containsEntry("metric.errors.stable", 0.1)
			.containsEntry("metric.errors.canary", 0.8);
		assertThat(within.figures().get("metric.errors.increase")).isCloseTo(0.7,
				org.assertj.core.data.Offset.offset(1e-9));
		Probe.Answer above = answer(check(query, null, 0.5));
		assertThat(above.result()).isEqualTo(Verdict.Result.FAIL);
		assertThat(above.text()).isEqualTo("metric 'errors': canary 0.8, canary − stable 0.1 = 0.7 > max-increase 0.5");
	}

	@Test
	void theIntervalPlaceholderIsAPromQLDuration() {
		// {{interval}} is 10s here: Duration.toString() (PT10S) would be a parse error
		Probe.Answer answer = answer(
				check("max_over_time(checkout_failure_ratio{version=\"{{version}}\"}[{{interval}}])", 0.9, null));
		assertThat(answer.result()).as(answer.text()).isEqualTo(Verdict.Result.PASS);
		assertThat(PrometheusProbe.promDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
		assertThat(PrometheusProbe.promDuration(Duration.ofMinutes(2))).isEqualTo("2m");
	}

	@Test
	void noDataIsInconclusive() {
		Probe.Answer empty = answer(
				check("checkout_failure_ratio{version=\"{{version}}\",region=\"mars\"}", 0.5, null));
		assertThat(empty.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(empty.text()).startsWith("metric 'errors': canary no data (the query returned no series)");
		Probe.Answer nan = answer(check("sum(checkout_failure_ratio{version=\"{{version}}\"}) * 0 / 0", 0.5, null));
		assertThat(nan.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(nan.text()).contains("NaN");
	}

	@Test
	void severalSeriesAndBadQueriesAreInconclusive() {
		Probe.Answer several = answer(check("checkout_failure_ratio", 0.5, null));
		assertThat(several.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(several.text()).contains("the query returned 2 series, it must return one");
		Probe.Answer bad = answer(check("sum(checkout_failure_ratio{version=\"{{version}}\"}", 0.5, null));
		assertThat(bad.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(bad.text()).contains("Prometheus answered 400 bad_data");
	}

	@Test
	void aPrometheusThatCannotBeReachedIsInconclusive() throws Exception {
		int dead;
		try (ServerSocket socket = new ServerSocket(0)) {
			dead = socket.getLocalPort();
		}
		MetricCheck check = new MetricCheck("errors", "http://127.0.0.1:" + dead, "up", 0.5, null);
		Probe.Answer answer = answer(check);
		assertThat(answer.result()).isEqualTo(Verdict.Result.INCONCLUSIVE);
		assertThat(answer.text()).contains("Prometheus could not be asked");
	}

	private static MetricCheck check(String query, Double max, Double maxIncrease) {
		return new MetricCheck("errors", prometheus.url(), query, max, maxIncrease);
	}

	private static Probe.Answer answer(MetricCheck check) {
		return new PrometheusProbe("orders", check, Duration.ofSeconds(10), client).call(ORDERS, Instant.now()).join();
	}

}
