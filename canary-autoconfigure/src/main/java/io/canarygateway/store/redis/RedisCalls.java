package io.canarygateway.store.redis;

import java.time.Duration;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import io.canarygateway.store.ReleaseStoreUnavailableException;

/**
 * Runs Redis commands for blocking callers, each with a timeout, and keeps
 * {@link StoreAvailability} informed. The {@link RedisReleaseStore} and the
 * {@link RedisFleetWindows} of a gateway share one.
 * <p>
 * Commands go through Spring Data Redis' reactive API so that a command that times out is
 * cancelled: Lettuce then never sends it, even if it was queued while the connection was
 * down. A blocking call whose timeout fired could otherwise be sent after Redis came
 * back, and an operator's action reported as failed would take effect late. Cancelling
 * does not recall a command that was already sent, though: a slow Redis may still run it
 * after the call failed. A write's caller finds out by reading again
 * ({@link RedisReleaseStore#compareAndSet}); {@link #await} fails before sending anything
 * only while Redis is known to be down.
 * <p>
 * <b>Warm-up.</b> The first calls of a gateway are slow (connecting, class loading, a
 * cold JIT): a few hundred milliseconds on a busy machine. Until the store has re-read
 * its releases once ({@link #warmedUp()}), calls may take up to the warm-up timeout
 * instead, so that a slow start is not mistaken for an outage.
 */
public final class RedisCalls {

	/** The default warm-up timeout. */
	public static final Duration DEFAULT_WARM_UP_TIMEOUT = Duration.ofSeconds(10);

	private final StoreAvailability availability;

	private final Duration timeout;

	private final Duration warmUpTimeout;

	private volatile boolean warm;

	/**
	 * @param availability told of every call's outcome
	 * @param timeout the longest wait for one call
	 */
	public RedisCalls(StoreAvailability availability, Duration timeout) {
		this(availability, timeout, DEFAULT_WARM_UP_TIMEOUT);
	}

	/**
	 * @param availability told of every call's outcome
	 * @param timeout the longest wait for one call
	 * @param warmUpTimeout the longest wait for one call until {@link #warmedUp()}
	 */
	public RedisCalls(StoreAvailability availability, Duration timeout, Duration warmUpTimeout) {
		if (timeout.toMillis() <= 0) {
			throw new IllegalArgumentException("the Redis call timeout must be at least 1 ms, was " + timeout);
		}
		this.availability = availability;
		this.timeout = timeout;
		this.warmUpTimeout = (warmUpTimeout.compareTo(timeout) > 0) ? warmUpTimeout : timeout;
	}

	/** What the calls found out about Redis. */
	public StoreAvailability availability() {
		return this.availability;
	}

	/** Ends the warm-up: from now on every call waits at most the timeout. */
	public void warmedUp() {
		this.warm = true;
	}

	/** The longest wait for the next call. */
	Duration timeout() {
		return this.warm ? this.timeout : this.warmUpTimeout;
	}

	/**
	 * Waits for a command's result, failing fast while Redis is known to be unreachable.
	 * @throws ReleaseStoreUnavailableException if Redis is down, too slow or refused the
	 * command
	 * @throws RedisKeyException if Redis answered with an error about the key (Redis is
	 * not down for that)
	 */
	<T> T await(String what, Mono<T> command) {
		this.availability.check();
		return probe(what, command);
	}

	/**
	 * Waits for a command's result even while Redis is known to be unreachable: how the
	 * store finds out that it is back.
	 * @throws ReleaseStoreUnavailableException if Redis is down, too slow or refused the
	 * command
	 * @throws RedisKeyException if Redis answered with an error about the key (Redis is
	 * not down for that)
	 */
	<T> T probe(String what, Mono<T> command) {
		if (Schedulers.isInNonBlockingThread()) {
			throw new IllegalStateException("the Redis release store blocks; call it off Reactor's non-blocking "
					+ "threads (thread " + Thread.currentThread().getName() + ")");
		}
		Duration timeout = timeout();
		T value;
		try {
			value = command.timeout(timeout).block();
		}
		catch (RuntimeException ex) {
			String keyError = RedisKeyException.keyError(ex);
			if (keyError != null) {
				this.availability.succeeded();
				throw new RedisKeyException(what, keyError, ex);
			}
			this.availability.failed(ex);
			throw new ReleaseStoreUnavailableException("Redis could not " + what + ": " + StoreAvailability.describe(ex)
					+ " (within " + timeout.toMillis() + " ms)", ex);
		}
		this.availability.succeeded();
		return value;
	}

}
