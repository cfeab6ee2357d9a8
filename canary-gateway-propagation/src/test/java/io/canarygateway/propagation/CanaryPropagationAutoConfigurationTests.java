package io.canarygateway.propagation;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

class CanaryPropagationAutoConfigurationTests {

	private final WebApplicationContextRunner servlet = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CanaryPropagationAutoConfiguration.class));

	private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CanaryPropagationAutoConfiguration.class));

	@Test
	void servletApplicationGetsTheFilterTheDecoratorAndVersionRouting() {
		this.servlet.run((context) -> {
			assertThat(context).hasSingleBean(CanaryContextServletFilter.class)
				.doesNotHaveBean(CanaryContextWebFilter.class)
				.hasSingleBean(CanaryContextTaskDecorator.class)
				.hasSingleBean(LoadBalancedClientsPostProcessor.class)
				.hasSingleBean(VersionRoutingLoadBalancerConfiguration.VersionRouting.class);
			assertThat(context.getBean(VersionRoutingLoadBalancerConfiguration.VersionRouting.class).metadataKey())
				.isEqualTo("version");
			// no MeterRegistry: nothing counted, nothing fails
			assertThat(context.getBean(PropagationMetrics.class)).isSameAs(PropagationMetrics.NONE);
		});
	}

	@Test
	void reactiveApplicationGetsTheWebFilter() {
		this.reactive.run((context) -> assertThat(context).hasSingleBean(CanaryContextWebFilter.class)
			.doesNotHaveBean(CanaryContextServletFilter.class));
	}

	@Test
	void theMetadataKeyIsTheGatewaysProperty() {
		this.servlet.withPropertyValues("canary.instance-metadata-key= release ")
			.run((context) -> assertThat(
					context.getBean(VersionRoutingLoadBalancerConfiguration.VersionRouting.class).metadataKey())
				.isEqualTo("release"));
	}

	@Test
	void aBlankMetadataKeyFailsStartupNamingTheProperty() {
		this.servlet.withPropertyValues("canary.instance-metadata-key= ").run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new PropagationConfigurationFailureAnalyzer()
				.analyze(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).contains("canary.instance-metadata-key")
				.contains("must name the service-instance metadata");
			assertThat(analysis.getAction()).contains("canary.instance-metadata-key");
		});
	}

	@Test
	void backsOffWhenDisabled() {
		this.servlet.withPropertyValues("canary.propagation.enabled=false")
			.withUserConfiguration(Clients.class)
			.run((context) -> {
				assertThat(context).doesNotHaveBean(CanaryContextServletFilter.class)
					.doesNotHaveBean(CanaryContextReader.class)
					.doesNotHaveBean(CanaryContextTaskDecorator.class)
					.doesNotHaveBean(LoadBalancedClientsPostProcessor.class)
					.doesNotHaveBean(VersionRoutingLoadBalancerConfiguration.VersionRouting.class);
				assertThat(context.getBean("loadBalanced", RestTemplate.class).getInterceptors()).isEmpty();
			});
	}

	@Test
	void onlyLoadBalancedClientsForwardTheHeaders() {
		this.servlet.withUserConfiguration(Clients.class).run((context) -> {
			assertThat(context.getBean("loadBalanced", RestTemplate.class).getInterceptors()).singleElement()
				.isInstanceOf(CanaryHeadersInterceptor.class);
			assertThat(context.getBean("plain", RestTemplate.class).getInterceptors()).isEmpty();
			context.getBean("loadBalancedRestClient", RestClient.Builder.class)
				.requestInterceptors((interceptors) -> assertThat(interceptors).singleElement()
					.isInstanceOf(CanaryHeadersInterceptor.class));
			context.getBean("plainRestClient", RestClient.Builder.class)
				.requestInterceptors((interceptors) -> assertThat(interceptors).isEmpty());
			context.getBean("loadBalancedWebClient", WebClient.Builder.class)
				.filters((filters) -> assertThat(filters).singleElement()
					.isInstanceOf(CanaryHeadersExchangeFilterFunction.class));
			context.getBean("plainWebClient", WebClient.Builder.class)
				.filters((filters) -> assertThat(filters).isEmpty());
		});
	}

	@Test
	void withoutSpringCloudLoadBalancerItStartsAndOnlyForwardsTheHeaders() {
		try (TestBackend backend = TestBackend.start("direct")) {
			this.servlet.withClassLoader(new FilteredClassLoader("org.springframework.cloud.loadbalancer."))
				.withUserConfiguration(Clients.class)
				.run((context) -> {
					assertThat(context).hasNotFailed()
						.hasSingleBean(CanaryContextServletFilter.class)
						.doesNotHaveBean(VersionRoutingLoadBalancerConfiguration.VersionRouting.class);
					RestTemplate restTemplate = context.getBean("loadBalanced", RestTemplate.class);
					CanaryContextHolder.set(CanaryContext.parse("canary", "payments=v8"));
					try {
						restTemplate.getForObject(backend.uri() + "/pay", String.class);
					}
					finally {
						CanaryContextHolder.clear();
					}
					assertThat(backend.values(CanaryHeaders.LANE)).containsExactly(List.of("canary"));
					assertThat(backend.values(CanaryHeaders.VERSIONS)).containsExactly(List.of("payments=v8"));
				});
		}
	}

	@Test
	void withoutSpringCloudCommonsItStillKeepsTheContext() {
		this.servlet.withClassLoader(new FilteredClassLoader("org.springframework.cloud."))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(CanaryContextServletFilter.class)
				.hasSingleBean(CanaryContextTaskDecorator.class)
				.doesNotHaveBean(LoadBalancedClientsPostProcessor.class));
	}

	@Test
	void withoutMicrometerNothingIsCounted() {
		this.servlet.withClassLoader(new FilteredClassLoader("io.micrometer.core."))
			.run((context) -> assertThat(context.getBean(PropagationMetrics.class)).isSameAs(PropagationMetrics.NONE));
	}

	@Test
	void outsideWebApplicationsOnlyTheDecoratorAndClientsAreConfigured() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(CanaryPropagationAutoConfiguration.class))
			.run((context) -> assertThat(context).hasSingleBean(CanaryContextTaskDecorator.class)
				.doesNotHaveBean(CanaryContextServletFilter.class)
				.doesNotHaveBean(CanaryContextWebFilter.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class Clients {

		@Bean
		@LoadBalanced
		RestTemplate loadBalanced() {
			return new RestTemplate();
		}

		@Bean
		RestTemplate plain() {
			return new RestTemplate();
		}

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClient() {
			return RestClient.builder();
		}

		@Bean
		RestClient.Builder plainRestClient() {
			return RestClient.builder();
		}

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClient() {
			return WebClient.builder();
		}

		@Bean
		WebClient.Builder plainWebClient() {
			return WebClient.builder();
		}

	}

}
