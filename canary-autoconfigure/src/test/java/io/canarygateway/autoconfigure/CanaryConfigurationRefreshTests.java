package io.canarygateway.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.web.reactive.server.WebTestClient;

import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.ReleaseConfig;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A configuration refresh that changes {@code canary.*} is not applied, and the gateway
 * says so at WARN, naming every changed key — through the real refresh endpoint of Spring
 * Cloud, on a real gateway whose configuration file changed.
 */
@ExtendWith(OutputCaptureExtension.class)
class CanaryConfigurationRefreshTests {

	@Test
	void refreshThatChangesCanaryKeysIsLoggedAsIgnored(@TempDir Path dir, CapturedOutput output) throws IOException {
		Path file = dir.resolve("gateway.properties");
		write(file, "canary.releases.orders.step-interval=1m", "canary.releases.orders.steps=5,50,100",
				"other.setting=a");
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Gateway.class)
			.web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "spring.main.banner-mode=off", "spring.config.import=file:" + file,
					"management.endpoints.web.exposure.include=refresh", "canary.releases.orders.stable-version=v1",
					"canary.releases.orders.canary-version=v2", "canary.releases.orders.auto-start=false")
			.run()) {
			write(file, "canary.releases.orders.step-interval=2m", "canary.releases.orders.steps=10,100",
					"canary.releases.payments.stable-version=p1", "other.setting=b");
			List<String> changed = client(context).post()
				.uri("/actuator/refresh")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(new ParameterizedTypeReference<List<String>>() {
				})
				.returnResult()
				.getResponseBody();
			assertThat(changed).contains("canary.releases.orders.step-interval", "canary.releases.orders.steps",
					"canary.releases.payments.stable-version", "other.setting");
			assertThat(output.getAll()).contains("WARN")
				.contains("A configuration refresh changed canary.releases.orders.step-interval, "
						+ "canary.releases.orders.steps, canary.releases.payments.stable-version: ignored, Canary "
						+ "Gateway reads canary.* only when it starts. Restart the gateway to apply the change;");
			assertThat(output.getAll().lines().filter((line) -> line.contains("A configuration refresh changed")))
				.singleElement()
				.asString()
				.doesNotContain("other.setting");
			ReleaseConfig orders = context.getBean(ReleaseController.class).release("orders").config();
			assertThat(orders.stepInterval()).as("still the configuration it started with")
				.isEqualTo(Duration.ofMinutes(1));
			assertThat(orders.steps()).containsExactly(5, 50, 100);
			assertThat(context.getBean(ReleaseController.class).releases()).containsOnlyKeys("orders");
		}
	}

	@Test
	void refreshThatChangesNoCanaryKeyIsNotLogged(@TempDir Path dir, CapturedOutput output) throws IOException {
		Path file = dir.resolve("gateway.properties");
		write(file, "other.setting=a");
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Gateway.class)
			.web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "spring.main.banner-mode=off", "spring.config.import=file:" + file,
					"management.endpoints.web.exposure.include=refresh", "canary.releases.orders.stable-version=v1",
					"canary.releases.orders.canary-version=v2", "canary.releases.orders.auto-start=false")
			.run()) {
			write(file, "other.setting=b");
			client(context).post().uri("/actuator/refresh").exchange().expectStatus().isOk();
			assertThat(output.getAll()).doesNotContain("A configuration refresh changed");
		}
	}

	@Test
	void keysInEveryBindableForm() {
		assertThat(CanaryRefreshListener.isCanary("canary.releases.orders.step-interval")).isTrue();
		assertThat(CanaryRefreshListener.isCanary("canary.releases.orders.stepInterval")).isTrue();
		assertThat(CanaryRefreshListener.isCanary("canary.releases.orders.steps[0]")).isTrue();
		assertThat(CanaryRefreshListener.isCanary("CANARY_RELEASES_ORDERS_STEPINTERVAL")).isTrue();
		assertThat(CanaryRefreshListener.isCanary("canary.enabled")).isTrue();
		assertThat(CanaryRefreshListener.isCanary("canaryx.enabled")).isFalse();
		assertThat(CanaryRefreshListener.isCanary("spring.cloud.gateway.server.webflux.routes[0].uri")).isFalse();
		assertThat(CanaryRefreshListener.isCanary("my.canary.setting")).isFalse();
	}

	@Test
	void listenerOnlyWithSpringCloudContext() {
		CanaryContexts.runner()
			.withPropertyValues(CanaryContexts.ORDERS)
			.run((context) -> assertThat(context).hasSingleBean(CanaryRefreshListener.class));
		CanaryContexts.runner()
			.withPropertyValues(CanaryContexts.ORDERS)
			.withClassLoader(new FilteredClassLoader(EnvironmentChangeEvent.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(CanaryRefreshListener.class));
	}

	private static WebTestClient client(ConfigurableApplicationContext context) {
		int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(Duration.ofSeconds(60))
			.build();
	}

	private static void write(Path file, String... lines) throws IOException {
		Files.write(file, List.of(lines));
	}

	/** A gateway with nothing but auto-configuration. */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Gateway {

	}

}
