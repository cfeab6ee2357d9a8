package io.canarygateway.propagation;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.context.annotation.Bean;

/**
 * Default configuration of every load-balancer child context (registered through
 * {@code @LoadBalancerClients(defaultConfiguration = …)}): wraps whatever
 * {@link ServiceInstanceListSupplier} the context builds — Spring's default chain, a
 * preset or the application's own — in a
 * {@link VersionRoutingServiceInstanceListSupplier}, so version routing sits on top of
 * discovery, caching and health checks instead of replacing them. Deliberately not a
 * {@code @Configuration}: only the load balancer's child contexts may pick it up.
 */
public class VersionRoutingLoadBalancerConfiguration {

	@Bean
	static BeanPostProcessor canaryVersionRoutingSupplierPostProcessor(ObjectProvider<VersionRouting> routing) {
		return new BeanPostProcessor() {

			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof ServiceInstanceListSupplier supplier
						&& !(bean instanceof VersionRoutingServiceInstanceListSupplier)) {
					VersionRouting settings = routing.getIfAvailable();
					return (settings != null) ? settings.wrap(supplier) : bean;
				}
				return bean;
			}

		};
	}

	/**
	 * What every service's version routing shares, a bean of the application context.
	 *
	 * @param metadataKey {@code canary.instance-metadata-key}
	 * @param metrics counts fallbacks
	 */
	public record VersionRouting(String metadataKey, PropagationMetrics metrics) {

		ServiceInstanceListSupplier wrap(ServiceInstanceListSupplier supplier) {
			return new VersionRoutingServiceInstanceListSupplier(supplier, this.metadataKey, this.metrics);
		}

	}

}
