package io.canarygateway.store.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.lettuce.core.RedisCommandExecutionException;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.ReactiveSubscription;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;

import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.UnreadableRecord;
import io.canarygateway.store.ReleaseRecordCodec;
import io.canarygateway.store.ReleaseRecordUnreadableException;
import io.canarygateway.store.ReleaseStore;
import io.canarygateway.store.ReleaseStoreOutcomeUnknownException;
import io.canarygateway.store.ReleaseStoreUnavailableException;

/**
 * The release store shared by every gateway replica: one record per release in Redis,
 * replaced only by compare-and-set, with change notification, so that all replicas act as
 * one gateway.
 *
 * <h2>How</h2>
 * <ul>
 * <li><b>Record.</b> Each release is one hash {@code canary:{<release>}:release}
 * ({@link RedisKeys}) holding its revision, canary version and the JSON record
 * ({@link ReleaseRecordCodec}).</li>
 * <li><b>Compare-and-set.</b> One Lua script per update compares the stored revision with
 * the expected one, stores the record and publishes it on {@code canary:releases},
 * atomically: two writers that read the same record can never both store their successor,
 * and no change is stored without being announced.</li>
 * <li><b>Notification.</b> Every replica subscribes to the channel and hands each record
 * to its listeners (the release controller applies it within milliseconds). As a safety
 * net against a lost message or subscription, every release is also re-read every
 * {@code refresh-interval}.</li>
 * <li><b>Timeouts.</b> Every call waits at most {@code timeout}; calls go through the
 * reactive API so that a call that timed out before it was sent is cancelled and never
 * sent late ({@link RedisCalls}). A compare-and-set that fails after it may have been
 * sent is settled by reading the record again: applied, lost to another writer, or
 * {@link ReleaseStoreOutcomeUnknownException unknown}.</li>
 * <li><b>A record that cannot be read</b> (corrupt, a key of another type, a newer
 * gateway's format) is a problem of its release only, not an outage: reading or writing
 * that release throws {@link ReleaseRecordUnreadableException}, the other releases are
 * read and written as ever, the record is never overwritten by a re-seed, and
 * {@link StoreAvailability} reports it once and again when it can be read. A notification
 * that cannot be read is logged and skipped.</li>
 * </ul>
 *
 * <h2>When Redis is unreachable (the outage policy)</h2>
 * <ol>
 * <li><b>Requests never fail because of Redis.</b> Routing reads the release state each
 * gateway holds in memory, never Redis; the gateway keeps routing with the last state it
 * knew.</li>
 * <li><b>Changes are frozen.</b> Every call fails fast with
 * {@link ReleaseStoreUnavailableException} (only the periodic probe waits for Redis): the
 * analysis loop skips its looks (no step advance, pause or rollback is decided on part of
 * the fleet's data), operator actions answer 503, nothing changes.</li>
 * <li><b>Breakers keep protecting users.</b> Each gateway's breaker is local: a canary
 * that fails while Redis is down is cut off by the gateways that see it fail, at once.
 * The rollback it calls for is written when Redis is back (the release controller writes
 * it on the first record it gets), and then spreads to every replica.</li>
 * <li><b>Reported once.</b> The outage is logged when it begins and when it ends, never
 * per call; the gauge {@code canary.store.available} and the health contributor
 * {@code canaryStore} show it ({@link StoreAvailability}).</li>
 * <li><b>Redis comes back empty</b> (restarted without persistence) <b>or older</b>
 * (failed over to a replica that missed writes): each gateway re-seeds every release it
 * knows from the last record it saw — stored only if Redis has none, or an older revision
 * of the same canary version, so the newest copy in the fleet wins — instead of resetting
 * the release. Then progression resumes.</li>
 * <li><b>A gateway that starts while Redis is unreachable fails to start</b> (it cannot
 * know where the fleet is); running gateways are not affected.</li>
 * </ol>
 * <p>
 * Thread-safe. Calls block up to {@code timeout}: make them off Reactor's non-blocking
 * threads.
 */
public class RedisReleaseStore implements ReleaseStore, AutoCloseable {

	private static final System.Logger LOG = System.getLogger(RedisReleaseStore.class.getName());

	private static final String RECORD_FIELD = "record";

	/** What to do about a record that is corrupt or of the wrong type. */
	private static final String REPAIR = " — repair the record or delete the key (every gateway that knew the release "
			+ "then stores its last known state again)";

	/**
	 * Takes the lead key when it is free or already this store's, with a new expiry: 1
	 * when this store leads now, 0 when another one does.
	 */
	private static final RedisScript<Long> LEAD = RedisScript.of("local owner = redis.call('GET', KEYS[1]) "
			+ "if owner == false or owner == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
			+ "return 1 end return 0", Long.class);

	private final ReactiveRedisConnectionFactory connectionFactory;

	private final ReactiveStringRedisTemplate redis;

	private final RedisKeys keys;

	private final ReleaseRecordCodec codec;

	private final RedisCalls calls;

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> compareAndSetScript;

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> seedScript;

	private final Duration refreshInterval;

	/**
	 * The releases this gateway reads or writes: re-read and, when lost, re-seeded by
	 * every refresh.
	 */
	private final Set<String> known = ConcurrentHashMap.newKeySet();

	/** The newest record this gateway saw of each release: what it re-seeds from. */
	private final ConcurrentMap<String, ReleaseStatus> lastKnown = new ConcurrentHashMap<>();

	private final CopyOnWriteArrayList<Consumer<ReleaseStatus>> listeners = new CopyOnWriteArrayList<>();

	private final ScheduledExecutorService executor;

	private ReactiveRedisMessageListenerContainer container;

	private volatile Disposable subscription;

	private volatile boolean closed;

	/** Who this store is when it leads a release (see {@link #lead}). */
	private final String id = UUID.randomUUID().toString();

	/**
	 * @param connectionFactory the application's Redis connection (Lettuce)
	 * @param keys the key names
	 * @param calls runs each call with its timeout (shared with the
	 * {@link RedisFleetWindows})
	 * @param scripts the store's Lua scripts
	 * @param refreshInterval how often every known release is re-read (and Redis probed
	 * during an outage)
	 */
	public RedisReleaseStore(ReactiveRedisConnectionFactory connectionFactory, RedisKeys keys, RedisCalls calls,
			RedisScripts scripts, ReleaseRecordCodec codec, Duration refreshInterval) {
		if (refreshInterval.toMillis() <= 0) {
			throw new IllegalArgumentException("the refresh interval must be at least 1 ms, was " + refreshInterval);
		}
		this.connectionFactory = connectionFactory;
		this.redis = new ReactiveStringRedisTemplate(connectionFactory);
		this.keys = keys;
		this.calls = calls;
		this.compareAndSetScript = scripts.compareAndSet();
		this.seedScript = scripts.seed();
		this.codec = codec;
		this.refreshInterval = refreshInterval;
		this.executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "canary-redis-store");
			thread.setDaemon(true);
			return thread;
		});
	}

	/** Subscribes to the change channel and schedules the periodic re-read. */
	public void start() {
		try {
			// still warming up: the first connection may take longer than a call
			// (RedisCalls)
			this.calls.probe("answer PING", ping());
			subscribeToChanges();
		}
		catch (ReleaseStoreUnavailableException ex) {
			// logged once by StoreAvailability; the first refresh that reaches Redis
			// subscribes
		}
		long period = this.refreshInterval.toMillis();
		this.executor.scheduleWithFixedDelay(this::refreshQuietly, period, period, TimeUnit.MILLISECONDS);
	}

	/** Whether Redis was reachable at the last call. */
	public StoreAvailability availability() {
		return this.calls.availability();
	}

	/** How this store calls Redis. */
	RedisCalls calls() {
		return this.calls;
	}

	/** The key names this store uses. */
	public RedisKeys keys() {
		return this.keys;
	}

	@Override
	public Optional<ReleaseStatus> find(String release) {
		this.known.add(release);
		return Optional.ofNullable(settle(release, read(release)));
	}

	@Override
	public Swap compareAndSet(ReleaseStatus next, long expectedRevision) {
		this.known.add(next.release());
		String record = this.codec.write(next);
		// during a known outage: fails fast, nothing sent
		this.calls.availability().check();
		List<String> reply;
		try {
			reply = awaitOnRecord(next.release(), "store release '" + next.release() + "'",
					script(this.compareAndSetScript, next.release(), Long.toString(expectedRevision),
							Long.toString(next.revision()), hashVersion(next), record, this.keys.channel()));
		}
		catch (ReleaseStoreUnavailableException ex) {
			return unconfirmed(next, expectedRevision, record, ex);
		}
		if (swapped(reply)) {
			this.calls.availability().readable(next.release());
			remember(next, true);
			notifyListeners(next);
			return new Swap(true, next);
		}
		ReleaseStatus current = stored(next.release(), reply);
		if (current != null) {
			remember(current, true);
		}
		return new Swap(false, current);
	}

	/**
	 * Finds out what became of a compare-and-set that failed after it was handed to
	 * Redis. The timeout cancels the call, but a command already sent is not recalled:
	 * Redis may have run it before the answer was lost, or run it later still. So the
	 * record is read again (waiting even though the failure marked Redis down): if it is
	 * {@code next}, the write was applied; if it moved past the expected revision without
	 * it, the write lost (like a refused compare-and-set) and can no longer apply.
	 * Otherwise the outcome stays unknown.
	 * @throws ReleaseStoreUnavailableException if Redis answered with an error: it did
	 * not store the record
	 * @throws ReleaseStoreOutcomeUnknownException if neither the call nor the read said
	 */
	private Swap unconfirmed(ReleaseStatus next, long expectedRevision, String record,
			ReleaseStoreUnavailableException failure) {
		if (refusedByRedis(failure)) {
			throw failure;
		}
		String release = next.release();
		Object stored;
		try {
			stored = this.calls.probe("read release '" + release + "'",
					this.redis.opsForHash().get(this.keys.release(release), RECORD_FIELD));
		}
		catch (ReleaseStoreUnavailableException ex) {
			throw outcomeUnknown(release, failure);
		}
		catch (RedisKeyException ex) {
			throw unreadable(release, "Redis answered " + ex.reply() + " (a release record is a hash)" + REPAIR);
		}
		if (record.equals(stored)) {
			LOG.log(System.Logger.Level.INFO,
					"Redis stored release ''{0}'' (revision {1}) although it did not answer in time; found by reading it "
							+ "again",
					release, next.revision());
			remember(next, true);
			notifyListeners(next);
			return new Swap(true, next);
		}
		ReleaseStatus current = decode(release, (stored != null) ? stored.toString() : null);
		if (current != null && current.revision() != expectedRevision) {
			remember(current, true);
			return new Swap(false, current);
		}
		throw outcomeUnknown(release, failure);
	}

	/** Whether Redis answered the command with an error (it ran and refused it). */
	private static boolean refusedByRedis(Throwable failure) {
		for (Throwable t = failure; t != null; t = (t.getCause() == t) ? null : t.getCause()) {
			if (t instanceof RedisCommandExecutionException) {
				return true;
			}
		}
		return false;
	}

	private static ReleaseStoreOutcomeUnknownException outcomeUnknown(String release,
			ReleaseStoreUnavailableException failure) {
		return new ReleaseStoreOutcomeUnknownException(failure.getMessage() + "; reading release '" + release
				+ "' again did not tell whether Redis stored it, or will when it catches up", failure);
	}

	/**
	 * Takes or extends the lead of a release: {@code <prefix>:{<release>}:lead} holds the
	 * leading store's id and expires after {@code ttl} unless the leader extends it.
	 */
	@Override
	public boolean lead(String release, Duration ttl) {
		Long led = this.calls.await("lead release '" + release + "'",
				this.redis
					.execute(LEAD, List.of(this.keys.lead(release)),
							List.of(this.id, Long.toString(Math.max(1, ttl.toMillis()))))
					.next());
		return led != null && led == 1L;
	}

	@Override
	public AutoCloseable subscribe(Consumer<ReleaseStatus> listener) {
		this.listeners.add(listener);
		return () -> this.listeners.remove(listener);
	}

	@Override
	public Optional<UnreadableRecord> unreadable(String release) {
		return this.calls.availability().unreadable(release);
	}

	/**
	 * One round of the safety net: probes Redis, subscribes again if the subscription was
	 * lost, re-reads every known release (re-seeding what Redis lost) and hands each
	 * record to the listeners (which is how a rollback called for during an outage gets
	 * written: see {@code ReleaseController#onStored}). A release whose record cannot be
	 * read keeps the state this gateway last knew (the store reports it once, and
	 * {@link #unreadable} tells it) and does not stop the other releases' re-read.
	 * @throws ReleaseStoreUnavailableException if Redis cannot be reached
	 */
	public void refresh() {
		if (this.closed) {
			return;
		}
		this.calls.probe("answer PING", ping());
		subscribeToChanges();
		for (String release : this.known) {
			ReleaseStatus current;
			try {
				current = settle(release, read(release));
			}
			catch (ReleaseRecordUnreadableException ex) {
				// reported once, when it became unreadable; the next round reads it again
				continue;
			}
			if (current != null) {
				notifyListeners(current);
			}
		}
		if (!this.known.isEmpty()) {
			// the gateway's releases were read once: connections and code paths are warm
			this.calls.warmedUp();
		}
	}

	private void refreshQuietly() {
		try {
			refresh();
		}
		catch (ReleaseStoreUnavailableException ex) {
			// StoreAvailability logged the outage when it began; the next round probes
			// again
		}
		catch (RuntimeException ex) {
			LOG.log(System.Logger.Level.WARNING, "Re-reading the releases from Redis failed", ex);
		}
	}

	private Mono<String> ping() {
		return this.redis.execute((connection) -> connection.ping()).next();
	}

	/**
	 * The record Redis holds for a release, or {@code null}.
	 * @throws ReleaseRecordUnreadableException if it holds one that cannot be read
	 */
	private ReleaseStatus read(String release) {
		Object json = awaitOnRecord(release, "read release '" + release + "'",
				this.redis.opsForHash().get(this.keys.release(release), RECORD_FIELD));
		return decode(release, (json != null) ? json.toString() : null);
	}

	/**
	 * Decodes the record Redis holds for a release ({@code null}: none), and keeps track
	 * of whether it can be read.
	 * @throws ReleaseRecordUnreadableException if it cannot
	 */
	private ReleaseStatus decode(String release, String json) {
		ReleaseStatus status = null;
		if (json != null) {
			try {
				status = this.codec.read(json);
			}
			catch (ReleaseRecordCodec.NewerFormatException ex) {
				throw unreadable(release, ex.getMessage());
			}
			catch (IllegalArgumentException ex) {
				throw unreadable(release, ex.getMessage() + REPAIR);
			}
			if (!status.release().equals(release)) {
				throw unreadable(release, "it holds a record of release '" + status.release() + "'" + REPAIR);
			}
		}
		this.calls.availability().readable(release);
		return status;
	}

	/**
	 * Runs a command on a release's record: an error Redis answers about the key (e.g.
	 * {@code WRONGTYPE}) makes that record unreadable, it does not make Redis
	 * unavailable.
	 */
	private <T> T awaitOnRecord(String release, String what, Mono<T> command) {
		try {
			return this.calls.await(what, command);
		}
		catch (RedisKeyException ex) {
			throw unreadable(release, "Redis answered " + ex.reply() + " (a release record is a hash)" + REPAIR);
		}
	}

	private ReleaseRecordUnreadableException unreadable(String release, String error) {
		return new ReleaseRecordUnreadableException(
				this.calls.availability().unreadable(release, this.keys.release(release), error));
	}

	/**
	 * What Redis holds for a release once what it lost is put back: when Redis has no
	 * record, or an older revision of the canary version this gateway last saw, the last
	 * known record is re-seeded (the release goes on where it was instead of being
	 * reset).
	 */
	private ReleaseStatus settle(String release, ReleaseStatus stored) {
		ReleaseStatus known = this.lastKnown.get(release);
		if (known != null && lost(stored, known)) {
			List<String> reply = awaitOnRecord(release, "re-seed release '" + release + "'",
					script(this.seedScript, release, Long.toString(known.revision()), hashVersion(known),
							this.codec.write(known), this.keys.channel()));
			if (swapped(reply)) {
				LOG.log(System.Logger.Level.INFO,
						"Redis had {0} release ''{1}''; re-seeded it from this gateway''s last known record: revision "
								+ "{2}, {3} at {4} %",
						(stored == null) ? "lost" : "an older revision (" + stored.revision() + ") of", release,
						known.revision(), known.state(), known.weight());
				notifyListeners(known);
				return known;
			}
			stored = stored(release, reply);
		}
		if (stored != null) {
			remember(stored, true);
		}
		return stored;
	}

	private static boolean lost(ReleaseStatus stored, ReleaseStatus known) {
		return stored == null
				|| (stored.revision() < known.revision() && hashVersion(stored).equals(hashVersion(known)));
	}

	/**
	 * Keeps the newest record of a release. A record read from Redis just now replaces an
	 * older one of another canary version (a new rollout); a notification, which may
	 * arrive late, only ever replaces a lower revision.
	 */
	private void remember(ReleaseStatus status, boolean readNow) {
		this.lastKnown.merge(status.release(), status, (old, candidate) -> (candidate.revision() > old.revision()
				|| (readNow && !hashVersion(candidate).equals(hashVersion(old)))) ? candidate : old);
	}

	/**
	 * The canary version as the record's hash holds it next to the record (the scripts
	 * compare it): empty when the release has none.
	 */
	private static String hashVersion(ReleaseStatus status) {
		return (status.canaryVersion() != null) ? status.canaryVersion() : "";
	}

	@SuppressWarnings({ "rawtypes", "unchecked" })
	private Mono<List<String>> script(RedisScript<List> script, String release, String... args) {
		Flux<Object> reply = (Flux) this.redis.execute(script, List.of(this.keys.release(release)), List.of(args));
		return reply.collectList().map(RedisReleaseStore::flatten);
	}

	private static List<String> flatten(List<?> reply) {
		List<String> values = new ArrayList<>();
		for (Object element : reply) {
			if (element instanceof List<?> nested) {
				values.addAll(flatten(nested));
			}
			else {
				values.add(String.valueOf(element));
			}
		}
		return values;
	}

	private static boolean swapped(List<String> reply) {
		return !reply.isEmpty() && "1".equals(reply.get(0));
	}

	/** The record a script found stored when it did not store its own. */
	private ReleaseStatus stored(String release, List<String> reply) {
		return decode(release, (reply.size() > 1 && !reply.get(1).isEmpty()) ? reply.get(1) : null);
	}

	private synchronized void subscribeToChanges() {
		Disposable current = this.subscription;
		if (current != null && !current.isDisposed()) {
			return;
		}
		if (this.container != null) {
			this.container.destroyLater().onErrorComplete().subscribe();
		}
		this.container = new ReactiveRedisMessageListenerContainer(this.connectionFactory);
		String what = "subscribe to " + this.keys.channel();
		Mono<Flux<ReactiveSubscription.Message<String, String>>> subscribing = this.container
			.receiveLater(ChannelTopic.of(this.keys.channel()));
		Flux<ReactiveSubscription.Message<String, String>> messages = this.calls.probe(what, subscribing);
		this.subscription = messages.subscribe((message) -> onMessage(message.getMessage()),
				(error) -> LOG.log(System.Logger.Level.DEBUG,
						"Subscription to " + this.keys.channel() + " ended; renewed by the next " + "refresh", error));
	}

	private void onMessage(String json) {
		ReleaseStatus status;
		try {
			status = this.codec.read(json);
		}
		catch (IllegalArgumentException ex) {
			// skipped, not fatal: the subscription goes on with the next message
			LOG.log(System.Logger.Level.WARNING, "Ignored a message on " + this.keys.channel() + " that is not a "
					+ "release record this gateway can read: " + ex.getMessage());
			return;
		}
		remember(status, false);
		notifyListeners(status);
	}

	private void notifyListeners(ReleaseStatus status) {
		for (Consumer<ReleaseStatus> listener : this.listeners) {
			try {
				listener.accept(status);
			}
			catch (RuntimeException ex) {
				LOG.log(System.Logger.Level.WARNING,
						"Release store listener " + listener + " failed for release '" + status.release() + "'", ex);
			}
		}
	}

	@Override
	public void close() {
		this.closed = true;
		this.executor.shutdownNow();
		Disposable current = this.subscription;
		if (current != null) {
			current.dispose();
		}
		synchronized (this) {
			if (this.container != null) {
				// waits (bounded) so that the subscription's connection is back before
				// the connection factory closes
				this.container.destroyLater().timeout(Duration.ofSeconds(2)).onErrorComplete().block();
			}
		}
	}

}
