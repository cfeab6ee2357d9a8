package io.canarygateway.actuate;

import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import io.canarygateway.analysis.TrafficHistory;
import io.canarygateway.control.ActionResult;
import io.canarygateway.control.ManagedRelease;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;
import io.canarygateway.core.Reason;
import io.canarygateway.core.Transition;
import io.canarygateway.core.UnreadableRecord;

/**
 * The {@code canary} actuator endpoint (docs/operations.md, "The canary endpoint"): lists
 * releases, shows one, and applies an operator's action ({@code POST
 * /actuator/canary/{release}/{action}}, {@code weight} taking {@code {"weight": 30}},
 * {@code start} optionally {@code {"version": "v3"}}). Answers 200 with the release, 404
 * for an unknown release, 400 for an unknown action, a bad weight or a bad version, 409
 * for an action not allowed in the release's state or on a release whose stored record
 * cannot be read (the body then has {@code unreadableRecord}), and 503 when the release
 * store cannot be reached or did not confirm the change (the body's {@code outcome} says
 * {@code unchanged} or {@code unknown}) — each with a JSON body saying why.
 */
@Endpoint(id = "canary")
public class CanaryEndpoint {

	private final ReleaseController controller;

	private final TrafficHistory traffic;

	public CanaryEndpoint(ReleaseController controller, TrafficHistory traffic) {
		this.controller = controller;
		this.traffic = traffic;
	}

	@ReadOperation
	public Map<String, Object> releases() {
		Map<String, ReleaseDescriptor> releases = new LinkedHashMap<>();
		this.controller.releases()
			.forEach((name, release) -> releases.put(name, ReleaseDescriptor.of(release, unreadable(name), null)));
		return Map.of("releases", releases);
	}

	@ReadOperation
	public WebEndpointResponse<Object> release(@Selector String release) {
		ManagedRelease managed = this.controller.release(release);
		if (managed == null) {
			return error(WebEndpointResponse.STATUS_NOT_FOUND, release, null, "no release named '" + release + "'");
		}
		return new WebEndpointResponse<>(
				ReleaseDescriptor.of(managed, unreadable(release), this.traffic.recent(release)));
	}

	/**
	 * Applies an operator's action; the history records who acted: the authenticated
	 * principal's name, or {@code anonymous} when the request carried none.
	 * @param weight the new weight of {@code weight}
	 * @param version the version {@code start} rolls out (none: the record's canary
	 * version)
	 */
	@WriteOperation
	public WebEndpointResponse<Object> act(SecurityContext securityContext, @Selector String release,
			@Selector String action, @Nullable Integer weight, @Nullable String version) {
		ManagedRelease managed = this.controller.release(release);
		if (managed == null) {
			return error(WebEndpointResponse.STATUS_NOT_FOUND, release, action, "no release named '" + release + "'");
		}
		Action parsed;
		try {
			parsed = Action.ofOperator(action);
		}
		catch (IllegalArgumentException ex) {
			return error(WebEndpointResponse.STATUS_BAD_REQUEST, release, action, ex.getMessage());
		}
		if (parsed == Action.WEIGHT && weight == null) {
			return error(WebEndpointResponse.STATUS_BAD_REQUEST, release, action,
					"weight needs a JSON body {\"weight\": <0-100>}");
		}
		if (version != null && parsed != Action.START) {
			return error(WebEndpointResponse.STATUS_BAD_REQUEST, release, action,
					"only start takes a version; " + action + " acts on the release's current rollout");
		}
		Principal principal = securityContext.getPrincipal();
		String by = (principal != null && principal.getName() != null && !principal.getName().isBlank())
				? principal.getName() : Transition.ANONYMOUS;
		ActionResult result = (parsed == Action.START) ? this.controller.start(release, version, Reason.MANUAL, by, -1)
				: this.controller.operate(release, parsed, (weight != null) ? weight : 0, by);
		return switch (result.kind()) {
			case APPLIED ->
				new WebEndpointResponse<>(ReleaseDescriptor.of(managed, result.status(), unreadable(release), null));
			case NOT_FOUND -> error(WebEndpointResponse.STATUS_NOT_FOUND, release, action, result.message());
			case INVALID -> error(WebEndpointResponse.STATUS_BAD_REQUEST, release, action, result.message());
			case CONFLICT -> error(409, release, action, result.message());
			case UNAVAILABLE -> unavailable(release, action, result.message(), "unchanged");
			case OUTCOME_UNKNOWN -> unavailable(release, action, result.message(), "unknown");
			case UNREADABLE -> {
				// not 503: the store answers, but this release's record needs an operator
				// (or an upgrade) before any action on it can succeed; retrying is no use
				Map<String, Object> body = errorBody(409, release, action, result.message());
				body.put("unreadableRecord", ReleaseDescriptor.UnreadableRecordDescriptor.of(unreadable(release)));
				yield new WebEndpointResponse<>(body, 409);
			}
		};
	}

	private UnreadableRecord unreadable(String release) {
		return this.controller.unreadableRecord(release).orElse(null);
	}

	private static WebEndpointResponse<Object> error(int status, String release, String action, String message) {
		return new WebEndpointResponse<>(errorBody(status, release, action, message), status);
	}

	/**
	 * A 503, saying whether the release is {@code unchanged} (safe to try again) or in an
	 * {@code unknown} state (the change may have been applied: read it first).
	 */
	private static WebEndpointResponse<Object> unavailable(String release, String action, String message,
			String outcome) {
		Map<String, Object> body = errorBody(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE, release, action, message);
		body.put("outcome", outcome);
		return new WebEndpointResponse<>(body, WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
	}

	private static Map<String, Object> errorBody(int status, String release, String action, String message) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("status", status);
		body.put("error", message);
		body.put("release", release);
		if (action != null) {
			body.put("action", action);
		}
		return body;
	}

}
