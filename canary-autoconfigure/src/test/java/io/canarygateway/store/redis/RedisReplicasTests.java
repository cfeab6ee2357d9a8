package io.canarygateway.store.redis;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.discovery.simple.InstanceProperties;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.analysis.Ledger;
import io.canarygateway.control.DiscoveryTrigger;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Versions;
import io.canarygateway.testing.Traffic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two gateway replicas (two application contexts on random ports) sharing one real Redis
 * act as one gateway: operator changes through one are in force on the other (how fast
 * pub/sub carries them is {@code RedisReleaseStoreTests}' concern), sticky users get the
 * same lane on both, a restarted replica resumes where the fleet is, a canary failure
 * seen by one rolls back both, and concurrent actions end in one consistent state.
 */
class RedisReplicasTests {

	static Fleet fleet;

	static Replica a;

	static Replica b;

	@BeforeAll
	static void startFleet() {
		fleet = new Fleet().release("started")
			.release("weights")
			.release("sticky")
			// the breaker trips it (the judge, which would roll it back too, must not
			// come first on a slow machine)
			.release("failing", "steps=50,100", "analysis.failure-threshold=1000")
			.release("race")
			.release("restart")
			.release("versions")
			.instance("versions", "v3")
			.release("discovered", "trigger=discovery", "trigger-settle=1s")
			// judged all along: a stalled machine's latencies must not fail it
			.release("judged", "analysis.latency-tolerance=3", "analysis.max-latency=1m");
		a = fleet.replica("a");
		b = fleet.replica("b");
	}

	@AfterAll
	static void stopFleet() {
		fleet.close();
	}

	/**
	 * Generous: a busy two-core machine is slow, and none of these waits measures speed.
	 */
	static final Duration LONG = Duration.ofSeconds(120);

	/** Waits until both replicas route with the same record as Redis holds. */
	static ReleaseStatus awaitAgreement(String release) {
		await().atMost(LONG).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
			ReleaseStatus stored = fleet.stored(release);
			assertThat(stored).isNotNull();
			assertThat(a.status(release)).isEqualTo(stored);
			assertThat(b.status(release)).isEqualTo(stored);
		});
		return fleet.stored(release);
	}

	@Test
	void bothReplicasStartedOneRolloutTogether() {
		// a release of its own: no other test changes it, whatever order the tests run in
		ReleaseStatus status = awaitAgreement("started");
		assertThat(status.state()).isEqualTo(ReleaseState.PROGRESSING);
		assertThat(status.rollout()).as("auto-start on two replicas starts one rollout, not two").isOne();
		assertThat(status.history()).hasSize(1);
	}

	/**
	 * One sequence of looks for the fleet: only the replica that leads the release judges
	 * it, so the verdicts both replicas count grow exactly as the looks recorded in the
	 * rollout's ledger (each replica judging on its own would count about twice as many),
	 * and the other replica shows the leader's verdict.
	 */
	@Test
	void theFleetJudgesEachLookOnce() {
		ReleaseStatus status = awaitAgreement("judged");
		FleetWindows windows = a.bean(FleetWindows.class);
		// counted minus recorded looks: constant, but one less while a recorded look is
		// not counted yet (and it is not if a replica restarted: its counts are gone)
		long[] difference = { Long.MIN_VALUE };
		long[] looks = { 0 };
		await().atMost(LONG).pollInterval(Duration.ofMillis(5)).untilAsserted(() -> {
			long counted = verdicts(a, "judged") + verdicts(b, "judged");
			Ledger ledger = windows.ledger("judged", status.rollout());
			assertThat(ledger).isNotNull();
			if (counted - ledger.looks() > difference[0]) {
				difference[0] = counted - ledger.looks();
				looks[0] = ledger.looks();
			}
			assertThat(ledger.looks()).as("a second of looks read").isGreaterThan(looks[0] + 4);
		});
		try (Traffic traffic = Traffic.get(a.baseUrl(), "/judged/1").concurrency(2).requests(50).send(LONG)) {
			assertThat(traffic.errors()).isZero();
		}
		try (Traffic traffic = Traffic.get(b.baseUrl(), "/judged/1").concurrency(2).requests(50).send(LONG)) {
			assertThat(traffic.errors()).isZero();
		}
		long from = looks[0];
		await().atMost(LONG).pollInterval(Duration.ofMillis(5)).untilAsserted(() -> {
			long counted = verdicts(a, "judged") + verdicts(b, "judged");
			Ledger ledger = windows.ledger("judged", status.rollout());
			assertThat(ledger.looks()).isGreaterThan(from + 8);
			assertThat(counted - ledger.looks()).as("each recorded look counted once").isEqualTo(difference[0]);
		});
		await().atMost(LONG)
			.untilAsserted(() -> assertThat(a.release("judged").lastVerdict()).isNotNull()
				.extracting(Verdict::result)
				.isEqualTo(b.release("judged").lastVerdict().result()));
	}

	private static long verdicts(Replica replica, String release) {
		return Math.round(replica.bean(MeterRegistry.class)
			.find("canary.analysis")
			.tag("release", release)
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum());
	}

	@Test
	void aWeightChangeThroughOneReplicaIsInForceOnTheOther() {
		awaitAgreement("weights");
		Replica.Response response = a.act("weights", "weight", 30);
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		await().atMost(LONG).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
			assertThat(b.status("weights").weight()).isEqualTo(30);
			assertThat(b.status("weights").state()).isEqualTo(ReleaseState.PAUSED);
		});
		Replica.Response seenByB = b.get("/actuator/canary/weights");
		assertThat(seenByB.json().get("weight").asInt()).isEqualTo(30);
		assertThat(seenByB.json().get("state").asString()).isEqualTo("PAUSED");

		// and a state change the other way round
		assertThat(b.act("weights", "resume", null).status()).isEqualTo(200);
		await().atMost(LONG)
			.pollInterval(Duration.ofMillis(10))
			.untilAsserted(() -> assertThat(a.status("weights").state()).isEqualTo(ReleaseState.PROGRESSING));
	}

	@Test
	void aVersionStartedThroughOneReplicaRoutesOnTheOther() {
		awaitAgreement("versions");
		assertThat(a.act("versions", "promote", null).status()).isEqualTo(200);
		Replica.Response started = a.actWith("versions", "start", "{\"version\": \"v3\"}");
		assertThat(started.status()).as(started.body()).isEqualTo(200);
		ReleaseStatus status = awaitAgreement("versions");
		assertThat(status.versions()).isEqualTo(new Versions("v2", "v3", "v1", List.of(), "v2"));

		Backend v1 = fleet.backendOf("versions", "v1");
		long before = v1.requests();
		for (int i = 0; i < 20; i++) {
			assertThat(b.get("/versions/" + i, "X-Canary", "always").header("X-Canary-Version")).isEqualTo("v3");
			assertThat(b.get("/versions/" + i, "X-Canary", "never").header("X-Canary-Version")).isEqualTo("v2");
			assertThat(b.get("/versions/" + i).header("X-Canary-Version")).isIn("v2", "v3");
		}
		assertThat(v1.requests()).as("v1, stable before v2's promotion").isEqualTo(before);
		assertThat(b.get("/actuator/canary/versions").json().get("previousVersion").asString()).isEqualTo("v1");
	}

	@Test
	void aNewVersionDiscoveredByBothReplicasIsStartedOnce() throws Exception {
		ReleaseStatus before = awaitAgreement("discovered");
		assertThat(before.canaryVersion()).isEqualTo("v2");
		try (Backend v3 = new Backend("v3")) {
			URI uri = URI.create(v3.uri());
			for (Replica replica : List.of(a, b)) {
				// what the load balancer and the discovery trigger ask: a new instance
				// registers
				InstanceProperties added = new InstanceProperties();
				added.setInstanceId("discovered-v3");
				added.setServiceId("discovered");
				added.setUri(uri);
				added.getMetadata().put("version", "v3");
				replica.bean(SimpleReactiveDiscoveryProperties.class).getInstances("discovered").add(added);
			}
			await().atMost(LONG)
				.pollInterval(Duration.ofMillis(50))
				.until(() -> "v3".equals(a.status("discovered").canaryVersion())
						&& "v3".equals(b.status("discovered").canaryVersion()));
			// both look again, together: nothing more happens
			CompletableFuture
				.allOf(CompletableFuture.runAsync(a.bean(DiscoveryTrigger.class)::poll),
						CompletableFuture.runAsync(b.bean(DiscoveryTrigger.class)::poll))
				.get(LONG.toSeconds(), TimeUnit.SECONDS);
			ReleaseStatus after = awaitAgreement("discovered");
			assertThat(after.rollout()).as("one new rollout, not one per replica").isEqualTo(before.rollout() + 1);
			List<Transition> added = after.history().subList(before.history().size(), after.history().size());
			assertThat(added).singleElement().satisfies((transition) -> {
				assertThat(transition.reason()).isEqualTo(Reason.DISCOVERY);
				assertThat(transition.version()).isEqualTo("v3");
			});
		}
	}

	@Test
	void aStickyUserGetsTheSameLaneOnBothReplicas() {
		awaitAgreement("sticky");
		assertThat(a.act("sticky", "weight", 30).status()).isEqualTo(200);
		awaitAgreement("sticky");
		int canary = 0;
		for (int user = 0; user < 60; user++) {
			String id = "user-" + user;
			Replica.Response viaA = a.get("/sticky/items", "X-User-Id", id);
			Replica.Response viaB = b.get("/sticky/items", "X-User-Id", id);
			assertThat(viaA.status()).isEqualTo(200);
			assertThat(viaB.status()).isEqualTo(200);
			assertThat(viaB.header("X-Canary-Version")).as(id).isEqualTo(viaA.header("X-Canary-Version"));
			assertThat(a.get("/sticky/items", "X-User-Id", id).header("X-Canary-Version")).as(id + " again")
				.isEqualTo(viaA.header("X-Canary-Version"));
			if ("v2".equals(viaA.header("X-Canary-Version"))) {
				canary++;
			}
		}
		assertThat(canary).as("users on the canary at 30 %").isBetween(5, 35);
	}

	@Test
	void aCanaryFailureSeenOnlyThroughOneReplicaRollsBackTheOtherToo() {
		awaitAgreement("failing");
		Backend canary = fleet.backend("failing", true);
		canary.failWith(500);
		// enough GETs through B for its breaker to see the canary fail (about half of
		// them go to the canary)
		try (Traffic traffic = Traffic.get(b.baseUrl(), "/failing/1").concurrency(4).requests(300).send(LONG)) {
			assertThat(traffic.errors()).as("GETs retried on stable: %s", traffic).isZero();
		}
		await().atMost(LONG).until(() -> b.status("failing").state() == ReleaseState.ROLLED_BACK);
		await().atMost(LONG).until(() -> a.status("failing").state() == ReleaseState.ROLLED_BACK);
		assertThat(a.status("failing").reason()).isEqualTo(Reason.BREAKER);
		assertThat(a.release("failing").killSwitch().stateName()).isEqualTo("FORCED_OPEN");
		assertThat(a.status("failing").lastTransition().evidence().reasons())
			.anyMatch((reason) -> reason.contains("canary-failing"));

		long reached = canary.requests(); // every request B was sent has been answered:
											// none is on its way
		for (int i = 0; i < 100; i++) {
			assertThat(a.get("/failing/" + i, "X-User-Id", "user-" + i).status()).isEqualTo(200);
		}
		assertThat(canary.requests()).as("canary requests through A after the rollback").isEqualTo(reached);
	}

	@Test
	void concurrentPromoteAndAbortOnTwoReplicasEndInOneConsistentState() throws Exception {
		for (int round = 0; round < 5; round++) {
			ReleaseStatus before = awaitAgreement("race");
			if (before.state() != ReleaseState.PROGRESSING) {
				assertThat(a.act("race", "start", null).status()).isEqualTo(200);
				before = awaitAgreement("race");
			}
			CyclicBarrier together = new CyclicBarrier(2);
			CompletableFuture<Replica.Response> promote = CompletableFuture.supplyAsync(() -> {
				arrive(together);
				return a.act("race", "promote", null);
			});
			CompletableFuture<Replica.Response> abort = CompletableFuture.supplyAsync(() -> {
				arrive(together);
				return b.act("race", "abort", null);
			});
			int promoted = promote.get(LONG.toSeconds(), TimeUnit.SECONDS).status();
			int aborted = abort.get(LONG.toSeconds(), TimeUnit.SECONDS).status();

			ReleaseStatus after = awaitAgreement("race");
			assertThat(aborted).as("abort is allowed from PROGRESSING and PROMOTED").isEqualTo(200);
			assertThat(after.state()).isEqualTo(ReleaseState.ROLLED_BACK);
			List<Transition> added = after.history().subList(before.history().size(), after.history().size());
			if (promoted == 200) {
				assertThat(added).extracting(Transition::to)
					.containsExactly(ReleaseState.PROMOTED, ReleaseState.ROLLED_BACK);
				assertThat(after.revision()).isEqualTo(before.revision() + 2);
			}
			else {
				assertThat(promoted).as("the loser's answer").isEqualTo(409);
				assertThat(added).extracting(Transition::to).containsExactly(ReleaseState.ROLLED_BACK);
				assertThat(after.revision()).isEqualTo(before.revision() + 1);
			}
		}
	}

	@Test
	void aRestartedReplicaResumesWhereTheFleetIs() {
		awaitAgreement("restart");
		assertThat(a.act("restart", "weight", 30).status()).isEqualTo(200);
		assertThat(a.act("restart", "resume", null).status()).isEqualTo(200);
		ReleaseStatus running = awaitAgreement("restart");
		assertThat(running.state()).isEqualTo(ReleaseState.PROGRESSING);
		assertThat(running.weight()).isEqualTo(30);

		a.close();
		// the fleet moves on while A is away
		assertThat(b.act("restart", "weight", 40).status()).isEqualTo(200);
		assertThat(b.act("restart", "resume", null).status()).isEqualTo(200);
		ReleaseStatus moved = fleet.stored("restart");

		a = fleet.replica("a2");
		ReleaseStatus resumed = a.status("restart");
		assertThat(resumed).as("adopted, not restarted (auto-start is on)").isEqualTo(moved);
		assertThat(resumed.state()).isEqualTo(ReleaseState.PROGRESSING);
		assertThat(resumed.weight()).isEqualTo(40);
		assertThat(resumed.rollout()).isEqualTo(running.rollout());
		assertThat(b.status("restart")).isEqualTo(resumed);
		assertThat(a.status("weights").rollout()).as("every release resumed").isEqualTo(b.status("weights").rollout());
	}

	private static void arrive(CyclicBarrier barrier) {
		try {
			barrier.await(LONG.toSeconds(), TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
