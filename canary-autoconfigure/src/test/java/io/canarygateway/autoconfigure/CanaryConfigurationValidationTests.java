package io.canarygateway.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryClient;
import org.springframework.cloud.client.discovery.simple.reactive.SimpleReactiveDiscoveryProperties;

import io.canarygateway.control.DiscoveryTrigger;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Versions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every invalid {@code canary.*} value fails startup with an
 * {@link InvalidCanaryConfigurationException} whose message — and the failure analysis
 * Boot prints for it — names the full property and the rule it breaks.
 */
class CanaryConfigurationValidationTests {

	private static final String ORDERS = "canary.releases.orders.";

	private static final String CHECKOUT = "canary.releases.checkout.";

	private final ReactiveWebApplicationContextRunner runner = CanaryContexts.runner();

	/** A valid release of two services, with {@code more}. */
	private static String[] checkout(String... more) {
		List<String> properties = new ArrayList<>(List.of(CHECKOUT + "services.orders.stable-version=v1",
				CHECKOUT + "services.orders.canary-version=v2", CHECKOUT + "services.payments.stable-version=v7",
				CHECKOUT + "services.payments.canary-version=v8"));
		properties.addAll(List.of(more));
		return properties.toArray(String[]::new);
	}

	static Stream<Arguments> invalidProperties() {
		return Stream.of(
				arguments("missing stable-version", new String[] { ORDERS + "canary-version=v2" },
						ORDERS + "stable-version", "is required"),
				arguments("blank canary-version",
						new String[] { ORDERS + "stable-version=v1", ORDERS + "canary-version= " },
						ORDERS + "canary-version", "version must not be blank (leave it out for no canary)"),
				arguments("canary-version not a version", valid(ORDERS + "canary-version=v2;rm"),
						ORDERS + "canary-version",
						"version must be 1 to 64 letters, digits, '.', '_' or '-', was 'v2;rm' (leave it out for no canary)"),
				arguments("bad regex in the second only-for rule",
						valid(ORDERS + "routing.only-for[0].header=X-Region", ORDERS + "routing.only-for[0].values=eu",
								ORDERS + "routing.only-for[1].header=X-Tenant", ORDERS + "routing.only-for[1].regex=("),
						ORDERS + "routing.only-for[1]", "regex '(' is not a regular expression"),
				arguments("bad CIDR", valid(ORDERS + "routing.always-for[0].remote-address=10.0.0.0/8,10.0.0.0/33"),
						ORDERS + "routing.always-for[0]",
						"'10.0.0.0/33' is not a CIDR block: the prefix length must be 0 to 32 for an IPv4 address"),
				arguments("two kinds in one rule",
						valid(ORDERS + "routing.only-for[0].header=X-A", ORDERS + "routing.only-for[0].cookie=b"),
						ORDERS + "routing.only-for[0]",
						"must name exactly one of header, cookie, query or remote-address, named 2"),
				arguments("values and regex",
						valid(ORDERS + "routing.always-for[0].query=beta", ORDERS + "routing.always-for[0].values=1",
								ORDERS + "routing.always-for[0].regex=.*"),
						ORDERS + "routing.always-for[0]", "give values or regex, not both"),
				arguments("equal versions", valid(ORDERS + "canary-version=v1"), ORDERS + "canary-version",
						"must differ from stable-version, both were 'v1'"),
				arguments("steps not increasing", valid(ORDERS + "steps=10,50,25"), ORDERS + "steps",
						"must be strictly increasing, was [10, 50, 25]"),
				arguments("repeated step", valid(ORDERS + "steps=10,10,100"), ORDERS + "steps",
						"must be strictly increasing"),
				arguments("step 0", valid(ORDERS + "steps=0,50,100"), ORDERS + "steps",
						"each weight must be in (0,100] percent, was [0, 50, 100]"),
				arguments("step 101", valid(ORDERS + "steps=50,101"), ORDERS + "steps",
						"each weight must be in (0,100] percent, was [50, 101]"),
				arguments("gate not a step", valid(ORDERS + "manual-gates=30"), ORDERS + "manual-gates",
						"each gate must be one of the steps [5, 10, 25, 50, 100], was 30"),
				arguments("negative step-interval", valid(ORDERS + "step-interval=-1m"), ORDERS + "step-interval",
						"must be a positive duration, was PT-1M"),
				arguments("zero progress-deadline", valid(ORDERS + "progress-deadline=0s"),
						ORDERS + "progress-deadline", "must be a positive duration"),
				arguments("confidence 1.5", valid(ORDERS + "analysis.confidence=1.5"), ORDERS + "analysis.confidence",
						"must be in (0,1), was 1.5"),
				arguments("confidence 0", valid(ORDERS + "analysis.confidence=0"), ORDERS + "analysis.confidence",
						"must be in (0,1), was 0.0"),
				arguments("failure-threshold 0", valid(ORDERS + "analysis.failure-threshold=0"),
						ORDERS + "analysis.failure-threshold", "must be at least 1, was 0"),
				arguments("negative analysis interval", valid(ORDERS + "analysis.interval=-5s"),
						ORDERS + "analysis.interval", "must be a positive duration"),
				arguments("breaker rate over 100", valid(ORDERS + "breaker.failure-rate-threshold=150"),
						ORDERS + "breaker.failure-rate-threshold", "must be a percentage in (0,100]"),
				arguments("sticky-cookie-max-age under a second",
						valid(ORDERS + "routing.sticky-cookie=canary-key",
								ORDERS + "routing.sticky-cookie-max-age=500ms"),
						ORDERS + "routing.sticky-cookie-max-age",
						"must be a positive duration of at least 1s (a cookie's Max-Age is in whole seconds), was PT0.5S"),
				arguments("negative sticky-cookie-max-age", valid(ORDERS + "routing.sticky-cookie-max-age=-30d"),
						ORDERS + "routing.sticky-cookie-max-age", "must be a positive duration"),
				arguments("sticky-cookie not a cookie name", valid(ORDERS + "routing.sticky-cookie=canary key"),
						ORDERS + "routing.sticky-cookie", "must be a cookie name: visible ASCII characters except"),
				arguments("empty instance-metadata-key", valid("canary.instance-metadata-key="),
						"canary.instance-metadata-key", "must not be empty"),
				arguments("bad CIDR in trust-lane-from",
						valid(ORDERS + "routing.trust-lane-from=10.0.0.0/8,10.1.0.0/40"),
						ORDERS + "routing.trust-lane-from",
						"'10.1.0.0/40' is not a CIDR block: the prefix length must be 0 to 32 for an IPv4 address"),
				arguments("a service named twice",
						checkout(CHECKOUT + "services[Orders].stable-version=v1",
								CHECKOUT + "services[Orders].canary-version=v2"),
						CHECKOUT + "services.Orders",
						"names service 'orders' a second time (as orders; service ids are compared ignoring case)"),
				arguments("a service with equal versions", checkout(CHECKOUT + "services.payments.canary-version=v7"),
						CHECKOUT + "services.payments.canary-version",
						"must differ from its stable-version, both were 'v7'"),
				arguments("canary versions for some services only",
						new String[] { CHECKOUT + "services.orders.stable-version=v1",
								CHECKOUT + "services.orders.canary-version=v2",
								CHECKOUT + "services.payments.stable-version=v7" },
						CHECKOUT + "services.payments.canary-version",
						"is required: the release rolls out all its services together"),
				arguments("a service without a stable version",
						checkout(CHECKOUT + "services.inventory.canary-version=i2"),
						CHECKOUT + "services.inventory.stable-version", "is required"),
				arguments("a malformed service version", checkout(CHECKOUT + "services.orders.canary-version=v2;rm"),
						CHECKOUT + "services.orders.canary-version", "version must be 1 to 64 letters"),
				arguments("services and stable-version together", checkout(CHECKOUT + "stable-version=v1"),
						CHECKOUT + "services",
						"give either services (one version pair per service) or stable-version/canary-version, not both"),
				arguments("services with the discovery trigger", checkout(CHECKOUT + "trigger=discovery"),
						CHECKOUT + "trigger", "discovery starts releases of one service only"),
				arguments("services under the defaults", checkout("canary.defaults.services.orders.stable-version=v1"),
						"canary.defaults.services", "services are set per release, not inherited"),
				arguments("hook URL not http(s)", valid(hook(0, "smoke", "pre-rollout", "ftp://ci.internal/smoke")),
						ORDERS + "webhooks[0].url", "must be an http or https URL, was 'ftp://ci.internal/smoke'"),
				arguments("duplicate hook name",
						valid(hook(0, "smoke", "pre-rollout", "http://ci/a", ORDERS + "webhooks[1].name=smoke",
								ORDERS + "webhooks[1].type=event", ORDERS + "webhooks[1].url=http://ci/b")),
						ORDERS + "webhooks[1].name", "must be unique among the release's webhooks, was 'smoke' again"),
				arguments("unknown hook type", valid(hook(0, "smoke", "rollout", "http://ci/a")),
						ORDERS + "webhooks[0].type",
						"must be one of pre-rollout, step, confirm-promotion, post-rollout, event, was 'rollout'"),
				arguments("unknown hook format",
						valid(hook(0, "chat", "event", "http://ci/a", ORDERS + "webhooks[0].format=discord")),
						ORDERS + "webhooks[0].format", "must be one of json, slack, teams, was 'discord'"),
				arguments("chat format on a gate",
						valid(hook(0, "approve", "confirm-promotion", "http://ci/a",
								ORDERS + "webhooks[0].format=slack")),
						ORDERS + "webhooks[0].format", "must be json for a confirm-promotion hook"),
				arguments("metric without max and max-increase",
						valid(ORDERS + "metrics[0].name=errors", ORDERS + "metrics[0].prometheus.url=http://prom:9090",
								ORDERS + "metrics[0].prometheus.query=sum(rate(failed_total[1m]))"),
						ORDERS + "metrics[0].max",
						"max or max-increase (or both) must be set: without a threshold the check cannot fail"),
				arguments("max-increase with a query without {{version}}",
						valid(ORDERS + "metrics[0].name=errors", ORDERS + "metrics[0].prometheus.url=http://prom:9090",
								ORDERS + "metrics[0].prometheus.query=sum(rate(failed_total[1m]))",
								ORDERS + "metrics[0].max-increase=0.1"),
						ORDERS + "metrics[0].prometheus.query", "must contain {{version}} when max-increase is set"),
				arguments("metric without a Prometheus URL",
						valid(ORDERS + "metrics[0].name=errors", ORDERS
								+ "metrics[0].prometheus.query=sum(rate(failed_total{version=\"{{version}}\"}[1m]))",
								ORDERS + "metrics[0].max=0.5"),
						ORDERS + "metrics[0].prometheus.url",
						"must be an http or https URL, was empty (set it here or once for all checks at "
								+ "canary.metrics.prometheus.url)"));
	}

	/** The properties of webhook {@code index} of release orders. */
	static String[] hook(int index, String name, String type, String url, String... more) {
		String at = ORDERS + "webhooks[" + index + "].";
		String[] hook = { at + "name=" + name, at + "type=" + type, at + "url=" + url };
		String[] all = new String[hook.length + more.length];
		System.arraycopy(hook, 0, all, 0, hook.length);
		System.arraycopy(more, 0, all, hook.length, more.length);
		return all;
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("invalidProperties")
	void invalidPropertyFailsStartupNamingPropertyAndRule(String description, String[] properties, String property,
			String rule) {
		this.runner.withPropertyValues(properties).run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			InvalidCanaryConfigurationException invalid = find(failure);
			assertThat(invalid.getMessage()).contains(property).contains(rule);
			assertThat(invalid.getProblems()).singleElement().asString().startsWith(property + ": ").contains(rule);
			FailureAnalysis analysis = new CanaryConfigurationFailureAnalyzer().analyze(failure);
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).contains(property + ": ").contains(rule);
			assertThat(analysis.getAction()).isNotBlank();
			assertThat(analysis.getCause()).isSameAs(invalid);
		});
	}

	@Test
	void theDiscoveryTriggerNeedsADiscoveryClient() {
		// this context has no discovery client
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues(ORDERS + "trigger=discovery")
			.run((context) -> assertThat(find(context.getStartupFailure()).getProblems()).containsExactly(
					ORDERS + "trigger: discovery needs a ReactiveDiscoveryClient to watch the instances of the "
							+ "release's lb:// services, and the application has none (add a discovery client such as "
							+ "Eureka, Consul or Kubernetes, or use spring.cloud.discovery.client.simple)"));
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues(ORDERS + "trigger=discovery")
			.withBean(ReactiveDiscoveryClient.class,
					() -> new SimpleReactiveDiscoveryClient(new SimpleReactiveDiscoveryProperties()))
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(DiscoveryTrigger.class));
		// without the trigger, none is needed
		this.runner.withPropertyValues(CanaryContexts.ORDERS).run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void aReleaseOfSeveralServicesIgnoresTheVersionsOfTheDefaults() {
		this.runner
			.withPropertyValues("canary.defaults.stable-version=v1", "canary.defaults.canary-version=v2",
					"canary.releases.orders.auto-start=false")
			.withPropertyValues(checkout())
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ReleaseController controller = context.getBean(ReleaseController.class);
				assertThat(controller.release("checkout").status().versions())
					.isEqualTo(Versions.of("orders=v1,payments=v7", "orders=v2,payments=v8"));
				assertThat(controller.release("orders").status().versions()).isEqualTo(Versions.of("v1", "v2"));
			});
	}

	@Test
	void everyProblemIsListedAtOnce() {
		this.runner
			.withPropertyValues(ORDERS + "stable-version=v1", ORDERS + "canary-version=v 2", ORDERS + "steps=50,10",
					ORDERS + "analysis.confidence=2", "canary.releases.payments.canary-version=p2")
			.run((context) -> {
				InvalidCanaryConfigurationException invalid = find(context.getStartupFailure());
				assertThat(invalid.getProblems()).hasSize(4)
					.anySatisfy((p) -> assertThat(p).startsWith(ORDERS + "canary-version: version must be"))
					.anySatisfy((p) -> assertThat(p).startsWith(ORDERS + "steps: must be strictly increasing"))
					.anySatisfy((p) -> assertThat(p).startsWith(ORDERS + "analysis.confidence: must be in (0,1)"))
					.anySatisfy(
							(p) -> assertThat(p).startsWith("canary.releases.payments.stable-version: is required"));
				assertThat(
						new CanaryConfigurationFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
					.contains(ORDERS + "steps")
					.contains("canary.releases.payments.stable-version");
			});
	}

	@Test
	void invalidDefaultHookIsNamedAsTheDefaultForEveryReleaseThatInheritsIt() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.defaults.webhooks[0].name=chat", "canary.defaults.webhooks[0].type=event",
					"canary.defaults.webhooks[0].url=hooks.slack.com/services/x",
					"canary.releases.payments.stable-version=p1", "canary.releases.payments.canary-version=p2",
					// payments has hooks of its own: the default does not apply
					"canary.releases.payments.webhooks[0].name=smoke",
					"canary.releases.payments.webhooks[0].type=pre-rollout",
					"canary.releases.payments.webhooks[0].url=http://ci/smoke")
			.run((context) -> assertThat(find(context.getStartupFailure()).getProblems()).containsExactly(
					"canary.defaults.webhooks[0].url (inherited by canary.releases.orders): must be an http or https "
							+ "URL, was 'hooks.slack.com/services/x'"));
	}

	@Test
	void invalidDefaultIsNamedAsTheDefaultForEveryReleaseThatInheritsIt() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.defaults.steps=50,10", "canary.defaults.analysis.failure-threshold=0",
					"canary.releases.payments.stable-version=p1", "canary.releases.payments.canary-version=p2",
					"canary.releases.payments.steps=10,50")
			.run((context) -> {
				InvalidCanaryConfigurationException invalid = find(context.getStartupFailure());
				assertThat(invalid.getProblems()).containsExactlyInAnyOrder(
						"canary.defaults.steps (inherited by canary.releases.orders): "
								+ "must be strictly increasing, was [50, 10]",
						"canary.defaults.analysis.failure-threshold (inherited by canary.releases.orders): "
								+ "must be at least 1, was 0",
						"canary.defaults.analysis.failure-threshold (inherited by canary.releases.payments): "
								+ "must be at least 1, was 0");
			});
	}

	@Test
	void progressDeadlineNotLongerThanStepIntervalFailsNamingBothValues() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues(ORDERS + "step-interval=2m", ORDERS + "progress-deadline=2m")
			.run((context) -> assertThat(find(context.getStartupFailure()).getProblems())
				.containsExactly(ORDERS + "progress-deadline: must be longer than step-interval, was 2m while " + ORDERS
						+ "step-interval is 2m: the release would pause (reason deadline) at every step "
						+ "before it may advance"));
	}

	@Test
	void progressDeadlineRuleNamesWhereEachValueComesFrom() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.defaults.progress-deadline=30s", "canary.releases.payments.stable-version=p1",
					"canary.releases.payments.canary-version=p2", "canary.releases.payments.step-interval=15m",
					"canary.releases.payments.progress-deadline=20m", "canary.releases.billing.stable-version=b1",
					"canary.releases.billing.canary-version=b2", "canary.releases.billing.step-interval=15m")
			.run((context) -> assertThat(find(context.getStartupFailure()).getProblems()).containsExactlyInAnyOrder(
					"canary.defaults.progress-deadline (inherited by canary.releases.orders): must be longer than "
							+ "step-interval, was 30s while step-interval is 1m (built-in default): the release would "
							+ "pause (reason deadline) at every step before it may advance",
					"canary.defaults.progress-deadline (inherited by canary.releases.billing): must be longer than "
							+ "step-interval, was 30s while canary.releases.billing.step-interval is 15m: the release "
							+ "would pause (reason deadline) at every step before it may advance"));
	}

	@Test
	void builtInProgressDeadlineBelowALongStepIntervalIsNamedAsTheReleasesProperty() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.defaults.step-interval=1h")
			.run((context) -> assertThat(find(context.getStartupFailure()).getProblems())
				.containsExactly(ORDERS + "progress-deadline: must be longer than step-interval, was 10m (built-in "
						+ "default) while canary.defaults.step-interval is 1h: the release would pause (reason "
						+ "deadline) at every step before it may advance"));
	}

	@Test
	void invalidStickyCookieMaxAgeInheritedFromTheDefaultsIsNamedAsTheDefault() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.defaults.routing.sticky-cookie-max-age=0s")
			.run((context) -> assertThat(find(context.getStartupFailure()).getProblems())
				.containsExactly("canary.defaults.routing.sticky-cookie-max-age (inherited by canary.releases.orders): "
						+ "must be a positive duration of at least 1s (a cookie's Max-Age is in whole seconds), "
						+ "was PT0S"));
	}

	@Test
	void invalidReleaseValueIsNamedAsTheReleaseEvenWhenADefaultExists() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues("canary.defaults.steps=10,50", ORDERS + "steps=50,10")
			.run((context) -> assertThat(find(context.getStartupFailure()).getProblems())
				.containsExactly(ORDERS + "steps: must be strictly increasing, was [50, 10]"));
	}

	@Test
	void validBoundaryValuesStart() {
		this.runner.withPropertyValues(CanaryContexts.ORDERS)
			.withPropertyValues(ORDERS + "steps=1,100", ORDERS + "manual-gates=100", ORDERS + "analysis.confidence=0.5",
					ORDERS + "step-interval=1m", ORDERS + "progress-deadline=60001ms",
					ORDERS + "analysis.failure-threshold=1", ORDERS + "analysis.error-rate-tolerance=0",
					ORDERS + "analysis.max-error-rate=1")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(ReleaseController.class);
			});
	}

	@Test
	void analyzerIgnoresOtherFailures() {
		assertThat(new CanaryConfigurationFailureAnalyzer().analyze(new IllegalStateException("other"))).isNull();
	}

	/** The properties of a valid release plus the given ones (a later value wins). */
	private static String[] valid(String... properties) {
		return Stream.concat(Stream.of(CanaryContexts.ORDERS), Stream.of(properties)).toArray(String[]::new);
	}

	private static InvalidCanaryConfigurationException find(Throwable failure) {
		assertThat(failure).as("startup failure").isNotNull();
		for (Throwable t = failure; t != null; t = t.getCause()) {
			if (t instanceof InvalidCanaryConfigurationException invalid) {
				return invalid;
			}
		}
		throw new AssertionError("no InvalidCanaryConfigurationException in the cause chain", failure);
	}

}
