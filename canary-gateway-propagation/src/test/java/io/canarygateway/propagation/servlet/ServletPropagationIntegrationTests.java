package io.canarygateway.propagation.servlet;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.micrometer.context.ContextExecutorService;
import io.micrometer.context.ContextSnapshotFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.task.TaskDecorator;
import org.springframework.http.HttpHeaders;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.stereotype.Component;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

import io.canarygateway.propagation.CanaryContext;
import io.canarygateway.propagation.CanaryContextHolder;
import io.canarygateway.propagation.CanaryHeaders;
import io.canarygateway.propagation.TestBackend;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A servlet application calling two real instances of {@code payments} (v1 stable, v2
 * canary) through each kind of load-balanced client, each with an interceptor or filter
 * of the application's own, on the request thread and after thread hops.
 */
@SpringBootTest(classes = ServletPropagationIntegrationTests.ServletApp.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "server.tomcat.threads.max=2",
				"server.tomcat.threads.min-spare=1", "spring.cloud.loadbalancer.cache.enabled=false" })
class ServletPropagationIntegrationTests {

	static final TestBackend V1 = TestBackend.start("v1");

	static final TestBackend V2 = TestBackend.start("v2");

	static final TestBackend THIRD_PARTY = TestBackend.start("third-party");

	static final List<String> CLIENTS = List.of("rest-client", "rest-template", "web-client", "web-client-hop", "async",
			"executor", "callable");

	@DynamicPropertySource
	static void payments(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.discovery.client.simple.instances.payments[0].uri", V1::uri);
		registry.add("spring.cloud.discovery.client.simple.instances.payments[0].metadata.version", () -> "v1");
		registry.add("spring.cloud.discovery.client.simple.instances.payments[1].uri", V2::uri);
		registry.add("spring.cloud.discovery.client.simple.instances.payments[1].metadata.version", () -> "v2");
		registry.add("third-party.uri", THIRD_PARTY::uri);
	}

	@AfterAll
	static void stopBackends() {
		V1.close();
		V2.close();
		THIRD_PARTY.close();
	}

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry meterRegistry;

	@Autowired
	AtomicInteger userDecorations;

	RestClient client;

	@BeforeEach
	void setUp() {
		this.client = RestClient.builder().baseUrl("http://localhost:" + this.port).build();
		V1.clear();
		V2.clear();
		THIRD_PARTY.clear();
	}

	@ParameterizedTest
	@ValueSource(strings = { "rest-client", "rest-template", "web-client", "web-client-hop", "async", "executor",
			"callable" })
	void canaryLaneReachesTheNamedVersionAndForwardsBothHeadersOnce(String clientType) {
		for (int i = 0; i < 6; i++) {
			assertThat(call(clientType, "canary", "orders=v9,payments=v2")).isEqualTo("v2");
		}
		assertThat(V1.requests()).isEmpty();
		assertThat(V2.values(CanaryHeaders.LANE)).hasSize(6).allMatch(List.of("canary")::equals);
		assertThat(V2.values(CanaryHeaders.VERSIONS)).allMatch(List.of("orders=v9,payments=v2")::equals);
		assertThat(V2.values("X-User")).allMatch((values) -> values.size() == 1);
	}

	@ParameterizedTest
	@ValueSource(strings = { "rest-client", "rest-template", "web-client", "web-client-hop", "async", "executor",
			"callable" })
	void stableLaneNeverReachesTheCanary(String clientType) {
		for (int i = 0; i < 6; i++) {
			assertThat(call(clientType, "stable", "payments=v1")).isEqualTo("v1");
		}
		assertThat(V2.requests()).isEmpty();
		assertThat(V1.values(CanaryHeaders.LANE)).hasSize(6).allMatch(List.of("stable")::equals);
		assertThat(V1.values(CanaryHeaders.VERSIONS)).allMatch(List.of("payments=v1")::equals);
	}

	@ParameterizedTest
	@ValueSource(strings = { "rest-client", "rest-template", "web-client", "web-client-hop", "async", "executor",
			"callable" })
	void withoutLaneHeadersTheLoadBalancingIsUntouched(String clientType) {
		Set<String> reached = IntStream.range(0, 6)
			.mapToObj((i) -> call(clientType, null, null))
			.collect(Collectors.toSet());
		assertThat(reached).containsExactlyInAnyOrder("v1", "v2");
		// nothing added: only what the application itself set (the "bogus" lane)
		assertThat(V1.values(CanaryHeaders.VERSIONS)).allMatch(List::isEmpty);
		assertThat(V2.values(CanaryHeaders.VERSIONS)).allMatch(List::isEmpty);
		assertThat(V2.values(CanaryHeaders.LANE))
			.allMatch((values) -> values.isEmpty() || values.equals(List.of("bogus")));
	}

	@Test
	void aServiceTheHeaderDoesNotNameIsBalancedAsUsual() {
		Set<String> reached = IntStream.range(0, 6)
			.mapToObj((i) -> call("rest-client", "stable", "orders=v1"))
			.collect(Collectors.toSet());
		assertThat(reached).containsExactlyInAnyOrder("v1", "v2");
		assertThat(V2.values(CanaryHeaders.VERSIONS)).allMatch(List.of("orders=v1")::equals);
	}

	@Test
	void aCanaryVersionWithNoInstanceUpFallsBackAndIsCounted() {
		double before = fallbacks("v3");
		for (int i = 0; i < 4; i++) {
			assertThat(call("rest-client", "canary", "payments=v3")).isIn("v1", "v2");
		}
		assertThat(fallbacks("v3") - before).isEqualTo(4);
	}

	@Test
	void malformedHeadersAreIgnoredAndCounted() {
		double before = malformed();
		Set<String> reached = IntStream.range(0, 6)
			.mapToObj((i) -> call("rest-client", "canary", "payments=v2,,"))
			.collect(Collectors.toSet());
		assertThat(reached).containsExactlyInAnyOrder("v1", "v2");
		assertThat(malformed() - before).isEqualTo(6);
		assertThat(V2.values(CanaryHeaders.VERSIONS)).allMatch(List::isEmpty);
		assertThat(call("rest-client", "sideways", "payments=v2")).isIn("v1", "v2");
		assertThat(malformed() - before).isEqualTo(7);
	}

	@Test
	void callsToOtherHostsNeverCarryTheHeaders() {
		assertThat(call("third-party", "canary", "payments=v2")).isEqualTo("third-party");
		assertThat(THIRD_PARTY.values(CanaryHeaders.LANE)).containsExactly(List.of());
		assertThat(THIRD_PARTY.values(CanaryHeaders.VERSIONS)).containsExactly(List.of());
	}

	@Test
	void asyncTasksAreDecoratedByTheApplicationsDecoratorToo() {
		int before = this.userDecorations.get();
		assertThat(call("async", "canary", "payments=v2")).isEqualTo("v2");
		assertThat(this.userDecorations.get()).isGreaterThan(before);
	}

	@Test
	void theContextEndsWithTheRequest() {
		// two worker threads: the requests without headers run on threads that served
		// canary requests before
		for (int i = 0; i < 10; i++) {
			assertThat(context("canary", "payments=v2")).isEqualTo("canary");
			assertThat(context(null, null)).isEqualTo("none");
		}
	}

	private String call(String clientType, String lane, String versions) {
		return this.client.get().uri("/call/{client}", clientType).headers((headers) -> {
			if (lane != null) {
				headers.set(CanaryHeaders.LANE, lane);
			}
			if (versions != null) {
				headers.set(CanaryHeaders.VERSIONS, versions);
			}
		}).retrieve().body(String.class);
	}

	private String context(String lane, String versions) {
		return this.client.get().uri("/context").headers((headers) -> {
			if (lane != null) {
				headers.set(CanaryHeaders.LANE, lane);
				headers.set(CanaryHeaders.VERSIONS, versions);
			}
		}).retrieve().body(String.class);
	}

	private double fallbacks(String version) {
		var counter = this.meterRegistry.find("canary.propagation.fallback")
			.tags("service", "payments", "version", version, "lane", "canary")
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private double malformed() {
		var counter = this.meterRegistry.find("canary.propagation.malformed").counter();
		return (counter != null) ? counter.count() : 0;
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@EnableAsync
	@Import({ CallsController.class, AsyncPayments.class })
	static class ServletApp {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		AtomicInteger userDecorations() {
			return new AtomicInteger();
		}

		/**
		 * The application's own decorator: Boot must apply it along with the module's.
		 */
		@Bean
		TaskDecorator userTaskDecorator(AtomicInteger userDecorations) {
			return (runnable) -> {
				userDecorations.incrementAndGet();
				return runnable;
			};
		}

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClientBuilder() {
			return RestClient.builder().requestInterceptor((request, body, execution) -> {
				request.getHeaders().add("X-User", "rest-client");
				return execution.execute(request, body);
			});
		}

		@Bean
		@LoadBalanced
		RestTemplate loadBalancedRestTemplate() {
			RestTemplate restTemplate = new RestTemplate();
			restTemplate.getInterceptors().add((request, body, execution) -> {
				request.getHeaders().add("X-User", "rest-template");
				return execution.execute(request, body);
			});
			return restTemplate;
		}

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder()
				.filter((request, next) -> next
					.exchange(org.springframework.web.reactive.function.client.ClientRequest.from(request)
						.header("X-User", "web-client")
						.build()));
		}

	}

	@Component
	static class AsyncPayments {

		private final RestClient restClient;

		AsyncPayments(RestClient.Builder loadBalancedRestClientBuilder) {
			this.restClient = loadBalancedRestClientBuilder.build();
		}

		@Async
		public CompletableFuture<String> pay() {
			return CompletableFuture.completedFuture(PaymentsCalls
				.version(this.restClient.get().uri("http://payments/pay").retrieve().body(String.class)));
		}

	}

	@RestController
	static class CallsController {

		private final RestClient restClient;

		private final RestTemplate restTemplate;

		private final WebClient webClient;

		private final RestClient thirdParty;

		private final AsyncPayments asyncPayments;

		private final ExecutorService pool = ContextExecutorService.wrap(Executors.newFixedThreadPool(2),
				() -> ContextSnapshotFactory.builder().build().captureAll());

		CallsController(RestClient.Builder loadBalancedRestClientBuilder, RestTemplate loadBalancedRestTemplate,
				WebClient.Builder loadBalancedWebClientBuilder, AsyncPayments asyncPayments,
				org.springframework.core.env.Environment environment) {
			this.restClient = loadBalancedRestClientBuilder.build();
			this.restTemplate = loadBalancedRestTemplate;
			this.webClient = loadBalancedWebClientBuilder.build();
			this.thirdParty = RestClient.create(environment.getRequiredProperty("third-party.uri"));
			this.asyncPayments = asyncPayments;
		}

		@GetMapping("/call/rest-client")
		String restClient() {
			// a value set by the caller is replaced, not added to
			return PaymentsCalls.version(this.restClient.get()
				.uri("http://payments/pay")
				.header(CanaryHeaders.LANE, "bogus")
				.retrieve()
				.body(String.class));
		}

		@GetMapping("/call/rest-template")
		String restTemplate() {
			return PaymentsCalls.version(this.restTemplate.getForObject("http://payments/pay", String.class));
		}

		@GetMapping("/call/web-client")
		Mono<String> webClient() {
			return this.webClient.get()
				.uri("http://payments/pay")
				.header(CanaryHeaders.LANE, "bogus")
				.retrieve()
				.bodyToMono(String.class)
				.map(PaymentsCalls::version);
		}

		@GetMapping("/call/web-client-hop")
		Mono<String> webClientAfterHop() {
			return Mono.delay(Duration.ofMillis(1))
				.publishOn(Schedulers.boundedElastic())
				.flatMap((tick) -> this.webClient.get().uri("http://payments/pay").retrieve().bodyToMono(String.class))
				.map(PaymentsCalls::version);
		}

		@GetMapping("/call/async")
		CompletableFuture<String> async() {
			return this.asyncPayments.pay();
		}

		@GetMapping("/call/executor")
		CompletableFuture<String> executor() {
			return CompletableFuture.supplyAsync(
					() -> PaymentsCalls.version(this.restTemplate.getForObject("http://payments/pay", String.class)),
					this.pool);
		}

		@GetMapping("/call/callable")
		Callable<String> callable() {
			return () -> PaymentsCalls
				.version(this.restClient.get().uri("http://payments/pay").retrieve().body(String.class));
		}

		@GetMapping("/call/third-party")
		String thirdParty() {
			return PaymentsCalls.version(this.thirdParty.get().uri("/anything").retrieve().body(String.class));
		}

		@GetMapping("/context")
		String context() {
			CanaryContext context = CanaryContextHolder.get();
			return (context != null) ? context.laneHeader() : "none";
		}

	}

	static final class PaymentsCalls {

		/** {@code {"version":"v2"}} → {@code v2}. */
		static String version(String body) {
			int start = body.indexOf(":\"") + 2;
			return body.substring(start, body.indexOf('"', start));
		}

	}

}
