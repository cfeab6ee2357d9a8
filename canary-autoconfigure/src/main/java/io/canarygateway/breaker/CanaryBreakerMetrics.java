package io.canarygateway.breaker;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.micrometer.tagged.CircuitBreakerMetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of resilience4j-micrometer's {@code TaggedCircuitBreakerMetrics} for one
 * canary breaker — the same names, tags and descriptions
 * ({@link CircuitBreakerMetricNames}), so dashboards and alerts written for Resilience4j
 * work unchanged — without its per-call event consumers. Resilience4j builds an event
 * object for every recorded call as soon as any consumer is registered on a breaker; here
 * the state, rates and buffered calls are gauges read from the breaker's own metrics, and
 * the {@code calls} timers are recorded by the {@link ResilienceKillSwitch}, which knows
 * each outcome anyway. Used for the breakers of the library's own registry; an
 * application that brings its own registry binds its meters itself.
 */
public final class CanaryBreakerMetrics {

	private static final String NAME = "name";

	private static final String KIND = "kind";

	private final Timer successful;

	private final Timer failed;

	private CanaryBreakerMetrics(Timer successful, Timer failed) {
		this.successful = successful;
		this.failed = failed;
	}

	/**
	 * Registers a breaker's meters.
	 * @return the call timers, for the kill switch to record into
	 */
	public static CanaryBreakerMetrics bind(CircuitBreaker breaker, MeterRegistry registry) {
		CircuitBreakerMetricNames names = CircuitBreakerMetricNames.ofDefaults();
		String name = breaker.getName();
		List<Tag> tags = new ArrayList<>();
		breaker.getTags().forEach((key, value) -> tags.add(Tag.of(key, value)));
		for (CircuitBreaker.State state : CircuitBreaker.State.values()) {
			Gauge.builder(names.getStateMetricName(), breaker, (b) -> (b.getState() == state) ? 1 : 0)
				.description("The states of the circuit breaker")
				.tag(NAME, name)
				.tag("state", state.name().toLowerCase(Locale.ROOT))
				.tags(tags)
				.register(registry);
		}
		gauge(registry, names.getBufferedCallsMetricName(), breaker, tags, "failed",
				"The number of buffered failed calls stored in the ring buffer",
				(b) -> b.getMetrics().getNumberOfFailedCalls());
		gauge(registry, names.getBufferedCallsMetricName(), breaker, tags, "successful",
				"The number of buffered successful calls stored in the ring buffer",
				(b) -> b.getMetrics().getNumberOfSuccessfulCalls());
		gauge(registry, names.getSlowCallsMetricName(), breaker, tags, "successful",
				"The number of slow successful which were slower than a certain threshold",
				(b) -> b.getMetrics().getNumberOfSlowSuccessfulCalls());
		gauge(registry, names.getSlowCallsMetricName(), breaker, tags, "failed",
				"The number of slow failed calls which were slower than a certain threshold",
				(b) -> b.getMetrics().getNumberOfSlowFailedCalls());
		gauge(registry, names.getFailureRateMetricName(), breaker, tags, null,
				"The failure rate of the circuit breaker", (b) -> b.getMetrics().getFailureRate());
		gauge(registry, names.getSlowCallRateMetricName(), breaker, tags, null, "The slow call of the circuit breaker",
				(b) -> b.getMetrics().getSlowCallRate());
		Timer successful = timer(registry, names, name, tags, "successful", "Total number of successful calls");
		Timer failed = timer(registry, names, name, tags, "failed", "Total number of failed calls");
		// never recorded: the canary breaker ignores no failure, and the gateway never
		// asks it for permission
		timer(registry, names, name, tags, "ignored",
				"Total number of calls which failed but the exception was ignored");
		Counter.builder(names.getNotPermittedCallsMetricName())
			.description("Total number of not permitted calls")
			.tag(NAME, name)
			.tag(KIND, "not_permitted")
			.tags(tags)
			.register(registry);
		return new CanaryBreakerMetrics(successful, failed);
	}

	/** Records one canary call (allocation-free). */
	void record(long latencyNanos, boolean failure) {
		(failure ? this.failed : this.successful).record(latencyNanos, TimeUnit.NANOSECONDS);
	}

	private static void gauge(MeterRegistry registry, String metric, CircuitBreaker breaker, List<Tag> tags,
			String kind, String description, java.util.function.ToDoubleFunction<CircuitBreaker> value) {
		Gauge.Builder<CircuitBreaker> builder = Gauge.builder(metric, breaker, value)
			.description(description)
			.tag(NAME, breaker.getName());
		if (kind != null) {
			builder.tag(KIND, kind);
		}
		builder.tags(tags).register(registry);
	}

	private static Timer timer(MeterRegistry registry, CircuitBreakerMetricNames names, String name, List<Tag> tags,
			String kind, String description) {
		return Timer.builder(names.getCallsMetricName())
			.description(description)
			.tag(NAME, name)
			.tag(KIND, kind)
			.tags(tags)
			.register(registry);
	}

}
