package io.canarygateway.sample.gateway;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;

/**
 * Reading the actuator (and proxying) is open; every write operation on the actuator —
 * promote, abort, pause, resume, weight — needs HTTP basic authentication with the user
 * of {@code spring.security.user.*}. The dashboard's buttons call the same endpoint, so
 * the same rule protects them.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	@Bean
	SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http) {
		return http
			.authorizeExchange((exchanges) -> exchanges.pathMatchers(HttpMethod.POST, "/actuator/**")
				.authenticated()
				.pathMatchers(HttpMethod.PUT, "/actuator/**")
				.authenticated()
				.pathMatchers(HttpMethod.DELETE, "/actuator/**")
				.authenticated()
				.anyExchange()
				.permitAll())
			.httpBasic(Customizer.withDefaults())
			// an API used with basic authentication, not a browser form: no CSRF token to
			// carry
			.csrf(ServerHttpSecurity.CsrfSpec::disable)
			.build();
	}

}
