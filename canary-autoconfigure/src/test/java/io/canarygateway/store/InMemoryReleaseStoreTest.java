package io.canarygateway.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Versions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InMemoryReleaseStoreTest {

	private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

	private final InMemoryReleaseStore store = new InMemoryReleaseStore();

	@Test
	void findsNothingBeforeTheFirstStore() {
		assertThat(this.store.find("orders")).isEmpty();
	}

	@Test
	void compareAndSetFromNothingExpectsRevisionZero() {
		ReleaseStatus first = record("orders", 1, ReleaseState.IDLE);
		ReleaseStore.Swap swap = this.store.compareAndSet(first, 0);
		assertThat(swap.swapped()).isTrue();
		assertThat(swap.current()).isSameAs(first);
		assertThat(this.store.find("orders")).containsSame(first);
	}

	@Test
	void compareAndSetWithTheExpectedRevisionSwaps() {
		ReleaseStatus first = record("orders", 1, ReleaseState.IDLE);
		ReleaseStatus second = record("orders", 2, ReleaseState.PROGRESSING);
		this.store.compareAndSet(first, 0);
		ReleaseStore.Swap swap = this.store.compareAndSet(second, 1);
		assertThat(swap.swapped()).isTrue();
		assertThat(swap.current()).isSameAs(second);
		assertThat(this.store.find("orders")).containsSame(second);
	}

	@Test
	void compareAndSetWithAWrongRevisionFailsAndReturnsTheCurrentRecord() {
		ReleaseStatus first = record("orders", 1, ReleaseState.IDLE);
		ReleaseStatus second = record("orders", 2, ReleaseState.PROGRESSING);
		this.store.compareAndSet(first, 0);
		this.store.compareAndSet(second, 1);
		for (long wrong : new long[] { 0, 1, 3, 42 }) {
			ReleaseStore.Swap swap = this.store.compareAndSet(record("orders", wrong + 1, ReleaseState.PAUSED), wrong);
			assertThat(swap.swapped()).as("expected revision %d", wrong).isFalse();
			assertThat(swap.current()).isSameAs(second);
		}
		assertThat(this.store.find("orders")).containsSame(second);
	}

	@Test
	void compareAndSetExpectingARecordWhereThereIsNoneFails() {
		ReleaseStore.Swap swap = this.store.compareAndSet(record("orders", 4, ReleaseState.PAUSED), 3);
		assertThat(swap.swapped()).isFalse();
		assertThat(swap.current()).isNull();
		assertThat(this.store.find("orders")).isEmpty();
	}

	@Test
	void releasesAreKeptApart() {
		ReleaseStatus orders = record("orders", 1, ReleaseState.IDLE);
		ReleaseStatus payments = record("payments", 1, ReleaseState.PAUSED);
		this.store.compareAndSet(orders, 0);
		assertThat(this.store.compareAndSet(payments, 0).swapped()).isTrue();
		assertThat(this.store.find("orders")).containsSame(orders);
		assertThat(this.store.find("payments")).containsSame(payments);
	}

	@Test
	void subscribersGetEveryStoredRecordAndNoRefusedOne() throws Exception {
		List<ReleaseStatus> first = new CopyOnWriteArrayList<>();
		List<ReleaseStatus> second = new CopyOnWriteArrayList<>();
		AutoCloseable firstSubscription = this.store.subscribe(first::add);
		this.store.subscribe(second::add);

		List<ReleaseStatus> stored = new ArrayList<>();
		for (int revision = 1; revision <= 20; revision++) {
			ReleaseStatus next = record("orders", revision,
					(revision % 2 == 0) ? ReleaseState.PAUSED : ReleaseState.PROGRESSING);
			assertThat(this.store.compareAndSet(next, revision - 1).swapped()).isTrue();
			stored.add(next);
			// a refused swap tells nobody
			assertThat(
					this.store.compareAndSet(record("orders", revision + 7, ReleaseState.IDLE), revision + 5).swapped())
				.isFalse();
		}
		ReleaseStatus payments = record("payments", 1, ReleaseState.IDLE);
		this.store.compareAndSet(payments, 0);
		stored.add(payments);

		assertThat(first).containsExactlyElementsOf(stored);
		assertThat(second).containsExactlyElementsOf(stored);

		firstSubscription.close();
		ReleaseStatus after = record("payments", 2, ReleaseState.PROGRESSING);
		this.store.compareAndSet(after, 1);
		assertThat(first).doesNotContain(after);
		assertThat(second).endsWith(after);
	}

	@Test
	void exactlyOneOfConcurrentWritersOfTheSameRevisionWins() throws Exception {
		this.store.compareAndSet(record("orders", 1, ReleaseState.IDLE), 0);
		int writers = 8;
		ExecutorService pool = Executors.newFixedThreadPool(writers);
		try {
			for (int round = 1; round <= 200; round++) {
				long expected = round;
				CountDownLatch go = new CountDownLatch(1);
				List<Future<ReleaseStore.Swap>> swaps = new ArrayList<>();
				List<ReleaseStatus> candidates = new ArrayList<>();
				for (int w = 0; w < writers; w++) {
					ReleaseStatus candidate = new ReleaseStatus("orders", Versions.of("v1", "v2"), expected + 1, w,
							ReleaseState.PAUSED, w, -1, Reason.MANUAL, T0, List.of());
					candidates.add(candidate);
					swaps.add(pool.submit(() -> {
						go.await();
						return this.store.compareAndSet(candidate, expected);
					}));
				}
				go.countDown();
				int won = 0;
				for (Future<ReleaseStore.Swap> future : swaps) {
					ReleaseStore.Swap swap = future.get(10, TimeUnit.SECONDS);
					won += swap.swapped() ? 1 : 0;
					// a loser fails only once the winner is stored, so every writer sees
					// the winner
					assertThat(swap.current()).isSameAs(this.store.find("orders").orElseThrow());
				}
				ReleaseStatus winner = this.store.find("orders").orElseThrow();
				assertThat(won).as("round %d", round).isEqualTo(1);
				assertThat(winner.revision()).isEqualTo(expected + 1);
				assertThat(candidates).contains(winner);
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static ReleaseStatus record(String release, long revision, ReleaseState state) {
		return new ReleaseStatus(release, Versions.of("v1", "v2"), revision, 1, state, 10, 1, Reason.MANUAL, T0,
				List.of());
	}

}
