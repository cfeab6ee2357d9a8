package io.canarygateway.propagation.reactive;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
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
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.WebClient;

import io.canarygateway.propagation.CanaryContext;
import io.canarygateway.propagation.CanaryContextHolder;
import io.canarygateway.propagation.CanaryHeaders;
import io.canarygateway.propagation.TestBackend;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reactive application (Reactor's default, limited context propagation) calling two
 * real instances of {@code payments} (v1 stable, v2 canary): {@code WebClient} on the
 * event loop and after hops to other schedulers, and the blocking clients inside
 * {@code handle} on a worker thread, each client with a filter or interceptor of the
 * application's own.
 */
@SpringBootTest(classes = ReactivePropagationIntegrationTests.ReactiveApp.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "spring.main.web-application-type=reactive", "spring.cloud.loadbalancer.cache.enabled=false" })
class ReactivePropagationIntegrationTests {

	static final TestBackend V1 = TestBackend.start("v1");

	static final TestBackend V2 = TestBackend.start("v2");

	@DynamicPropertySource
	static void payments(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.discovery.client.simple.instances.payments[0].uri", V1::uri);
		registry.add("spring.cloud.discovery.client.simple.instances.payments[0].metadata.version", () -> "v1");
		registry.add("spring.cloud.discovery.client.simple.instances.payments[1].uri", V2::uri);
		registry.add("spring.cloud.discovery.client.simple.instances.payments[1].metadata.version", () -> "v2");
	}

	@AfterAll
	static void stopBackends() {
		V1.close();
		V2.close();
	}

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry meterRegistry;

	RestClient client;

	@BeforeEach
	void setUp() {
		this.client = RestClient.builder().baseUrl("http://localhost:" + this.port).build();
		V1.clear();
		V2.clear();
	}

	@ParameterizedTest
	@ValueSource(strings = { "web-client", "web-client-hops", "web-client-fan-out", "rest-client", "rest-template" })
	void canaryLaneReachesTheNamedVersionAndForwardsBothHeadersOnce(String clientType) {
		for (int i = 0; i < 6; i++) {
			assertThat(call(clientType, "canary", "payments=v2,orders=v9")).isEqualTo("v2");
		}
		assertThat(V1.requests()).isEmpty();
		assertThat(V2.values(CanaryHeaders.LANE)).allMatch(List.of("canary")::equals);
		assertThat(V2.values(CanaryHeaders.VERSIONS)).allMatch(List.of("payments=v2,orders=v9")::equals);
		assertThat(V2.values("X-User")).isNotEmpty().allMatch((values) -> values.size() == 1);
	}

	@ParameterizedTest
	@ValueSource(strings = { "web-client", "web-client-hops", "web-client-fan-out", "rest-client", "rest-template" })
	void stableLaneNeverReachesTheCanary(String clientType) {
		for (int i = 0; i < 6; i++) {
			assertThat(call(clientType, "stable", "payments=v1")).isEqualTo("v1");
		}
		assertThat(V2.requests()).isEmpty();
		assertThat(V1.values(CanaryHeaders.LANE)).allMatch(List.of("stable")::equals);
	}

	@ParameterizedTest
	@ValueSource(strings = { "web-client", "web-client-hops", "rest-client", "rest-template" })
	void withoutLaneHeadersTheLoadBalancingIsUntouched(String clientType) {
		Set<String> reached = IntStream.range(0, 6)
			.mapToObj((i) -> call(clientType, null, null))
			.collect(Collectors.toSet());
		assertThat(reached).containsExactlyInAnyOrder("v1", "v2");
		assertThat(V1.values(CanaryHeaders.VERSIONS)).allMatch(List::isEmpty);
		assertThat(V2.values(CanaryHeaders.VERSIONS)).allMatch(List::isEmpty);
	}

	@Test
	void aCanaryVersionWithNoInstanceUpFallsBackAndIsCounted() {
		double before = count("canary.propagation.fallback");
		for (int i = 0; i < 4; i++) {
			assertThat(call("web-client", "canary", "payments=v3")).isIn("v1", "v2");
		}
		assertThat(count("canary.propagation.fallback") - before).isEqualTo(4);
	}

	@Test
	void malformedHeadersAreIgnoredAndCounted() {
		double before = count("canary.propagation.malformed");
		Set<String> reached = IntStream.range(0, 6)
			.mapToObj((i) -> call("web-client", "canary", "payments=v2;orders=v1"))
			.collect(Collectors.toSet());
		assertThat(reached).containsExactlyInAnyOrder("v1", "v2");
		assertThat(count("canary.propagation.malformed") - before).isEqualTo(6);
		assertThat(V2.values(CanaryHeaders.VERSIONS)).allMatch(List::isEmpty);
	}

	@Test
	void blockingCodeInHandleSeesTheContextOfItsOwnRequestOnly() {
		for (int i = 0; i < 10; i++) {
			assertThat(this.client.get()
				.uri("/context")
				.header(CanaryHeaders.LANE, "canary")
				.header(CanaryHeaders.VERSIONS, "payments=v2")
				.retrieve()
				.body(String.class)).isEqualTo("canary");
			assertThat(this.client.get().uri("/context").retrieve().body(String.class)).isEqualTo("none");
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

	private double count(String name) {
		return this.meterRegistry.find(name).counters().stream().mapToDouble((counter) -> counter.count()).sum();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(CallsController.class)
	static class ReactiveApp {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder()
				.filter((request, next) -> next
					.exchange(ClientRequest.from(request).header("X-User", "web-client").build()));
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

	}

	@RestController
	static class CallsController {

		private final WebClient webClient;

		private final RestClient restClient;

		private final RestTemplate restTemplate;

		CallsController(WebClient.Builder loadBalancedWebClientBuilder,
				RestClient.Builder loadBalancedRestClientBuilder, RestTemplate loadBalancedRestTemplate) {
			this.webClient = loadBalancedWebClientBuilder.build();
			this.restClient = loadBalancedRestClientBuilder.build();
			this.restTemplate = loadBalancedRestTemplate;
		}

		@GetMapping("/call/web-client")
		Mono<String> webClient() {
			return pay().map(CallsController::version);
		}

		@GetMapping("/call/web-client-hops")
		Mono<String> webClientAfterHops() {
			return Mono.delay(Duration.ofMillis(1))
				.publishOn(Schedulers.boundedElastic())
				.flatMap((tick) -> pay())
				.publishOn(Schedulers.parallel())
				.map(CallsController::version);
		}

		@GetMapping("/call/web-client-fan-out")
		Mono<String> webClientFanOut() {
			return Flux.range(0, 3)
				.parallel()
				.runOn(Schedulers.parallel())
				.flatMap((i) -> pay())
				.sequential()
				.map(CallsController::version)
				.distinct()
				.collectList()
				.map((versions) -> String.join("+", versions));
		}

		/**
		 * A blocking client in a reactive application: on a worker thread, inside
		 * {@code handle}, where Reactor restores the context into the thread.
		 */
		@GetMapping("/call/rest-client")
		Mono<String> restClient() {
			return Mono.just("go")
				.publishOn(Schedulers.boundedElastic())
				.<String>handle((go, sink) -> sink
					.next(this.restClient.get().uri("http://payments/pay").retrieve().body(String.class)))
				.map(CallsController::version);
		}

		@GetMapping("/call/rest-template")
		Mono<String> restTemplate() {
			return Mono.just("go")
				.publishOn(Schedulers.boundedElastic())
				.<String>handle(
						(go, sink) -> sink.next(this.restTemplate.getForObject("http://payments/pay", String.class)))
				.map(CallsController::version);
		}

		@GetMapping("/context")
		Mono<String> context() {
			return Mono.just("go").handle((go, sink) -> {
				CanaryContext context = CanaryContextHolder.get();
				sink.next((context != null) ? context.laneHeader() : "none");
			});
		}

		private Mono<String> pay() {
			return this.webClient.get()
				.uri("http://payments/pay")
				.header(CanaryHeaders.LANE, "bogus")
				.retrieve()
				.bodyToMono(String.class);
		}

		static String version(String body) {
			int start = body.indexOf(":\"") + 2;
			return body.substring(start, body.indexOf('"', start));
		}

	}

}
