package io.canarygateway.it;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The gateway application of the integration tests: nothing but auto-configuration and
 * properties.
 */
@SpringBootApplication
public class GatewayTestApplication {

}
