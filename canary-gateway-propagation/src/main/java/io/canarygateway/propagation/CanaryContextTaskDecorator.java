package io.canarygateway.propagation;

import org.springframework.core.task.TaskDecorator;

/**
 * Hands the {@link CanaryContext} of the submitting thread to a task run by an executor
 * Spring Boot builds ({@code @Async}, {@code applicationTaskExecutor}, executors from
 * {@code ThreadPoolTaskExecutorBuilder} / {@code SimpleAsyncTaskExecutorBuilder}), and
 * restores the worker's own afterwards. Boot composes it with the application's own
 * {@code TaskDecorator} beans. Only this module's context is carried; for everything
 * Micrometer knows, use Spring's {@code ContextPropagatingTaskDecorator}.
 */
public class CanaryContextTaskDecorator implements TaskDecorator {

	@Override
	public Runnable decorate(Runnable runnable) {
		CanaryContext context = CanaryContextHolder.get();
		if (context == null) {
			return runnable;
		}
		return () -> {
			CanaryContext previous = CanaryContextHolder.get();
			CanaryContextHolder.set(context);
			try {
				runnable.run();
			}
			finally {
				CanaryContextHolder.set(previous);
			}
		};
	}

}
