package io.canarygateway.routing;

import java.util.Map;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationFilter;

import org.springframework.cloud.gateway.filter.headers.observation.GatewayContext;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;

import io.canarygateway.loadbalancer.LaneRequest;

/**
 * Puts a request's canary handling on its Micrometer Observations (docs/operations.md,
 * "Traces and observations"): the server's {@code http.server.requests} observation and
 * the gateway's observation of the proxied request get the low-cardinality key values
 * {@value #RELEASE}, {@value #LANE} and {@value #VERSION} (the version that served the
 * request), so they appear on traces (e.g. with OpenTelemetry) and as tags of the
 * observations' timers. A request that no release handled gets {@value #NONE} for each:
 * every observation of a kind has the same keys, as Prometheus requires of a meter's
 * tags. Applied when an observation stops, once the request has been served; costs
 * nothing on requests without an observation.
 */
public class CanaryObservationFilter implements ObservationFilter {

	/** The key of the release that handled the request. */
	public static final String RELEASE = "canary.release";

	/** The key of the lane the request was served in ({@code stable}, {@code canary}). */
	public static final String LANE = "canary.lane";

	/** The key of the version that served the request. */
	public static final String VERSION = "canary.version";

	/** The value of each key for a request no release handled. */
	public static final String NONE = "none";

	@Override
	public Observation.Context map(Observation.Context context) {
		Map<String, Object> attributes = attributes(context);
		if (attributes == null) {
			return context;
		}
		LaneRequest request = LaneRequest.handled(attributes);
		if (request == null) {
			return context.addLowCardinalityKeyValue(KeyValue.of(RELEASE, NONE))
				.addLowCardinalityKeyValue(KeyValue.of(LANE, NONE))
				.addLowCardinalityKeyValue(KeyValue.of(VERSION, NONE));
		}
		// the lane of the attempt that was answered: stable after a retry on stable
		String lane = ((request.attempt() != null) ? request.attempt() : request.lane()).value();
		String version = request.servedVersion();
		return context.addLowCardinalityKeyValue(KeyValue.of(RELEASE, request.release()))
			.addLowCardinalityKeyValue(KeyValue.of(LANE, lane))
			.addLowCardinalityKeyValue(KeyValue.of(VERSION, (version != null) ? version : NONE));
	}

	/** The exchange attributes of a request's observation, or {@code null} for others. */
	private static Map<String, Object> attributes(Observation.Context context) {
		if (context instanceof ServerRequestObservationContext server) {
			return server.getAttributes();
		}
		if (context instanceof GatewayContext gateway) {
			return gateway.getServerWebExchange().getAttributes();
		}
		return null;
	}

}
