package io.canarygateway.propagation;

import java.util.ArrayList;
import java.util.List;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.util.ClassUtils;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Puts the header forwarding first on every {@code @LoadBalanced} client bean, ahead of
 * the load balancer's own filter or interceptor (which must see the headers to pick an
 * instance) and of the application's: a {@code WebClient.Builder} gets
 * {@link CanaryHeadersExchangeFilterFunction} at the head of its filters, a
 * {@code RestClient.Builder} and a {@code RestTemplate} get
 * {@link CanaryHeadersInterceptor} at the head of their interceptors. Clients that are
 * not {@code @LoadBalanced} are left alone: their calls may leave the system.
 */
class LoadBalancedClientsPostProcessor implements BeanPostProcessor, BeanFactoryAware {

	private static final boolean WEB_CLIENT_PRESENT = ClassUtils.isPresent(
			"org.springframework.web.reactive.function.client.WebClient",
			LoadBalancedClientsPostProcessor.class.getClassLoader());

	private final CanaryHeadersInterceptor interceptor = new CanaryHeadersInterceptor();

	private ConfigurableListableBeanFactory beanFactory;

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		this.beanFactory = (beanFactory instanceof ConfigurableListableBeanFactory listable) ? listable : null;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof RestTemplate restTemplate) {
			if (isLoadBalanced(beanName)) {
				addFirst(restTemplate);
			}
		}
		else if (bean instanceof RestClient.Builder builder) {
			if (isLoadBalanced(beanName)) {
				builder.requestInterceptors(this::addFirst);
			}
		}
		else if (WEB_CLIENT_PRESENT && WebClients.isBuilder(bean) && isLoadBalanced(beanName)) {
			WebClients.addFirst(bean);
		}
		return bean;
	}

	private boolean isLoadBalanced(String beanName) {
		if (this.beanFactory == null) {
			return false;
		}
		try {
			return this.beanFactory.findAnnotationOnBean(beanName, LoadBalanced.class) != null;
		}
		catch (NoSuchBeanDefinitionException ex) { // an inner bean
			return false;
		}
	}

	private void addFirst(RestTemplate restTemplate) {
		List<ClientHttpRequestInterceptor> interceptors = new ArrayList<>(restTemplate.getInterceptors());
		if (interceptors.stream().noneMatch(CanaryHeadersInterceptor.class::isInstance)) {
			interceptors.add(0, this.interceptor);
			// sorts by order: ours (ordered) stays ahead of the load balancer's
			// interceptor, which Spring Cloud adds later the same way
			restTemplate.setInterceptors(interceptors);
		}
	}

	private void addFirst(List<ClientHttpRequestInterceptor> interceptors) {
		if (interceptors.stream().noneMatch(CanaryHeadersInterceptor.class::isInstance)) {
			interceptors.add(0, this.interceptor);
		}
	}

	/** Kept apart so that nothing of WebFlux is loaded without it. */
	private static final class WebClients {

		private static final ExchangeFilterFunction FILTER = new CanaryHeadersExchangeFilterFunction();

		static boolean isBuilder(Object bean) {
			return bean instanceof WebClient.Builder;
		}

		static void addFirst(Object bean) {
			((WebClient.Builder) bean).filters((filters) -> {
				if (filters.stream().noneMatch(CanaryHeadersExchangeFilterFunction.class::isInstance)) {
					filters.add(0, FILTER);
				}
			});
		}

	}

}
