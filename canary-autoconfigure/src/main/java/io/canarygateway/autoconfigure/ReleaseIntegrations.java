package io.canarygateway.autoconfigure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.canarygateway.core.ConfigViolation;
import io.canarygateway.core.MetricCheck;
import io.canarygateway.core.Webhook;

/**
 * The validated webhooks and metric checks of every release (docs/integrations.md): a
 * release's own list, else the one under {@code canary.defaults}. Invalid entries fail
 * startup naming the property where they were set.
 *
 * @param webhooks each release's hooks, by release name
 * @param metrics each release's metric checks, by release name
 */
public record ReleaseIntegrations(Map<String, List<Webhook>> webhooks, Map<String, List<MetricCheck>> metrics) {

	public ReleaseIntegrations {
		webhooks = Map.copyOf(webhooks);
		metrics = Map.copyOf(metrics);
	}

	/** The hooks of a release (empty: none). */
	public List<Webhook> webhooks(String release) {
		return this.webhooks.getOrDefault(release, List.of());
	}

	/** The hooks of a release of one type. */
	public List<Webhook> webhooks(String release, Webhook.Type type) {
		return webhooks(release).stream().filter((hook) -> hook.type() == type).toList();
	}

	/** The metric checks of a release (empty: none). */
	public List<MetricCheck> metrics(String release) {
		return this.metrics.getOrDefault(release, List.of());
	}

	/**
	 * Resolves and validates the integrations of every release.
	 * @throws InvalidCanaryConfigurationException listing every property that breaks a
	 * rule
	 */
	public static ReleaseIntegrations resolve(CanaryProperties properties) {
		List<String> problems = new ArrayList<>();
		Map<String, List<Webhook>> webhooks = new LinkedHashMap<>();
		Map<String, List<MetricCheck>> metrics = new LinkedHashMap<>();
		CanaryProperties.Release defaults = properties.getDefaults();
		String defaultUrl = properties.getMetrics().getPrometheus().getUrl();
		if (defaultUrl != null && !defaultUrl.isBlank() && Webhook.urlProblem(defaultUrl) != null) {
			problems.add(CanaryProperties.PREFIX + ".metrics.prometheus.url: " + Webhook.urlProblem(defaultUrl));
		}
		properties.getReleases().forEach((name, release) -> {
			Where hooksAt = new Where(name, release.getWebhooks() == null);
			List<CanaryProperties.WebhookProperties> hookProperties = (release.getWebhooks() != null)
					? release.getWebhooks() : (defaults.getWebhooks() != null) ? defaults.getWebhooks() : List.of();
			List<Webhook> hooks = new ArrayList<>();
			for (int i = 0; i < hookProperties.size(); i++) {
				hooks.add(webhook(hookProperties.get(i), hooksAt, "webhooks[" + i + "]", problems));
			}
			for (ConfigViolation violation : Webhook.violations(hooks)) {
				problems.add(hooksAt.describe(violation));
			}
			webhooks.put(name, hooks.stream().filter((hook) -> hook != null).toList());
			Where metricsAt = new Where(name, release.getMetrics() == null);
			List<CanaryProperties.MetricProperties> metricProperties = (release.getMetrics() != null)
					? release.getMetrics() : (defaults.getMetrics() != null) ? defaults.getMetrics() : List.of();
			List<MetricCheck> checks = new ArrayList<>();
			for (int i = 0; i < metricProperties.size(); i++) {
				CanaryProperties.MetricProperties metric = metricProperties.get(i);
				if (metric == null) {
					problems
						.add(metricsAt.describe(new ConfigViolation("metrics[" + i + "]", "must be a metric check")));
					continue;
				}
				String url = metric.getPrometheus().getUrl();
				checks.add(new MetricCheck(metric.getName(), (url != null && !url.isBlank()) ? url : defaultUrl,
						metric.getPrometheus().getQuery(), metric.getMax(), metric.getMaxIncrease()));
			}
			for (ConfigViolation violation : MetricCheck.violations(checks)) {
				problems.add(metricsAt.describe(violation));
			}
			metrics.put(name, checks);
		});
		if (!problems.isEmpty()) {
			throw new InvalidCanaryConfigurationException(problems);
		}
		return new ReleaseIntegrations(webhooks, metrics);
	}

	/**
	 * A hook from its properties, or {@code null} (reported) when its type or format is
	 * unknown.
	 */
	private static Webhook webhook(CanaryProperties.WebhookProperties properties, Where where, String at,
			List<String> problems) {
		if (properties == null) {
			problems.add(where.describe(new ConfigViolation(at, "must be a webhook")));
			return null;
		}
		Webhook.Type type = Webhook.Type.of(properties.getType());
		if (type == null) {
			problems
				.add(where.describe(new ConfigViolation(at + ".type",
						"must be one of "
								+ String.join(", ",
										Arrays.stream(Webhook.Type.values()).map(Webhook.Type::tag).toList())
								+ ", was "
								+ ((properties.getType() == null) ? "not set" : "'" + properties.getType() + "'"))));
		}
		Webhook.Format format = (properties.getFormat() == null) ? Webhook.Format.JSON
				: Webhook.Format.of(properties.getFormat());
		if (format == null) {
			problems.add(where.describe(new ConfigViolation(at + ".format",
					"must be one of "
							+ String.join(", ",
									Arrays.stream(Webhook.Format.values()).map(Webhook.Format::tag).toList())
							+ ", was '" + properties.getFormat() + "'")));
		}
		if (type == null || format == null) {
			return null;
		}
		return new Webhook(properties.getName(), type, properties.getUrl(),
				(properties.getTimeout() != null) ? properties.getTimeout() : Webhook.DEFAULT_TIMEOUT, format,
				properties.getMetadata());
	}

	/**
	 * Where a release's list was set: under the release, or under {@code canary.defaults}
	 * (inherited), which is the property to fix.
	 */
	private record Where(String release, boolean inherited) {

		/**
		 * {@code <property>: <rule>}, e.g.
		 * {@code canary.defaults.webhooks[0].url (inherited by canary.releases.orders): ...}.
		 */
		String describe(ConfigViolation violation) {
			String own = CanaryProperties.PREFIX + ".releases." + this.release;
			return this.inherited ? CanaryProperties.PREFIX + ".defaults." + violation.property() + " (inherited by "
					+ own + "): " + violation.rule() : own + "." + violation.property() + ": " + violation.rule();
		}

	}

}
