package io.canarygateway.store.redis;

import java.time.Clock;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import io.canarygateway.analysis.AnalysisLoop;
import io.canarygateway.breaker.ResilienceKillSwitch;
import io.canarygateway.control.ActionResult;
import io.canarygateway.control.ManagedRelease;
import io.canarygateway.control.ReleaseController;
import io.canarygateway.core.Action;
import io.canarygateway.core.Reason;
import io.canarygateway.core.Verdict;

/**
 * Writes the rollbacks this gateway's breakers called for while the store could not take them. A breaker that
 * opens stops canary traffic through this gateway at once, store or no store; the rollback that tells the other
 * replicas is a store write, which fails while Redis is unreachable. After every refresh that reached Redis this
 * looks for releases that are still splitting traffic although their breaker opened by itself, and rolls them
 * back (reason {@code breaker}, with the breaker's figures as evidence); the other replicas follow on the
 * notification. A rollback that another writer already made is a no-op, so the retry never doubles a transition.
 */
public class PendingRollbacks implements Runnable {

	private static final System.Logger LOG = System.getLogger(PendingRollbacks.class.getName());

	private final ReleaseController controller;

	private final Clock clock;

	public PendingRollbacks(ReleaseController controller, Clock clock) {
		this.controller = controller;
		this.clock = clock;
	}

	@Override
	public void run() {
		for (ManagedRelease release : this.controller.releases().values()) {
			if (release.status().state().isSplitting() && openedByItself(release)) {
				ActionResult result = this.controller.apply(release.name(), Action.ROLL_BACK, 0, Reason.BREAKER,
						evidence(release));
				if (result.kind() == ActionResult.Kind.APPLIED) {
					LOG.log(System.Logger.Level.INFO, "Wrote the rollback of release ''{0}'' that its breaker called "
							+ "for earlier (the store could not take it then)", release.name());
				}
			}
		}
	}

	/** Whether the release's breaker opened on failures (not held open by a rollback, nor closed). */
	private static boolean openedByItself(ManagedRelease release) {
		String state = release.killSwitch().stateName();
		return "OPEN".equals(state) || "HALF_OPEN".equals(state);
	}

	private Verdict evidence(ManagedRelease release) {
		if (release.killSwitch() instanceof ResilienceKillSwitch resilience) {
			CircuitBreaker breaker = resilience.breaker();
			CircuitBreaker.Metrics metrics = breaker.getMetrics();
			return AnalysisLoop.breakerVerdict(breaker.getName(), metrics.getNumberOfBufferedCalls(),
					metrics.getNumberOfFailedCalls(), metrics.getFailureRate(), metrics.getSlowCallRate(),
					breaker.getCircuitBreakerConfig().getFailureRateThreshold(), this.clock.instant());
		}
		return release.lastVerdict();
	}

	@Override
	public String toString() {
		return "PendingRollbacks";
	}

}
