package io.canarygateway.analysis;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.ServiceFigures;

/**
 * Each service's figures of a release of several services over the current step
 * (docs/multi-service.md): the evidence per service shown beside the verdict, which
 * judges the release's traffic of all its services together. Follows the window of the
 * {@link Analyst}: a new step (another rollout, weight or step start) starts empty, and
 * the interval that straddles the change is dropped. This gateway's traffic only: with
 * Redis each gateway shows its own share per service, while the verdict judges the
 * fleet's. Not thread-safe: one caller (the analysis thread).
 */
public final class ServiceWindows {

	private long rollout = -1;

	private Instant stepStartedAt;

	private int weight = -1;

	private final Map<String, LaneSample[]> windows = new TreeMap<>();

	/**
	 * Adds an interval and returns each service's figures over the step so far (empty for
	 * a release of one service, or one that is not splitting traffic).
	 */
	public Map<String, ServiceFigures> add(ReleaseStatus status, Recorders.Interval interval) {
		if (interval.services().isEmpty() || !status.state().isSplitting()) {
			this.windows.clear();
			this.rollout = -1;
			return Map.of();
		}
		if (status.rollout() != this.rollout || status.weight() != this.weight
				|| !status.stepStartedAt().equals(this.stepStartedAt)) {
			this.rollout = status.rollout();
			this.weight = status.weight();
			this.stepStartedAt = status.stepStartedAt();
			this.windows.clear();
			interval.services()
				.keySet()
				.forEach((service) -> this.windows.put(service,
						new LaneSample[] { LaneSample.EMPTY, LaneSample.EMPTY }));
		}
		else {
			interval.services().forEach((service, share) -> {
				LaneSample[] window = this.windows.get(service);
				window[0] = window[0].plus(share.stable());
				window[1] = window[1].plus(share.canary());
			});
		}
		Map<String, ServiceFigures> figures = new TreeMap<>();
		this.windows.forEach((service, window) -> figures.put(service,
				new ServiceFigures(window[0].figures(), window[1].figures())));
		return figures;
	}

}
