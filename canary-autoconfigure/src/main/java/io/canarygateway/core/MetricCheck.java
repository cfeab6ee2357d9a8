package io.canarygateway.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One external metric check of a release (docs/integrations.md, "Metric checks"): a
 * Prometheus query rendered for the canary version (and for the stable version when
 * {@code maxIncrease} is set) at every analysis interval. Immutable.
 *
 * @param name unique among the release's checks; named in verdicts
 * @param url the Prometheus server's base URL
 * @param query the PromQL query with the placeholders {@value #VERSION},
 * {@value #RELEASE} and {@value #INTERVAL}
 * @param max the canary's value must stay at or below it, or {@code null}
 * @param maxIncrease the canary's value minus stable's must stay at or below it, or
 * {@code null}
 */
public record MetricCheck(String name, String url, String query, Double max, Double maxIncrease) {

	/** Replaced by the version a query is rendered for. */
	public static final String VERSION = "{{version}}";

	/** Replaced by the release name. */
	public static final String RELEASE = "{{release}}";

	/** Replaced by the analysis interval as a PromQL duration, e.g. {@code 30s}. */
	public static final String INTERVAL = "{{interval}}";

	/**
	 * The query for one version.
	 * @param release the release name
	 * @param version the version
	 * @param interval the analysis interval, already in PromQL form (e.g. {@code 10s})
	 */
	public String render(String release, String version, String interval) {
		return this.query.replace(VERSION, version).replace(RELEASE, release).replace(INTERVAL, interval);
	}

	/**
	 * What is wrong with a release's checks, each with its property path relative to the
	 * release (e.g. {@code metrics[0].max}).
	 */
	public static List<ConfigViolation> violations(List<MetricCheck> checks) {
		List<ConfigViolation> violations = new ArrayList<>();
		Set<String> names = new HashSet<>();
		for (int i = 0; i < checks.size(); i++) {
			MetricCheck check = checks.get(i);
			String at = "metrics[" + i + "].";
			if (check.name() == null || check.name().isBlank()) {
				violations.add(new ConfigViolation(at + "name", "must not be empty"));
			}
			else if (!names.add(check.name())) {
				violations.add(new ConfigViolation(at + "name",
						"must be unique among the release's metrics, was '" + check.name() + "' again"));
			}
			String problem = Webhook.urlProblem(check.url());
			if (problem != null) {
				violations.add(new ConfigViolation(at + "prometheus.url",
						problem + " (set it here or once for all checks at canary.metrics.prometheus.url)"));
			}
			if (check.query() == null || check.query().isBlank()) {
				violations.add(new ConfigViolation(at + "prometheus.query", "must not be empty"));
			}
			if (check.max() == null && check.maxIncrease() == null) {
				violations.add(new ConfigViolation(at + "max",
						"max or max-increase (or both) must be set: without a threshold the check cannot fail"));
			}
			if (check.maxIncrease() != null && check.query() != null && !check.query().contains(VERSION)) {
				violations.add(new ConfigViolation(at + "prometheus.query",
						"must contain " + VERSION + " when max-increase is set (the query is rendered for the canary "
								+ "and the stable version to compare them), was '" + check.query() + "'"));
			}
			if (check.max() != null && check.max().isNaN()) {
				violations.add(new ConfigViolation(at + "max", "must be a number"));
			}
			if (check.maxIncrease() != null && check.maxIncrease().isNaN()) {
				violations.add(new ConfigViolation(at + "max-increase", "must be a number"));
			}
		}
		return violations;
	}

}
