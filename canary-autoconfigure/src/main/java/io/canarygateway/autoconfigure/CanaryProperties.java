package io.canarygateway.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.canarygateway.core.Trigger;

/**
 * Configuration of Canary Gateway (prefix {@code canary}). Every setting of a release may
 * be given once under {@code canary.defaults} and overridden per release; a value set
 * nowhere takes the built-in default named in its description (the constants of
 * io.canarygateway.core.Defaults, applied by ReleaseConfigs).
 */
@ConfigurationProperties(CanaryProperties.PREFIX)
public class CanaryProperties {

	public static final String PREFIX = "canary";

	/**
	 * Whether Canary Gateway is enabled. When false, no canary bean is created and no
	 * route may use it.
	 */
	private boolean enabled = true;

	/**
	 * Service-instance metadata key that names an instance's version. On Spring Cloud
	 * Kubernetes discovery also the pod label read when the metadata has none, before the
	 * pod label app.kubernetes.io/version. Instances with no version count as stable.
	 */
	private String instanceMetadataKey = "version";

	/** Where release state is kept. */
	private final Store store = new Store();

	/** Settings every release inherits unless it overrides them. */
	private final Release defaults = new Release();

	/**
	 * The releases, by name. The name is used by routes (e.g. Canary=orders), endpoints
	 * and metrics.
	 */
	private final Map<String, Release> releases = new LinkedHashMap<>();

	/** The dashboard page. */
	private final Dashboard dashboard = new Dashboard();

	/** External metric checks (see docs/integrations.md). */
	private final Metrics metrics = new Metrics();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getInstanceMetadataKey() {
		return this.instanceMetadataKey;
	}

	public void setInstanceMetadataKey(String instanceMetadataKey) {
		this.instanceMetadataKey = instanceMetadataKey;
	}

	public Store getStore() {
		return this.store;
	}

	public Release getDefaults() {
		return this.defaults;
	}

	public Map<String, Release> getReleases() {
		return this.releases;
	}

	public Dashboard getDashboard() {
		return this.dashboard;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	/** Where release state is kept. */
	public static class Store {

		/**
		 * Store type: 'file' keeps releases in files (canary.store.file.path), kept
		 * across restarts, for one gateway; 'memory' keeps them in this gateway only,
		 * lost on restart (for tests); 'redis' shares them between all gateway replicas
		 * through the Redis configured by spring.data.redis.*.
		 */
		private StoreType type = StoreType.FILE;

		/** The file store (type 'file'). */
		private final FileStore file = new FileStore();

		public StoreType getType() {
			return this.type;
		}

		public void setType(StoreType type) {
			this.type = type;
		}

		public FileStore getFile() {
			return this.file;
		}

	}

	/** The file store. */
	public static class FileStore {

		/**
		 * Directory of the release records: one JSON file per release, and the lock file
		 * that keeps a second gateway out. Relative paths are resolved against the
		 * working directory; created if missing. One gateway at a time.
		 */
		private String path = "canary-state";

		public String getPath() {
			return this.path;
		}

		public void setPath(String path) {
			this.path = path;
		}

	}

	/** Kinds of release store. */
	public enum StoreType {

		/** In files, kept across restarts; one gateway. */
		FILE,
		/** In this gateway's memory, lost on restart. */
		MEMORY,
		/** In Redis, shared by all replicas. */
		REDIS

	}

	/** The dashboard page. */
	public static class Dashboard {

		/** Whether the gateway serves the canary dashboard page. */
		private boolean enabled = false;

		/** Path of the dashboard page. */
		private String path = "/canary-dashboard/";

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getPath() {
			return this.path;
		}

		public void setPath(String path) {
			this.path = path;
		}

	}

	/**
	 * One release; every field is optional under canary.defaults and overrides it under a
	 * release.
	 */
	public static class Release {

		/**
		 * Version that serves by default when the release is first stored (required).
		 * Afterwards the stored record's versions serve: they move forward at runtime.
		 */
		private String stableVersion;

		/**
		 * Version to roll out (optional, different from stable-version; none: all traffic
		 * stays on stable until a rollout is started with a version). Seeds the release's
		 * first record; later, a version different from both of the record's starts a new
		 * rollout when auto-start is on.
		 */
		private String canaryVersion;

		/**
		 * For a release that spans several services: one stable-version/canary-version
		 * pair per service, by the service id of its lb:// routes, instead of the
		 * release's own stable-version and canary-version. One weight, one lane per
		 * request across all of them, one verdict, one rollback. Not inherited from
		 * canary.defaults.
		 */
		private final Map<String, ServiceVersions> services = new LinkedHashMap<>();

		/**
		 * Whether the configured canary version starts rolling out when the gateway
		 * starts (default true). A release the store already holds resumes where it
		 * stood.
		 */
		private Boolean autoStart;

		/**
		 * What else starts a rollout: manual (only operators, pipelines and the
		 * configuration) or discovery (instances of a new version appearing among the
		 * release's lb:// services) (default manual).
		 */
		private Trigger trigger;

		/**
		 * How long instances of a new version must have been seen before the discovery
		 * trigger starts their rollout (default 30s).
		 */
		private Duration triggerSettle;

		/**
		 * Canary weight in percent per step, strictly increasing, each in (0,100]
		 * (default [5, 10, 25, 50, 100]).
		 */
		private List<Integer> steps;

		/** Minimum time at each step before it may advance (default 1m). */
		private Duration stepInterval;

		/**
		 * Weights at which progression pauses until an operator resumes or promotes; each
		 * must be a step (default none).
		 */
		private List<Integer> manualGates;

		/**
		 * Time without a step advance (e.g. too little traffic) after which the release
		 * pauses; must be longer than step-interval (default 10m).
		 */
		private Duration progressDeadline;

		/** How requests are assigned to the stable or canary lane. */
		private final Routing routing = new Routing();

		/** How the canary is compared with stable. */
		private final Analysis analysis = new Analysis();

		/**
		 * The Resilience4j breaker named canary-&lt;release&gt; that stops canary traffic
		 * at once.
		 */
		private final Breaker breaker = new Breaker();

		public String getStableVersion() {
			return this.stableVersion;
		}

		public void setStableVersion(String stableVersion) {
			this.stableVersion = stableVersion;
		}

		public String getCanaryVersion() {
			return this.canaryVersion;
		}

		public void setCanaryVersion(String canaryVersion) {
			this.canaryVersion = canaryVersion;
		}

		public Map<String, ServiceVersions> getServices() {
			return this.services;
		}

		public Boolean getAutoStart() {
			return this.autoStart;
		}

		public void setAutoStart(Boolean autoStart) {
			this.autoStart = autoStart;
		}

		public Trigger getTrigger() {
			return this.trigger;
		}

		public void setTrigger(Trigger trigger) {
			this.trigger = trigger;
		}

		public Duration getTriggerSettle() {
			return this.triggerSettle;
		}

		public void setTriggerSettle(Duration triggerSettle) {
			this.triggerSettle = triggerSettle;
		}

		public List<Integer> getSteps() {
			return this.steps;
		}

		public void setSteps(List<Integer> steps) {
			this.steps = steps;
		}

		public Duration getStepInterval() {
			return this.stepInterval;
		}

		public void setStepInterval(Duration stepInterval) {
			this.stepInterval = stepInterval;
		}

		public List<Integer> getManualGates() {
			return this.manualGates;
		}

		public void setManualGates(List<Integer> manualGates) {
			this.manualGates = manualGates;
		}

		public Duration getProgressDeadline() {
			return this.progressDeadline;
		}

		public void setProgressDeadline(Duration progressDeadline) {
			this.progressDeadline = progressDeadline;
		}

		public Routing getRouting() {
			return this.routing;
		}

		/**
		 * Webhooks called at points of the release's life: pre-rollout, step,
		 * confirm-promotion, post-rollout and event hooks (see docs/integrations.md)
		 * (default none).
		 */
		private List<WebhookProperties> webhooks;

		/**
		 * External metric checks, evaluated at every analysis interval: a breach fails
		 * the verdict, no data makes it inconclusive (see docs/integrations.md) (default
		 * none).
		 */
		private List<MetricProperties> metrics;

		public List<WebhookProperties> getWebhooks() {
			return this.webhooks;
		}

		public void setWebhooks(List<WebhookProperties> webhooks) {
			this.webhooks = webhooks;
		}

		public List<MetricProperties> getMetrics() {
			return this.metrics;
		}

		public void setMetrics(List<MetricProperties> metrics) {
			this.metrics = metrics;
		}

		public Analysis getAnalysis() {

			return this.analysis;
		}

		public Breaker getBreaker() {
			return this.breaker;
		}

	}

	/** The versions of one service of a release that spans several services. */
	public static class ServiceVersions {

		/**
		 * Version of the service that serves by default when the release is first stored.
		 */
		private String stableVersion;

		/**
		 * Version of the service to roll out (optional: given for every service of the
		 * release or for none).
		 */
		private String canaryVersion;

		public String getStableVersion() {
			return this.stableVersion;
		}

		public void setStableVersion(String stableVersion) {
			this.stableVersion = stableVersion;
		}

		public String getCanaryVersion() {
			return this.canaryVersion;
		}

		public void setCanaryVersion(String canaryVersion) {
			this.canaryVersion = canaryVersion;
		}

	}

	/** One webhook of a release. */
	public static class WebhookProperties {

		/** Name of the hook, unique among the release's hooks. */
		private String name;

		/**
		 * When the hook is called: pre-rollout, step, confirm-promotion, post-rollout or
		 * event.
		 */
		private String type;

		/** URL the hook is POSTed to (http or https). */
		private String url;

		/** How long one call may take before it counts as failed (default 5s). */
		private Duration timeout;

		/**
		 * Shape of the body: json (the payload), slack ({"text": ...} for Slack,
		 * Mattermost, Rocket.Chat, Google Chat) or teams (an Adaptive Card message for
		 * Microsoft Teams Workflows) (default json).
		 */
		private String format;

		/** Passed through in the payload's metadata. */
		private Map<String, String> metadata = new LinkedHashMap<>();

		public String getName() {
			return this.name;
		}

		public void setName(String name) {
			this.name = name;
		}

		public String getType() {
			return this.type;
		}

		public void setType(String type) {
			this.type = type;
		}

		public String getUrl() {
			return this.url;
		}

		public void setUrl(String url) {
			this.url = url;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public String getFormat() {
			return this.format;
		}

		public void setFormat(String format) {
			this.format = format;
		}

		public Map<String, String> getMetadata() {
			return this.metadata;
		}

		public void setMetadata(Map<String, String> metadata) {
			this.metadata = metadata;
		}

	}

	/** One external metric check of a release. */
	public static class MetricProperties {

		/** Name of the check, unique among the release's checks. */
		private String name;

		/** The Prometheus query. */
		private final PrometheusQuery prometheus = new PrometheusQuery();

		/** The canary's value must stay at or below it. */
		private Double max;

		/**
		 * The canary's value minus the stable version's must stay at or below it (the
		 * query must then contain {{version}}).
		 */
		private Double maxIncrease;

		public String getName() {
			return this.name;
		}

		public void setName(String name) {
			this.name = name;
		}

		public PrometheusQuery getPrometheus() {
			return this.prometheus;
		}

		public Double getMax() {
			return this.max;
		}

		public void setMax(Double max) {
			this.max = max;
		}

		public Double getMaxIncrease() {
			return this.maxIncrease;
		}

		public void setMaxIncrease(Double maxIncrease) {
			this.maxIncrease = maxIncrease;
		}

	}

	/** A query against Prometheus' HTTP API. */
	public static class PrometheusQuery {

		/** Base URL of the Prometheus server (default canary.metrics.prometheus.url). */
		private String url;

		/**
		 * PromQL query returning one value, with the placeholders {{version}},
		 * {{release}} and {{interval}} (the analysis interval, e.g. 10s).
		 */
		private String query;

		public String getUrl() {
			return this.url;
		}

		public void setUrl(String url) {
			this.url = url;
		}

		public String getQuery() {
			return this.query;
		}

		public void setQuery(String query) {
			this.query = query;
		}

	}

	/** Settings of the external metric checks. */
	public static class Metrics {

		/** The default Prometheus server of the metric checks. */
		private final Prometheus prometheus = new Prometheus();

		public Prometheus getPrometheus() {
			return this.prometheus;
		}

	}

	/** The default Prometheus server. */
	public static class Prometheus {

		/**
		 * Base URL of the Prometheus server metric checks ask when they name none, e.g.
		 * http://prometheus:9090 (empty: none).
		 */
		private String url = "";

		public String getUrl() {
			return this.url;
		}

		public void setUrl(String url) {
			this.url = url;
		}

	}

	/**
	 * One targeting rule: exactly one of header, cookie, query or remote-address.
	 */
	public static class TargetRuleProperties {

		/** Request header whose (first) value the rule looks at. */
		private String header;

		/** Cookie whose value the rule looks at. */
		private String cookie;

		/** Query parameter whose (first) value the rule looks at. */
		private String query;

		/**
		 * CIDR blocks, IPv4 or IPv6 (10.0.0.0/8, 2001:db8::/32) of the client's address.
		 */
		private List<String> remoteAddress;

		/** Exact values that match; with neither values nor regex, presence matches. */
		private List<String> values;

		/** A regular expression the whole value must match. */
		private String regex;

		public String getHeader() {
			return this.header;
		}

		public void setHeader(String header) {
			this.header = header;
		}

		public String getCookie() {
			return this.cookie;
		}

		public void setCookie(String cookie) {
			this.cookie = cookie;
		}

		public String getQuery() {
			return this.query;
		}

		public void setQuery(String query) {
			this.query = query;
		}

		public List<String> getRemoteAddress() {
			return this.remoteAddress;
		}

		public void setRemoteAddress(List<String> remoteAddress) {
			this.remoteAddress = remoteAddress;
		}

		public List<String> getValues() {
			return this.values;
		}

		public void setValues(List<String> values) {
			this.values = values;
		}

		public String getRegex() {
			return this.regex;
		}

		public void setRegex(String regex) {
			this.regex = regex;
		}

	}

	/** How requests are assigned to the stable or canary lane. */
	public static class Routing {

		/**
		 * Request header whose value 'always' or 'never' (any case) forces the lane;
		 * empty disables (default X-Canary).
		 */
		private String overrideHeader;

		/**
		 * Cookie whose value 'always' or 'never' forces the lane; empty disables (default
		 * canary).
		 */
		private String overrideCookie;

		/**
		 * Request header holding a sticky key, e.g. X-User-Id: the same key always gets
		 * the same lane (default none).
		 */
		private String stickyHeader;

		/**
		 * Cookie holding a sticky key, used when the sticky header is absent; a request
		 * with neither is given a random key in this cookie (default none).
		 */
		private String stickyCookie;

		/**
		 * How long a sticky cookie the gateway gives out lasts in the browser (its
		 * Max-Age), at least 1s (default 30d).
		 */
		private Duration stickyCookieMaxAge;

		/**
		 * Whether responses carry X-Canary-Version with the version that served them
		 * (default false).
		 */
		private Boolean exposeVersion;

		/**
		 * Whether a failed canary request on a load-balanced route is retried once on
		 * stable: when it could not be sent, for any method; after a 5xx or timeout, for
		 * GET, HEAD and OPTIONS (default true).
		 */
		private Boolean retryOnStable;

		/**
		 * Targeting: if present, requests matching none of these rules always go to
		 * stable; each rule names one of header, cookie, query (with values, regex, or
		 * neither for "present") or remote-address (CIDR blocks) (default none).
		 */
		private List<TargetRuleProperties> onlyFor;

		/**
		 * Targeting: requests matching any of these rules always go to the canary while
		 * the release splits traffic (default none).
		 */
		private List<TargetRuleProperties> alwaysFor;

		/**
		 * CIDR blocks of the services behind the gateway (e.g. 10.0.0.0/8): a request
		 * from one of them carrying X-Canary-Lane keeps that lane, so a service that
		 * calls back through the gateway stays in its user's lane; from anywhere else the
		 * header is ignored and removed. No address is trusted unless listed (default
		 * none).
		 */
		private List<String> trustLaneFrom;

		public List<String> getTrustLaneFrom() {
			return this.trustLaneFrom;
		}

		public void setTrustLaneFrom(List<String> trustLaneFrom) {
			this.trustLaneFrom = trustLaneFrom;
		}

		public List<TargetRuleProperties> getOnlyFor() {
			return this.onlyFor;
		}

		public void setOnlyFor(List<TargetRuleProperties> onlyFor) {
			this.onlyFor = onlyFor;
		}

		public List<TargetRuleProperties> getAlwaysFor() {
			return this.alwaysFor;
		}

		public void setAlwaysFor(List<TargetRuleProperties> alwaysFor) {
			this.alwaysFor = alwaysFor;
		}

		public String getOverrideHeader() {
			return this.overrideHeader;
		}

		public void setOverrideHeader(String overrideHeader) {
			this.overrideHeader = overrideHeader;
		}

		public String getOverrideCookie() {
			return this.overrideCookie;
		}

		public void setOverrideCookie(String overrideCookie) {
			this.overrideCookie = overrideCookie;
		}

		public String getStickyHeader() {
			return this.stickyHeader;
		}

		public void setStickyHeader(String stickyHeader) {
			this.stickyHeader = stickyHeader;
		}

		public String getStickyCookie() {
			return this.stickyCookie;
		}

		public void setStickyCookie(String stickyCookie) {
			this.stickyCookie = stickyCookie;
		}

		public Duration getStickyCookieMaxAge() {
			return this.stickyCookieMaxAge;
		}

		public void setStickyCookieMaxAge(Duration stickyCookieMaxAge) {
			this.stickyCookieMaxAge = stickyCookieMaxAge;
		}

		public Boolean getExposeVersion() {
			return this.exposeVersion;
		}

		public void setExposeVersion(Boolean exposeVersion) {
			this.exposeVersion = exposeVersion;
		}

		public Boolean getRetryOnStable() {
			return this.retryOnStable;
		}

		public void setRetryOnStable(Boolean retryOnStable) {
			this.retryOnStable = retryOnStable;
		}

	}

	/** How the canary is compared with stable. */
	public static class Analysis {

		/** How often the judge runs (default 10s). */
		private Duration interval;

		/**
		 * Canary requests needed in a step before any verdict other than inconclusive
		 * (default 50).
		 */
		private Integer minRequests;

		/**
		 * Statistical confidence required to call the canary worse than stable, in (0,1)
		 * (default 0.99).
		 */
		private Double confidence;

		/**
		 * Absolute error-rate excess of the canary over stable that is still acceptable,
		 * in [0,1) (default 0.01).
		 */
		private Double errorRateTolerance;

		/**
		 * Relative p99 latency excess of the canary over stable that is still acceptable,
		 * 0.2 = 20 % (default 0.2).
		 */
		private Double latencyTolerance;

		/**
		 * Absolute ceiling for the canary's error rate, in (0,1]; 1 switches it off
		 * (default 0.05).
		 */
		private Double maxErrorRate;

		/** Absolute ceiling for the canary's p99 latency (default 2s). */
		private Duration maxLatency;

		/** Failed verdicts in a row that roll the release back (default 1). */
		private Integer failureThreshold;

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

		public Integer getMinRequests() {
			return this.minRequests;
		}

		public void setMinRequests(Integer minRequests) {
			this.minRequests = minRequests;
		}

		public Double getConfidence() {
			return this.confidence;
		}

		public void setConfidence(Double confidence) {
			this.confidence = confidence;
		}

		public Double getErrorRateTolerance() {
			return this.errorRateTolerance;
		}

		public void setErrorRateTolerance(Double errorRateTolerance) {
			this.errorRateTolerance = errorRateTolerance;
		}

		public Double getLatencyTolerance() {
			return this.latencyTolerance;
		}

		public void setLatencyTolerance(Double latencyTolerance) {
			this.latencyTolerance = latencyTolerance;
		}

		public Double getMaxErrorRate() {
			return this.maxErrorRate;
		}

		public void setMaxErrorRate(Double maxErrorRate) {
			this.maxErrorRate = maxErrorRate;
		}

		public Duration getMaxLatency() {
			return this.maxLatency;
		}

		public void setMaxLatency(Duration maxLatency) {
			this.maxLatency = maxLatency;
		}

		public Integer getFailureThreshold() {
			return this.failureThreshold;
		}

		public void setFailureThreshold(Integer failureThreshold) {
			this.failureThreshold = failureThreshold;
		}

	}

	/** The canary breaker's settings, sized for canary traffic. */
	public static class Breaker {

		/**
		 * Failure rate in percent at which the breaker opens, in (0,100] (default 50).
		 */
		private Float failureRateThreshold;

		/** Canary calls in the breaker's count-based sliding window (default 20). */
		private Integer slidingWindowSize;

		/** Canary calls needed before the breaker may open (default 10). */
		private Integer minimumNumberOfCalls;

		/** A canary call slower than this counts as slow (default 2s). */
		private Duration slowCallDurationThreshold;

		/**
		 * Slow-call rate in percent at which the breaker opens, in (0,100] (default 100).
		 */
		private Float slowCallRateThreshold;

		public Float getFailureRateThreshold() {
			return this.failureRateThreshold;
		}

		public void setFailureRateThreshold(Float failureRateThreshold) {
			this.failureRateThreshold = failureRateThreshold;
		}

		public Integer getSlidingWindowSize() {
			return this.slidingWindowSize;
		}

		public void setSlidingWindowSize(Integer slidingWindowSize) {
			this.slidingWindowSize = slidingWindowSize;
		}

		public Integer getMinimumNumberOfCalls() {
			return this.minimumNumberOfCalls;
		}

		public void setMinimumNumberOfCalls(Integer minimumNumberOfCalls) {
			this.minimumNumberOfCalls = minimumNumberOfCalls;
		}

		public Duration getSlowCallDurationThreshold() {
			return this.slowCallDurationThreshold;
		}

		public void setSlowCallDurationThreshold(Duration slowCallDurationThreshold) {
			this.slowCallDurationThreshold = slowCallDurationThreshold;
		}

		public Float getSlowCallRateThreshold() {
			return this.slowCallRateThreshold;
		}

		public void setSlowCallRateThreshold(Float slowCallRateThreshold) {
			this.slowCallRateThreshold = slowCallRateThreshold;
		}

	}

}
