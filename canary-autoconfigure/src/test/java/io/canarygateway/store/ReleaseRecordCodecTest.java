package io.canarygateway.store;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.core.Versions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ReleaseRecordCodecTest {

	private final ReleaseRecordCodec codec = new ReleaseRecordCodec();

	@Test
	void recordRoundTripsWithHistoryAndEvidence() {
		ReleaseStatus status = Records.paused("orders", 7, 30);
		ReleaseStatus read = this.codec.read(this.codec.write(status));
		assertThat(read).isEqualTo(status);
		assertThat(read.history().get(1).evidence().statistics().get("latency.p")).isNaN();
		assertThat(read.history().get(1).evidence().statistics().get("latency.bound"))
			.isEqualTo(Double.POSITIVE_INFINITY);
		assertThat(read.stepStartedAt().getNano()).isEqualTo(123456789);
	}

	@Test
	void idleRecordWithoutHistoryRoundTrips() {
		ReleaseStatus idle = ReleaseStatus.idle("payments", Versions.of("v1", "v3"),
				Instant.parse("2025-01-01T00:00:00Z"));
		assertThat(this.codec.read(this.codec.write(idle))).isEqualTo(idle);
	}

	@Test
	void formatIsWrittenDownFieldByField() {
		String json = this.codec.write(Records.paused("orders", 7, 30));
		assertThat(json)
			.startsWith("{\"format\":2,\"release\":\"orders\",\"stableVersion\":\"v1\",\"canaryVersion\":\"v2\","
					+ "\"rolledBackVersions\":[],\"configuredVersion\":\"v2\",\"revision\":7,")
			.contains("\"by\":\"gateway\",\"version\":\"v2\"", "\"state\":\"PAUSED\"", "\"weight\":30",
					"\"reason\":\"ANALYSIS\"", "\"stepStartedAt\":\"2025-06-01T10:16:30.123456789Z\"",
					"\"latency.p\":\"NaN\"", "\"evidence\":{\"result\":\"FAIL\"");
	}

	@Test
	void transitionsSayWhoActedAndOlderRecordsReadAsUnknown() {
		Transition manual = new Transition(Records.T0, ReleaseState.PROGRESSING, ReleaseState.PAUSED, Reason.MANUAL, 10,
				null, "alice", "v2");
		ReleaseStatus status = new ReleaseStatus("orders", Versions.of("v1", "v2"), 3, 1, ReleaseState.PAUSED, 10, 0,
				Reason.MANUAL, Records.T0, List.of(manual));
		String json = this.codec.write(status);
		assertThat(json).contains("\"by\":\"alice\"");
		assertThat(this.codec.read(json)).isEqualTo(status);
		// written by a gateway from before transitions said who
		assertThat(this.codec.read(json.replace(",\"by\":\"alice\"", "")).history()).extracting(Transition::by)
			.containsExactly(Transition.UNKNOWN);
	}

	@Test
	void unknownFieldsAreIgnoredAndNewerFormatsRefused() {
		ReleaseStatus status = new ReleaseStatus("orders", Versions.of("v1", "v2"), 3, 1, ReleaseState.PROGRESSING, 10,
				0, Reason.SCHEDULE, Records.T0, List.of());
		String json = this.codec.write(status);
		assertThat(this.codec.read(json.replace("{\"format\":2,", "{\"format\":2,\"future\":{\"x\":1},")))
			.isEqualTo(status);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.codec.read(json.replace("\"format\":2", "\"format\":3")))
			.withMessage("record format 3 was written by a newer gateway; this one reads formats up to 2 — upgrade "
					+ "this gateway to the version that wrote it");
		assertThatIllegalArgumentException().isThrownBy(() -> this.codec.read("{\"format\":2}"))
			.withMessageContaining("not a release record");
		assertThatIllegalArgumentException().isThrownBy(() -> this.codec.read("not json"));
	}

	/**
	 * A record exactly as the first version of the codec wrote it (format 1): gateways of
	 * later versions must go on reading it while they share Redis with older ones.
	 */
	static final String FORMAT_1 = "{\"format\":1,\"release\":\"orders\",\"canaryVersion\":\"v2\",\"revision\":7,"
			+ "\"rollout\":1,\"state\":\"PAUSED\",\"weight\":30,\"step\":1,\"reason\":\"ANALYSIS\","
			+ "\"stepStartedAt\":\"2025-06-01T10:16:30.123456789Z\",\"history\":[{\"at\":\"2025-06-01T10:15:30.123456789Z\","
			+ "\"from\":\"IDLE\",\"to\":\"PROGRESSING\",\"reason\":\"SCHEDULE\",\"weight\":10},"
			+ "{\"at\":\"2025-06-01T10:16:30.123456789Z\",\"from\":\"PROGRESSING\",\"to\":\"PAUSED\",\"reason\":\"ANALYSIS\","
			+ "\"weight\":30,\"evidence\":{\"result\":\"FAIL\",\"at\":\"2025-06-01T10:16:29.123456789Z\","
			+ "\"stable\":{\"requests\":900,\"errors\":1,\"errorRate\":0.0011111111111111111,\"p99Ms\":12.5},"
			+ "\"canary\":{\"requests\":100,\"errors\":9,\"errorRate\":0.09,\"p99Ms\":48.25},"
			+ "\"statistics\":{\"errorRate.z\":3.25,\"latency.low\":\"-Infinity\",\"latency.p\":\"NaN\","
			+ "\"errorRate.critical\":2.9,\"latency.bound\":\"Infinity\"},"
			+ "\"reasons\":[\"canary error rate 9.0 % exceeds stable's 0.1 % by more than 1 %\",\"quote \\\" and ünïcode\"]}}]}";

	@Test
	void recordsOfTheFirstFormatAreReadWithTheConfiguredStableVersion() {
		ReleaseRecordCodec configured = new ReleaseRecordCodec((release) -> "orders".equals(release) ? "v1" : null);
		// written before transitions said who acted, and before versions were recorded
		ReleaseStatus written = Records.paused("orders", 7, 30);
		ReleaseStatus expected = new ReleaseStatus(written.release(), written.versions(), written.revision(),
				written.rollout(), written.state(), written.weight(), written.step(), written.reason(),
				written.stepStartedAt(),
				written.history()
					.stream()
					.map((t) -> new Transition(t.at(), t.from(), t.to(), t.reason(), t.weight(), t.evidence(),
							Transition.UNKNOWN, null))
					.toList());
		assertThat(expected.versions()).isEqualTo(Versions.of("v1", "v2"));
		assertThat(configured.read(FORMAT_1)).isEqualTo(expected);
		assertThat(configured.read(FORMAT_1.replace("\"format\":1,", ""))).isEqualTo(expected);
		// and written back in the current format
		assertThat(configured.write(configured.read(FORMAT_1))).startsWith("{\"format\":2,");
		// a release not configured here cannot supply the stable version
		assertThatIllegalArgumentException().isThrownBy(() -> this.codec.read(FORMAT_1))
			.withMessage("not a release record: a format 1 record names no stable version, and release 'orders' is "
					+ "not configured on this gateway to supply it");
	}

	@Test
	void versionsRoundTripWithoutACanaryAndWithRolledBackOnes() {
		ReleaseStatus none = ReleaseStatus.idle("orders", Versions.of("v1", null), Records.T0);
		assertThat(this.codec.write(none)).doesNotContain("canaryVersion").doesNotContain("configuredVersion");
		assertThat(this.codec.read(this.codec.write(none))).isEqualTo(none);
		ReleaseStatus moved = ReleaseStatus.idle("orders", new Versions("v2", "v4", "v1", List.of("v3", "v3.1"), "v3"),
				Records.T0);
		assertThat(this.codec.read(this.codec.write(moved))).isEqualTo(moved);
	}

	@Test
	void aCorruptRecordIsRefusedSayingWhatIsWrong() {
		String json = this.codec.write(Records.paused("orders", 7, 30));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.codec.read(json.replace("\"stepStartedAt\":\"2025-06-01T10:16:30.123456789Z\"",
					"\"stepStartedAt\":\"yesterday\"")))
			.withMessage("not a release record: 'stepStartedAt' is not an ISO-8601 instant: 'yesterday'");
		assertThatIllegalArgumentException().isThrownBy(
				() -> this.codec.read(json.replace("\"at\":\"2025-06-01T10:16:30.123456789Z\"", "\"at\":\"13:00\"")))
			.withMessage("not a release record: history[1]: 'at' is not an ISO-8601 instant: '13:00'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.codec.read(json.replace("\"PAUSED\"", "\"SLEEPING\"")))
			.withMessageStartingWith("not a release record:")
			.withMessageContaining("SLEEPING");
	}

}
