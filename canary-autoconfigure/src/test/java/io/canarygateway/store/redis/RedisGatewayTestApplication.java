package io.canarygateway.store.redis;

import java.time.Duration;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The gateway application of the replica tests: auto-configuration and properties only.
 * Several of them run in one JVM as replicas of one gateway, so each gets its own Reactor
 * Netty resources: closing one replica (a restart) must not close the event loops of the
 * others, which global resources would.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class RedisGatewayTestApplication {

	@Bean
	ReactorResourceFactory reactorResourceFactory() {
		ReactorResourceFactory factory = new ReactorResourceFactory();
		factory.setUseGlobalResources(false);
		factory.setShutdownQuietPeriod(Duration.ZERO);
		return factory;
	}

}
