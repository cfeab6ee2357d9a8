package io.canarygateway.sample.demo;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The {@code ./demo} runner's story, in-process and in its fast mode: the bad canary of
 * act 1 is rolled back without a failed GET reaching a user, the good canaries of act 2
 * (orders automatically, payments after the operator resumes its manual gate) are
 * promoted, and in act 3 orders v3, deployed while the gateway runs, is shipped against
 * v2 and promoted, with v1 retired and no request failing.
 */
class DemoTest {

	@Test
	@Timeout(value = 240, unit = TimeUnit.SECONDS) // about 40 s on an idle machine;
													// generous for a loaded CI box
	void badCanaryIsRolledBackGoodCanaryIsPromotedTheNextVersionShipsAndAPipelineApproves() {
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		PrintStream out = new PrintStream(new Tee(captured, System.out), true, StandardCharsets.UTF_8);

		Demo.Result result = new Demo(DemoOptions.forTest(), out).run();

		String output = captured.toString(StandardCharsets.UTF_8);
		assertThat(result.failure()).as(output).isNull();
		assertThat(result.exitCode()).isZero();

		Demo.ActResult bad = result.act(1, "orders");
		assertThat(bad.state()).isEqualTo("ROLLED_BACK");
		assertThat(bad.reason()).isIn("analysis", "breaker");
		assertThat(bad.canaryRequests()).isPositive();
		assertThat(bad.canaryFailed()).isPositive();
		assertThat(bad.getErrors()).as("GETs that failed on the canary are retried on stable").isZero();
		assertThat(bad.decidedIn()).isNotNull();

		Demo.ActResult orders = result.act(2, "orders");
		assertThat(orders.state()).isEqualTo("PROMOTED");
		assertThat(orders.steps()).isEqualTo(DemoOptions.forTest().ordersSteps().size());
		assertThat(orders.canaryFailed()).isZero();
		assertThat(orders.getErrors() + orders.postErrors()).isZero();
		assertThat(result.act(2, "payments").state()).isEqualTo("PROMOTED");
		assertThat(List.of(orders.stableVersion(), orders.canaryVersion())).containsExactly("v1", "v2");
		assertThat(orders.previousVersion()).isNull();

		// the next version: deployed and shipped while the same gateway runs
		Demo.ActResult next = result.act(3, "orders");
		assertThat(next.state()).isEqualTo("PROMOTED");
		assertThat(List.of(next.stableVersion(), next.canaryVersion(), next.previousVersion())).containsExactly("v2",
				"v3", "v1");
		assertThat(next.steps()).isEqualTo(DemoOptions.forTest().ordersSteps().size());
		assertThat(next.canaryRequests()).as("requests the gateway balanced to the v3 instance it discovered")
			.isPositive();
		assertThat(next.canaryFailed()).isZero();
		assertThat(next.getErrors() + next.postErrors()).as("failed requests, v1 retired during the act").isZero();

		// one release across orders and payments: the bad payments v8 rolls both back
		Demo.ActResult group = result.act(5, "checkout");
		assertThat(group.state()).isEqualTo("ROLLED_BACK");
		assertThat(group.reason()).isIn("analysis", "breaker");
		assertThat(group.canaryRequests()).as("charges that reached payments v8 through orders v4").isPositive();
		assertThat(group.canaryFailed()).isPositive();
		assertThat(group.getErrors()).as("failed checkouts are retried on v4 with v7").isZero();
		assertThat(output).contains("Act 5", "checkout ROLLED_BACK", "orders v5 + payments v8",
				"orders v4 + payments v7", "no checkout mixed");

		// which of the two rolls the bad canary back depends on how its failures fall;
		// either way the evidence says why
		String why = bad.reason().equals("breaker") ? "opened: failure rate" : "canary error rate";
		assertThat(output).contains("ROLLED_BACK", "evidence:", why, "PROMOTED", "Summary",
				"The story ended as expected");
		assertThat(output).contains("Act 3", "orders-v3", "PROMOTED -> PROGRESSING", "rollout of v3",
				"stable v2 (promoted in act 2), canary v3, previous v1", "previous v1", "without a restart");
		// a promotion the pipeline approves through the confirm-promotion hook, and chat
		// lines from the post-rollout hook
		Demo.ActResult approved = result.act(4, "orders");
		assertThat(approved.state()).isEqualTo("PROMOTED");
		assertThat(approved.reason()).isEqualTo("webhook");
		assertThat(List.of(approved.stableVersion(), approved.canaryVersion())).containsExactly("v3", "v4");
		assertThat(approved.canaryFailed()).isZero();
		assertThat(output).contains("Act 4", "waiting for confirm-promotion hook 'pipeline': 403",
				"pipeline  approves orders v4", "chat      #releases  Release orders: PROGRESSING → ROLLED_BACK",
				"chat      #releases  Release orders: PROGRESSING → PROMOTED at 100 % (reason webhook), canary v4");
		assertThat(output).as("plain mode: no ANSI escapes").doesNotContain("\u001b[");
	}

	@Test
	void parsesOptions() {
		DemoOptions options = DemoOptions.parse("--keep", "--fast", "--port=8080", "--rate", "300", "--plain",
				"--ascii", "--log-file", "/tmp/x.log");
		assertThat(options.keep()).isTrue();
		assertThat(options.fast()).isTrue();
		assertThat(options.port()).isEqualTo(8080);
		assertThat(options.rate()).isEqualTo(300);
		assertThat(options.live()).isFalse();
		assertThat(options.color()).isFalse();
		assertThat(options.unicode()).isFalse();
		assertThat(options.logFile()).isEqualTo(Path.of("/tmp/x.log"));
		assertThat(DemoOptions.parse("--live", "--no-color").color()).isFalse();
		assertThat(DemoOptions.parse("--help").help()).isTrue();
		assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--bogus"))
			.withMessageContaining("--bogus");
		assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--port", "99999"))
			.withMessageContaining("--port");
		assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--rate"))
			.withMessageContaining("needs a value");
	}

	/** Writes to two streams: the captured output and the test's log. */
	private static final class Tee extends OutputStream {

		private final OutputStream first;

		private final OutputStream second;

		Tee(OutputStream first, OutputStream second) {
			this.first = first;
			this.second = second;
		}

		@Override
		public void write(int b) throws java.io.IOException {
			this.first.write(b);
			this.second.write(b);
		}

		@Override
		public void write(byte[] b, int off, int len) throws java.io.IOException {
			this.first.write(b, off, len);
			this.second.write(b, off, len);
		}

		@Override
		public void flush() throws java.io.IOException {
			this.first.flush();
			this.second.flush();
		}

	}

}
