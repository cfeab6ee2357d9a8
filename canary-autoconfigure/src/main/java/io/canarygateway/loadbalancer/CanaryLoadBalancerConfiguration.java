package io.canarygateway.loadbalancer;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.context.annotation.Bean;

/**
 * Default configuration of every load-balancer child context (registered through
 * {@code @LoadBalancerClients(defaultConfiguration = …)}): wraps whatever
 * {@link ServiceInstanceListSupplier} the context builds — Spring's default chain or the
 * application's own — in a {@link VersionAwareServiceInstanceListSupplier}, so version
 * selection is added on top rather than replacing caching, health checks or the
 * configured algorithm. Deliberately not a {@code @Configuration}: it must only ever be
 * picked up by the load balancer's child contexts.
 */
public class CanaryLoadBalancerConfiguration {

	@Bean
	static BeanPostProcessor canaryServiceInstanceListSupplierPostProcessor() {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof ServiceInstanceListSupplier supplier
						&& !(bean instanceof VersionAwareServiceInstanceListSupplier)) {
					return new VersionAwareServiceInstanceListSupplier(supplier);
				}
				return bean;
			}
		};
	}

}
