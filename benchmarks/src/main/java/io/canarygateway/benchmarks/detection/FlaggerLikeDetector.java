package io.canarygateway.benchmarks.detection;

import java.util.List;
import java.util.Locale;

import org.HdrHistogram.Histogram;

/**
 * Flagger's built-in analysis as its defaults and docs describe it
 * (https://docs.flagger.app/usage/how-it-works, https://docs.flagger.app/usage/metrics):
 * every {@code interval} (60 s) one check of the canary alone, no comparison with the
 * primary — request success rate (non-5xx) over the last minute ≥ 99 % and request
 * duration p99 over the last minute ≤ 500 ms; a failed check (a metric out of range, or
 * no canary request at all: "no values found") increments the failed checks, and reaching
 * {@code threshold} failed checks rolls back; a passed check moves to the next weight,
 * and a passed check at the last weight promotes. Failed checks are not reset by a passed
 * one. The weights are the same steps as Canary Gateway's, and the traffic is the same
 * seeded stream, so the two are compared side by side.
 * <p>
 * Optimistic for Flagger: the check sees the exact last minute (no Prometheus scrape
 * interval, no {@code rate()} lag), and its p99 is exact (no histogram-bucket
 * interpolation).
 */
final class FlaggerLikeDetector implements Detector {

	private final List<Integer> steps;

	private final int threshold;

	private final double intervalSeconds;

	private final double minSuccessPercent;

	private final double maxP99Ms;

	private final double maxSeconds;

	FlaggerLikeDetector(List<Integer> steps, int threshold, double intervalSeconds, double minSuccessPercent,
			double maxP99Ms, double maxSeconds) {
		this.steps = steps;
		this.threshold = threshold;
		this.intervalSeconds = intervalSeconds;
		this.minSuccessPercent = minSuccessPercent;
		this.maxP99Ms = maxP99Ms;
		this.maxSeconds = maxSeconds;
	}

	@Override
	public String name() {
		return String.format(Locale.ROOT, "flagger-like threshold %d", this.threshold);
	}

	@Override
	public Run run(Scenario scenario, double rps, long seed) {
		Traffic traffic = new Traffic(rps, seed);
		Histogram window = new Histogram(3_600_000_000L, 3);
		long windowRequests = 0;
		long windowErrors = 0;
		int step = 0;
		int failedChecks = 0;
		long failedCanary = 0;
		long canaryRequests = 0;
		double nextCheck = this.intervalSeconds;
		while (true) {
			double t = traffic.next();
			while (nextCheck <= t) {
				boolean passed = windowRequests > 0
						&& 100.0 * (windowRequests - windowErrors) / windowRequests >= this.minSuccessPercent
						&& window.getValueAtPercentile(99) / 1000.0 <= this.maxP99Ms;
				window.reset();
				windowRequests = 0;
				windowErrors = 0;
				if (!passed) {
					if (++failedChecks >= this.threshold) {
						return new Run(Run.End.ROLLED_BACK, nextCheck, failedCanary, canaryRequests, "checks");
					}
				}
				else if (++step >= this.steps.size()) {
					return new Run(Run.End.PROMOTED, nextCheck, failedCanary, canaryRequests, "checks");
				}
				nextCheck += this.intervalSeconds;
			}
			if (t > this.maxSeconds) {
				return new Run(Run.End.TIME_LIMIT, this.maxSeconds, failedCanary, canaryRequests, "time limit");
			}
			// the mesh's weighted split: canary with probability weight / 100
			boolean canary = traffic.random.nextInt(100) < this.steps.get(step);
			long outcome = traffic.serve(canary ? scenario.canary() : scenario.stable());
			if (canary) {
				boolean failure = outcome < 0;
				canaryRequests++;
				failedCanary += failure ? 1 : 0;
				windowRequests++;
				windowErrors += failure ? 1 : 0;
				window.recordValue(Math.min(Math.abs(outcome) / 1000, 3_600_000_000L));
			}
		}
	}

}
