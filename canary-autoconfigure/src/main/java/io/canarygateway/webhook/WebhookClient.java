package io.canarygateway.webhook;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import reactor.util.retry.Retry;

import io.canarygateway.core.Webhook;

/**
 * POSTs webhook bodies (docs/integrations.md, "Webhooks") with Reactor Netty on event
 * loops of its own, never on a request thread nor on the analysis thread: every call
 * returns a {@link Mono} at once. A call succeeds when the hook answers 2xx within its
 * timeout. Every call is counted in {@code canary.webhooks} by release, hook name and
 * outcome ({@code success}, {@code rejected} for a non-2xx answer, {@code timeout},
 * {@code error} for a connection or protocol failure, {@code dropped} for a notification
 * not sent because too many were in flight).
 */
public final class WebhookClient implements AutoCloseable {

	/** The metric every call is counted in. */
	public static final String METER = "canary.webhooks";

	/** How much of an answer's body is kept as evidence. */
	static final int BODY_LIMIT = 200;

	private final LoopResources loops;

	private final ConnectionProvider connections;

	private final HttpClient client;

	private final MeterRegistry meters;

	public WebhookClient(MeterRegistry meters) {
		this.meters = meters;
		this.loops = LoopResources.create("canary-webhooks", 1, true);
		this.connections = ConnectionProvider.builder("canary-webhooks").maxConnections(50).build();
		this.client = HttpClient.create(this.connections).runOn(this.loops);
	}

	/**
	 * One call of a hook: the answer, or a call that did not get one (timeout, connection
	 * failure); never an error signal.
	 */
	public Mono<Call> post(String release, Webhook hook, String body) {
		Duration timeout = hook.timeout();
		return this.client.headers((headers) -> headers.set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
			.responseTimeout(timeout)
			.post()
			.uri(hook.url())
			.send(ByteBufFlux.fromString(Mono.just(body)))
			.responseSingle((response, bytes) -> bytes.asString()
				.defaultIfEmpty("")
				.map((text) -> Call.answered(response.status().code(), text)))
			.timeout(timeout)
			.onErrorResume((ex) -> Mono.just(Call.failed(ex, timeout)))
			.doOnNext((call) -> count(release, hook, call.outcome()));
	}

	/**
	 * A call retried while it fails for a reason that may pass (timeout, connection
	 * failure, 408, 429, 5xx): at most {@code attempts} calls, waiting {@code backoff}
	 * then twice as long between them. A definite answer (2xx, or another status) is
	 * never retried.
	 */
	public Mono<Call> postWithRetries(String release, Webhook hook, String body, int attempts, Duration backoff) {
		return Mono.defer(() -> post(release, hook, body))
			.flatMap((call) -> call.retryable() ? Mono.error(new TransientFailure(call)) : Mono.just(call))
			.retryWhen(Retry.backoff(attempts - 1, backoff)
				.filter(TransientFailure.class::isInstance)
				.onRetryExhaustedThrow((spec, signal) -> signal.failure()))
			.onErrorResume(TransientFailure.class, (ex) -> Mono.just(ex.call));
	}

	/** Counts a call's outcome, e.g. a notification dropped before it was sent. */
	void count(String release, Webhook hook, String outcome) {
		Counter.builder(METER)
			.description("Webhook calls by release, hook name and outcome")
			.tags("release", release, "name", hook.name(), "outcome", outcome)
			.register(this.meters)
			.increment();
	}

	@Override
	public void close() {
		this.connections.dispose();
		this.loops.dispose();
	}

	/**
	 * What one call came to.
	 *
	 * @param status the HTTP status, or 0 when there was no answer
	 * @param body the start of the answer's body, or why there was no answer
	 * @param outcome {@code success}, {@code rejected}, {@code timeout} or {@code error}
	 */
	public record Call(int status, String body, String outcome) {

		static Call answered(int status, String body) {
			String start = (body.length() > BODY_LIMIT) ? body.substring(0, BODY_LIMIT) + "…" : body;
			return new Call(status, start.strip(), (status >= 200 && status < 300) ? "success" : "rejected");
		}

		static Call failed(Throwable ex, Duration timeout) {
			if (ex instanceof TimeoutException || ex instanceof io.netty.handler.timeout.TimeoutException) {
				return new Call(0, "no answer within " + timeout.toMillis() + " ms", "timeout");
			}
			String message = (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
			return new Call(0, message, "error");
		}

		/** Whether the hook answered 2xx. */
		public boolean succeeded() {
			return this.status >= 200 && this.status < 300;
		}

		/** Whether a retry might succeed: no answer, 408, 429 or 5xx. */
		boolean retryable() {
			return this.status == 0 || this.status == 408 || this.status == 429 || this.status >= 500;
		}

		/** E.g. {@code 403 "denied"}, {@code timeout (no answer within 5000 ms)}. */
		public String describe() {
			if (this.status == 0) {
				return this.outcome + " (" + this.body + ")";
			}
			return this.body.isEmpty() ? Integer.toString(this.status) : this.status + " \"" + this.body + "\"";
		}

	}

	private static final class TransientFailure extends RuntimeException {

		final Call call;

		TransientFailure(Call call) {
			super(call.describe(), null, false, false);
			this.call = call;
		}

	}

}
