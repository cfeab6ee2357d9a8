package io.canarygateway.store;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import io.canarygateway.core.LaneFigures;
import io.canarygateway.core.Reason;
import io.canarygateway.core.ReleaseState;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Transition;
import io.canarygateway.core.ServiceFigures;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Versions;

/**
 * Writes a {@link ReleaseStatus} as the JSON record a durable store keeps (in Redis, in a
 * file) and reads it back, field by field, so that the stored format is written down here
 * and does not change when a Java class is refactored (gateways of two versions share one
 * Redis during a rolling upgrade, and a gateway reads the records an older one wrote).
 * <p>
 * The format (version 2):
 * {@code {"format":2, "release", "stableVersion", "canaryVersion"?, "previousVersion"?,
 * "rolledBackVersions":[…], "configuredVersion"?, "revision", "rollout", "state", "weight", "step", "reason",
 * "stepStartedAt", "history":[{"at", "from", "to", "reason", "weight", "by", "version"?,
 * "evidence"?}]}}, evidence being {@code {"result", "at", "stable", "canary",
 * "statistics", "reasons"}} and each lane {@code {"requests", "errors", "errorRate",
 * "p99Ms"}}. Enums are written by name, instants as ISO-8601 (nanosecond precision),
 * non-finite statistics as the strings {@code NaN}, {@code Infinity}, {@code -Infinity};
 * a field marked {@code ?} is left out when it has no value. Unknown fields are ignored
 * on reading, so a later version may add some and keep the format number ({@code by} was
 * added that way: a transition without it reads as by {@code unknown}); a change older
 * gateways would misread (a field removed or changed in meaning) raises it, and they then
 * refuse such records instead of guessing.
 * <p>
 * Format 2 put the versions into the record (they move forward at runtime); format 1
 * records held only the canary version, the stable one coming from each gateway's
 * configuration. They are still read, with the configured stable version of their
 * release, and written back as format 2 on their next change.
 */
public final class ReleaseRecordCodec {

	/** The format version written into every record. */
	public static final int FORMAT = 2;

	private final JsonMapper mapper = JsonMapper.builder().build();

	private final Function<String, String> configuredStableVersion;

	/** A codec that reads format 2 records only. */
	public ReleaseRecordCodec() {
		this((release) -> null);
	}

	/**
	 * A codec that also reads format 1 records.
	 * @param configuredStableVersion the configured stable version of a release, or
	 * {@code null} when it is not configured here (its format 1 record is then refused)
	 */
	public ReleaseRecordCodec(Function<String, String> configuredStableVersion) {
		this.configuredStableVersion = configuredStableVersion;
	}

	/** The record as JSON. */
	public String write(ReleaseStatus status) {
		ObjectNode node = this.mapper.createObjectNode();
		node.put("format", FORMAT);
		node.put("release", status.release());
		Versions versions = status.versions();
		node.put("stableVersion", versions.stable());
		putIfPresent(node, "canaryVersion", versions.canary());
		putIfPresent(node, "previousVersion", versions.previous());
		ArrayNode rolledBack = node.putArray("rolledBackVersions");
		versions.rolledBack().forEach(rolledBack::add);
		putIfPresent(node, "configuredVersion", versions.configured());
		node.put("revision", status.revision());
		node.put("rollout", status.rollout());
		node.put("state", status.state().name());
		node.put("weight", status.weight());
		node.put("step", status.step());
		node.put("reason", status.reason().name());
		node.put("stepStartedAt", status.stepStartedAt().toString());
		ArrayNode history = node.putArray("history");
		for (Transition transition : status.history()) {
			ObjectNode t = history.addObject();
			t.put("at", transition.at().toString());
			t.put("from", transition.from().name());
			t.put("to", transition.to().name());
			t.put("reason", transition.reason().name());
			t.put("weight", transition.weight());
			t.put("by", transition.by());
			putIfPresent(t, "version", transition.version());
			if (transition.evidence() != null) {
				writeVerdict(t.putObject("evidence"), transition.evidence());
			}
		}
		return this.mapper.writeValueAsString(node);
	}

	/** One verdict as JSON, in the form of a record's transition evidence. */
	public String writeVerdict(Verdict verdict) {
		ObjectNode node = this.mapper.createObjectNode();
		writeVerdict(node, verdict);
		return this.mapper.writeValueAsString(node);
	}

	/**
	 * Reads a verdict written by {@link #writeVerdict(Verdict)}.
	 * @throws IllegalArgumentException if the text is not such a verdict
	 */
	public Verdict readVerdict(String json) {
		try {
			return readVerdict(this.mapper.readTree(json));
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("not a verdict: " + ex.getOriginalMessage(), ex);
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException("not a verdict: " + ex.getMessage(), ex);
		}
	}

	private static void putIfPresent(ObjectNode node, String field, String value) {
		if (value != null) {
			node.put(field, value);
		}
	}

	private static void writeVerdict(ObjectNode node, Verdict verdict) {
		node.put("result", verdict.result().name());
		node.put("at", verdict.at().toString());
		writeLane(node.putObject("stable"), verdict.stable());
		writeLane(node.putObject("canary"), verdict.canary());
		ObjectNode statistics = node.putObject("statistics");
		verdict.statistics().forEach((name, value) -> {
			if (value == null || Double.isFinite(value)) {
				statistics.put(name, value);
			}
			else {
				statistics.put(name, Double.toString(value));
			}
		});
		ArrayNode reasons = node.putArray("reasons");
		verdict.reasons().forEach(reasons::add);
		if (!verdict.services().isEmpty()) {
			ObjectNode services = node.putObject("services");
			verdict.services().forEach((service, figures) -> {
				ObjectNode s = services.putObject(service);
				writeLane(s.putObject("stable"), figures.stable());
				writeLane(s.putObject("canary"), figures.canary());
			});
		}
	}

	private static void writeLane(ObjectNode node, LaneFigures lane) {
		node.put("requests", lane.requests());
		node.put("errors", lane.errors());
		node.put("errorRate", lane.errorRate());
		node.put("p99Ms", lane.p99Ms());
	}

	/**
	 * Reads a record written by {@link #write} (by this or an earlier version; a record
	 * without {@code format} is read as format 1).
	 * @throws IllegalArgumentException if the text is not such a record, saying what is
	 * wrong with it, or if a newer gateway wrote it in a format this one cannot read
	 */
	public ReleaseStatus read(String json) {
		JsonNode node;
		try {
			node = this.mapper.readTree(json);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("not a release record: " + ex.getOriginalMessage(), ex);
		}
		int format = node.path("format").asInt(1);
		if (format > FORMAT) {
			throw new NewerFormatException(
					"record format " + format + " was written by a newer gateway; this one reads " + "formats up to "
							+ FORMAT + " — upgrade this gateway to the version that wrote it");
		}
		try {
			List<Transition> history = new ArrayList<>();
			for (JsonNode t : node.path("history")) {
				try {
					JsonNode evidence = t.get("evidence");
					history.add(new Transition(instant(t, "at"), ReleaseState.valueOf(text(t, "from")),
							ReleaseState.valueOf(text(t, "to")), reason(text(t, "reason")), t.path("weight").asInt(),
							(evidence != null && !evidence.isNull()) ? readVerdict(evidence) : null,
							t.path("by").isString() ? t.path("by").asString() : Transition.UNKNOWN,
							optionalText(t, "version")));
				}
				catch (RuntimeException ex) {
					throw new IllegalArgumentException("history[" + history.size() + "]: " + ex.getMessage(), ex);
				}
			}
			String release = text(node, "release");
			return new ReleaseStatus(release, versions(node, format, release), longValue(node, "revision"),
					longValue(node, "rollout"), ReleaseState.valueOf(text(node, "state")), node.path("weight").asInt(),
					node.path("step").asInt(-1), reason(text(node, "reason")), instant(node, "stepStartedAt"), history);
		}
		catch (RuntimeException ex) {
			// whatever a corrupt record makes the decoding throw: it is not a record
			throw new IllegalArgumentException("not a release record: " + ex.getMessage(), ex);
		}
	}

	private Versions versions(JsonNode node, int format, String release) {
		if (format >= 2) {
			List<String> rolledBack = new ArrayList<>();
			node.path("rolledBackVersions").forEach((version) -> rolledBack.add(version.asString()));
			return new Versions(text(node, "stableVersion"), optionalText(node, "canaryVersion"),
					optionalText(node, "previousVersion"), rolledBack, optionalText(node, "configuredVersion"));
		}
		String stable = this.configuredStableVersion.apply(release);
		if (stable == null) {
			throw new IllegalArgumentException("a format 1 record names no stable version, and release '" + release
					+ "' is not configured on this gateway to supply it");
		}
		return Versions.of(stable, text(node, "canaryVersion"));
	}

	private static String optionalText(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isString()) {
			throw new IllegalArgumentException("'" + field + "' is not text");
		}
		return value.asString();
	}

	private static Verdict readVerdict(JsonNode node) {
		Map<String, Double> statistics = new LinkedHashMap<>();
		node.path("statistics").properties().forEach((entry) -> {
			JsonNode value = entry.getValue();
			statistics.put(entry.getKey(), value.isString() ? Double.parseDouble(value.asString()) : value.asDouble());
		});
		List<String> reasons = new ArrayList<>();
		node.path("reasons").forEach((reason) -> reasons.add(reason.asString()));
		Map<String, ServiceFigures> services = new LinkedHashMap<>();
		node.path("services")
			.properties()
			.forEach((entry) -> services.put(entry.getKey(), new ServiceFigures(
					readLane(entry.getValue().path("stable")), readLane(entry.getValue().path("canary")))));
		return new Verdict(Verdict.Result.valueOf(text(node, "result").toUpperCase(Locale.ROOT)), instant(node, "at"),
				readLane(node.path("stable")), readLane(node.path("canary")), statistics, reasons, services);
	}

	private static LaneFigures readLane(JsonNode node) {
		if (node.isMissingNode() || node.isNull()) {
			return LaneFigures.EMPTY;
		}
		return new LaneFigures(node.path("requests").asLong(), node.path("errors").asLong(),
				node.path("errorRate").asDouble(), node.path("p99Ms").asDouble());
	}

	private static Reason reason(String name) {
		return Reason.valueOf(name.toUpperCase(Locale.ROOT));
	}

	private static Instant instant(JsonNode node, String field) {
		String text = text(node, field);
		try {
			return Instant.parse(text);
		}
		catch (DateTimeParseException ex) {
			throw new IllegalArgumentException("'" + field + "' is not an ISO-8601 instant: '" + text + "'", ex);
		}
	}

	private static long longValue(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || !value.isNumber()) {
			throw new IllegalArgumentException("missing number '" + field + "'");
		}
		return value.asLong();
	}

	private static String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || !value.isString()) {
			throw new IllegalArgumentException("missing text '" + field + "'");
		}
		return value.asString();
	}

	/** A record written in a format newer than this gateway reads. */
	public static final class NewerFormatException extends IllegalArgumentException {

		NewerFormatException(String message) {
			super(message);
		}

	}

}
