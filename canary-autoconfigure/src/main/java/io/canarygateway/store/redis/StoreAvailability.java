package io.canarygateway.store.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.canarygateway.store.ReleaseStoreUnavailableException;

/**
 * Whether the shared store (Redis) can be reached, as this gateway last found out: told
 * of every call's success or failure, it logs once when an outage begins and once when it
 * ends (never per call), lets callers fail fast while the store is known to be down (only
 * the store's own probe keeps trying), and shows the state as the gauge
 * {@code canary.store.available} (1 or 0) and in the {@code canaryStore} health details.
 * <p>
 * Thread-safe.
 */
public class StoreAvailability implements MeterBinder {

	/** The gauge's name. */
	public static final String METRIC = "canary.store.available";

	private final String description;

	private final System.Logger log;

	private final Clock clock;

	private final AtomicBoolean available = new AtomicBoolean(true);

	private final AtomicLong outages = new AtomicLong();

	private volatile Instant unavailableSince;

	private volatile Instant lastOutageEnded;

	private volatile String lastError;

	/**
	 * @param description names the store in logs and health details, e.g. {@code Redis}
	 * @param clock the time of outages
	 */
	public StoreAvailability(String description, Clock clock) {
		this(description, System.getLogger(StoreAvailability.class.getName()), clock);
	}

	StoreAvailability(String description, System.Logger log, Clock clock) {
		this.description = description;
		this.log = log;
		this.clock = clock;
	}

	/** Whether the last call reached the store. */
	public boolean isAvailable() {
		return this.available.get();
	}

	/** When the current outage began, or {@code null} while the store is available. */
	public Instant unavailableSince() {
		return this.available.get() ? null : this.unavailableSince;
	}

	/** When the last outage ended, or {@code null} if there was none. */
	public Instant lastOutageEnded() {
		return this.lastOutageEnded;
	}

	/** The last failure's message, or {@code null} if there was none. */
	public String lastError() {
		return this.lastError;
	}

	/** How many outages began since this gateway started. */
	public long outages() {
		return this.outages.get();
	}

	/** What the store is, as logs and health details name it. */
	public String description() {
		return this.description;
	}

	/**
	 * Fails fast while the store is known to be unreachable, so that no caller waits for
	 * a timeout during an outage.
	 * @throws ReleaseStoreUnavailableException if it is
	 */
	public void check() {
		if (!this.available.get()) {
			throw new ReleaseStoreUnavailableException(this.description + " has been unreachable since "
					+ this.unavailableSince + " (" + this.lastError + ")");
		}
	}

	/** A call reached the store. Ends an outage, if there was one, with one log line. */
	public void succeeded() {
		if (this.available.get()) {
			return;
		}
		if (this.available.compareAndSet(false, true)) {
			Instant now = this.clock.instant();
			this.lastOutageEnded = now;
			Instant since = this.unavailableSince;
			this.log.log(System.Logger.Level.INFO,
					"{0} is reachable again after {1} s; releases are shared again and automatic progression resumes",
					this.description, (since != null) ? Duration.between(since, now).toMillis() / 1000.0 : 0);
		}
	}

	/**
	 * A call did not reach the store. Begins an outage, if none was going on, with one
	 * log line.
	 */
	public void failed(Throwable cause) {
		this.lastError = describe(cause);
		if (this.available.compareAndSet(true, false)) {
			this.unavailableSince = this.clock.instant();
			this.outages.incrementAndGet();
			this.log.log(System.Logger.Level.WARNING,
					"{0} is unreachable ({1}): this gateway keeps routing with the release state it last knew, "
							+ "its breakers keep protecting users, automatic progression and operator actions are "
							+ "suspended until it is back; logged once per outage",
					this.description, this.lastError);
		}
	}

	/** The innermost cause, as {@code SimpleClassName: message}. */
	static String describe(Throwable cause) {
		Throwable deepest = cause;
		while (deepest.getCause() != null && deepest.getCause() != deepest) {
			deepest = deepest.getCause();
		}
		String message = (deepest.getMessage() != null) ? deepest.getMessage() : "";
		return deepest.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder(METRIC, this, (availability) -> availability.isAvailable() ? 1 : 0)
			.description("Whether the shared release store (" + this.description
					+ ") can be reached: 1 yes, 0 no (the gateway then serves with the last known state)")
			.register(registry);
	}

}
