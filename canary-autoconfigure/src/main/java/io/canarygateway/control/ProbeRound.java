package io.canarygateway.control;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.core.Verdict;

/**
 * One call of each of a list of probes, started together at one look and read at a later
 * one.
 */
final class ProbeRound {

	private final List<CompletableFuture<Probe.Answer>> calls;

	/** The rollout the calls were made for. */
	final long rollout;

	private ProbeRound(List<CompletableFuture<Probe.Answer>> calls, long rollout) {
		this.calls = calls;
		this.rollout = rollout;
	}

	/** Starts a call of every probe; never blocks. */
	static ProbeRound start(List<Probe> probes, ReleaseStatus status, Instant now) {
		List<CompletableFuture<Probe.Answer>> calls = new ArrayList<>(probes.size());
		for (Probe probe : probes) {
			CompletableFuture<Probe.Answer> call;
			try {
				call = probe.call(status, now);
			}
			catch (RuntimeException ex) {
				call = CompletableFuture.failedFuture(ex);
			}
			// a probe that breaks its promise still answers: inconclusive, saying why
			calls.add(call.exceptionally((ex) -> new Probe.Answer(Verdict.Result.INCONCLUSIVE,
					probe.describe() + " could not be called: " + ex, Map.of())));
		}
		return new ProbeRound(calls, status.rollout());
	}

	/** Whether every call has answered. */
	boolean done() {
		for (CompletableFuture<Probe.Answer> call : this.calls) {
			if (!call.isDone()) {
				return false;
			}
		}
		return true;
	}

	/** The answers, in the probes' order; call only when {@link #done()}. */
	List<Probe.Answer> answers() {
		return this.calls.stream().map(CompletableFuture::join).toList();
	}

}
