package io.canarygateway.sample.services;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.random.RandomGenerator;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.ConfigurationPropertiesAutoConfiguration;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.reactor.autoconfigure.ReactorAutoConfiguration;
import org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.error.ErrorWebFluxAutoConfiguration;
import org.springframework.cloud.client.discovery.composite.reactive.ReactiveCompositeDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClientAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.cloud.client.loadbalancer.reactive.LoadBalancerBeanPostProcessorAutoConfiguration;
import org.springframework.cloud.client.loadbalancer.reactive.ReactorLoadBalancerClientAutoConfiguration;
import org.springframework.cloud.commons.util.UtilAutoConfiguration;
import org.springframework.cloud.loadbalancer.config.LoadBalancerAutoConfiguration;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.WebFilter;

import io.canarygateway.propagation.CanaryPropagationAutoConfiguration;

/**
 * A demo service that runs as any version ({@code --version=v2}), with fault knobs; see
 * README.md.
 * <p>
 * It imports an explicit list of auto-configurations instead of
 * {@code @EnableAutoConfiguration}, and {@link SampleServiceDefaults} keeps it from
 * reading a host's {@code application.yml}: integration tests of the gateway start it
 * in-process, where the class path also holds Spring Cloud Gateway, Spring Security and
 * the canary library, none of which must configure this service.
 * <p>
 * Everything is per application context, so several instances can run in one JVM.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@ImportAutoConfiguration({ PropertyPlaceholderAutoConfiguration.class, ConfigurationPropertiesAutoConfiguration.class,
		LifecycleAutoConfiguration.class, SslAutoConfiguration.class, JacksonAutoConfiguration.class,
		CodecsAutoConfiguration.class, ReactorAutoConfiguration.class, NettyReactiveWebServerAutoConfiguration.class,
		HttpHandlerAutoConfiguration.class, WebFluxAutoConfiguration.class, ErrorWebFluxAutoConfiguration.class,
		// the checkout call: discovery (simple: instances from properties), the load
		// balancer, and the lane propagation
		UtilAutoConfiguration.class, SimpleReactiveDiscoveryClientAutoConfiguration.class,
		ReactiveCompositeDiscoveryClientAutoConfiguration.class, LoadBalancerAutoConfiguration.class,
		LoadBalancerBeanPostProcessorAutoConfiguration.class, ReactorLoadBalancerClientAutoConfiguration.class,
		CanaryPropagationAutoConfiguration.class })
@EnableConfigurationProperties(SampleProperties.class)
public class SampleServiceApplication {

	private static final Log logger = LogFactory.getLog(SampleServiceApplication.class);

	public static void main(String[] args) {
		SpringApplication.run(SampleServiceApplication.class, args);
	}

	/**
	 * The randomness behind injected failures and jitter. Seeded when
	 * {@code sample.random-seed} is set; a test may replace it with a {@code @Primary}
	 * bean of its own.
	 */
	@Bean
	RandomGenerator sampleRandomGenerator(SampleProperties properties) {
		return (properties.randomSeed() != null) ? new SplittableRandom(properties.randomSeed())
				: new SplittableRandom();
	}

	/**
	 * Event loops of this instance alone. With Boot's default (Reactor Netty's global
	 * resources), closing one instance would dispose the loops and connection pool that
	 * every other server and client in the JVM shares, e.g. a gateway under test and the
	 * other sample instances.
	 */
	@Bean
	ReactorResourceFactory sampleReactorResourceFactory() {
		ReactorResourceFactory factory = new ReactorResourceFactory();
		factory.setUseGlobalResources(false);
		factory.setShutdownQuietPeriod(Duration.ZERO);
		return factory;
	}

	/**
	 * Completes every exchange off the event loop. Reactor Netty 1.3.6 stops reading a
	 * keep-alive connection when a request that arrived while the previous exchange was
	 * still terminating is answered synchronously (reactor/reactor-netty#4361): the
	 * client's next request on that connection is never read. An injected latency makes
	 * the previous exchange end late and the control endpoints answer synchronously, so
	 * the demo and the gateway's tests would hit it; an asynchronous completion never
	 * takes that path.
	 */
	@Bean
	WebFilter sampleAsynchronousCompletion() {
		return (exchange, chain) -> chain.filter(exchange).subscribeOn(Schedulers.parallel());
	}

	@Bean
	FaultInjector faultInjector(SampleProperties properties, RandomGenerator random) {
		return new FaultInjector(properties.faults().toSettings(), random);
	}

	@Bean
	RequestStats requestStats() {
		return new RequestStats();
	}

	/**
	 * The client of the checkout call: load-balanced, so the propagation module routes it
	 * by the request's lane; on this instance's own event loops.
	 */
	@Bean
	@LoadBalanced
	WebClient.Builder sampleLoadBalancedWebClientBuilder(ReactorResourceFactory resources) {
		return WebClient.builder().clientConnector(new ReactorClientHttpConnector(resources, Function.identity()));
	}

	@Bean
	SampleHandler sampleHandler(SampleProperties properties, FaultInjector faults, RequestStats stats,
			JsonMapper jsonMapper, WebClient.Builder sampleLoadBalancedWebClientBuilder) {
		CheckoutCall checkout = properties.checksOut()
				? new CheckoutCall(sampleLoadBalancedWebClientBuilder.build(), properties.checkoutService()) : null;
		return new SampleHandler(properties, faults, stats, jsonMapper, checkout);
	}

	@Bean
	RouterFunction<ServerResponse> sampleRoutes(SampleHandler handler) {
		return handler.routes();
	}

	@Bean
	ApplicationListener<ApplicationReadyEvent> sampleStartupMessage(SampleProperties properties) {
		return (event) -> logger.info("Sample service '" + properties.serviceName() + "' " + properties.version()
				+ " (instance " + properties.instanceId() + ") listening on port "
				+ event.getApplicationContext().getEnvironment().getProperty("local.server.port") + ", faults "
				+ properties.faults().toSettings());
	}

}
