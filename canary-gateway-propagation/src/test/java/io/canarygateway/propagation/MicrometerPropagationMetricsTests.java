package io.canarygateway.propagation;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MicrometerPropagationMetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final MicrometerPropagationMetrics metrics = new MicrometerPropagationMetrics(this.registry);

	@Test
	void countsMalformedHeaders() {
		this.metrics.malformed();
		this.metrics.malformed();
		assertThat(this.registry.get("canary.propagation.malformed").counter().count()).isEqualTo(2);
	}

	@Test
	void fallbackSeriesFromHeadersAreBounded() {
		for (int i = 0; i < MicrometerPropagationMetrics.MAX_FALLBACK_SERIES + 50; i++) {
			this.metrics.fallback("payments", "v" + i, CanaryContext.Lane.CANARY);
		}
		assertThat(this.registry.find("canary.propagation.fallback").counters())
			.hasSizeLessThanOrEqualTo(MicrometerPropagationMetrics.MAX_FALLBACK_SERIES + 1);
		assertThat(this.registry.get("canary.propagation.fallback")
			.tags("service", "payments", "version", MicrometerPropagationMetrics.OTHER, "lane", "canary")
			.counter()
			.count()).isEqualTo(50);
		assertThat(this.registry.get("canary.propagation.fallback").tags("version", "v0").counter().count())
			.isEqualTo(1);
	}

}
