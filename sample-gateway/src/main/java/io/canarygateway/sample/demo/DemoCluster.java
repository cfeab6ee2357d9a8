package io.canarygateway.sample.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.client.discovery.simple.SimpleDiscoveryProperties;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;
import org.springframework.cloud.context.properties.ConfigurationPropertiesRebinder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;

import io.canarygateway.sample.gateway.SampleGatewayApplication;
import io.canarygateway.sample.services.SampleServiceApplication;

/**
 * Everything the demo runs, in this JVM on free local ports: seven sample-service
 * instances (orders v1 ×2 and v2, payments v1 and v2 behind the gateway's direct routes,
 * payments v7 and v8 that orders calls for a checkout) and the sample gateway, configured
 * for the demo's pace. The gateway's own {@code application.yml} is used as shipped; only
 * timings, ports, auto-start, the load balancer's cache, the admin's password and the
 * directory of its release records are overridden, on its command line (which beats the
 * YAML). While it runs, instances of the load-balanced {@code orders} service can be
 * deployed and retired: the gateway's discovery follows without a restart.
 */
final class DemoCluster implements AutoCloseable {

	/**
	 * The service the sample gateway finds through discovery ({@code lb://orders});
	 * {@code payments} has direct routes.
	 */
	static final String DISCOVERED = "orders";

	/**
	 * The service orders calls for a checkout: its instances v7 and v8 are found by the
	 * orders instances, not by the gateway (the instances v1 and v2 of the same name
	 * stand behind the gateway's two direct payments routes).
	 */
	static final String CALLED = "payments";

	/** The configuration the gateway's discovery reads its instances from. */
	private static final String DISCOVERY_PREFIX = "spring.cloud.discovery.client.simple.instances." + DISCOVERED;

	/** The property source the demo's deployments go to, above the gateway's YAML. */
	private static final String DEPLOYMENTS = "demo-deployments";

	/** A started sample-service instance. */
	record Service(String key, String name, String version, String instance, int port,
			ConfigurableApplicationContext context) {

		String url() {
			return "http://127.0.0.1:" + this.port;
		}

	}

	private final DemoOptions options;

	private final List<Service> services = new ArrayList<>();

	private ConfigurableApplicationContext gateway;

	/**
	 * The gateway's release records (the default file store), in a directory of this
	 * run's own: every run tells the story from the start, and runs at the same time do
	 * not share it. Deleted on close.
	 */
	private Path stateDirectory;

	/**
	 * The webhook properties of release orders (none unless {@link #webhooks} was
	 * called).
	 */
	private List<String> webhooks = List.of();

	/**
	 * The admin's password: {@code CANARY_ADMIN_PASSWORD} if set, else one made up for
	 * this run (the gateway ships none).
	 */
	private final String adminPassword = passwordOrRandom(System.getenv("CANARY_ADMIN_PASSWORD"));

	private int gatewayPort;

	private volatile boolean closed;

	DemoCluster(DemoOptions options) {
		this.options = options;
	}

	/**
	 * Starts the instances: {@code PAYMENTS_V7, PAYMENTS_V8} (called by orders),
	 * {@code ORDERS_V1_A, ORDERS_V1_B, ORDERS_V2, PAYMENTS_V1, PAYMENTS_V2}.
	 */
	void startServices() {
		// first: orders instances find them at their start (act 4's release across orders
		// and payments)
		startService("PAYMENTS_V7", CALLED, "v7", "payments-v7");
		startService("PAYMENTS_V8", CALLED, "v8", "payments-v8");
		startService("ORDERS_V1_A", "orders", "v1", "orders-v1-a");
		startService("ORDERS_V1_B", "orders", "v1", "orders-v1-b");
		startService("ORDERS_V2", "orders", "v2", "orders-v2");
		startService("PAYMENTS_V1", "payments", "v1", "payments-v1");
		startService("PAYMENTS_V2", "payments", "v2", "payments-v2");
	}

	private Service startService(String key, String name, String version, String instance) {
		ensureOpen();
		List<String> properties = new ArrayList<>(List.of("server.port=0", "sample.service-name=" + name,
				"sample.version=" + version, "sample.instance-id=" + instance,
				// a little natural jitter, the same on every instance: real services are
				// not all 1 ms
				"sample.faults.latency-ms=2", "sample.faults.latency-jitter-ms=6"));
		if (DISCOVERED.equals(name)) {
			properties.addAll(calledInstances());
		}
		properties.addAll(loggingProperties());
		ConfigurableApplicationContext context;
		try {
			context = new SpringApplicationBuilder(SampleServiceApplication.class).registerShutdownHook(false)
				.logStartupInfo(false)
				.properties(properties.toArray(String[]::new))
				.run();
		}
		catch (RuntimeException ex) {
			throw new StartupException("sample service " + name + " " + version + " (" + instance + ")", ex);
		}
		int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		Service service = new Service(key, name, version, instance, port, context);
		synchronized (this) {
			this.services.add(service);
		}
		if (this.closed) {
			context.close();
		}
		return service;
	}

	/**
	 * Where an orders instance finds the payments instances it calls for a checkout
	 * (through its own load balancer and the propagation module): Spring Cloud's simple
	 * discovery, each instance tagged with its version.
	 */
	private List<String> calledInstances() {
		List<String> properties = new ArrayList<>();
		int index = 0;
		for (String key : List.of("PAYMENTS_V7", "PAYMENTS_V8")) {
			Service service = services().get(key);
			if (service != null) {
				String prefix = "spring.cloud.discovery.client.simple.instances." + CALLED + "[" + index++ + "].";
				properties.add(prefix + "uri=" + service.url());
				properties.add(prefix + "metadata.version=" + service.version());
			}
		}
		return properties;
	}

	/**
	 * Deploys an instance of the discovered service while the gateway runs: starts it,
	 * then registers it with the gateway's discovery, as a registry (Eureka, Consul,
	 * Kubernetes) would tell the gateway of a new pod. The gateway is not restarted.
	 * @return the started instance, listed by the gateway's discovery
	 */
	Service deploy(String key, String version, String instance) {
		Service service = startService(key, DISCOVERED, version, instance);
		updateDiscovery();
		List<String> listed = discoveredInstances();
		if (!listed.contains(instance)) {
			throw new IllegalStateException("the gateway's discovery does not list " + instance
					+ " after it was registered; it lists " + listed);
		}
		return service;
	}

	/**
	 * Retires instances: removes them from the gateway's discovery, then stops them.
	 */
	void retire(String... keys) {
		List<Service> retired = new ArrayList<>();
		synchronized (this) {
			for (String key : keys) {
				Service service = service(key);
				this.services.remove(service);
				retired.add(service);
			}
		}
		updateDiscovery();
		retired.forEach((service) -> service.context().close());
	}

	/**
	 * Makes the gateway's discovery list exactly the running instances of the discovered
	 * service. The sample gateway's discovery is Spring Cloud's simple one, whose
	 * instances are configuration: the demo puts the new list in a property source above
	 * the YAML and rebinds the discovery's properties, which is what a configuration
	 * refresh ({@code POST /actuator/refresh}) does. Only those properties are rebound:
	 * nothing else of the gateway is touched.
	 */
	private void updateDiscovery() {
		Map<String, Object> properties = new LinkedHashMap<>();
		int index = 0;
		for (Service service : services().values()) {
			if (DISCOVERED.equals(service.name())) {
				String prefix = DISCOVERY_PREFIX + "[" + index++ + "].";
				properties.put(prefix + "instance-id", service.instance());
				properties.put(prefix + "service-id", DISCOVERED);
				properties.put(prefix + "uri", service.url());
				properties.put(prefix + "metadata.version", service.version());
			}
		}
		MutablePropertySources sources = this.gateway.getEnvironment().getPropertySources();
		MapPropertySource deployments = new MapPropertySource(DEPLOYMENTS, properties);
		if (sources.contains(DEPLOYMENTS)) {
			sources.replace(DEPLOYMENTS, deployments);
		}
		else {
			sources.addFirst(deployments);
		}
		ConfigurationPropertiesRebinder rebinder = this.gateway.getBean(ConfigurationPropertiesRebinder.class);
		if (!rebinder.rebind(SimpleReactiveDiscoveryProperties.class)) {
			throw new IllegalStateException(
					"the gateway's discovery properties could not be rebound: " + rebinder.getErrors());
		}
		rebinder.rebind(SimpleDiscoveryProperties.class); // the blocking client's, too
	}

	/** The instance ids the gateway's discovery lists for the discovered service. */
	List<String> discoveredInstances() {
		List<ServiceInstance> instances = this.gateway.getBean(ReactiveDiscoveryClient.class)
			.getInstances(DISCOVERED)
			.collectList()
			.block(Duration.ofSeconds(10));
		return (instances != null) ? instances.stream().map(ServiceInstance::getInstanceId).toList() : List.of();
	}

	/**
	 * Gives release orders its webhooks (call before {@link #startGateway()}): a
	 * confirm-promotion gate and a post-rollout message in Slack format, both answered by
	 * the demo's receiver (docs/integrations.md).
	 */
	void webhooks(String approveUrl, String chatUrl) {
		String at = "--canary.releases.orders.webhooks";
		this.webhooks = List.of(at + "[0].name=pipeline", at + "[0].type=confirm-promotion",
				at + "[0].url=" + approveUrl, at + "[1].name=chat", at + "[1].type=post-rollout",
				at + "[1].url=" + chatUrl, at + "[1].format=slack");
	}

	/** Starts the sample gateway in front of the instances. */
	void startGateway() {
		ensureOpen();
		Path state;
		try {
			state = Files.createTempDirectory("canary-demo-state-");
		}
		catch (IOException ex) {
			throw new StartupException("the sample gateway (a directory for its release records)", ex);
		}
		synchronized (this) {
			this.stateDirectory = state;
		}
		List<String> args = new ArrayList<>();
		args.add("--server.port=" + this.options.port());
		// the file store, said again here so that it wins over a test JVM's
		// canary.store.type=memory
		args.add("--canary.store.type=file");
		args.add("--canary.store.file.path=" + state);
		args.add("--spring.security.user.password=" + this.adminPassword);
		for (Service service : this.services) {
			args.add("--" + service.key() + "=" + service.url());
		}
		args.addAll(List.of("--canary.defaults.auto-start=false",
				// instances deployed while the demo runs are balanced to within a second
				// (Spring Cloud LoadBalancer caches a service's instances for 35 s)
				"--spring.cloud.loadbalancer.cache.ttl=1s",
				"--canary.defaults.analysis.interval=" + this.options.analysisInterval().toMillis() + "ms",
				"--canary.defaults.analysis.min-requests=" + this.options.minRequests(),
				"--canary.defaults.step-interval=" + this.options.stepInterval().toMillis() + "ms",
				"--canary.defaults.progress-deadline=" + (this.options.fast() ? "20s" : "60s"),
				"--canary.releases.orders.steps=" + join(this.options.ordersSteps()),
				"--canary.releases.payments.steps=" + join(this.options.paymentsSteps()),
				"--canary.dashboard.enabled=true", "--spring.main.register-shutdown-hook=false"));
		args.addAll(this.webhooks);
		if (this.options.maxLatency() != null) {
			args.add("--canary.defaults.analysis.max-latency=" + this.options.maxLatency().toMillis() + "ms");
		}
		for (String property : loggingProperties()) {
			args.add("--" + property);
		}
		try {
			this.gateway = new SpringApplicationBuilder(SampleGatewayApplication.class).registerShutdownHook(false)
				.logStartupInfo(false)
				.run(args.toArray(String[]::new));
		}
		catch (RuntimeException ex) {
			throw new StartupException("the sample gateway", ex);
		}
		if (this.closed) {
			this.gateway.close();
			deleteStateDirectory();
			ensureOpen();
		}
		this.gatewayPort = this.gateway.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
	}

	private static String join(List<Integer> steps) {
		return steps.stream().map(String::valueOf).collect(Collectors.joining(","));
	}

	private List<String> loggingProperties() {
		List<String> properties = new ArrayList<>(List.of("logging.level.root=WARN"));
		if (this.options.logFile() != null) {
			// the terminal belongs to the demo: every log line goes to the file
			properties.add("logging.file.name=" + this.options.logFile().toAbsolutePath());
			properties.add("logging.threshold.console=OFF");
			properties.add("logging.level.io.canarygateway=INFO");
		}
		else {
			properties.add("logging.level.io.canarygateway=WARN");
		}
		return properties;
	}

	private void ensureOpen() {
		if (this.closed) {
			throw new IllegalStateException("the demo is stopping");
		}
	}

	ConfigurableApplicationContext gatewayContext() {
		return this.gateway;
	}

	/** When the gateway started: it runs until the demo ends, never restarted. */
	Instant gatewayStartedAt() {
		return Instant.ofEpochMilli(this.gateway.getStartupDate());
	}

	int gatewayPort() {
		return this.gatewayPort;
	}

	String gatewayUrl() {
		return "http://127.0.0.1:" + this.gatewayPort;
	}

	/** The URL a person opens: localhost rather than 127.0.0.1. */
	String publicUrl() {
		return "http://localhost:" + this.gatewayPort;
	}

	String adminUser() {
		return this.gateway.getEnvironment().getProperty("spring.security.user.name", "admin");
	}

	String adminPassword() {
		return this.adminPassword;
	}

	static String passwordOrRandom(String fromEnvironment) {
		if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
			return fromEnvironment;
		}
		byte[] random = new byte[12];
		new SecureRandom().nextBytes(random);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
	}

	String dashboardPath() {
		return this.gateway.getEnvironment().getProperty("canary.dashboard.path", "/canary-dashboard/");
	}

	/** The instances by property name (ORDERS_V2 …). */
	synchronized Map<String, Service> services() {
		Map<String, Service> map = new LinkedHashMap<>();
		this.services.forEach((service) -> map.put(service.key(), service));
		return map;
	}

	Service service(String key) {
		Service service = services().get(key);
		if (service == null) {
			throw new IllegalStateException("no service " + key);
		}
		return service;
	}

	/**
	 * Stops the gateway, then the instances. Safe to call more than once and from a
	 * shutdown hook.
	 */
	@Override
	public void close() {
		List<ConfigurableApplicationContext> contexts = new ArrayList<>();
		synchronized (this) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			if (this.gateway != null) {
				contexts.add(this.gateway);
			}
			this.services.forEach((service) -> contexts.add(service.context()));
		}
		for (ConfigurableApplicationContext context : contexts) {
			try {
				context.close();
			}
			catch (RuntimeException ex) {
				// stopping anyway
			}
		}
		deleteStateDirectory();
	}

	/** Deletes the gateway's release records, once the gateway is closed. */
	private void deleteStateDirectory() {
		Path directory;
		synchronized (this) {
			directory = this.stateDirectory;
			this.stateDirectory = null;
		}
		if (directory == null) {
			return;
		}
		try (Stream<Path> files = Files.walk(directory)) {
			for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(file);
			}
		}
		catch (IOException ex) {
			// a few bytes left in the temporary directory
		}
	}

	/** Something did not start; says what. */
	static final class StartupException extends RuntimeException {

		StartupException(String what, Throwable cause) {
			super("could not start " + what + ": " + rootMessage(cause), cause);
		}

		private static String rootMessage(Throwable ex) {
			Throwable root = ex;
			while (root.getCause() != null && root.getCause() != root) {
				root = root.getCause();
			}
			String message = root.getMessage();
			return root.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
		}

	}

}
