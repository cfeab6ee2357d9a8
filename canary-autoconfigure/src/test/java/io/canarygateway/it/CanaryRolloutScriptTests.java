package io.canarygateway.it;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code scripts/canary-rollout} sends and how it reads answers, against a recording
 * stand-in for the {@code canary} endpoint: the parts a real gateway cannot show (the
 * start request's exact body and headers, the credentials on the wire and nowhere else)
 * or does not produce on demand (a read from a replica that has not caught up, a proxy's
 * HTML error page, fields in another order, a gateway that ignores the version). What the
 * script does against a real gateway is in {@link CanaryRolloutScriptIntegrationTests}.
 */
@ExtendWith(RolloutScript.NeedsShellAndCurl.class)
class CanaryRolloutScriptTests {

	private final FakeEndpoint endpoint = new FakeEndpoint();

	@AfterEach
	void stop() {
		this.endpoint.close();
	}

	@Test
	void theVersionGoesInTheStartsJsonBodyAndTheCredentialsOnlyInTheAuthorizationHeader() {
		String credentials = "deploy:s3cr\"et\\pa ss";
		this.endpoint.start(200, release("PROGRESSING", 20, 0, "manual", 7, "v3", null));
		this.endpoint.reads(release("PROMOTED", 100, 2, "schedule", 9, "v3", "pass"));

		RolloutScript.Result result = RolloutScript.run(Map.of("DEPLOY_AUTH", credentials), "--gateway",
				this.endpoint.url(), "--credentials-env", "DEPLOY_AUTH", "--interval", "1", "orders", "v3");

		assertThat(result.exitCode()).as("%s", result).isZero();
		Recorded start = this.endpoint.requests.get(0);
		assertThat(start.method()).isEqualTo("POST");
		assertThat(start.uri()).isEqualTo("/actuator/canary/orders/start");
		assertThat(start.contentType()).isEqualTo("application/json");
		assertThat(start.body()).isEqualTo("{\"version\":\"v3\"}");
		String basic = "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
		assertThat(this.endpoint.requests).hasSizeGreaterThan(1)
			.allSatisfy((request) -> assertThat(request.authorization()).isEqualTo(basic));
		assertThat(this.endpoint.requests.get(1).method()).isEqualTo("GET");
		assertThat(this.endpoint.requests.get(1).uri()).isEqualTo("/actuator/canary/orders");
		assertThat(result.output()).doesNotContain("s3cr").doesNotContain("pa ss");
		assertThat(result.lines()).contains("canary-rollout: orders PROMOTED: every request goes to v3; exit 0");
	}

	@Test
	void aReleaseOfSeveralServicesStartsOneVersionPerServiceInTheGatewaysOrder() {
		String set = "orders=v3,payments=v9";
		this.endpoint.start(200, release("PROGRESSING", 20, 0, "manual", 7, set, null));
		this.endpoint.reads(release("PROMOTED", 100, 2, "schedule", 9, set, "pass"));

		RolloutScript.Result result = RolloutScript.run("--gateway", this.endpoint.url(), "--interval", "1", "orders",
				"Payments=v9,orders=v3");

		assertThat(result.exitCode()).as("%s", result).isZero();
		assertThat(this.endpoint.requests.get(0).body()).isEqualTo("{\"version\":\"" + set + "\"}");
		assertThat(result.lines())
			.contains("canary-rollout: orders PROMOTED: every request goes to " + set + "; exit 0");

		RolloutScript.Result bad = RolloutScript.run("--gateway", this.endpoint.url(), "orders",
				"orders=v3;payments=v9");
		assertThat(bad.exitCode()).isEqualTo(64);
		assertThat(bad.output()).contains("VERSION must be service=version pairs separated by commas");
	}

	@Test
	void withoutVersionTheStartHasNoBodyAndWithoutCredentialsNoAuthorization() {
		this.endpoint.start(200, release("PROGRESSING", 20, 0, "manual", 7, "v2", null));
		this.endpoint.reads(release("PROMOTED", 100, 2, "schedule", 9, "v2", "pass"));

		RolloutScript.Result result = RolloutScript.run("--gateway", this.endpoint.url() + "/", "--base-path",
				"manage/", "--interval", "1", "orders");

		assertThat(result.exitCode()).as("%s", result).isZero();
		Recorded start = this.endpoint.requests.get(0);
		assertThat(start.uri()).isEqualTo("/manage/canary/orders/start");
		assertThat(start.body()).isEmpty();
		assertThat(start.contentType()).isNull();
		assertThat(this.endpoint.requests).allSatisfy((request) -> assertThat(request.authorization()).isNull());
	}

	@Test
	void fieldsAreReadWhereverTheyAreAndNestedFieldsOfTheSameNameAreNotTakenForThem() {
		this.endpoint.start(200, release("PROGRESSING", 50, 0, "manual", 3, "v2", null));
		// as a proxy might pretty-print it, the top-level fields last, after lookalikes
		this.endpoint.reads("""
				{
				  "traffic" : [ { "state" : "ROLLED_BACK", "weight" : 0, "stable" : { "requests" : 3 } } ],
				  "history" : [ { "from" : "PROGRESSING", "to" : "ROLLED_BACK", "reason" : "breaker", "weight" : 0,
				                  "evidence" : { "verdict" : "fail", "reasons" : [ "not this \\"one\\" [sic" ] } } ],
				  "analysis" : { "reasons" : [ ], "verdict" : "pass", "stable" : { "p99Ms" : 1.5E1 } },
				  "unreadableRecord" : null,
				  "reason" : "schedule", "step" : 1, "steps" : [ 50, 100 ], "weight" : 100, "revision" : 4,
				  "canaryVersion" : "v2", "state" : "PROMOTED"
				}
				""");

		RolloutScript.Result result = RolloutScript.run("--gateway", this.endpoint.url(), "--interval", "1", "orders");

		assertThat(result.exitCode()).as("%s", result).isZero();
		assertThat(result.lines()).anyMatch(
				(line) -> line.endsWith("Z orders PROMOTED weight=100 step=2/2" + " reason=schedule verdict=pass"));
	}

	@Test
	void aReadOfAnEarlierRecordIsNoOutcome() {
		this.endpoint.start(200, release("PROGRESSING", 20, 0, "manual", 7, "v2", null));
		// a replica that has not caught up still shows the previous rollout's end
		this.endpoint.reads(release("ROLLED_BACK", 0, 0, "breaker", 5, "v2", "fail"),
				release("PROGRESSING", 20, 0, "manual", 7, "v2", "inconclusive"),
				release("PROMOTED", 100, 2, "schedule", 8, "v2", "pass"));

		RolloutScript.Result result = RolloutScript.run("--gateway", this.endpoint.url(), "--interval", "1", "orders");

		assertThat(result.exitCode()).as("%s", result).isZero();
		assertThat(result.lines()).anyMatch((line) -> line.contains(" orders ROLLED_BACK weight=0 ")
				&& line.contains(": an earlier record (revision 5, the start made 7): this replica has not caught up"
						+ " yet; waiting"));
	}

	@Test
	void anOperatorsAbortIsARollbackWithoutEvidence() {
		this.endpoint.start(200, release("PROGRESSING", 20, 0, "manual", 7, "v2", null));
		this.endpoint.reads(release("ROLLED_BACK", 0, 0, "manual", 8, "v2", "inconclusive").replace("\"history\":[]",
				"\"history\":[{\"to\":\"PROGRESSING\",\"reason\":\"manual\",\"by\":\"deploy\",\"evidence\":null},"
						+ "{\"to\":\"ROLLED_BACK\",\"reason\":\"manual\",\"by\":\"alice\",\"evidence\":null}]"));

		RolloutScript.Result result = RolloutScript.run("--gateway", this.endpoint.url(), "--interval", "1", "orders");

		assertThat(result.exitCode()).as("%s", result).isEqualTo(1);
		assertThat(result.lines()).last()
			.isEqualTo("canary-rollout: orders ROLLED_BACK (reason manual): aborted by alice; exit 1");
	}

	@Test
	void aGatewayThatStartsAnotherVersionThanAskedStopsTheScript() {
		this.endpoint.start(200, release("PROGRESSING", 20, 0, "manual", 7, "v2", null));

		RolloutScript.Result result = RolloutScript.run("--gateway", this.endpoint.url(), "orders", "v3");

		assertThat(result.exitCode()).as("%s", result).isEqualTo(3);
		assertThat(result.lines()).last()
			.isEqualTo("canary-rollout: the gateway started a rollout of orders with canary version 'v2', not 'v3':"
					+ " it does not take a version at start (an older gateway?). That rollout is running: abort it"
					+ " if it is not wanted");
		assertThat(this.endpoint.requests).hasSize(1);
	}

	@Test
	void aStartTheStoreCouldNotConfirmSaysSo() {
		this.endpoint.start(503, """
				{"status":503,"error":"the release store did not confirm the change in time","release":"orders",\
				"action":"start","outcome":"unknown"}""");

		RolloutScript.Result result = RolloutScript.run("--gateway", this.endpoint.url(), "orders");

		assertThat(result.exitCode()).as("%s", result).isEqualTo(3);
		assertThat(result.lines()).last()
			.isEqualTo("canary-rollout: the start of orders failed: HTTP 503: the release store did not confirm the"
					+ " change in time (outcome: unknown)");
	}

	@Test
	void aRefusalWithoutBodySaysWhatToCheck() {
		this.endpoint.start(401, "");

		RolloutScript.Result result = RolloutScript.run("--gateway", this.endpoint.url(), "orders");

		assertThat(result.exitCode()).as("%s", result).isEqualTo(3);
		assertThat(result.lines()).last()
			.isEqualTo("canary-rollout: the start of orders failed: HTTP 401: authentication needed:"
					+ " put user:password in $CANARY_CREDENTIALS");
	}

	@Test
	void aProxysErrorPagesAreRetriedThenGiveExitThree() {
		String page = "<html><body>502 Bad Gateway</body></html>";
		this.endpoint.start(200, release("PROGRESSING", 20, 0, "manual", 7, "v2", null));
		this.endpoint.reads(502, page);

		RolloutScript.Result result = RolloutScript.run("--gateway", this.endpoint.url(), "--interval", "1", "orders");

		assertThat(result.exitCode()).as("%s", result).isEqualTo(3);
		assertThat(result.lines()).contains("canary-rollout: cannot read orders (attempt 1 of 3): HTTP 502: " + page,
				"canary-rollout: cannot read orders (attempt 2 of 3): HTTP 502: " + page);
		assertThat(result.lines()).last()
			.isEqualTo("canary-rollout: cannot read orders, 3 times in a row: HTTP 502: " + page);
	}

	@Test
	void anAnswerThatIsNoReleaseGivesExitThree() {
		this.endpoint.start(200, release("PROGRESSING", 20, 0, "manual", 7, "v2", null));
		this.endpoint.reads(200, "<html>a login page</html>");

		RolloutScript.Result result = RolloutScript.run("--gateway", this.endpoint.url(), "--interval", "1", "orders");

		assertThat(result.exitCode()).as("%s", result).isEqualTo(3);
		assertThat(result.lines()).last()
			.isEqualTo("canary-rollout: cannot read the answer of " + this.endpoint.url()
					+ "/actuator/canary/orders as a release: <html>a login page</html>");
	}

	/**
	 * A release as the endpoint shows it (docs/operations.md, "Reading a release"), its
	 * fields in the endpoint's order.
	 */
	private static String release(String state, int weight, int step, String reason, long revision,
			String canaryVersion, String verdict) {
		String analysis = (verdict != null) ? "{\"verdict\":\"" + verdict + "\",\"reasons\":[]}" : "null";
		return "{\"release\":\"orders\",\"state\":\"" + state + "\",\"weight\":" + weight + ",\"step\":" + step
				+ ",\"steps\":[20,50,100],\"stableVersion\":\"v1\",\"canaryVersion\":\"" + canaryVersion
				+ "\",\"breaker\":\"CLOSED\",\"reason\":\"" + reason + "\",\"revision\":" + revision
				+ ",\"stepStartedAt\":\"2026-11-28T05:20:11.204Z\",\"analysis\":" + analysis
				+ ",\"history\":[],\"traffic\":null,\"unreadableRecord\":null}";
	}

	/**
	 * One request as the stand-in received it.
	 *
	 * @param method the method
	 * @param uri the path and query
	 * @param contentType its Content-Type, or {@code null}
	 * @param authorization its Authorization, or {@code null}
	 * @param body its body ("" for none)
	 */
	record Recorded(String method, String uri, String contentType, String authorization, String body) {

	}

	/**
	 * A stand-in for the {@code canary} endpoint on a random loopback port: answers the
	 * start ({@code POST …/start}) with one set answer and reads ({@code GET}) with the
	 * next of a list of answers, the last one again and again; records every request.
	 */
	static final class FakeEndpoint implements AutoCloseable {

		final List<Recorded> requests = new CopyOnWriteArrayList<>();

		private final Deque<Answer> reads = new ArrayDeque<>();

		private volatile Answer start = new Answer(500, "{\"error\":\"no start answer set\"}");

		private final DisposableServer server;

		FakeEndpoint() {
			this.server = HttpServer.create()
				.host("127.0.0.1")
				.port(0)
				.handle((request,
						response) -> request.receive().aggregate().asString().defaultIfEmpty("").flatMap((body) -> {
							this.requests.add(new Recorded(request.method().name(), request.uri(),
									request.requestHeaders().get("Content-Type"),
									request.requestHeaders().get("Authorization"), body));
							Answer answer = "POST".equals(request.method().name()) ? this.start : nextRead();
							return response.status(answer.status())
								.header("Content-Type",
										answer.body().startsWith("<") ? "text/html" : "application/json")
								.sendString(Mono.just(answer.body()))
								.then();
						}))
				.bindNow();
		}

		String url() {
			return "http://127.0.0.1:" + this.server.port();
		}

		void start(int status, String body) {
			this.start = new Answer(status, body);
		}

		synchronized void reads(String... releases) {
			for (String release : releases) {
				this.reads.add(new Answer(200, release));
			}
		}

		synchronized void reads(int status, String body) {
			this.reads.add(new Answer(status, body));
		}

		private synchronized Answer nextRead() {
			if (this.reads.isEmpty()) {
				return new Answer(500, "{\"error\":\"no read answer set\"}");
			}
			return (this.reads.size() > 1) ? this.reads.poll() : this.reads.peek();
		}

		@Override
		public void close() {
			this.server.disposeNow();
		}

		private record Answer(int status, String body) {

		}

	}

}
