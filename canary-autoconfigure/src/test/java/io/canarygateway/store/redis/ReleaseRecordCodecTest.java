package io.canarygateway.store.redis;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;

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
		ReleaseStatus idle = ReleaseStatus.idle("payments", "v3", Instant.parse("2025-01-01T00:00:00Z"));
		assertThat(this.codec.read(this.codec.write(idle))).isEqualTo(idle);
	}

	@Test
	void formatIsWrittenDownFieldByField() {
		String json = this.codec.write(Records.paused("orders", 7, 30));
		assertThat(json).startsWith("{\"format\":1,\"release\":\"orders\",\"canaryVersion\":\"v2\",\"revision\":7,")
			.contains("\"state\":\"PAUSED\"", "\"weight\":30", "\"reason\":\"ANALYSIS\"",
					"\"stepStartedAt\":\"2025-06-01T10:16:30.123456789Z\"", "\"latency.p\":\"NaN\"",
					"\"evidence\":{\"result\":\"FAIL\"");
	}

	@Test
	void transitionsSayWhoActedAndOlderRecordsReadAsUnknown() {
		Transition manual = new Transition(Records.T0, ReleaseState.PROGRESSING, ReleaseState.PAUSED, Reason.MANUAL, 10,
				null, "alice");
		ReleaseStatus status = new ReleaseStatus("orders", "v2", 3, 1, ReleaseState.PAUSED, 10, 0, Reason.MANUAL,
				Records.T0, List.of(manual));
		String json = this.codec.write(status);
		assertThat(json).contains("\"by\":\"alice\"");
		assertThat(this.codec.read(json)).isEqualTo(status);
		// written by a gateway from before transitions said who
		assertThat(this.codec.read(json.replace(",\"by\":\"alice\"", "")).history()).extracting(Transition::by)
			.containsExactly(Transition.UNKNOWN);
	}

	@Test
	void unknownFieldsAreIgnoredAndNewerFormatsRefused() {
		ReleaseStatus status = new ReleaseStatus("orders", "v2", 3, 1, ReleaseState.PROGRESSING, 10, 0, Reason.SCHEDULE,
				Records.T0, List.of());
		String json = this.codec.write(status);
		assertThat(this.codec.read(json.replace("{\"format\":1,", "{\"format\":1,\"future\":{\"x\":1},")))
			.isEqualTo(status);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> this.codec.read(json.replace("\"format\":1", "\"format\":2")))
			.withMessageContaining("newer");
		assertThatIllegalArgumentException().isThrownBy(() -> this.codec.read("{\"format\":1}"))
			.withMessageContaining("not a release record");
		assertThatIllegalArgumentException().isThrownBy(() -> this.codec.read("not json"));
	}

}
