package io.canarygateway.autoconfigure;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.cloud.gateway.support.ipresolver.RemoteAddressResolver;
import org.springframework.cloud.loadbalancer.annotation.LoadBalancerClients;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.canarygateway.actuate.CanaryEndpoint;
import io.canarygateway.actuate.CanaryEndpointContentTypeFilter;
import io.canarygateway.actuate.CrossSiteWriteFilter;
import io.canarygateway.analysis.Analyst;
import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.analysis.Recorders;
import io.canarygateway.analysis.TrafficHistory;
import io.canarygateway.breaker.CanaryBreakerMetrics;
import io.canarygateway.breaker.CanaryBreakers;
import io.canarygateway.breaker.ResilienceKillSwitch;
import io.canarygateway.control.AnalysisLoop;
import io.canarygateway.control.DiscoveryTrigger;
import io.canarygateway.control.Probe;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.control.ReleaseProbes;
import io.canarygateway.control.TransitionListener;
import io.canarygateway.core.Bucketer;
import io.canarygateway.core.Decider;
import io.canarygateway.core.KeyHasher;
import io.canarygateway.core.ReleaseConfig;
import io.canarygateway.core.StepSchedule;
import io.canarygateway.core.StickyKeyGenerator;
import io.canarygateway.core.Trigger;
import io.canarygateway.core.Webhook;
import io.canarygateway.event.CanaryTransitionEvent;
import io.canarygateway.loadbalancer.CanaryLoadBalancerConfiguration;
import io.canarygateway.metrics.CanaryMetrics;
import io.canarygateway.prometheus.PrometheusClient;
import io.canarygateway.prometheus.PrometheusProbe;
import io.canarygateway.routing.CanaryExchangeHandler;
import io.canarygateway.routing.CanaryGatewayFilterFactory;
import io.canarygateway.routing.CanaryObservationFilter;
import io.canarygateway.routing.CanaryPredicateRoutesFilter;
import io.canarygateway.routing.CanaryRoutePredicateFactory;
import io.canarygateway.routing.LaneHeaderFilter;
import io.canarygateway.routing.RoutedRelease;
import io.canarygateway.routing.RoutedReleases;
import io.canarygateway.store.InMemoryReleaseStore;
import io.canarygateway.store.ReleaseRecordCodec;
import io.canarygateway.store.ReleaseStore;
import io.canarygateway.store.file.FileReleaseStore;
import io.canarygateway.webhook.WebhookClient;
import io.canarygateway.webhook.WebhookNotifier;
import io.canarygateway.webhook.WebhookProbe;

/**
 * Wires Canary Gateway into a Spring Cloud Gateway (server-webflux) application: releases
 * from {@code canary.*}, their store, breakers, controller and analysis loop, the
 * {@code Canary} route predicate and filter, the version-aware load balancer, metrics and
 * the {@code canary} endpoint. Wiring only: the logic lives in the packages it imports.
 */
@AutoConfiguration
@ConditionalOnClass(GlobalFilter.class)
@ConditionalOnProperty(prefix = CanaryProperties.PREFIX, name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties({ CanaryProperties.class, CanarySecurityProperties.class })
@LoadBalancerClients(defaultConfiguration = CanaryLoadBalancerConfiguration.class)
public class CanaryAutoConfiguration {

	/**
	 * The time of every transition, look and outage; an application's own {@code Clock}
	 * bean replaces it.
	 */
	@Bean
	@ConditionalOnMissingBean
	Clock canaryClock() {
		return Clock.systemUTC();
	}

	@Bean
	CanaryReleaseConfigs canaryReleaseConfigs(CanaryProperties properties) {
		return new CanaryReleaseConfigs(ReleaseConfigs.resolve(properties));
	}

	/**
	 * The record format of the durable stores; reads records of the previous format with
	 * the configured stable version of their release.
	 */
	@Bean
	@ConditionalOnMissingBean
	ReleaseRecordCodec canaryReleaseRecordCodec(CanaryReleaseConfigs configs) {
		Map<String, String> stable = new HashMap<>();
		configs.releases().forEach((config) -> stable.put(config.name(), config.stableVersion()));
		return new ReleaseRecordCodec(stable::get);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnProperty(prefix = CanaryProperties.PREFIX, name = "store.type", havingValue = "memory")
	ReleaseStore canaryReleaseStore() {
		return new InMemoryReleaseStore();
	}

	@Bean
	@ConditionalOnMissingBean
	Decider canaryDecider() {
		return new Decider(new Bucketer(KeyHasher.MURMUR3),
				() -> ThreadLocalRandom.current().nextInt(Bucketer.BUCKETS));
	}

	/**
	 * The keys given in sticky cookies: from a {@link SecureRandom}, so that one key says
	 * nothing about another.
	 */
	@Bean
	@ConditionalOnMissingBean
	StickyKeyGenerator canaryStickyKeyGenerator() {
		return new StickyKeyGenerator(new SecureRandom());
	}

	@Bean
	CanaryMetrics canaryMetrics(ObjectProvider<MeterRegistry> meterRegistry) {
		return new CanaryMetrics(meterRegistry.getIfAvailable(CompositeMeterRegistry::new));
	}

	/**
	 * The thread that runs the analysis and the rollbacks breakers call for. Deliberately
	 * not a bean of an executor type: Spring Boot backs off its own
	 * {@code applicationTaskExecutor} and {@code taskScheduler} when one exists.
	 */
	@Bean(destroyMethod = "close")
	CanaryAnalysisThread canaryAnalysisThread() {
		return new CanaryAnalysisThread(Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "canary-analysis");
			thread.setDaemon(true);
			return thread;
		}));
	}

	@Bean
	Recorders canaryRecorders(ReleaseController controller) {
		Map<String, Set<String>> services = new LinkedHashMap<>();
		controller.releases().forEach((name, release) -> services.put(name, release.config().services()));
		return new Recorders(controller.releases().keySet(), services);
	}

	@Bean
	TrafficHistory canaryTrafficHistory() {
		return new TrafficHistory();
	}

	/** Each release's webhooks and metric checks, validated. */
	@Bean
	ReleaseIntegrations canaryReleaseIntegrations(CanaryProperties properties) {
		return ReleaseIntegrations.resolve(properties);
	}

	/** Makes the webhook calls, on event loops of its own. */
	@Bean(destroyMethod = "close")
	WebhookClient canaryWebhookClient(ObjectProvider<MeterRegistry> meterRegistry) {
		return new WebhookClient(meterRegistry.getIfAvailable(CompositeMeterRegistry::new));
	}

	/** Asks Prometheus for the metric checks, on event loops of its own. */
	@Bean(destroyMethod = "close")
	PrometheusClient canaryPrometheusClient() {
		return new PrometheusClient();
	}

	@Bean(initMethod = "start", destroyMethod = "close")
	@ConditionalOnMissingBean
	ReleaseController canaryReleaseController(CanaryReleaseConfigs configs, ReleaseStore store,
			ObjectProvider<CircuitBreakerRegistry> registries, ObjectProvider<MeterRegistry> meterRegistry,
			CanaryMetrics metrics, ApplicationEventPublisher publisher, Clock clock, CanaryAnalysisThread thread,
			ReleaseIntegrations integrations, WebhookClient webhooks) {
		CircuitBreakerRegistry applicationRegistry = registries.getIfAvailable();
		CircuitBreakerRegistry registry = (applicationRegistry != null) ? applicationRegistry
				: CircuitBreakerRegistry.ofDefaults();
		// an application registry is bound to Micrometer by whoever made it (e.g.
		// resilience4j-spring-boot4)
		MeterRegistry meters = (applicationRegistry == null) ? meterRegistry.getIfAvailable() : null;
		List<TransitionListener> listeners = List.of(metrics,
				(status, transition) -> publisher.publishEvent(new CanaryTransitionEvent(this, status, transition)),
				new WebhookNotifier(integrations.webhooks(), webhooks));
		// a release with pre-rollout hooks begins each rollout at weight 0
		Function<ReleaseConfig, StepSchedule> schedules = (
				config) -> integrations.webhooks(config.name(), Webhook.Type.PRE_ROLLOUT).isEmpty() ? config.schedule()
						: config.schedule().withPreRollout();
		return new ReleaseController(configs.releases(), schedules, store, (release, listener) -> {
			CircuitBreaker breaker = CanaryBreakers.breaker(registry, release);
			CanaryBreakerMetrics breakerMetrics = (meters != null) ? CanaryBreakerMetrics.bind(breaker, meters) : null;
			return new ResilienceKillSwitch(breaker, clock, listener, breakerMetrics);
		}, clock, thread.executor(), listeners);
	}

	@Bean(initMethod = "start", destroyMethod = "close")
	AnalysisLoop canaryAnalysisLoop(ReleaseController controller, Recorders recorders, TrafficHistory history,
			CanaryMetrics metrics, ObjectProvider<FleetWindows> fleetWindows, Clock clock, CanaryAnalysisThread thread,
			ReleaseIntegrations integrations, WebhookClient webhooks, PrometheusClient prometheus) {
		FleetWindows fleet = fleetWindows.getIfAvailable(() -> FleetWindows.LOCAL);
		return new AnalysisLoop(controller, recorders, history, (release) -> new Analyst(release, fleet),
				(release) -> probes(release, integrations, webhooks, prometheus), clock, thread.executor(),
				metrics::verdict);
	}

	/** A release's webhooks gates and checks, and its metric checks. */
	private static ReleaseProbes probes(ReleaseConfig release, ReleaseIntegrations integrations, WebhookClient webhooks,
			PrometheusClient prometheus) {
		Function<Webhook.Type, List<Probe>> hooks = (type) -> integrations.webhooks(release.name(), type)
			.stream()
			.map((hook) -> (Probe) new WebhookProbe(release.name(), hook, webhooks))
			.toList();
		List<Probe> checks = new ArrayList<>(hooks.apply(Webhook.Type.STEP));
		integrations.metrics(release.name())
			.forEach((check) -> checks
				.add(new PrometheusProbe(release.name(), check, release.analysis().interval(), prometheus)));
		return new ReleaseProbes(hooks.apply(Webhook.Type.PRE_ROLLOUT), checks,
				hooks.apply(Webhook.Type.CONFIRM_PROMOTION));
	}

	/**
	 * Starts rollouts of new versions found among the instances of releases with
	 * {@code trigger: discovery}; needs the application's {@link ReactiveDiscoveryClient}
	 * (the one the gateway's load balancer asks).
	 */
	@Bean(destroyMethod = "close")
	DiscoveryTrigger canaryDiscoveryTrigger(ReleaseController controller, CanaryReleaseConfigs configs,
			ObjectProvider<RouteLocator> routes, ObjectProvider<ReactiveDiscoveryClient> discovery,
			CanaryProperties properties, Clock clock) {
		ReactiveDiscoveryClient client = discovery.getIfAvailable();
		if (client == null && DiscoveryTrigger.anyDiscovery(configs.releases())) {
			List<String> problems = new ArrayList<>();
			configs.releases()
				.stream()
				.filter((config) -> config.trigger() == Trigger.DISCOVERY)
				.forEach((config) -> problems.add(CanaryProperties.PREFIX + ".releases." + config.name()
						+ ".trigger: discovery needs a ReactiveDiscoveryClient to watch the instances of the release's lb:// "
						+ "services, and the application has none (add a discovery client such as Eureka, Consul or "
						+ "Kubernetes, or use spring.cloud.discovery.client.simple)"));
			throw new InvalidCanaryConfigurationException(problems);
		}
		return new DiscoveryTrigger(controller,
				(release) -> new DiscoveredVersions(routes.getObject(), client, properties.getInstanceMetadataKey())
					.versions(release),
				clock);
	}

	/**
	 * Starts the discovery trigger's looks once the gateway runs, if a release uses it.
	 */
	@Bean
	ApplicationListener<ApplicationReadyEvent> canaryDiscoveryTriggerStart(DiscoveryTrigger trigger,
			CanaryReleaseConfigs configs, CanaryAnalysisThread thread) {
		return (event) -> {
			if (DiscoveryTrigger.anyDiscovery(configs.releases())) {
				trigger.start(thread.executor());
			}
		};
	}

	@Bean
	RoutedReleases canaryRoutedReleases(ReleaseController controller, Recorders recorders, Decider decider,
			StickyKeyGenerator keys, CanaryMetrics metrics, CanaryProperties properties,
			ObjectProvider<RemoteAddressResolver> remoteAddresses) {
		// the application's resolver, e.g. one that trusts X-Forwarded-For from known
		// proxies; else the connection's address, never a forwarded header
		RemoteAddressResolver remoteAddress = remoteAddresses.getIfAvailable(() -> new RemoteAddressResolver() {
		});
		List<RoutedRelease> routed = new ArrayList<>();
		controller.releases()
			.forEach((name, release) -> routed.add(new RoutedRelease(release, decider, keys,
					properties.getInstanceMetadataKey(), recorders, metrics.register(release), remoteAddress)));
		return new RoutedReleases(routed);
	}

	@Bean
	CanaryExchangeHandler canaryExchangeHandler() {
		return new CanaryExchangeHandler();
	}

	/**
	 * Adds the release, lane and version to the request's observations (registered in the
	 * application's ObservationRegistry by Spring Boot).
	 */
	@Bean
	CanaryObservationFilter canaryObservationFilter() {
		return new CanaryObservationFilter();
	}

	@Bean
	LaneHeaderFilter canaryLaneHeaderFilter() {
		return new LaneHeaderFilter();
	}

	@Bean
	CanaryRoutePredicateFactory canaryRoutePredicateFactory(RoutedReleases releases) {
		return new CanaryRoutePredicateFactory(releases);
	}

	@Bean
	CanaryGatewayFilterFactory canaryGatewayFilterFactory(RoutedReleases releases, CanaryExchangeHandler handler) {
		return new CanaryGatewayFilterFactory(releases, handler);
	}

	@Bean
	CanaryPredicateRoutesFilter canaryPredicateRoutesFilter(CanaryExchangeHandler handler) {
		return new CanaryPredicateRoutesFilter(handler);
	}

	@Bean
	CanaryRoutesValidator canaryRoutesValidator(ObjectProvider<GatewayProperties> gateway,
			ObjectProvider<ConfigurationService> configurationService, CanaryRoutePredicateFactory predicates,
			CanaryGatewayFilterFactory filters, ListableBeanFactory beans) {
		return new CanaryRoutesValidator(gateway, configurationService, predicates, filters, beans);
	}

	@Bean
	CanaryRoutesMonitor canaryRoutesMonitor() {
		return new CanaryRoutesMonitor();
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	CanaryEndpoint canaryEndpoint(ReleaseController controller, TrafficHistory history) {
		return new CanaryEndpoint(controller, history);
	}

	@Bean
	@ConditionalOnAvailableEndpoint(endpoint = CanaryEndpoint.class)
	CanaryEndpointContentTypeFilter canaryEndpointContentTypeFilter(ObjectProvider<PathMappedEndpoints> endpoints) {
		return new CanaryEndpointContentTypeFilter(endpoints);
	}

	/**
	 * Refuses cross-site browser writes to every exposed actuator endpoint, not only
	 * {@code canary}.
	 */
	@Bean
	CrossSiteWriteFilter canaryCrossSiteWriteFilter(ObjectProvider<PathMappedEndpoints> endpoints,
			CanarySecurityProperties properties) {
		List<String> problems = properties.problems();
		if (!problems.isEmpty()) {
			throw new InvalidCanaryConfigurationException(problems);
		}
		return new CrossSiteWriteFilter(endpoints, properties.normalizedAllowedOrigins());
	}

	/**
	 * The default store, {@code canary.store.type: file}: opened (directory locked,
	 * records read) when the bean is made, closed (lock released) with the context. A
	 * directory that cannot be used fails startup ({@link FileStoreFailureAnalyzer}).
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(prefix = CanaryProperties.PREFIX, name = "store.type", havingValue = "file",
			matchIfMissing = true)
	static class FileStoreConfiguration {

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean(ReleaseStore.class)
		FileReleaseStore canaryReleaseStore(CanaryProperties properties) {
			String path = properties.getStore().getFile().getPath();
			Path directory;
			try {
				directory = (path != null && !path.isBlank()) ? Path.of(path) : null;
			}
			catch (InvalidPathException ex) {
				directory = null;
			}
			if (directory == null) {
				throw new InvalidCanaryConfigurationException(List.of(CanaryProperties.PREFIX
						+ ".store.file.path: must be a directory path (relative to the working directory or absolute), "
						+ "was '" + path + "'"));
			}
			return FileReleaseStore.open(directory);
		}

	}

	/**
	 * Spring Cloud's configuration refresh (spring-cloud-context, brought by the
	 * gateway's starter): say that {@code canary.*} changes are not applied.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = CanaryRefreshListener.EVENT)
	static class RefreshConfiguration {

		@Bean
		CanaryRefreshListener canaryRefreshListener() {
			return new CanaryRefreshListener();
		}

	}

	/** The validated release configurations. */
	public record CanaryReleaseConfigs(List<ReleaseConfig> releases) {
	}

	/** Holds the analysis thread (see {@link #canaryAnalysisThread()}). */
	record CanaryAnalysisThread(ScheduledExecutorService executor) implements AutoCloseable {

		@Override
		public void close() {
			this.executor.shutdownNow();
		}

	}

	/**
	 * Keeps the gateway's keep-alive connections read through Reactor Netty 1.3.6's stall
	 * (reactor/reactor-netty#4361) when the gateway runs on Reactor Netty.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "reactor.netty.http.server.HttpServer",
			"org.springframework.boot.reactor.netty.NettyServerCustomizer" })
	static class KeepAliveConfiguration {

		@Bean
		KeepAliveReadResumer canaryKeepAliveReadResumer() {
			return new KeepAliveReadResumer();
		}

	}

}
