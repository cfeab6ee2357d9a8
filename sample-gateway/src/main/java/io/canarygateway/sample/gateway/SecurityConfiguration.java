package io.canarygateway.sample.gateway;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;

/**
 * Who may do what on the sample gateway. Anyone may use the routes, read health and read
 * the releases (the dashboard polls them without signing in). Every other actuator read
 * (metrics, prometheus, …) needs a user, and every actuator write (start, pause, resume,
 * promote, abort, weight, …) a user with the role {@code CANARY_ADMIN}, over HTTP basic
 * authentication: the user of {@code spring.security.user.*}, see
 * {@link AdminPasswordNotice}. The dashboard's buttons call the same endpoint, so the
 * same rules protect them. docs/getting-started.md and docs/operations.md show this class
 * as it is ({@code SecurityDocsTest}).
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	@Bean
	SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http) {
		http.authorizeExchange((exchanges) -> {
			// anyone: health, and reading the releases (the dashboard, before signing in)
			exchanges.pathMatchers(HttpMethod.GET, "/actuator/health/**", "/actuator/canary/**").permitAll();
			// any user: the other actuator reads (metrics, prometheus, ...)
			exchanges.pathMatchers(HttpMethod.GET, "/actuator/**").authenticated();
			// the admin: every actuator write (start, pause, promote, abort, weight, ...)
			exchanges.pathMatchers("/actuator/**").hasRole("CANARY_ADMIN");
			// anyone: the routes
			exchanges.anyExchange().permitAll();
		});
		http.httpBasic(Customizer.withDefaults());
		// No CSRF token: curl cannot send one, nor can the clients of the routes.
		// Another site's page still cannot write to the actuator: Canary Gateway
		// refuses cross-site actuator writes (by Origin) before this chain runs.
		http.csrf(ServerHttpSecurity.CsrfSpec::disable);
		return http.build();
	}

}
