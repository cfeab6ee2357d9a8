package io.canarygateway.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;

import io.canarygateway.dashboard.DashboardRouter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code canary.dashboard.path}: a plain path is served normalized; anything else fails
 * startup naming it.
 */
class CanaryDashboardPathTests {

	private final ReactiveWebApplicationContextRunner runner = CanaryContexts.runner()
		.withConfiguration(AutoConfigurations.of(CanaryDashboardAutoConfiguration.class))
		.withPropertyValues(CanaryContexts.ORDERS)
		.withPropertyValues("canary.dashboard.enabled=true");

	@Test
	void aPlainPathIsServedNormalized() {
		this.runner.withPropertyValues("canary.dashboard.path=ops/canary")
			.run((context) -> assertThat(context.getBean(DashboardRouter.class).path()).isEqualTo("/ops/canary/"));
	}

	@Test
	void aPatternFailsStartupNamingTheProperty() {
		this.runner.withPropertyValues("canary.dashboard.path=/dash/**").run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			while (failure != null && !(failure instanceof InvalidCanaryConfigurationException)) {
				failure = failure.getCause();
			}
			assertThat(failure).isInstanceOf(InvalidCanaryConfigurationException.class)
				.hasMessageContaining("canary.dashboard.path: must be a plain URL path")
				.hasMessageContaining("/dash/**");
			FailureAnalysis analysis = new CanaryConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("canary.dashboard.path");
		});
	}

}
