package io.canarygateway.propagation;

import java.io.IOException;
import java.util.Enumeration;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Keeps the {@link CanaryContext} of a servlet request on the thread that handles it
 * ({@link CanaryContextHolder}), from before the application's own filters until the
 * request is done, and again on each asynchronous dispatch of the same request (read
 * once, kept in a request attribute). Whatever the thread held before is restored
 * afterwards.
 */
public class CanaryContextServletFilter extends OncePerRequestFilter implements Ordered {

	/** Early, so the application's own filters already see the context. */
	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 20;

	/** The request attribute that keeps the context for asynchronous dispatches. */
	static final String ATTRIBUTE = CanaryContext.class.getName();

	/** Marks a request that has been read and had no (valid) context. */
	private static final Object NONE = new Object();

	private final CanaryContextReader reader;

	public CanaryContextServletFilter(CanaryContextReader reader) {
		this.reader = reader;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	protected boolean shouldNotFilterAsyncDispatch() {
		return false;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		CanaryContext context = contextOf(request);
		CanaryContext previous = CanaryContextHolder.get();
		CanaryContextHolder.set(context);
		try {
			chain.doFilter(request, response);
		}
		finally {
			CanaryContextHolder.set(previous);
		}
	}

	private @Nullable CanaryContext contextOf(HttpServletRequest request) {
		Object kept = request.getAttribute(ATTRIBUTE);
		if (kept != null) {
			return (kept instanceof CanaryContext context) ? context : null;
		}
		String lane = request.getHeader(CanaryHeaders.LANE);
		String versions = request.getHeader(CanaryHeaders.VERSIONS);
		CanaryContext context = null;
		if (lane != null || versions != null) {
			boolean repeated = repeated(request.getHeaders(CanaryHeaders.LANE))
					|| repeated(request.getHeaders(CanaryHeaders.VERSIONS));
			context = this.reader.read(lane, versions, repeated);
		}
		request.setAttribute(ATTRIBUTE, (context != null) ? context : NONE);
		return context;
	}

	private static boolean repeated(@Nullable Enumeration<String> values) {
		if (values == null || !values.hasMoreElements()) {
			return false;
		}
		values.nextElement();
		return values.hasMoreElements();
	}

}
