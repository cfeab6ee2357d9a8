package io.canarygateway.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The versions of one release as its record holds them: they move forward at runtime
 * (docs/operations.md, "Shipping the next version"), so routing always reads them from
 * the record, never from the configuration that seeded it. Immutable.
 *
 * @param stable the version that serves by default
 * @param canary the version being rolled out, or {@code null} when there is none yet (the
 * release is {@code IDLE} and all traffic goes to stable)
 * @param previous the stable version before the last promotion handed over, or
 * {@code null}
 * @param rolledBack versions this release rolled back, most recent last, at most
 * {@link #ROLLED_BACK_LIMIT}: the discovery trigger does not start them again by itself
 * @param configured the canary version the configuration last asked for, or {@code null}:
 * a gateway starts a rollout from its configuration only when its configured canary
 * version differs from this one (the configuration changed), so a restart never replays
 * an old configured version over a rollout started at runtime
 */
public record Versions(String stable, String canary, String previous, List<String> rolledBack, String configured) {

	/** How many rolled-back versions a record remembers. */
	public static final int ROLLED_BACK_LIMIT = 20;

	/** What a version may look like: it is written into headers, metrics and records. */
	public static final Pattern FORM = Pattern.compile("[A-Za-z0-9._-]{1,64}");

	public Versions {
		Objects.requireNonNull(stable, "stable must not be null");
		rolledBack = List.copyOf(rolledBack);
	}

	/** A release's first versions, as its configuration seeds them. */
	public static Versions of(String stable, String canary) {
		return new Versions(stable, canary, null, List.of(), canary);
	}

	/** These versions, noting that the configuration asked for {@code version}. */
	public Versions configuredAs(String version) {
		return new Versions(this.stable, this.canary, this.previous, this.rolledBack, version);
	}

	/**
	 * Why a version given at runtime cannot be used, or {@code null} when it can.
	 */
	public static String problem(String version) {
		if (version == null || version.isBlank()) {
			return "version must not be blank";
		}
		if (!FORM.matcher(version).matches()) {
			return "version must be 1 to 64 letters, digits, '.', '_' or '-', was '" + version + "'";
		}
		return null;
	}

	/**
	 * Why {@code version} cannot be rolled out next for this release, or {@code null}
	 * when it can: one version of {@link #FORM} for a single-service release; for a
	 * release of several services a set of {@link ServiceVersions} naming each of its
	 * services.
	 */
	public String problemOf(String version) {
		return ServiceVersions.isSet(this.stable) ? ServiceVersions.problem(version, this.stable) : problem(version);
	}

	/** The version a lane is served by ({@code null} for a canary lane without one). */
	public String of(Lane lane) {
		return (lane == Lane.CANARY) ? this.canary : this.stable;
	}

	/**
	 * The versions of a new rollout of {@code version}: against the promoted canary when
	 * {@code promoted} (the promotion hands over, the old stable becomes the previous
	 * one), otherwise against the current stable.
	 */
	Versions rollout(String version, boolean promoted) {
		if (promoted && this.canary != null) {
			return new Versions(this.canary, version, this.stable, this.rolledBack, this.configured);
		}
		return new Versions(this.stable, version, this.previous, this.rolledBack, this.configured);
	}

	/** These versions with the canary remembered as rolled back. */
	Versions rollingBack() {
		if (this.canary == null) {
			return this;
		}
		List<String> versions = new ArrayList<>(this.rolledBack);
		versions.remove(this.canary);
		versions.add(this.canary);
		if (versions.size() > ROLLED_BACK_LIMIT) {
			versions = versions.subList(versions.size() - ROLLED_BACK_LIMIT, versions.size());
		}
		return new Versions(this.stable, this.canary, this.previous, versions, this.configured);
	}

}
