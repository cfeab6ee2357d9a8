package io.canarygateway.autoconfigure;

import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.annotation.EnableScheduling;

import io.canarygateway.control.AnalysisLoop;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter must not take anything away from the application: an application that uses
 * {@code @Async} and {@code @Scheduled} keeps Spring Boot's
 * {@code applicationTaskExecutor} and {@code taskScheduler}, because the library's own
 * thread is not a bean of an executor type. And the library's time is a {@link Clock}
 * bean that an application can replace.
 */
class CanaryExecutorConventionsTests {

	private final org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner runner = CanaryContexts
		.runner()
		.withConfiguration(
				AutoConfigurations.of(TaskExecutionAutoConfiguration.class, TaskSchedulingAutoConfiguration.class))
		.withPropertyValues(CanaryContexts.ORDERS);

	@Test
	void anApplicationWithAsyncAndSchedulingKeepsBootsExecutorAndScheduler() {
		this.runner.withUserConfiguration(AsyncAndScheduling.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(AnalysisLoop.class);
			assertThat(context).hasBean("applicationTaskExecutor");
			assertThat(context.getBean("applicationTaskExecutor")).isInstanceOf(AsyncTaskExecutor.class);
			assertThat(context).hasBean("taskScheduler");
			assertThat(context.getBean("taskScheduler")).isInstanceOf(TaskScheduler.class);
			assertThat(context.getBeansOfType(ScheduledExecutorService.class)).as("none of ours").isEmpty();
			assertThat(context.getBeansOfType(Executor.class)).containsOnlyKeys("applicationTaskExecutor",
					"taskScheduler");
		});
	}

	@Test
	void theLibrarysTimeIsAClockBeanThatTheApplicationCanReplace() {
		this.runner.run((context) -> assertThat(context.getBean(Clock.class)).isEqualTo(Clock.systemUTC()));
		Clock fixed = Clock.fixed(java.time.Instant.parse("2030-01-01T00:00:00Z"), java.time.ZoneOffset.UTC);
		this.runner.withBean("applicationClock", Clock.class, () -> fixed).run((context) -> {
			assertThat(context).hasSingleBean(Clock.class);
			assertThat(context.getBean(io.canarygateway.control.ReleaseController.class)
				.release("orders")
				.status()
				.stepStartedAt()).as("the release started on the application's clock").isEqualTo(fixed.instant());
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	@EnableScheduling
	static class AsyncAndScheduling {

		@Bean
		Object scheduledWork() {
			return new Object() {
				@org.springframework.scheduling.annotation.Scheduled(fixedDelay = 60_000)
				void tick() {
				}
			};
		}

	}

}
