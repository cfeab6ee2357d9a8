package io.canarygateway.propagation;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Turns the canary headers of a request into its {@link CanaryContext}: a request without
 * them has none; malformed ones are ignored (the request is handled as one without a
 * lane), counted and logged at DEBUG, and never fail the request.
 */
public class CanaryContextReader {

	private static final Log logger = LogFactory.getLog(CanaryContextReader.class);

	private final PropagationMetrics metrics;

	public CanaryContextReader(PropagationMetrics metrics) {
		this.metrics = metrics;
	}

	/**
	 * @param lane the {@value CanaryHeaders#LANE} value, or {@code null}
	 * @param versions the {@value CanaryHeaders#VERSIONS} value, or {@code null}
	 * @param repeated whether either header appeared more than once (a malformed request)
	 * @return the context, or {@code null} when there is none or it is malformed
	 */
	public @Nullable CanaryContext read(@Nullable String lane, @Nullable String versions, boolean repeated) {
		if (lane == null && versions == null) {
			return null;
		}
		try {
			if (repeated) {
				throw new MalformedCanaryHeadersException(
						CanaryHeaders.LANE + " and " + CanaryHeaders.VERSIONS + " must appear at most once");
			}
			return CanaryContext.parse(lane, versions);
		}
		catch (MalformedCanaryHeadersException ex) {
			this.metrics.malformed();
			if (logger.isDebugEnabled()) {
				logger.debug("Ignoring malformed canary headers (normal load balancing): " + ex.getMessage());
			}
			return null;
		}
	}

}
