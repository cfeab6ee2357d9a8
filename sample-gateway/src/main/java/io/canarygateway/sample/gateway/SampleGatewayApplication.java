package io.canarygateway.sample.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Cloud Gateway that uses the Canary Gateway starter: {@code orders} is split by
 * instance version on one load-balanced route, {@code payments} by a pair of direct
 * routes. See {@code application.yml}.
 */
@SpringBootApplication
public class SampleGatewayApplication {

	public static void main(String[] args) {
		SpringApplication.run(SampleGatewayApplication.class, args);
	}

}
