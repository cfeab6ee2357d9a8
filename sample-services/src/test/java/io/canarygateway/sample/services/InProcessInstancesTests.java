package io.canarygateway.sample.services;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.web.server.WebFilterChainProxy;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Starts sample services the way the gateway's integration tests do: in-process, several
 * per JVM, with
 * {@code new SpringApplicationBuilder(SampleServiceApplication.class).properties(...).run()}.
 * The test class path stands for such a host: it holds Spring Security and an
 * {@code application.yml} that are not the sample service's.
 */
class InProcessInstancesTests {

	private final List<ConfigurableApplicationContext> started = new ArrayList<>();

	@AfterEach
	void close() {
		this.started.forEach(ConfigurableApplicationContext::close);
	}

	@Test
	void twoInstancesInOneJvmKeepTheirOwnVersionFaultsAndStats() {
		WebTestClient v1 = client(start("server.port=0", "sample.version=v1", "sample.instance-id=v1-a"));
		WebTestClient v2 = client(start("server.port=0", "sample.version=v2", "sample.instance-id=v2-a"));

		v1.get()
			.uri("/orders/1")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.version")
			.isEqualTo("v1")
			.jsonPath("$.instance")
			.isEqualTo("v1-a");
		v2.get()
			.uri("/orders/1")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.version")
			.isEqualTo("v2")
			.jsonPath("$.instance")
			.isEqualTo("v2-a");

		v2.put()
			.uri("/_sample/faults")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"errorRate\":1}")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult();
		v2.get()
			.uri("/orders/2")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR)
			.expectBody()
			.returnResult();
		v1.get().uri("/orders/2").exchange().expectStatus().isOk().expectBody().returnResult();
		v1.get().uri("/_sample/faults").exchange().expectBody().jsonPath("$.errorRate").isEqualTo(0.0);

		v1.get().uri("/orders/3").exchange().expectStatus().isOk().expectBody().returnResult();
		v1.get()
			.uri("/_sample/stats")
			.exchange()
			.expectBody()
			.jsonPath("$.requests")
			.isEqualTo(3)
			.jsonPath("$.failed")
			.isEqualTo(0);
		v2.get()
			.uri("/_sample/stats")
			.exchange()
			.expectBody()
			.jsonPath("$.requests")
			.isEqualTo(2)
			.jsonPath("$.failed")
			.isEqualTo(1);
	}

	@Test
	void closingOneInstanceLeavesTheOthersAndTheirClientsWorking() {
		ConfigurableApplicationContext first = start("server.port=0", "sample.version=v1");
		WebTestClient second = client(start("server.port=0", "sample.version=v2"));
		second.get().uri("/orders").exchange().expectStatus().isOk().expectBody().returnResult();
		first.close();
		for (int i = 0; i < 5; i++) {
			second.get().uri("/orders").exchange().expectBody().jsonPath("$.version").isEqualTo("v2");
		}
	}

	@Test
	void versionAndInstanceIdShortcuts() {
		client(start("server.port=0", "version=v3", "instance-id=v3-x")).get()
			.uri("/x")
			.exchange()
			.expectBody()
			.jsonPath("$.version")
			.isEqualTo("v3")
			.jsonPath("$.instance")
			.isEqualTo("v3-x");

		ConfigurableApplicationContext fromArgs = new SpringApplicationBuilder(SampleServiceApplication.class)
			.run("--server.port=0", "--version=v4");
		this.started.add(fromArgs);
		assertThat(fromArgs.getBean(SampleProperties.class).version()).isEqualTo("v4");
		assertThat(fromArgs.getBean(SampleProperties.class).instanceId()).matches("v4-[0-9a-f]{4}");
	}

	@Test
	void defaultsIgnoreTheHostsApplicationYml() {
		ConfigurableApplicationContext context = start("spring.main.web-application-type=none");
		assertThat(context.getEnvironment().getProperty("server.port")).isEqualTo("8081");
		assertThat(context.getEnvironment().getProperty("spring.application.name")).isEqualTo("sample-services");
		SampleProperties properties = context.getBean(SampleProperties.class);
		assertThat(properties.version()).isEqualTo("v1");
		assertThat(properties.instanceId()).matches("v1-[0-9a-f]{4}");
		assertThat(properties.serviceName()).isEqualTo("orders");
		assertThat(properties.faults().toSettings()).isEqualTo(FaultSettings.NONE);
	}

	@Test
	void hostAutoConfigurationsDoNotApply() {
		ConfigurableApplicationContext context = start("server.port=0");
		assertThat(context.getBeanNamesForType(WebFilterChainProxy.class)).isEmpty();
		client(context).get()
			.uri("/orders")
			.exchange()
			.expectStatus()
			.isOk() // no 401 from Spring Security
			.expectBody()
			.returnResult();
	}

	@Test
	void faultsCanBeSetAtStartup() {
		WebTestClient client = client(start("server.port=0", "sample.faults.error-rate=1",
				"sample.faults.error-status=418", "sample.faults.latency-ms=20", "sample.service-name=payments"));
		client.get()
			.uri("/_sample/faults")
			.exchange()
			.expectBody()
			.json("{\"errorRate\":1,\"errorStatus\":418,\"latencyMs\":20,\"latencyJitterMs\":0}");
		client.get().uri("/payments").exchange().expectStatus().isEqualTo(418).expectBody().returnResult();
		client.delete().uri("/_sample/faults").exchange().expectStatus().isOk().expectBody().returnResult();
		client.get().uri("/payments").exchange().expectBody().jsonPath("$.service").isEqualTo("payments");
	}

	@Test
	void aRandomSeedMakesRunsReproducible() {
		String[] properties = { "server.port=0", "sample.random-seed=5", "sample.faults.error-rate=0.5" };
		WebTestClient one = client(start(properties));
		WebTestClient two = client(start(properties));
		for (int i = 0; i < 50; i++) {
			assertThat(status(two)).isEqualTo(status(one));
		}
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			textBlock = """
					sample.faults.error-rate=1.5          | sample.faults.error-rate must be between 0 and 1, was 1.5
					sample.faults.error-rate=-1           | sample.faults.error-rate must be between 0 and 1, was -1.0
					sample.faults.error-status=200        | sample.faults.error-status must be between 400 and 599, was 200
					sample.faults.latency-ms=-1           | sample.faults.latency-ms must be between 0 and 3600000 (milliseconds), was -1
					sample.faults.latency-jitter-ms=-3    | sample.faults.latency-jitter-ms must be between 0 and 3600000 (milliseconds), was -3
					""")
	void anInvalidFaultPropertyFailsStartupNamingTheProperty(String property, String message) {
		assertThatThrownBy(() -> start("server.port=0", property)).rootCause().hasMessage(message);
	}

	private ConfigurableApplicationContext start(String... properties) {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(SampleServiceApplication.class)
			.properties(properties)
			.run();
		this.started.add(context);
		return context;
	}

	private static WebTestClient client(ConfigurableApplicationContext context) {
		Integer port = context.getEnvironment().getProperty("local.server.port", Integer.class);
		// a busy machine can be slow: the default 5 s would make a test fail for the
		// machine, not the code
		return WebTestClient.bindToServer()
			.baseUrl("http://localhost:" + port)
			.responseTimeout(Duration.ofSeconds(60))
			.build();
	}

	private static int status(WebTestClient client) {
		return client.get().uri("/orders").exchange().expectBody().returnResult().getStatus().value();
	}

}
