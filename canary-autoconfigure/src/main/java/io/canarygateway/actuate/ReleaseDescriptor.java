package io.canarygateway.actuate;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.canarygateway.analysis.TrafficPoint;
import io.canarygateway.control.ManagedRelease;
import io.canarygateway.core.LaneFigures;
import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.ServiceFigures;
import io.canarygateway.core.ServiceVersions;
import io.canarygateway.core.TargetRule;
import io.canarygateway.core.Transition;
import io.canarygateway.core.UnreadableRecord;
import io.canarygateway.core.Verdict;
import io.canarygateway.core.Versions;

/**
 * A release as the {@code canary} endpoint shows it (docs/operations.md, "Reading a
 * release").
 *
 * @param release the release name
 * @param state the lifecycle state
 * @param weight the canary weight in percent
 * @param step index of the current step, -1 before the first
 * @param steps the step weights
 * @param stableVersion the stable version (the record's: versions move forward at
 * runtime)
 * @param canaryVersion the canary version, or {@code null} when there is none (for a
 * release of several services both are sets: {@code orders=v2,payments=v8})
 * @param services for a release of several services, each service's stable and canary
 * version (empty otherwise)
 * @param previousVersion the stable version before the last promotion handed over, or
 * {@code null}
 * @param rolledBackVersions the versions this release rolled back, most recent last
 * @param onlyFor the {@code only-for} targeting rules, described (empty: none)
 * @param alwaysFor the {@code always-for} targeting rules, described (empty: none)
 * @param breaker the Resilience4j breaker's state name
 * @param reason why the last change happened
 * @param waiting what a webhook gate holds the release for (e.g. {@code waiting for
 * confirm-promotion hook 'approve': 403}), or {@code null}
 * @param revision the record's revision in the store
 * @param stepStartedAt when the current step began
 * @param analysis the judge's last verdict, or {@code null} before the first
 * @param history the recent transitions, oldest first
 * @param traffic the last analysis intervals' figures per lane, oldest first (only when
 * one release is shown)
 * @param unreadableRecord why the release's stored record cannot be read (the fields
 * above are then the state this gateway last knew), or {@code null} when it can
 */
public record ReleaseDescriptor(String release, String state, int weight, int step, List<Integer> steps,
		String stableVersion, String canaryVersion, Map<String, ServiceVersionsDescriptor> services,
		String previousVersion, List<String> rolledBackVersions, List<String> onlyFor, List<String> alwaysFor,
		String breaker, String reason, String waiting, long revision, Instant stepStartedAt, VerdictDescriptor analysis,
		List<TransitionDescriptor> history, List<TrafficPoint> traffic, UnreadableRecordDescriptor unreadableRecord) {

	static ReleaseDescriptor of(ManagedRelease release, UnreadableRecord unreadable, List<TrafficPoint> traffic) {
		return of(release, release.status(), unreadable, traffic);
	}

	static ReleaseDescriptor of(ManagedRelease release, ReleaseStatus status, UnreadableRecord unreadable,
			List<TrafficPoint> traffic) {
		return new ReleaseDescriptor(status.release(), status.state().name(), status.weight(), status.step(),
				release.config().steps(), status.stableVersion(), status.canaryVersion(),
				ServiceVersionsDescriptor.of(status.versions()), status.versions().previous(),
				status.versions().rolledBack(), describe(release.config().routing().onlyFor()),
				describe(release.config().routing().alwaysFor()), release.killSwitch().stateName(),
				status.reason().tag(), release.waiting(), status.revision(), status.stepStartedAt(),
				VerdictDescriptor.of(release.lastVerdict()),
				status.history().stream().map(TransitionDescriptor::of).toList(), traffic,
				UnreadableRecordDescriptor.of(unreadable));
	}

	/**
	 * The versions of one service of a release of several services.
	 *
	 * @param stableVersion the service's stable version
	 * @param canaryVersion the service's canary version, or {@code null} when there is
	 * none
	 */
	public record ServiceVersionsDescriptor(String stableVersion, String canaryVersion) {

		static Map<String, ServiceVersionsDescriptor> of(Versions versions) {
			if (!ServiceVersions.isSet(versions.stable())) {
				return Map.of();
			}
			Map<String, String> stable = ServiceVersions.parse(versions.stable());
			Map<String, String> canary = (versions.canary() != null) ? ServiceVersions.parse(versions.canary())
					: Map.of();
			Map<String, ServiceVersionsDescriptor> out = new LinkedHashMap<>();
			stable.forEach((service, version) -> out.put(service,
					new ServiceVersionsDescriptor(version, canary.get(service))));
			return out;
		}

	}

	private static List<String> describe(List<TargetRule> rules) {
		return rules.stream().map(TargetRule::describe).toList();
	}

	/**
	 * A stored record that cannot be read.
	 *
	 * @param key where it is kept
	 * @param error why it cannot be read, and what to do about it
	 * @param since when this gateway first found it unreadable
	 */
	public record UnreadableRecordDescriptor(String key, String error, Instant since) {

		static UnreadableRecordDescriptor of(UnreadableRecord record) {
			return (record != null) ? new UnreadableRecordDescriptor(record.key(), record.error(), record.since())
					: null;
		}

	}

	/**
	 * A verdict with its evidence.
	 *
	 * @param verdict pass, fail or inconclusive
	 * @param at when the judge looked
	 * @param stable the stable lane's figures
	 * @param canary the canary lane's figures
	 * @param statistics the test statistics and thresholds
	 * @param reasons why it failed or was inconclusive
	 * @param services each service's figures, for a release of several services (empty
	 * otherwise)
	 */
	public record VerdictDescriptor(String verdict, Instant at, LaneFigures stable, LaneFigures canary,
			Map<String, Double> statistics, List<String> reasons, Map<String, ServiceFigures> services) {

		static VerdictDescriptor of(Verdict verdict) {
			return (verdict != null) ? new VerdictDescriptor(verdict.result().tag(), verdict.at(), verdict.stable(),
					verdict.canary(), verdict.statistics(), verdict.reasons(), verdict.services()) : null;
		}

	}

	/**
	 * A recorded transition.
	 *
	 * @param at when it happened
	 * @param from the state before
	 * @param to the state after
	 * @param reason why
	 * @param weight the weight after it
	 * @param by who acted: a principal's name, {@code anonymous}, or {@code gateway} for
	 * an automatic transition
	 * @param version the canary version of the rollout it belongs to, if known
	 * @param evidence the verdict behind it, if any
	 */
	public record TransitionDescriptor(Instant at, String from, String to, String reason, int weight, String by,
			String version, VerdictDescriptor evidence) {

		static TransitionDescriptor of(Transition transition) {
			return new TransitionDescriptor(transition.at(), transition.from().name(), transition.to().name(),
					transition.reason().tag(), transition.weight(), transition.by(), transition.version(),
					VerdictDescriptor.of(transition.evidence()));
		}

	}

}
