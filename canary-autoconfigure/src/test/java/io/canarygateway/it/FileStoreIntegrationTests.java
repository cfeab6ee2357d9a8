package io.canarygateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.store.ReleaseRecordCodec;
import io.canarygateway.store.file.FileStoreStartupException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The default file store on real gateways: a gateway restarted on the same directory
 * resumes the release exactly where it stood (mid-rollout, and after PROMOTED, with all
 * traffic on the canary), a second gateway on a directory in use fails to start with a
 * report that names the directory and points to Redis, and an action whose record cannot
 * be written answers 503 naming the file and changes nothing.
 */
@ExtendWith(OutputCaptureExtension.class)
class FileStoreIntegrationTests {

	@TempDir
	Path temp;

	private final List<ConfigurableApplicationContext> started = new ArrayList<>();

	private final List<TestBackend> backends = new ArrayList<>();

	@AfterEach
	void stop() {
		this.started.forEach(ConfigurableApplicationContext::close);
		this.backends.forEach(TestBackend::close);
	}

	@Test
	void aRestartedGatewayResumesTheReleaseWhereItStood() {
		Path state = this.temp.resolve("canary-state");
		Gateway first = start(state);
		// auto-start stored the first step; the operator moves it on
		assertThat(first.status().state()).isEqualTo(ReleaseState.PROGRESSING);
		first.act("weight", "{\"weight\": 30}").expectStatus().isOk();
		first.act("resume", null).expectStatus().isOk();
		ReleaseStatus midRollout = first.status();
		assertThat(midRollout.state()).isEqualTo(ReleaseState.PROGRESSING);
		assertThat(midRollout.weight()).isEqualTo(30);
		assertThat(midRollout.history()).hasSize(3);
		close(first);

		Gateway second = start(state);
		assertThat(second.status()).as("the same record: state, weight, step, revision, rollout, history")
			.isEqualTo(midRollout);
		second.client.get()
			.uri("/actuator/canary/orders")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("PROGRESSING")
			.jsonPath("$.weight")
			.isEqualTo(30)
			.jsonPath("$.history.length()")
			.isEqualTo(3);
		second.act("promote", null).expectStatus().isOk();
		ReleaseStatus promoted = second.status();
		assertThat(promoted.state()).isEqualTo(ReleaseState.PROMOTED);
		assertThat(promoted.revision()).isEqualTo(midRollout.revision() + 1);
		close(second);

		Gateway third = start(state);
		assertThat(third.status()).isEqualTo(promoted);
		assertThat(third.status().rollout()).as("auto-start did not begin the rollout again")
			.isEqualTo(midRollout.rollout());
		for (int i = 0; i < 40; i++) {
			third.client.get()
				.uri("/orders/" + i)
				.header("X-User-Id", "user-" + i)
				.exchange()
				.expectStatus()
				.isOk()
				.expectHeader()
				.valueEquals("X-Canary-Version", "v2");
		}
		assertThat(third.stable.requests()).as("nothing reaches stable after PROMOTED").isZero();
		assertThat(third.canary.requests()).isEqualTo(40);
	}

	@Test
	void aSecondGatewayOnADirectoryInUseFailsToStartNamingItAndPointingToRedis(CapturedOutput output) {
		Path state = this.temp.resolve("canary-state");
		Gateway running = start(state);

		Throwable failure = assertThatException().isThrownBy(() -> start(state)).actual();
		assertThat(failure).hasRootCauseInstanceOf(FileStoreStartupException.class);
		// the report the user sees, from our FailureAnalyzer (registered in
		// spring.factories)
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("The release store directory " + state
					+ " is in use by another running gateway in this JVM (it holds the lock file gateway.lock)")
			.contains("canary.store.type: redis");

		// the running gateway goes on, its directory untouched
		running.act("pause", null).expectStatus().isOk();
		assertThat(running.stored().state()).isEqualTo(ReleaseState.PAUSED);
	}

	@Test
	void anActionWhoseRecordCannotBeWrittenAnswers503AndChangesNothing() throws IOException {
		Path state = this.temp.resolve("canary-state");
		Gateway gateway = start(state);
		ReleaseStatus before = gateway.status();
		// someone moves the directory away under the running gateway
		Path moved = Files.move(state, this.temp.resolve("moved"));

		gateway.act("pause", null)
			.expectStatus()
			.isEqualTo(503)
			.expectBody()
			.jsonPath("$.outcome")
			.isEqualTo("unchanged")
			.jsonPath("$.error")
			.value((String error) -> assertThat(error).startsWith("the release store is unavailable: ")
				.contains("could not write release 'orders' to " + state.resolve("orders.json"))
				.contains("no such file or directory"));
		assertThat(gateway.status()).isEqualTo(before);

		// back in place: the action works, and the file holds its result
		Files.move(moved, state);
		gateway.act("pause", null).expectStatus().isOk();
		assertThat(gateway.stored().state()).isEqualTo(ReleaseState.PAUSED);
	}

	private Gateway start(Path state) {
		// backends of its own: a gateway that closes disposes Reactor Netty's global
		// resources, and the servers on them
		TestBackend stable = new TestBackend("v1", "orders-v1");
		TestBackend canary = new TestBackend("v2", "orders-v2");
		this.backends.add(stable);
		this.backends.add(canary);
		String route = "--spring.cloud.gateway.server.webflux.routes[0].";
		String instances = "--spring.cloud.discovery.client.simple.instances.orders";
		String release = "--canary.releases.orders.";
		// command-line arguments: they win over the test JVM's canary.store.type=memory
		ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayTestApplication.class)
			.web(WebApplicationType.REACTIVE)
			.run("--server.port=0", "--spring.main.banner-mode=off", "--canary.store.type=file",
					"--canary.store.file.path=" + state, "--management.endpoints.web.exposure.include=canary",
					instances + "[0].uri=" + stable.uri(), instances + "[0].metadata.version=v1",
					instances + "[1].uri=" + canary.uri(), instances + "[1].metadata.version=v2", route + "id=orders",
					route + "uri=lb://orders", route + "predicates[0]=Path=/orders/**",
					route + "filters[0]=Canary=orders", release + "stable-version=v1", release + "canary-version=v2",
					release + "step-interval=1h", release + "progress-deadline=2h", release + "analysis.interval=1h",
					release + "routing.expose-version=true");
		this.started.add(context);
		int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		return new Gateway(context, state, stable, canary,
				WebTestClient.bindToServer()
					.baseUrl("http://127.0.0.1:" + port)
					.responseTimeout(Duration.ofSeconds(60))
					.build());
	}

	private void close(Gateway gateway) {
		gateway.context.close();
		this.started.remove(gateway.context);
	}

	private record Gateway(ConfigurableApplicationContext context, Path state, TestBackend stable, TestBackend canary,
			WebTestClient client) {

		/** The record the gateway routes with. */
		ReleaseStatus status() {
			return this.context.getBean(ReleaseController.class).release("orders").status();
		}

		/** The record in the release's file. */
		ReleaseStatus stored() {
			try {
				return new ReleaseRecordCodec().read(Files.readString(this.state.resolve("orders.json")));
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}

		WebTestClient.ResponseSpec act(String action, String body) {
			WebTestClient.RequestBodySpec request = this.client.post().uri("/actuator/canary/orders/" + action);
			if (body != null) {
				request.contentType(MediaType.APPLICATION_JSON).bodyValue(body);
			}
			return request.exchange();
		}

	}

}
