package io.canarygateway.benchmarks.detection;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;

import org.HdrHistogram.Histogram;

/**
 * The anchors Canary Gateway is compared with, on the same seeded request streams and the
 * same steps (one step a minute, a passing check advances, a failing one rolls back at
 * once): each sees the traffic as 10-second aggregates per lane and decides with one
 * tunable knob, which the simulator sets so that the anchor falsely rolls back a canary
 * at the tolerance boundary as often as Canary Gateway does (docs/benchmarks.md).
 * <ul>
 * <li>{@link Kind#THRESHOLD}: Flagger/Argo style, every 60 s the canary alone over the
 * last minute: error rate above a threshold, or p99 above a threshold, fails;</li>
 * <li>{@link Kind#MANN_WHITNEY}: Kayenta style, every 60 s a one-sided Mann–Whitney test
 * of the six 10-second aggregates of each lane over the last minute (canary error rate
 * minus the error-rate tolerance, canary p99 divided by 1 + latency tolerance, against
 * stable's), fails at p below the knob (exact p-value over the 924 rank splits);</li>
 * <li>{@link Kind#MSPRT}: mixture SPRT (Johari et al.) every 10 s on the rollout's pooled
 * counts: error-rate difference beyond the tolerance (normal mixture, τ = 1 point) and
 * mean log latency difference beyond log(1 + tolerance) (τ = 0.2); fails when either
 * likelihood ratio reaches 1 / knob.</li>
 * </ul>
 */
final class AnchorDetector implements Detector {

	/** Which anchor. */
	enum Kind {

		THRESHOLD, MANN_WHITNEY, MSPRT

	}

	private static final double INTERVAL = 10;

	private static final double STEP = 60;

	private final Kind kind;

	private final List<Integer> steps;

	private final double errorKnob;

	private final double latencyKnob;

	private final double errorTolerance;

	private final double latencyTolerance;

	private final double maxSeconds;

	/**
	 * @param kind the anchor
	 * @param steps canary weights
	 * @param errorKnob threshold: the error rate above which a check fails; Mann–Whitney
	 * and mSPRT: the level α (the same for both metrics)
	 * @param latencyKnob threshold: the p99 in ms above which a check fails; otherwise
	 * unused
	 * @param errorTolerance Canary Gateway's error-rate tolerance, for the comparative
	 * anchors
	 * @param latencyTolerance Canary Gateway's latency tolerance, for the comparative
	 * anchors
	 * @param maxSeconds virtual time after which a run stops
	 */
	AnchorDetector(Kind kind, List<Integer> steps, double errorKnob, double latencyKnob, double errorTolerance,
			double latencyTolerance, double maxSeconds) {
		this.kind = kind;
		this.steps = steps;
		this.errorKnob = errorKnob;
		this.latencyKnob = latencyKnob;
		this.errorTolerance = errorTolerance;
		this.latencyTolerance = latencyTolerance;
		this.maxSeconds = maxSeconds;
	}

	AnchorDetector withKnobs(double error, double latency) {
		return new AnchorDetector(this.kind, this.steps, error, latency, this.errorTolerance, this.latencyTolerance,
				this.maxSeconds);
	}

	AnchorDetector withSteps(List<Integer> steps) {
		return new AnchorDetector(this.kind, steps, this.errorKnob, this.latencyKnob, this.errorTolerance,
				this.latencyTolerance, this.maxSeconds);
	}

	Kind kind() {
		return this.kind;
	}

	double errorKnob() {
		return this.errorKnob;
	}

	double latencyKnob() {
		return this.latencyKnob;
	}

	@Override
	public String name() {
		return switch (this.kind) {
			case THRESHOLD -> String.format(Locale.ROOT, "threshold (errors > %.3f, p99 > %.0f ms)", this.errorKnob,
					this.latencyKnob);
			case MANN_WHITNEY -> String.format(Locale.ROOT, "Mann-Whitney 1-min (p <= %.4f)", this.errorKnob);
			case MSPRT -> String.format(Locale.ROOT, "mSPRT (alpha %.2g)", this.errorKnob);
		};
	}

	@Override
	public Run run(Scenario scenario, double rps, long seed) {
		Traffic traffic = new Traffic(rps, seed);
		Aggregate stable = new Aggregate();
		Aggregate canary = new Aggregate();
		Aggregate stableTotal = new Aggregate();
		Aggregate canaryTotal = new Aggregate();
		ArrayDeque<Aggregate[]> minute = new ArrayDeque<>();
		int step = 0;
		double stepStart = 0;
		double nextInterval = INTERVAL;
		long failedCanary = 0;
		long canaryRequests = 0;
		while (true) {
			double t = traffic.next();
			while (nextInterval <= t) {
				minute.addLast(new Aggregate[] { stable, canary });
				if (minute.size() > 6) {
					minute.removeFirst();
				}
				stableTotal.add(stable);
				canaryTotal.add(canary);
				stable = new Aggregate();
				canary = new Aggregate();
				boolean check = this.kind == Kind.MSPRT || nextInterval - stepStart >= STEP - 1e-9;
				if (check) {
					boolean fail = switch (this.kind) {
						case THRESHOLD -> thresholdFails(minute);
						case MANN_WHITNEY -> mannWhitneyFails(minute);
						case MSPRT -> msprtFails(stableTotal, canaryTotal);
					};
					if (fail) {
						return new Run(Run.End.ROLLED_BACK, nextInterval, failedCanary, canaryRequests, "checks", 1);
					}
					if (nextInterval - stepStart >= STEP - 1e-9) {
						if (++step >= this.steps.size()) {
							return new Run(Run.End.PROMOTED, nextInterval, failedCanary, canaryRequests, "checks", 0);
						}
						stepStart = nextInterval;
						minute.clear();
					}
				}
				nextInterval += INTERVAL;
			}
			if (t > this.maxSeconds) {
				return new Run(Run.End.TIME_LIMIT, this.maxSeconds, failedCanary, canaryRequests, "time limit", 0);
			}
			boolean toCanary = traffic.random.nextInt(100) < this.steps.get(step);
			long outcome = traffic.serve(toCanary ? scenario.canary() : scenario.stable());
			boolean failure = outcome < 0;
			if (toCanary) {
				canaryRequests++;
				failedCanary += failure ? 1 : 0;
				canary.record(Math.abs(outcome), failure);
			}
			else {
				stable.record(Math.abs(outcome), failure);
			}
		}
	}

	private boolean thresholdFails(ArrayDeque<Aggregate[]> minute) {
		Aggregate last = new Aggregate();
		minute.forEach((lanes) -> last.add(lanes[1]));
		if (last.requests == 0) {
			return true;
		}
		return last.errorRate() > this.errorKnob || last.p99Ms() > this.latencyKnob;
	}

	private boolean mannWhitneyFails(ArrayDeque<Aggregate[]> minute) {
		int size = minute.size();
		double[] canaryErrors = new double[size];
		double[] stableErrors = new double[size];
		double[] canaryP99 = new double[size];
		double[] stableP99 = new double[size];
		int i = 0;
		for (Aggregate[] lanes : minute) {
			if (lanes[0].requests == 0 || lanes[1].requests == 0) {
				return false;
			}
			stableErrors[i] = lanes[0].errorRate();
			canaryErrors[i] = lanes[1].errorRate() - this.errorTolerance;
			stableP99[i] = lanes[0].p99Ms();
			canaryP99[i] = lanes[1].p99Ms() / (1 + this.latencyTolerance);
			i++;
		}
		return MannWhitney.upperP(canaryErrors, stableErrors) <= this.errorKnob
				|| MannWhitney.upperP(canaryP99, stableP99) <= this.errorKnob;
	}

	private boolean msprtFails(Aggregate stable, Aggregate canary) {
		if (stable.requests < 2 || canary.requests < 2) {
			return false;
		}
		double pc = canary.errorRate();
		double ps = stable.errorRate();
		double errorVariance = Math.max(pc * (1 - pc), 1e-4) / canary.requests
				+ Math.max(ps * (1 - ps), 1e-4) / stable.requests;
		double latencyVariance = canary.logVariance() / canary.requests + stable.logVariance() / stable.requests;
		double threshold = Math.log(1 / this.errorKnob);
		return logMixture(pc - ps - this.errorTolerance, errorVariance, 0.01) >= threshold
				|| logMixture(canary.meanLog() - stable.meanLog() - Math.log(1 + this.latencyTolerance),
						latencyVariance, 0.2) >= threshold;
	}

	/**
	 * log of the normal-mixture likelihood ratio for an estimate {@code d} with variance
	 * {@code v} (mixing N(0, τ²)), one-sided: 0 unless d &gt; 0.
	 */
	static double logMixture(double d, double v, double tau) {
		if (!(d > 0) || !(v > 0)) {
			return 0;
		}
		double t2 = tau * tau;
		return 0.5 * Math.log(v / (v + t2)) + d * d * t2 / (2 * v * (v + t2));
	}

	/** One lane over some time. */
	static final class Aggregate {

		long requests;

		long errors;

		double sumLog;

		double sumLogSquares;

		final Histogram latencyMicros = new Histogram(3_600_000_000L, 2);

		void record(long nanos, boolean failure) {
			this.requests++;
			this.errors += failure ? 1 : 0;
			double log = Math.log(Math.max(1, nanos));
			this.sumLog += log;
			this.sumLogSquares += log * log;
			this.latencyMicros.recordValue(Math.min(Math.max(1, nanos / 1000), 3_600_000_000L));
		}

		void add(Aggregate other) {
			this.requests += other.requests;
			this.errors += other.errors;
			this.sumLog += other.sumLog;
			this.sumLogSquares += other.sumLogSquares;
			this.latencyMicros.add(other.latencyMicros);
		}

		double errorRate() {
			return (this.requests == 0) ? 0 : (double) this.errors / this.requests;
		}

		double p99Ms() {
			return this.latencyMicros.getValueAtPercentile(99) / 1000.0;
		}

		double meanLog() {
			return this.sumLog / this.requests;
		}

		double logVariance() {
			double mean = meanLog();
			return Math.max(1e-6, this.sumLogSquares / this.requests - mean * mean);
		}

	}

}
