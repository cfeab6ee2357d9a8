package io.canarygateway.sample.gateway;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.util.ClassUtils;

import io.canarygateway.propagation.CanaryContextWebFilter;
import io.canarygateway.propagation.CanaryPropagationAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The propagation module reaches the sample gateway's class path with the sample services
 * (which the demo starts in-process), but it is for the services behind a gateway: in the
 * gateway itself it must stay off, so a client's lane headers never steer the gateway's
 * own load balancing.
 */
@SpringBootTest(classes = SampleGatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "CANARY_ADMIN_PASSWORD=propagation-test-password", "canary.defaults.auto-start=false",
				"canary.defaults.analysis.interval=1h" })
class PropagationModuleOffInGatewayTest {

	@Autowired
	ApplicationContext context;

	@Test
	void thePropagationModuleIsOnTheClassPathButOff() {
		assertThat(ClassUtils.isPresent(CanaryPropagationAutoConfiguration.class.getName(), null)).isTrue();
		assertThat(this.context.getBeanNamesForType(CanaryPropagationAutoConfiguration.class)).isEmpty();
		assertThat(this.context.getBeanNamesForType(CanaryContextWebFilter.class)).isEmpty();
	}

}
