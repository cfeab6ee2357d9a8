package io.canarygateway.loadbalancer;

import java.util.List;
import java.util.Map;

import org.springframework.cloud.client.ServiceInstance;

import io.canarygateway.core.Assignment;
import io.canarygateway.core.Lane;

/**
 * One request's lane for one release, from the decision to the instance that served it:
 * the lane decided (once), the lane being tried (the decided one, then stable for a
 * retry), the instances that attempt may reach and the lane whose instances the load
 * balancer was offered. The canary handling and the version-aware load balancer share it
 * through one exchange attribute, {@link #ATTRIBUTE}; nothing else of a request's canary
 * handling lives in exchange attributes.
 * <p>
 * A request may be decided for more than one release (route predicates of several
 * releases were evaluated); the attribute then holds a short chain, one element per
 * release. Only one of them is handled (sent down its lane). A request's processing is
 * sequential, so the fields need no synchronization.
 */
public final class LaneRequest {

	/**
	 * The exchange attribute holding the request's {@code LaneRequest} (the first of its
	 * chain).
	 */
	public static final String ATTRIBUTE = "io.canarygateway.laneRequest";

	private final String release;

	private final Assignment assignment;

	private final LaneTargets targets;

	private final LaneRequest next;

	private boolean handled;

	private Lane attempt;

	private LaneTarget target;

	private Lane offered;

	private LaneRequest(String release, Assignment assignment, LaneTargets targets, LaneRequest next) {
		this.release = release;
		this.assignment = assignment;
		this.targets = targets;
		this.next = next;
	}

	/**
	 * The request's lane for a release, or {@code null} when it has not been decided yet.
	 */
	public static LaneRequest find(Map<String, Object> attributes, String release) {
		for (LaneRequest request = head(attributes); request != null; request = request.next) {
			if (request.release == release || request.release.equals(release)) {
				return request;
			}
		}
		return null;
	}

	/**
	 * Records the lane decided for a release (call once per release, after {@link #find}
	 * found none).
	 * @param targets the lanes' targets for the versions of the record the lane was
	 * decided on
	 */
	public static LaneRequest decided(Map<String, Object> attributes, String release, Assignment assignment,
			LaneTargets targets) {
		LaneRequest request = new LaneRequest(release, assignment, targets, head(attributes));
		attributes.put(ATTRIBUTE, request);
		return request;
	}

	/**
	 * The request being sent down a lane, or {@code null} when no canary handling has
	 * begun.
	 */
	public static LaneRequest handled(Map<String, Object> attributes) {
		for (LaneRequest request = head(attributes); request != null; request = request.next) {
			if (request.handled) {
				return request;
			}
		}
		return null;
	}

	private static LaneRequest head(Map<String, Object> attributes) {
		return (attributes.get(ATTRIBUTE) instanceof LaneRequest request) ? request : null;
	}

	/**
	 * Marks this request as the one sent down its lane.
	 * @return {@code false} when the request was already handled, for this or another
	 * release (it is then passed through: canary handling happens once per request)
	 */
	public boolean handle(Map<String, Object> attributes) {
		if (handled(attributes) != null) {
			return false;
		}
		this.handled = true;
		return true;
	}

	/**
	 * Starts an attempt down a lane.
	 * @param lane the lane to try
	 * @param target the instances it may reach on a load-balanced route, or {@code null}
	 * (the route is the lane)
	 */
	public void attempt(Lane lane, LaneTarget target) {
		this.attempt = lane;
		this.target = target;
		this.offered = null;
	}

	/**
	 * Called by the load balancer: filters the instances this attempt may reach, and
	 * remembers whose they are.
	 */
	List<ServiceInstance> offer(List<ServiceInstance> instances) {
		LaneTarget.Selection selection = this.target.select(instances);
		this.offered = selection.lane();
		return selection.instances();
	}

	public String release() {
		return this.release;
	}

	/** The lane decided for the request. */
	public Lane lane() {
		return this.assignment.lane();
	}

	/** How the lane was decided: drawn requests are judged, forced ones only counted. */
	public Assignment assignment() {
		return this.assignment;
	}

	/**
	 * The lanes' targets for the versions the request was decided on: every attempt of
	 * the request uses them.
	 */
	public LaneTargets targets() {
		return this.targets;
	}

	/**
	 * The version that served the current attempt: of the route's service for a release
	 * of several services.
	 */
	public String servedVersion() {
		String version = (this.target != null) ? this.target.version(served()) : null;
		return (version != null) ? version : this.targets.versions().of(served());
	}

	/**
	 * {@code X-Canary-Versions} for the current attempt (docs/multi-service.md): the
	 * versions of the lane that served it, or {@code null} on a route that is not
	 * load-balanced (no service to name).
	 */
	public String versionsHeader() {
		return (this.target != null) ? this.target.versionsHeader(served()) : null;
	}

	/** The lane of the current attempt, or {@code null} before the first. */
	public Lane attempt() {
		return this.attempt;
	}

	/** Where the current attempt may go on a load-balanced route, or {@code null}. */
	public LaneTarget target() {
		return this.target;
	}

	/**
	 * The lane that served the current attempt: the lane whose instances the load
	 * balancer was offered (a canary attempt that found no canary instance was offered
	 * stable's), or the attempt's lane when no load balancer chose.
	 */
	public Lane served() {
		return (this.offered != null) ? this.offered : this.attempt;
	}

	@Override
	public String toString() {
		return "LaneRequest[" + this.release + ": " + this.assignment + "]";
	}

}
