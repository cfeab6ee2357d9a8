package io.canarygateway.store.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import io.canarygateway.store.ReleaseStoreUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** Timeouts, warm-up, fail-fast and cancellation of the calls the store makes. */
class RedisCallsTests {

	final StoreAvailability availability = new StoreAvailability("Redis", Clock.systemUTC());

	@Test
	void aSlowStartIsNotAnOutageButASlowCallAfterwardsIs() {
		RedisCalls calls = new RedisCalls(this.availability, Duration.ofMillis(100), Duration.ofSeconds(5));
		assertThat(calls.timeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(calls.await("warm up", Mono.just("PONG").delayElement(Duration.ofMillis(300)))).isEqualTo("PONG");
		assertThat(this.availability.isAvailable()).isTrue();

		calls.warmedUp();
		assertThat(calls.timeout()).isEqualTo(Duration.ofMillis(100));
		assertThatExceptionOfType(ReleaseStoreUnavailableException.class)
			.isThrownBy(() -> calls.await("answer", Mono.just("PONG").delayElement(Duration.ofMillis(300))))
			.withMessageContaining("within 100 ms");
		assertThat(this.availability.isAvailable()).isFalse();
	}

	@Test
	void aCallThatTimedOutIsCancelledAndCallsFailFastUntilAProbeAnswers() {
		RedisCalls calls = new RedisCalls(this.availability, Duration.ofMillis(50), Duration.ofMillis(50));
		AtomicBoolean cancelled = new AtomicBoolean();
		assertThatExceptionOfType(ReleaseStoreUnavailableException.class)
			.isThrownBy(() -> calls.await("answer", Mono.never().doOnCancel(() -> cancelled.set(true))));
		assertThat(cancelled).as("a late command is never sent").isTrue();

		AtomicBoolean subscribed = new AtomicBoolean();
		assertThatExceptionOfType(ReleaseStoreUnavailableException.class)
			.isThrownBy(() -> calls.await("answer", Mono.fromSupplier(() -> {
				subscribed.set(true);
				return "PONG";
			})));
		assertThat(subscribed).as("failed fast, Redis not even asked").isFalse();

		assertThat(calls.probe("answer PING", Mono.just("PONG"))).isEqualTo("PONG");
		assertThat(this.availability.isAvailable()).isTrue();
		assertThat(calls.await("answer", Mono.just("OK"))).isEqualTo("OK");
	}

	@Test
	void refusesToBlockAReactorThread() {
		RedisCalls calls = new RedisCalls(this.availability, Duration.ofSeconds(1));
		assertThatIllegalStateException()
			.isThrownBy(() -> Mono.fromCallable(() -> calls.await("answer", Mono.just("x")))
				.subscribeOn(Schedulers.parallel())
				.block(Duration.ofSeconds(60)))
			.withMessageContaining("non-blocking");
		assertThat(this.availability.isAvailable()).as("a misuse is not an outage").isTrue();
	}

}
