package io.canarygateway.store.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.canarygateway.core.UnreadableRecord;
import io.canarygateway.store.ReleaseStoreUnavailableException;

/**
 * Whether the shared store (Redis) can be reached, as this gateway last found out: told
 * of every call's success or failure, it logs once when an outage begins and once when it
 * ends (never per call), lets callers fail fast while the store is known to be down (only
 * the store's own probe keeps trying), and shows the state as the gauge
 * {@code canary.store.available} (1 or 0) and in the {@code canaryStore} health details.
 * <p>
 * It also keeps which releases' records the store found unreadable (a problem of one
 * release, not an outage): logged once when a record becomes unreadable and once when it
 * can be read again, shown as the gauge {@code canary.store.unreadable.records} and in
 * the health details.
 * <p>
 * Thread-safe.
 */
public class StoreAvailability implements MeterBinder {

	/** The gauge's name. */
	public static final String METRIC = "canary.store.available";

	/** The name of the gauge of unreadable records. */
	public static final String UNREADABLE_METRIC = "canary.store.unreadable.records";

	private final String description;

	private final System.Logger log;

	private final Clock clock;

	private final AtomicBoolean available = new AtomicBoolean(true);

	private final AtomicLong outages = new AtomicLong();

	private volatile Instant unavailableSince;

	private volatile Instant lastOutageEnded;

	private volatile String lastError;

	private final ConcurrentMap<String, UnreadableRecord> unreadable = new ConcurrentHashMap<>();

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

	/**
	 * The store found the record of a release unreadable. Logged once when it becomes
	 * unreadable (and again only if the cause changes), not at every read.
	 * @return the problem, with when it was first found
	 */
	public UnreadableRecord unreadable(String release, String key, String error) {
		UnreadableRecord[] found = new UnreadableRecord[2];
		UnreadableRecord current = this.unreadable.compute(release, (name, old) -> {
			found[0] = old;
			if (old != null && old.key().equals(key) && old.error().equals(error)) {
				return old;
			}
			found[1] = new UnreadableRecord(release, key, error, (old != null) ? old.since() : this.clock.instant());
			return found[1];
		});
		if (found[1] != null) {
			this.log.log(System.Logger.Level.WARNING, (found[0] == null)
					? "The record of release ''{0}'' ({1}) cannot be read: {2}. This gateway keeps serving the release "
							+ "with the state it last knew and refuses actions on it until the record can be read "
							+ "again; the other releases are not affected. Logged once"
					: "The record of release ''{0}'' ({1}) still cannot be read, now: {2}", release, key, error);
		}
		return current;
	}

	/**
	 * The store read the record of a release (or found none). Ends its problem, if it had
	 * one, with one log line.
	 */
	public void readable(String release) {
		UnreadableRecord old = this.unreadable.remove(release);
		if (old != null) {
			this.log.log(System.Logger.Level.INFO, "The record of release ''{0}'' ({1}) can be read again after {2} s",
					release, old.key(), Duration.between(old.since(), this.clock.instant()).toMillis() / 1000.0);
		}
	}

	/** Why the record of a release cannot be read, if the store found it so. */
	public Optional<UnreadableRecord> unreadable(String release) {
		return Optional.ofNullable(this.unreadable.get(release));
	}

	/** Every record the store found unreadable, by release name. */
	public SortedMap<String, UnreadableRecord> unreadableRecords() {
		return new TreeMap<>(this.unreadable);
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
		Gauge.builder(UNREADABLE_METRIC, this, (availability) -> availability.unreadable.size())
			.description("Releases whose record in the shared release store (" + this.description
					+ ") this gateway cannot read (it serves them with their last known state)")
			.register(registry);
	}

}
