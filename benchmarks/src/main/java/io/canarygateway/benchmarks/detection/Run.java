package io.canarygateway.benchmarks.detection;

/**
 * How one simulated rollout ended.
 *
 * @param end rolled back, promoted, paused (progress deadline) or still running at the
 * time limit
 * @param seconds virtual seconds from the first canary traffic to the end
 * @param failedCanary canary-lane requests that failed until the end (for a rollback:
 * until the rollback)
 * @param canaryRequests canary-lane requests until the end
 * @param reason what ended it (e.g. {@code breaker}, {@code analysis}, {@code checks})
 * @param fails failed verdicts (or failed checks) until the end
 */
public record Run(End end, double seconds, long failedCanary, long canaryRequests, String reason, int fails) {

	public Run(End end, double seconds, long failedCanary, long canaryRequests, String reason) {
		this(end, seconds, failedCanary, canaryRequests, reason, (end == End.ROLLED_BACK) ? 1 : 0);
	}

	/**
	 * Analysis intervals of {@code intervalSeconds} until the end, the last one counted
	 * whole.
	 */
	public int intervals(double intervalSeconds) {
		return (int) Math.ceil(this.seconds / intervalSeconds - 1e-9);
	}

	/** How a rollout ended. */
	public enum End {

		ROLLED_BACK, PROMOTED, PAUSED, TIME_LIMIT

	}

}
