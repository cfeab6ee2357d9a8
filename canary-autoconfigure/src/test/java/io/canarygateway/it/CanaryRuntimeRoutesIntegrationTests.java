package io.canarygateway.it;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.handler.predicate.PredicateDefinition;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteDefinitionWriter;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Routes added while the gateway runs (here through the gateway's route definition
 * repository, as the gateway actuator does) cannot stop startup: a route that breaks a
 * canary route rule is logged at ERROR, once, when the routes are refreshed; and a
 * {@code Canary} filter on a direct URI leaves the route's requests alone rather than
 * sending both lanes to one backend.
 */
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
@ExtendWith(OutputCaptureExtension.class)
class CanaryRuntimeRoutesIntegrationTests {

	private static final String LOGGED = "Invalid canary route (found when the gateway's routes were refreshed): ";

	static final TestBackend backend = new TestBackend("v1", "direct");

	@Autowired
	RouteDefinitionWriter routes;

	@Autowired
	RouteLocator routeLocator;

	@Autowired
	ApplicationEventPublisher publisher;

	@Autowired
	MeterRegistry meters;

	@Autowired
	WebTestClient client;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("canary.releases.orders.stable-version", () -> "v1");
		registry.add("canary.releases.orders.canary-version", () -> "v2");
		registry.add("canary.releases.orders.steps", () -> "50,100");
		// progressing at 50 %, and the judge stays out of it
		registry.add("canary.releases.orders.analysis.interval", () -> "1h");
	}

	@AfterEach
	void removeRoutes() {
		for (String id : List.of("direct", "half-canary", "half-stable")) {
			this.routes.delete(Mono.just(id)).onErrorComplete().block();
		}
		refresh();
	}

	@AfterAll
	static void stopBackend() {
		backend.close();
	}

	@Test
	void canaryFilterOnADirectRouteIsReportedOnceAndLeavesRequestsAlone(CapturedOutput output) {
		add(route("direct", backend.uri(), "Path=/direct/**", "Canary=orders"));
		String problem = LOGGED + "route 'direct': the Canary filter needs a load-balanced route (uri "
				+ "lb://<service>), was uri " + backend.uri() + ": it picks stable or canary instances";
		await().atMost(Duration.ofSeconds(60)).until(() -> output.getAll().contains(problem));
		assertThat(output.getAll()).contains("For direct URIs use the Canary predicate");
		backend.reset();
		for (int i = 0; i < 20; i++) {
			this.client.get()
				.uri("/direct/x")
				.header("X-Canary", (i % 2 == 0) ? "always" : "never")
				.exchange()
				.expectStatus()
				.isOk();
		}
		assertThat(backend.requests()).isEqualTo(20);
		assertThat(backend.lane("null")).as("no lane header reached the backend").isEqualTo(20);
		assertThat(this.meters.find("canary.requests").tag("release", "orders").timers())
			.as("nothing was recorded for the release")
			.allSatisfy((timer) -> assertThat(timer.count()).isZero());
		refresh();
		assertThat(occurrences(output.getAll(), problem)).as("reported once, not at every refresh").isEqualTo(1);
	}

	@Test
	void predicateLaneWithoutItsPartnerIsReportedUntilThePartnerArrives(CapturedOutput output) {
		add(route("half-canary", backend.uri(), "Path=/half/**", null, "Canary=orders, canary"));
		String problem = LOGGED + "route 'half-canary': release 'orders' has a route for its canary lane but none "
				+ "for its stable lane (no route has the predicate Canary=orders, stable)";
		await().atMost(Duration.ofSeconds(60)).until(() -> output.getAll().contains(problem));
		add(route("half-stable", backend.uri(), "Path=/half/**", null, "Canary=orders, stable"));
		assertThat(this.routeLocator.getRoutes().map((route) -> route.getId()).collectList().block())
			.contains("half-canary", "half-stable");
		assertThat(occurrences(output.getAll(), problem)).isEqualTo(1);
		assertThat(output.getAll()).doesNotContain(LOGGED + "route 'half-stable'");
	}

	private void add(RouteDefinition route) {
		this.routes.save(Mono.just(route)).block();
		refresh();
		await().atMost(Duration.ofSeconds(60))
			.until(() -> this.routeLocator.getRoutes()
				.any((built) -> built.getId().equals(route.getId()))
				.block(Duration.ofSeconds(30)));
	}

	/**
	 * What the gateway actuator's refresh does: the gateway rebuilds its routes, at once
	 * for an in-memory repository.
	 */
	private void refresh() {
		this.publisher.publishEvent(new RefreshRoutesEvent(this));
	}

	private static RouteDefinition route(String id, String uri, String path, String filter) {
		return route(id, uri, path, filter, null);
	}

	private static RouteDefinition route(String id, String uri, String path, String filter, String predicate) {
		RouteDefinition route = new RouteDefinition();
		route.setId(id);
		route.setUri(URI.create(uri));
		route.getPredicates().add(new PredicateDefinition(path));
		if (predicate != null) {
			route.getPredicates().add(new PredicateDefinition(predicate));
		}
		if (filter != null) {
			route.getFilters().add(new FilterDefinition(filter));
		}
		return route;
	}

	private static int occurrences(String text, String part) {
		int count = 0;
		for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
			count++;
		}
		return count;
	}

}
