package io.canarygateway.prometheus;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import reactor.core.publisher.Mono;

import io.canarygateway.control.Probe;
import io.canarygateway.core.MetricCheck;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Verdict;

/**
 * A metric check (docs/integrations.md, "Metric checks") as the analysis asks it: the
 * query rendered for the canary version (and for the stable version with
 * {@code max-increase}), both evaluated at the same time. A value above {@code max}, or a
 * canary − stable difference above {@code max-increase}, fails; equality passes. No
 * number (an error, no data, NaN, a timeout) is inconclusive, never a pass.
 */
public final class PrometheusProbe implements Probe {

	/** The least time a query may take, however short the analysis interval. */
	static final Duration MIN_TIMEOUT = Duration.ofSeconds(5);

	private final String release;

	private final MetricCheck check;

	private final String interval;

	private final Duration timeout;

	private final PrometheusClient client;

	/**
	 * @param release the release name
	 * @param check the check
	 * @param interval the release's analysis interval: {@code {{interval}}}, and the
	 * queries' timeout (at least {@link #MIN_TIMEOUT})
	 * @param client asks Prometheus
	 */
	public PrometheusProbe(String release, MetricCheck check, Duration interval, PrometheusClient client) {
		this.release = release;
		this.check = check;
		this.interval = promDuration(interval);
		this.timeout = (interval.compareTo(MIN_TIMEOUT) > 0) ? interval : MIN_TIMEOUT;
		this.client = client;
	}

	/**
	 * A duration as PromQL writes it, in its largest whole unit: {@code 10s}, {@code 1m},
	 * {@code 1500ms} ({@code Duration.toString()} is not valid PromQL).
	 */
	static String promDuration(Duration duration) {
		long millis = Math.max(1, duration.toMillis());
		long[] units = { 3_600_000, 60_000, 1000 };
		String[] suffixes = { "h", "m", "s" };
		for (int i = 0; i < units.length; i++) {
			if (millis % units[i] == 0) {
				return (millis / units[i]) + suffixes[i];
			}
		}
		return millis + "ms";
	}

	/**
	 * A value as evidence shows it: six significant digits, no float noise ({@code 0.7},
	 * not {@code 0.7000000000000001}).
	 */
	static String number(double value) {
		return new BigDecimal(value).round(new MathContext(6)).stripTrailingZeros().toPlainString();
	}

	@Override
	public String describe() {
		return "metric '" + this.check.name() + "'";
	}

	@Override
	public CompletableFuture<Answer> call(ReleaseStatus status, Instant now) {
		String canaryQuery = this.check.render(this.release, status.canaryVersion(), this.interval);
		Mono<PrometheusClient.Value> canary = this.client.query(this.check.url(), canaryQuery, now, this.timeout);
		if (this.check.maxIncrease() == null) {
			return canary.map((value) -> judge(value, null, canaryQuery)).toFuture();
		}
		String stableQuery = this.check.render(this.release, status.stableVersion(), this.interval);
		Mono<PrometheusClient.Value> stable = this.client.query(this.check.url(), stableQuery, now, this.timeout);
		return Mono.zip(canary, stable).map((both) -> judge(both.getT1(), both.getT2(), canaryQuery)).toFuture();
	}

	private Answer judge(PrometheusClient.Value canary, PrometheusClient.Value stable, String canaryQuery) {
		String name = this.check.name();
		Map<String, Double> figures = new LinkedHashMap<>();
		if (!canary.present()) {
			return new Answer(Verdict.Result.INCONCLUSIVE,
					describe() + ": canary " + canary.problem() + " (query " + canaryQuery + ")", figures);
		}
		figures.put("metric." + name + ".canary", canary.number());
		if (stable != null && !stable.present()) {
			return new Answer(Verdict.Result.INCONCLUSIVE, describe() + ": stable " + stable.problem(), figures);
		}
		StringBuilder text = new StringBuilder(describe()).append(": canary ").append(number(canary.number()));
		boolean breached = false;
		Double max = this.check.max();
		if (max != null) {
			figures.put("metric." + name + ".max", max);
			boolean over = canary.number() > max;
			breached |= over;
			text.append(over ? " > max " : " ≤ max ").append(number(max));
		}
		if (stable != null) {
			double increase = canary.number() - stable.number();
			figures.put("metric." + name + ".stable", stable.number());
			figures.put("metric." + name + ".increase", increase);
			boolean over = increase > this.check.maxIncrease();
			breached |= over;
			text.append((max != null) ? "; " : ", ")
				.append("canary − stable ")
				.append(number(stable.number()))
				.append(" = ")
				.append(number(increase))
				.append(over ? " > max-increase " : " ≤ max-increase ")
				.append(number(this.check.maxIncrease()));
		}
		return new Answer(breached ? Verdict.Result.FAIL : Verdict.Result.PASS, text.toString(), figures);
	}

}
