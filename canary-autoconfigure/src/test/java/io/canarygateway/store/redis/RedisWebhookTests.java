package io.canarygateway.store.redis;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.canarygateway.core.ReleaseState;
import io.canarygateway.testing.HookReceiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two gateway replicas on one real Redis call a release's gate once per look between
 * them, not once each: the replica that leads the release (a key in Redis it extends at
 * every look) calls it, the other does not.
 */
class RedisWebhookTests {

	static final Duration LONG = Duration.ofSeconds(120);

	static HookReceiver hooks;

	static Fleet fleet;

	static Replica a;

	static Replica b;

	@BeforeAll
	static void startFleet() {
		hooks = new HookReceiver().answer("gate", 503);
		// a pre-rollout gate that keeps saying no, and a threshold that never rolls back
		fleet = new Fleet().release("gated", "webhooks[0].name=gate", "webhooks[0].type=pre-rollout",
				"webhooks[0].url=" + hooks.url("gate"), "analysis.failure-threshold=1000000");
		a = fleet.replica("a");
		b = fleet.replica("b");
	}

	@AfterAll
	static void stopFleet() {
		fleet.close();
		hooks.close();
	}

	@Test
	void aGateIsCalledByOneReplicaPerLook() {
		await().atMost(LONG).until(() -> hooks.received("gate").size() >= 20);
		double byA = calls(a);
		double byB = calls(b);
		assertThat(byA + byB).as("calls counted by a (%s) and b (%s)", byA, byB).isPositive();
		assertThat(Math.min(byA, byB)).as("calls by the replica that does not lead (a %s, b %s)", byA, byB).isZero();
		assertThat(fleet.raw().opsForValue().get("canary:{gated}:lead")).isNotBlank();
		// the gate holds the release at weight 0 on both
		assertThat(a.status("gated").state()).isEqualTo(ReleaseState.PROGRESSING);
		assertThat(a.status("gated").weight()).isZero();
		assertThat(b.status("gated").weight()).isZero();
		// the release shows what it waits for on the replica that calls the gate
		Replica leader = (byA > 0) ? a : b;
		assertThat(leader.release("gated").waiting()).startsWith("waiting for pre-rollout hook 'gate': 503");
	}

	private static double calls(Replica replica) {
		Counter counter = replica.context.getBean(MeterRegistry.class)
			.find("canary.webhooks")
			.tags("release", "gated", "name", "gate")
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

}
