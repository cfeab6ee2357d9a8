package io.canarygateway.sample.services;

import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * The call a checkout makes to another service (e.g. orders → payments) through a
 * load-balanced {@code WebClient}: the propagation module
 * ({@code canary-gateway-propagation}) picks the instance of the version the request's
 * lane names for that service, and forwards the lane headers.
 */
public class CheckoutCall {

	private final WebClient client;

	private final String service;

	/**
	 * @param client a client built from a {@code @LoadBalanced} builder
	 * @param service the service id to call
	 */
	public CheckoutCall(WebClient client, String service) {
		this.client = client;
		this.service = service;
	}

	/**
	 * @return the service this call reaches
	 */
	public String service() {
		return this.service;
	}

	/**
	 * Calls {@code GET /<service>/charge} on an instance of the service.
	 * @return its answer, or the reason there is none (never an error signal)
	 */
	public Mono<Result> call() {
		return this.client.get()
			.uri("http://" + this.service + "/" + this.service + "/charge")
			.exchangeToMono((response) -> response.bodyToMono(String.class)
				.defaultIfEmpty("")
				.map((body) -> new Result(response.statusCode().value(), body, null)))
			.onErrorResume((ex) -> Mono.just(new Result(0, null, ex.getMessage())));
	}

	/**
	 * The outcome of one call.
	 *
	 * @param status the HTTP status, or 0 when no answer came
	 * @param body the answer's body, or {@code null} when no answer came
	 * @param failure why no answer came, or {@code null}
	 */
	public record Result(int status, String body, String failure) {

		/**
		 * @return whether the service answered with a 2xx status
		 */
		public boolean ok() {
			return this.status >= 200 && this.status < 300;
		}

		/**
		 * @return a short description of a failed call
		 */
		public String problem() {
			return (this.status == 0) ? "no answer (" + this.failure + ")" : "status " + this.status;
		}

	}

}
