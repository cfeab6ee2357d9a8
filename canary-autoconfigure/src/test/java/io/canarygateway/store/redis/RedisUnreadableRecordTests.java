package io.canarygateway.store.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Versions;
import io.canarygateway.store.ReleaseRecordCodec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A release record in Redis that a gateway cannot read — corrupt, a key of another type,
 * a newer gateway's format — is a problem of that release only, end to end: the gateway
 * keeps routing it with its last known state, refuses actions on it with 409 naming the
 * release and the cause, reports it in the endpoint and the health contributor (which
 * stays UP), keeps re-reading and acting on every other release, and takes the record
 * again once it can be read. A gateway that starts while a record cannot be read starts
 * that release on stable and sets it up later.
 */
class RedisUnreadableRecordTests {

	static Fleet fleet;

	static Replica a;

	/** The record of release "unreadable-at-start" before the gateway started. */
	static String unreadableAtStart;

	/**
	 * Generous: a busy two-core machine is slow, and none of these waits measures speed.
	 */
	static final Duration LONG = Duration.ofSeconds(120);

	@BeforeAll
	static void startFleet() {
		fleet = new Fleet().release("steady")
			.release("corrupt")
			.release("wrongtype")
			.release("newer")
			.release("unreadable-at-start");
		// a record of the configured canary version whose step start is no instant, there
		// before any gateway could read it
		unreadableAtStart = new ReleaseRecordCodec()
			.write(new ReleaseStatus("unreadable-at-start", Versions.of("v1", "v2"), 3, 1, ReleaseState.PAUSED, 50, 1,
					Reason.MANUAL, Instant.parse("2025-06-01T10:00:00Z"), List.of()))
			.replace("2025-06-01T10:00:00Z", "half past ten");
		fleet.raw()
			.opsForHash()
			.putAll(key("unreadable-at-start"),
					Map.of("revision", "3", "canaryVersion", "v2", "record", unreadableAtStart));
		a = fleet.replica("a");
	}

	@AfterAll
	static void stopFleet() {
		fleet.close();
	}

	@Test
	void aCorruptRecordKeepsItsReleaseAtItsLastKnownStateWhileTheOthersWork() {
		ReleaseStatus lastKnown = heldAt("corrupt", 30);
		String corrupt = new ReleaseRecordCodec().write(lastKnown)
			.replace("\"stepStartedAt\":\"" + lastKnown.stepStartedAt() + "\"", "\"stepStartedAt\":\"yesterday\"");
		fleet.raw().opsForHash().put(key("corrupt"), "record", corrupt);

		assertReportedAndRefused("corrupt", lastKnown, "not a release record: 'stepStartedAt' is not an ISO-8601 "
				+ "instant: 'yesterday' — repair the record or delete the key");
		assertTheOthersWork();
		assertThat(fleet.raw().opsForHash().get(key("corrupt"), "record")).as("never overwritten").isEqualTo(corrupt);

		// repaired by an operator (written without a notification: the re-read finds it)
		ReleaseStatus repaired = next(lastKnown, 40);
		fleet.raw()
			.opsForHash()
			.putAll(key("corrupt"), Map.of("revision", Long.toString(repaired.revision()), "record",
					new ReleaseRecordCodec().write(repaired)));
		assertRecovered("corrupt", repaired);
	}

	@Test
	void aKeyOfTheWrongTypeIsAProblemOfItsReleaseNotAnOutage() {
		ReleaseStatus lastKnown = heldAt("wrongtype", 20);
		fleet.raw().delete(key("wrongtype"));
		fleet.raw().opsForValue().set(key("wrongtype"), "x");

		assertReportedAndRefused("wrongtype", lastKnown, "Redis answered WRONGTYPE");
		assertThat(a.bean(StoreAvailability.class).outages()).as("Redis answered: no outage").isZero();
		assertTheOthersWork();

		// the operator deletes the key: the gateway stores the last state it knew again
		fleet.raw().delete(key("wrongtype"));
		await().atMost(LONG).untilAsserted(() -> assertThat(fleet.stored("wrongtype")).isEqualTo(lastKnown));
		assertRecovered("wrongtype", lastKnown);
	}

	@Test
	void aRecordOfANewerFormatIsRefusedByNameUntilAValidWriteArrives() {
		ReleaseStatus lastKnown = heldAt("newer", 25);
		// a newer gateway stored the next revision in a format this one does not read
		String newer = new ReleaseRecordCodec().write(next(lastKnown, 35))
			.replace("{\"format\":2,", "{\"format\":3,\"lanes\":[\"stable\",\"canary\",\"dark\"],");
		fleet.raw()
			.opsForHash()
			.putAll(key("newer"), Map.of("revision", Long.toString(lastKnown.revision() + 1), "record", newer));

		JsonNode refused = assertReportedAndRefused("newer", lastKnown,
				"record format 3 was written by a newer gateway; this one reads formats up to 2 — upgrade this "
						+ "gateway to the version that wrote it");
		assertThat(refused.get("error").asString()).startsWith("cannot pause: the record of release 'newer' "
				+ "(canary:{newer}:release) cannot be read: record format 3 was written by a newer gateway");
		assertTheOthersWork();
		assertThat(fleet.raw().opsForHash().get(key("newer"), "record")).as("never overwritten").isEqualTo(newer);

		// a valid write arrives, stored and published as the compare-and-set script does
		ReleaseStatus valid = next(lastKnown, 45).withRevision(lastKnown.revision() + 2);
		String json = new ReleaseRecordCodec().write(valid);
		fleet.raw()
			.opsForHash()
			.putAll(key("newer"), Map.of("revision", Long.toString(valid.revision()), "record", json));
		fleet.raw().convertAndSend("canary:releases", json);
		assertRecovered("newer", valid);
	}

	@Test
	void aReleaseWhoseRecordCannotBeReadAtStartIsServedOnStableUntilItCanBeRead() {
		// the gateway started, and serves every other release
		assertThat(a.status("steady").state()).isEqualTo(ReleaseState.PROGRESSING);
		ReleaseStatus waiting = a.status("unreadable-at-start");
		assertThat(waiting.state()).as("nothing known: all traffic on stable").isEqualTo(ReleaseState.IDLE);
		assertThat(waiting.revision()).isZero();
		for (int i = 0; i < 20; i++) {
			Replica.Response response = a.get("/unreadable-at-start/" + i, "X-User-Id", "user-" + i);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.header("X-Canary-Version")).isEqualTo("v1");
		}
		JsonNode shown = await().atMost(LONG)
			.until(() -> a.get("/actuator/canary/unreadable-at-start").json(),
					(json) -> !json.get("unreadableRecord").isNull());
		assertThat(shown.get("unreadableRecord").get("error").asString())
			.contains("'stepStartedAt' is not an ISO-8601 instant: 'half past ten'");
		assertThat(a.act("unreadable-at-start", "start", null).status()).isEqualTo(409);
		assertThat(fleet.raw().opsForHash().get(key("unreadable-at-start"), "record")).as("never overwritten")
			.isEqualTo(unreadableAtStart);

		// no gateway knew the release, so deleting the key leaves none: the gateway then
		// sets the release up as configured (auto-start)
		fleet.raw().delete(key("unreadable-at-start"));
		await().atMost(LONG)
			.untilAsserted(
					() -> assertThat(a.status("unreadable-at-start").state()).isEqualTo(ReleaseState.PROGRESSING));
		assertThat(fleet.stored("unreadable-at-start")).isEqualTo(a.status("unreadable-at-start"));
		assertThat(a.get("/actuator/canary/unreadable-at-start").json().get("unreadableRecord").isNull()).isTrue();
	}

	/** Holds a release at a weight through the endpoint: the state the gateway knows. */
	private static ReleaseStatus heldAt(String release, int weight) {
		Replica.Response response = a.act(release, "weight", weight);
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		ReleaseStatus held = a.status(release);
		assertThat(held.state()).isEqualTo(ReleaseState.PAUSED);
		assertThat(held.weight()).isEqualTo(weight);
		return held;
	}

	/**
	 * The release keeps its last known state and is served with it; the endpoint, its
	 * actions and the health contributor report the problem.
	 * @return the 409 answer's body
	 */
	private static JsonNode assertReportedAndRefused(String release, ReleaseStatus lastKnown, String cause) {
		JsonNode shown = await().atMost(LONG)
			.until(() -> a.get("/actuator/canary/" + release).json(), (json) -> !json.get("unreadableRecord").isNull());
		assertThat(shown.get("state").asString()).isEqualTo(lastKnown.state().name());
		assertThat(shown.get("weight").asInt()).isEqualTo(lastKnown.weight());
		assertThat(shown.get("revision").asLong()).isEqualTo(lastKnown.revision());
		JsonNode unreadable = shown.get("unreadableRecord");
		assertThat(unreadable.get("key").asString()).isEqualTo(key(release));
		assertThat(unreadable.get("error").asString()).contains(cause);
		assertThat(unreadable.get("since").asString()).isNotBlank();
		JsonNode listed = a.get("/actuator/canary").json().get("releases");
		assertThat(listed.get(release).get("unreadableRecord").get("error").asString()).contains(cause);
		assertThat(listed.get("steady").get("unreadableRecord").isNull()).isTrue();
		assertThat(a.status(release)).as("routed with the last known state").isEqualTo(lastKnown);
		for (int i = 0; i < 10; i++) {
			assertThat(a.get("/" + release + "/" + i, "X-User-Id", "user-" + i).status()).isEqualTo(200);
		}

		Replica.Response refused = a.act(release, "pause", null);
		assertThat(refused.status()).as(refused.body()).isEqualTo(409);
		JsonNode body = refused.json();
		assertThat(body.get("error").asString()).contains("release '" + release + "'", cause)
			.doesNotContain("unavailable");
		assertThat(body.get("release").asString()).isEqualTo(release);
		assertThat(body.get("action").asString()).isEqualTo("pause");
		assertThat(body.get("unreadableRecord").get("key").asString()).isEqualTo(key(release));
		assertThat(a.status(release)).as("nothing changed").isEqualTo(lastKnown);

		Replica.Response health = a.get("/actuator/health/canaryStore");
		assertThat(health.status()).isEqualTo(200);
		assertThat(health.json().get("status").asString()).as("the gateway serves every release").isEqualTo("UP");
		assertThat(health.json().get("details").get("available").asBoolean()).isTrue();
		JsonNode detail = health.json().get("details").get("unreadableRecords").get(release);
		assertThat(detail.get("key").asString()).isEqualTo(key(release));
		assertThat(detail.get("error").asString()).contains(cause);
		return body;
	}

	/** Another release is still acted on, and still re-read from Redis. */
	private static void assertTheOthersWork() {
		Replica.Response changed = a.act("steady", "weight", 15);
		assertThat(changed.status()).as(changed.body()).isEqualTo(200);
		assertThat(a.status("steady").weight()).isEqualTo(15);
		// written without a notification: only the periodic re-read brings it
		ReleaseStatus behindTheBack = next(a.status("steady"), 17);
		fleet.raw()
			.opsForHash()
			.putAll(key("steady"), Map.of("revision", Long.toString(behindTheBack.revision()), "record",
					new ReleaseRecordCodec().write(behindTheBack)));
		await().atMost(LONG).untilAsserted(() -> assertThat(a.status("steady")).isEqualTo(behindTheBack));
		assertThat(a.act("steady", "resume", null).status()).isEqualTo(200);
	}

	/** The record is taken again, the problem is no longer reported, and actions work. */
	private static void assertRecovered(String release, ReleaseStatus expected) {
		await().atMost(LONG).untilAsserted(() -> assertThat(a.status(release)).isEqualTo(expected));
		await().atMost(LONG).until(() -> a.get("/actuator/canary/" + release).json().get("unreadableRecord").isNull());
		JsonNode details = a.get("/actuator/health/canaryStore").json().get("details");
		assertThat(details.path("unreadableRecords").has(release)).isFalse();
		Replica.Response resumed = a.act(release, "resume", null);
		assertThat(resumed.status()).as(resumed.body()).isEqualTo(200);
		assertThat(a.status(release).state()).isEqualTo(ReleaseState.PROGRESSING);
	}

	/** The record one revision later, paused at another weight. */
	private static ReleaseStatus next(ReleaseStatus status, int weight) {
		return new ReleaseStatus(status.release(), status.versions(), status.revision() + 1, status.rollout(),
				ReleaseState.PAUSED, weight, status.step(), Reason.MANUAL, status.stepStartedAt(), status.history());
	}

	private static String key(String release) {
		return "canary:{" + release + "}:release";
	}

}
