package io.canarygateway.store;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.canarygateway.core.ReleaseStatus;

/**
 * Keeps release records in this JVM: the default store of a single gateway. Records are
 * lost on restart.
 */
public class InMemoryReleaseStore implements ReleaseStore {

	private final ConcurrentMap<String, ReleaseStatus> records = new ConcurrentHashMap<>();

	private final CopyOnWriteArrayList<Consumer<ReleaseStatus>> listeners = new CopyOnWriteArrayList<>();

	@Override
	public Optional<ReleaseStatus> find(String release) {
		return Optional.ofNullable(this.records.get(release));
	}

	@Override
	public Swap compareAndSet(ReleaseStatus next, long expectedRevision) {
		boolean[] swapped = { false };
		ReleaseStatus current = this.records.compute(next.release(), (name, stored) -> {
			long revision = (stored != null) ? stored.revision() : 0;
			if (revision != expectedRevision) {
				return stored;
			}
			swapped[0] = true;
			return next;
		});
		if (swapped[0]) {
			this.listeners.forEach((listener) -> listener.accept(next));
		}
		return new Swap(swapped[0], current);
	}

	@Override
	public AutoCloseable subscribe(Consumer<ReleaseStatus> listener) {
		this.listeners.add(listener);
		return () -> this.listeners.remove(listener);
	}

}
