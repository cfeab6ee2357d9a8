package io.canarygateway.sample.services;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the demo requests that reached one instance, since start or the last
 * {@link #reset()}. Requests to {@code /_sample/**} are not counted.
 */
public class RequestStats {

	private final AtomicReference<Counters> counters = new AtomicReference<>(new Counters());

	/**
	 * Counts one demo request (when it arrives, with the status it will get).
	 * @param status the status it answers with
	 * @param failed whether it is an injected failure
	 */
	public void record(int status, boolean failed) {
		Counters current = this.counters.get();
		current.requests.increment();
		(failed ? current.failed : current.succeeded).increment();
		current.byStatus.computeIfAbsent(status, (s) -> new LongAdder()).increment();
	}

	/** Starts counting from zero. */
	public void reset() {
		this.counters.set(new Counters());
	}

	/**
	 * @return the counts so far
	 */
	public Snapshot snapshot() {
		Counters current = this.counters.get();
		Map<String, Long> byStatus = new TreeMap<>();
		current.byStatus.forEach((status, count) -> byStatus.put(String.valueOf(status), count.sum()));
		return new Snapshot(current.since, current.requests.sum(), current.succeeded.sum(), current.failed.sum(),
				byStatus);
	}

	/**
	 * Counts of demo requests.
	 *
	 * @param since when counting started (start or last reset)
	 * @param requests demo requests that reached this instance
	 * @param succeeded those answered normally (200)
	 * @param failed those that got an injected failure
	 * @param byStatus requests per HTTP status, keyed by the status as a string
	 */
	public record Snapshot(Instant since, long requests, long succeeded, long failed, Map<String, Long> byStatus) {
	}

	private static final class Counters {

		final Instant since = Instant.now();

		final LongAdder requests = new LongAdder();

		final LongAdder succeeded = new LongAdder();

		final LongAdder failed = new LongAdder();

		final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();

	}

}
