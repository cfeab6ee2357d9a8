package io.canarygateway.propagation;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * Sets {@value CanaryHeaders#LANE} and {@value CanaryHeaders#VERSIONS} on a
 * {@code WebClient} request made while handling a request that carries them, replacing
 * any value already there. The context comes from the Reactor {@code Context} of the
 * subscriber (so it holds on any thread), else from the calling thread
 * ({@link CanaryContextHolder}); without one the request is left untouched.
 * <p>
 * Installed first in every load-balanced {@code WebClient.Builder} bean, so the load
 * balancer sees the headers when it picks an instance; never on other clients, whose
 * calls may leave the system.
 */
public class CanaryHeadersExchangeFilterFunction implements ExchangeFilterFunction {

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		CanaryContext onThread = CanaryContextHolder.get();
		return Mono.deferContextual((view) -> {
			CanaryContext context = contextOf(view, onThread);
			if (context == null) {
				return next.exchange(request);
			}
			ClientRequest withHeaders = ClientRequest.from(request).headers((headers) -> {
				headers.set(CanaryHeaders.LANE, context.laneHeader());
				headers.set(CanaryHeaders.VERSIONS, context.versionsHeader());
			}).build();
			return next.exchange(withHeaders);
		});
	}

	private static @Nullable CanaryContext contextOf(ContextView view, @Nullable CanaryContext onThread) {
		Object context = view.getOrDefault(CanaryContextAccessor.KEY, null);
		return (context instanceof CanaryContext canary) ? canary : onThread;
	}

}
