package io.canarygateway.propagation;

import java.io.IOException;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Sets {@value CanaryHeaders#LANE} and {@value CanaryHeaders#VERSIONS} on a
 * {@code RestClient} or {@code RestTemplate} request made on a thread that handles (or
 * was handed) a request carrying them ({@link CanaryContextHolder}), replacing any value
 * already there; without a context the request is left untouched.
 * <p>
 * Installed first on every load-balanced {@code RestClient.Builder} and
 * {@code RestTemplate} bean, so the load balancer sees the headers when it picks an
 * instance; never on other clients, whose calls may leave the system.
 */
public class CanaryHeadersInterceptor implements ClientHttpRequestInterceptor, Ordered {

	/**
	 * Before the load balancer's interceptor (which has no order) and the application's
	 * unordered interceptors, where a {@code RestTemplate} sorts its interceptors.
	 */
	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		CanaryContext context = CanaryContextHolder.get();
		if (context != null) {
			HttpHeaders headers = request.getHeaders();
			headers.set(CanaryHeaders.LANE, context.laneHeader());
			headers.set(CanaryHeaders.VERSIONS, context.versionsHeader());
		}
		return execution.execute(request, body);
	}

}
