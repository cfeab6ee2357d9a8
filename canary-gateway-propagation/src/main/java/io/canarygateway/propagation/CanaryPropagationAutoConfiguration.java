package io.canarygateway.propagation;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configuration of the propagation module for the services behind the gateway
 * (docs/multi-service.md): keeps the lane headers of each incoming request (servlet or
 * reactive), hands them to {@code @Async} tasks, routes {@code @LoadBalanced} calls by
 * them (with Spring Cloud LoadBalancer) and forwards them on those calls.
 * <p>
 * Off with {@code canary.propagation.enabled=false}, and in a Spring Cloud Gateway
 * application: there the gateway itself decides lanes and must never take them from a
 * client.
 */
@AutoConfiguration(afterName = { "org.springframework.cloud.gateway.config.GatewayAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnBooleanProperty(name = "canary.propagation.enabled", matchIfMissing = true)
@ConditionalOnMissingBean(type = "org.springframework.cloud.gateway.route.RouteLocator")
@EnableConfigurationProperties(CanaryPropagationProperties.class)
public class CanaryPropagationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	CanaryContextReader canaryContextReader(PropagationMetrics metrics) {
		return new CanaryContextReader(metrics);
	}

	@Bean
	CanaryContextTaskDecorator canaryContextTaskDecorator() {
		return new CanaryContextTaskDecorator();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	static class MicrometerMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		PropagationMetrics canaryPropagationMetrics(ObjectProvider<MeterRegistry> registry) {
			MeterRegistry meterRegistry = registry.getIfUnique();
			return (meterRegistry != null) ? new MicrometerPropagationMetrics(meterRegistry) : PropagationMetrics.NONE;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass("io.micrometer.core.instrument.MeterRegistry")
	static class NoMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		PropagationMetrics canaryPropagationMetrics() {
			return PropagationMetrics.NONE;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass(name = "jakarta.servlet.Filter")
	static class ServletConfiguration {

		@Bean
		CanaryContextServletFilter canaryContextServletFilter(CanaryContextReader reader) {
			return new CanaryContextServletFilter(reader);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
	static class ReactiveConfiguration {

		@Bean
		CanaryContextWebFilter canaryContextWebFilter(CanaryContextReader reader) {
			return new CanaryContextWebFilter(reader);
		}

	}

	/** Forwarding on {@code @LoadBalanced} clients: needs Spring Cloud Commons. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.cloud.client.loadbalancer.LoadBalanced")
	static class ForwardingConfiguration {

		@Bean
		static LoadBalancedClientsPostProcessor canaryLoadBalancedClientsPostProcessor() {
			return new LoadBalancedClientsPostProcessor();
		}

	}

	/** Version routing: needs Spring Cloud LoadBalancer. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier")
	@LoadBalancerClients(defaultConfiguration = VersionRoutingLoadBalancerConfiguration.class)
	static class VersionRoutingConfiguration {

		@Bean
		VersionRoutingLoadBalancerConfiguration.VersionRouting canaryVersionRouting(
				CanaryPropagationProperties properties, PropagationMetrics metrics) {
			properties.validate();
			return new VersionRoutingLoadBalancerConfiguration.VersionRouting(
					properties.getInstanceMetadataKey().strip(), metrics);
		}

	}

}
