package io.canarygateway.sample.gateway;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.security.autoconfigure.SecurityProperties;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample ships no admin password: without {@code CANARY_ADMIN_PASSWORD} it generates
 * one at start, says so at WARN (shown even when Canary Gateway's own logging is at WARN,
 * as in {@code ./demo}), and that password, only that one, is accepted.
 */
@ExtendWith(OutputCaptureExtension.class)
class GeneratedAdminPasswordTest {

	@Test
	void withoutCanaryAdminPasswordOneIsGeneratedAndLogged(CapturedOutput output) {
		// on the command line, which beats the gateway's application.yml (default
		// properties would not: its server.port 8080 would win)
		try (ConfigurableApplicationContext gateway = new SpringApplicationBuilder(SampleGatewayApplication.class).run(
				"--server.port=0", "--CANARY_ADMIN_PASSWORD=", "--logging.level.io.canarygateway=WARN",
				"--canary.defaults.auto-start=false", "--canary.defaults.analysis.interval=1h")) {
			SecurityProperties.User user = gateway.getBean(SecurityProperties.class).getUser();
			assertThat(user.isPasswordGenerated()).isTrue();
			String password = user.getPassword();
			assertThat(password).isNotBlank().isNotEqualTo("canary");
			assertThat(output.getOut()).contains("WARN")
				.contains("CANARY_ADMIN_PASSWORD is not set")
				.contains("'admin'")
				.contains(password);

			WebTestClient client = WebTestClient.bindToServer()
				.baseUrl("http://127.0.0.1:" + gateway.getEnvironment().getProperty("local.server.port"))
				.responseTimeout(Duration.ofSeconds(60))
				.build();
			client.post()
				.uri("/actuator/canary/orders/start")
				.headers((headers) -> headers.setBasicAuth("admin", "canary"))
				.exchange()
				.expectStatus()
				.isUnauthorized();
			client.post()
				.uri("/actuator/canary/orders/start")
				.headers((headers) -> headers.setBasicAuth("admin", password))
				.exchange()
				.expectStatus()
				.isOk();
		}
	}

}
