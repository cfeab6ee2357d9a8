package io.canarygateway.propagation;

import io.micrometer.context.ThreadLocalAccessor;
import org.jspecify.annotations.Nullable;

/**
 * Lets Micrometer context propagation capture and restore the {@link CanaryContext} of a
 * thread ({@link CanaryContextHolder}), e.g. through {@code ContextSnapshot.wrap},
 * {@code ContextExecutorService.wrap} or Reactor's automatic context propagation, which
 * also restores it from the Reactor {@code Context} entry of the same {@link #KEY}.
 * Registered through {@code META-INF/services}.
 */
public class CanaryContextAccessor implements ThreadLocalAccessor<CanaryContext> {

	/**
	 * The key of the context: in Micrometer's {@code ContextRegistry} and in a Reactor
	 * {@code Context}.
	 */
	public static final String KEY = "canary.context";

	@Override
	public Object key() {
		return KEY;
	}

	@Override
	public @Nullable CanaryContext getValue() {
		return CanaryContextHolder.get();
	}

	@Override
	public void setValue(CanaryContext value) {
		CanaryContextHolder.set(value);
	}

	@Override
	public void setValue() {
		CanaryContextHolder.clear();
	}

}
