package io.canarygateway.autoconfigure;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import io.canarygateway.dashboard.DashboardRouter;

/**
 * Serves the canary dashboard when {@code canary.dashboard.enabled=true} (and Canary
 * Gateway is not switched off): a page at {@code canary.dashboard.path} that shows and
 * steers the releases through the {@code canary} actuator endpoint. Wiring only; see
 * {@link DashboardRouter}.
 */
@AutoConfiguration(after = CanaryAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(RouterFunction.class)
@ConditionalOnBooleanProperty(name = CanaryProperties.PREFIX + ".enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = CanaryProperties.PREFIX + ".dashboard.enabled")
@EnableConfigurationProperties(CanaryProperties.class)
public class CanaryDashboardAutoConfiguration {

	/** Where the endpoint is when the actuator does not say (its default base path). */
	static final String DEFAULT_ENDPOINT = "/actuator/canary";

	private static final Log logger = LogFactory.getLog(CanaryDashboardAutoConfiguration.class);

	@Bean
	DashboardRouter canaryDashboardRouter(CanaryProperties properties, ObjectProvider<PathMappedEndpoints> endpoints,
			Environment environment) {
		String basePath = environment.getProperty("spring.webflux.base-path", "");
		String managementPort = environment.getProperty("management.server.port");
		if (managementPort != null && !managementPort.equals(environment.getProperty("server.port"))) {
			logger.warn("The canary dashboard calls the actuator on the page's own origin, but management.server.port"
					+ " moves it to port " + managementPort + "; the page will not reach it");
		}
		String path;
		try {
			path = DashboardRouter.normalizePath(properties.getDashboard().getPath());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidCanaryConfigurationException(
					List.of(CanaryProperties.PREFIX + ".dashboard.path: " + ex.getMessage()));
		}
		return new DashboardRouter(path, () -> endpointUrl(basePath, endpoints));
	}

	@Bean
	RouterFunction<ServerResponse> canaryDashboardRoutes(DashboardRouter canaryDashboardRouter) {
		return canaryDashboardRouter.routes();
	}

	/**
	 * The endpoint's URL path as the browser sees it: the application's base path and the
	 * actuator's mapping.
	 */
	static String endpointUrl(String basePath, ObjectProvider<PathMappedEndpoints> endpoints) {
		PathMappedEndpoints mapped = endpoints.getIfAvailable();
		String path = (mapped != null) ? mapped.getPath(EndpointId.of("canary")) : null;
		if (path == null) {
			logger.warn("The canary dashboard cannot find the 'canary' actuator endpoint over HTTP; it will try "
					+ DEFAULT_ENDPOINT + ". Expose it with management.endpoints.web.exposure.include=canary");
			path = DEFAULT_ENDPOINT;
		}
		String base = (basePath.endsWith("/")) ? basePath.substring(0, basePath.length() - 1) : basePath;
		return base + path;
	}

}
