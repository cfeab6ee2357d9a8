package io.canarygateway.propagation;

import org.jspecify.annotations.Nullable;

/**
 * Where the {@link CanaryContext} of the request being handled lives on a thread: set by
 * the servlet filter for the duration of a request, carried to other threads by the task
 * decorator, by {@link CanaryContextAccessor} (Micrometer context propagation, e.g.
 * {@code ContextExecutorService.wrap}) and, in reactive applications with automatic
 * context propagation, by Reactor.
 */
public final class CanaryContextHolder {

	private static final ThreadLocal<CanaryContext> CURRENT = new ThreadLocal<>();

	private CanaryContextHolder() {
	}

	/**
	 * @return the context of the request this thread works for, or {@code null}
	 */
	public static @Nullable CanaryContext get() {
		return CURRENT.get();
	}

	/**
	 * Sets (or, with {@code null}, clears) the context of this thread.
	 * @param context the context, or {@code null}
	 */
	public static void set(@Nullable CanaryContext context) {
		if (context == null) {
			CURRENT.remove();
		}
		else {
			CURRENT.set(context);
		}
	}

	/** Clears the context of this thread. */
	public static void clear() {
		CURRENT.remove();
	}

}
