package io.canarygateway.propagation;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@link PropagationMetrics} as Micrometer counters. The fallback counter's tags come
 * from request headers, so their combinations are bounded: past
 * {@value #MAX_FALLBACK_SERIES} series, further ones are counted under the version
 * {@value #OTHER}.
 */
public class MicrometerPropagationMetrics implements PropagationMetrics {

	/** At most this many {@code canary.propagation.fallback} series. */
	static final int MAX_FALLBACK_SERIES = 200;

	/** The version tag of fallbacks past {@link #MAX_FALLBACK_SERIES}. */
	static final String OTHER = "other";

	private final MeterRegistry registry;

	private final Counter malformed;

	private final Map<FallbackKey, Counter> fallbacks = new ConcurrentHashMap<>();

	public MicrometerPropagationMetrics(MeterRegistry registry) {
		this.registry = registry;
		this.malformed = Counter.builder("canary.propagation.malformed")
			.description("Requests whose X-Canary-Lane / X-Canary-Versions headers were malformed and ignored")
			.register(registry);
	}

	@Override
	public void malformed() {
		this.malformed.increment();
	}

	@Override
	public void fallback(String service, String version, CanaryContext.Lane lane) {
		FallbackKey key = new FallbackKey(service.toLowerCase(Locale.ROOT), version, lane);
		Counter counter = this.fallbacks.get(key);
		if (counter == null) {
			if (this.fallbacks.size() >= MAX_FALLBACK_SERIES) {
				key = new FallbackKey(key.service(), OTHER, lane);
			}
			counter = this.fallbacks.computeIfAbsent(key, this::fallbackCounter);
		}
		counter.increment();
	}

	private Counter fallbackCounter(FallbackKey key) {
		return Counter.builder("canary.propagation.fallback")
			.description("Load-balanced calls that named a version with no instance up and went to the fallback"
					+ " instances")
			.tag("service", key.service())
			.tag("version", key.version())
			.tag("lane", key.lane().value())
			.register(this.registry);
	}

	private record FallbackKey(String service, String version, CanaryContext.Lane lane) {
	}

}
