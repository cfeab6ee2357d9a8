package io.canarygateway.core;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One webhook of a release (docs/integrations.md, "Webhooks"): an HTTP endpoint the
 * gateway POSTs to at a point of the release's life. Immutable; {@link #violations}
 * checks a release's list.
 *
 * @param name unique among the release's hooks; named in history, evidence and metrics
 * @param type when it is called and what its answer means
 * @param url where it is POSTed to (http or https)
 * @param timeout how long one call may take before it counts as failed
 * @param format the shape of the body
 * @param metadata passed through in the payload
 */
public record Webhook(String name, Type type, String url, Duration timeout, Format format,
		Map<String, String> metadata) {

	/** The timeout of a hook that sets none. */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

	public Webhook {
		metadata = (metadata != null) ? Map.copyOf(metadata) : Map.of();
	}

	/** When a hook is called. */
	public enum Type {

		/**
		 * On start, before any traffic shifts: the release stays at weight 0 until every
		 * pre-rollout hook answers 2xx.
		 */
		PRE_ROLLOUT,
		/** At every analysis interval: a non-2xx answer is a failing verdict. */
		STEP,
		/** At the last step: the release is promoted only once it answers 2xx. */
		CONFIRM_PROMOTION,
		/** Once after the release is promoted or rolled back. */
		POST_ROLLOUT,
		/** Told every transition, fire-and-forget. */
		EVENT;

		/** The name used in properties and payloads, e.g. {@code confirm-promotion}. */
		public String tag() {
			return name().toLowerCase(Locale.ROOT).replace('_', '-');
		}

		/** Whether the release waits for this hook's answer. */
		public boolean isGate() {
			return this == PRE_ROLLOUT || this == STEP || this == CONFIRM_PROMOTION;
		}

		/** The type named {@code tag}, or {@code null}. */
		public static Type of(String tag) {
			for (Type type : values()) {
				if (type.tag().equalsIgnoreCase(tag)) {
					return type;
				}
			}
			return null;
		}

	}

	/** The shape of a hook's body. */
	public enum Format {

		/** The payload of docs/integrations.md as a JSON object. */
		JSON,
		/**
		 * {@code {"text": …}}: Slack, Mattermost, Rocket.Chat, Google Chat incoming
		 * webhooks.
		 */
		SLACK,
		/** An Adaptive Card message, as Microsoft Teams Workflows webhooks require. */
		TEAMS;

		public String tag() {
			return name().toLowerCase(Locale.ROOT);
		}

		/** The format named {@code tag}, or {@code null}. */
		public static Format of(String tag) {
			for (Format format : values()) {
				if (format.tag().equalsIgnoreCase(tag)) {
					return format;
				}
			}
			return null;
		}

	}

	/**
	 * What is wrong with a release's hooks, each with its property path relative to the
	 * release (e.g. {@code webhooks[1].url}). Entries that could not be read at all (an
	 * unknown type or format) are reported where they are bound and arrive here as
	 * {@code null}s to skip.
	 */
	public static List<ConfigViolation> violations(List<Webhook> hooks) {
		List<ConfigViolation> violations = new ArrayList<>();
		Set<String> names = new HashSet<>();
		for (int i = 0; i < hooks.size(); i++) {
			Webhook hook = hooks.get(i);
			if (hook == null) {
				continue;
			}
			String at = "webhooks[" + i + "].";
			if (hook.name() == null || hook.name().isBlank()) {
				violations.add(new ConfigViolation(at + "name", "must not be empty"));
			}
			else if (!names.add(hook.name())) {
				violations.add(new ConfigViolation(at + "name",
						"must be unique among the release's webhooks, was '" + hook.name() + "' again"));
			}
			String problem = urlProblem(hook.url());
			if (problem != null) {
				violations.add(new ConfigViolation(at + "url", problem));
			}
			if (hook.timeout() == null || hook.timeout().isNegative() || hook.timeout().isZero()) {
				violations.add(new ConfigViolation(at + "timeout", "must be positive, was " + hook.timeout()));
			}
			if (hook.format() != Format.JSON && hook.type().isGate()) {
				violations.add(new ConfigViolation(at + "format",
						"must be json for a " + hook.type().tag() + " hook (its answer gates the release), was "
								+ hook.format().tag() + "; chat formats are for event and post-rollout hooks"));
			}
		}
		return violations;
	}

	/** Why {@code url} is not an absolute http(s) URL, or {@code null} when it is one. */
	public static String urlProblem(String url) {
		if (url == null || url.isBlank()) {
			return "must be an http or https URL, was empty";
		}
		try {
			URI uri = new URI(url);
			String scheme = uri.getScheme();
			if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
					|| uri.getHost() == null) {
				return "must be an http or https URL, was '" + url + "'";
			}
			return null;
		}
		catch (java.net.URISyntaxException ex) {
			return "must be an http or https URL, was '" + url + "' (" + ex.getReason() + ")";
		}
	}

}
