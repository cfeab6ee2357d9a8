package io.canarygateway.store;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.UnreadableRecord;

/**
 * Where release records live. One record per release, replaced only by compare-and-set on
 * its {@link ReleaseStatus#revision() revision}, so that concurrent writers (threads of
 * one gateway, or gateway replicas sharing a store) can never both apply a transition
 * computed from the same record.
 * <p>
 * Calls may block (a networked store talks to its server); callers keep them off request
 * threads.
 */
public interface ReleaseStore {

	/**
	 * The stored record of a release, if there is one.
	 * @throws ReleaseRecordUnreadableException if there is one that cannot be read
	 */
	Optional<ReleaseStatus> find(String release);

	/**
	 * Stores {@code next} if the stored record's revision is {@code expectedRevision} (0:
	 * no record yet).
	 * @return the outcome, with the record stored after the call
	 * @throws ReleaseRecordUnreadableException if the stored record cannot be read
	 * @throws ReleaseStoreUnavailableException if the store cannot be reached: the record
	 * was not stored
	 * @throws ReleaseStoreOutcomeUnknownException if the store received the write but
	 * could not say whether it stored it: it may have, or may still
	 */
	Swap compareAndSet(ReleaseStatus next, long expectedRevision);

	/**
	 * Why the stored record of a release could not be read the last time this store
	 * tried, if it could not; empty once it can be read again (or is gone). A store whose
	 * records are always readable (the in-memory one) keeps the default.
	 */
	default Optional<UnreadableRecord> unreadable(String release) {
		return Optional.empty();
	}

	/**
	 * Whether this gateway leads a release for the next {@code ttl}: it takes the lead
	 * when no gateway holds it, and extends it when it holds it already. The leader
	 * judges the release and makes the calls a fleet makes once per look, not once per
	 * replica (docs/analysis.md, "Several gateways"; webhooks and metric checks,
	 * docs/integrations.md); a leader that stops extending loses the lead after
	 * {@code ttl}. A store of one gateway (memory, file) always leads.
	 * @throws ReleaseStoreUnavailableException if the store cannot be reached
	 */
	default boolean lead(String release, Duration ttl) {
		return true;
	}

	/**
	 * Calls {@code listener} with every record stored from now on, by this or another
	 * gateway, at least once and possibly more often or late; a listener compares
	 * revisions. Listeners must be quick and must not throw.
	 * @return a handle that stops the notifications
	 */
	AutoCloseable subscribe(Consumer<ReleaseStatus> listener);

	/**
	 * The outcome of a compare-and-set.
	 *
	 * @param swapped whether the new record was stored
	 * @param current the record stored after the call: the new one, or the one that won
	 */
	record Swap(boolean swapped, ReleaseStatus current) {
	}

}
