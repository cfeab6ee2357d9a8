package io.canarygateway.benchmarks.memory;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.springframework.context.ConfigurableApplicationContext;

import io.canarygateway.control.AnalysisLoop;
import io.canarygateway.benchmarks.overhead.BenchGateway;
import io.canarygateway.core.Lane;
import io.canarygateway.routing.RoutedRelease;
import io.canarygateway.routing.RoutedReleases;

/**
 * Heap of a running gateway context (the overhead benchmark's {@link BenchGateway},
 * Prometheus registry included) with {@code --releases N} configured releases, measured
 * as heap used after forced full GCs ({@link MemoryMXBean}); with {@code --requests M},
 * then records M request outcomes through {@link RoutedRelease#record} (spread over all
 * releases, 10 % canary lane, 1 % failures, log-normal latencies), running an analysis
 * look of every release each 150th of them (150 in all, each on new requests: past the
 * 120 points of traffic history a release keeps for the dashboard and the 60 stable looks
 * it keeps for a step at 100 %), and measures the heap again at each tenth: it must stay
 * flat. Prints {@code releases=N heapMB=…} lines for the {@code benchmarks/memory}
 * script. One JVM per measurement, so nothing of an earlier context remains.
 */
public final class MemoryBenchmark {

	private MemoryBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int releases = 1;
		long requests = 0;
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--releases" -> releases = Integer.parseInt(args[++i]);
				case "--requests" -> requests = Long.parseLong(args[++i]);
				default ->
					throw new IllegalArgumentException("unknown argument " + args[i] + " (--releases --requests)");
			}
		}
		// nothing is ever sent: the backends are unreachable ports
		ConfigurableApplicationContext context = BenchGateway.start("--bench.releases=" + releases,
				"--bench.backends=127.0.0.1:9,127.0.0.1:9", "--server.port=0");
		try {
			long baseline = usedAfterGc();
			System.out.printf(Locale.ROOT, "releases=%d requests=0 heapMB=%.2f%n", releases, baseline / 1048576.0);
			if (requests > 0) {
				record(context, requests);
			}
		}
		finally {
			context.close();
		}
	}

	private static void record(ConfigurableApplicationContext context, long requests) {
		List<RoutedRelease> releases = new ArrayList<>(context.getBean(RoutedReleases.class).all().values());
		AnalysisLoop loop = context.getBean(AnalysisLoop.class);
		SplittableRandom random = new SplittableRandom(7);
		long[] latencies = new long[4096];
		for (int i = 0; i < latencies.length; i++) {
			latencies[i] = (long) Math.exp(Math.log(20e6) + 0.5 * random.nextGaussian());
		}
		long tenth = requests / 10;
		long look = Math.max(1, requests / 150);
		int n = releases.size();
		long started = System.nanoTime();
		for (long i = 1; i <= requests; i++) {
			RoutedRelease release = releases.get((int) (i % n));
			Lane lane = (i % 10 == 3) ? Lane.CANARY : Lane.STABLE;
			release.record(release.route(null), release.release().status().versions(), lane, i % 100 == 7, true,
					latencies[(int) (i & 4095)]);
			if (i % look == 0) {
				// 150 looks of every release in all, each on new requests: past the 120
				// points of traffic history each keeps, and past the 60 stable looks each
				// keeps for a step at 100 %
				for (RoutedRelease r : releases) {
					loop.tick(r.name());
				}
			}
			if (i % tenth == 0) {
				System.out.printf(Locale.ROOT, "releases=%d requests=%d heapMB=%.2f%n", n, i,
						usedAfterGc() / 1048576.0);
			}
		}
		System.out.printf(Locale.ROOT, "recorded %d requests in %.1f s%n", requests,
				(System.nanoTime() - started) / 1e9);
	}

	/** Heap used after full collections, once it has settled. */
	static long usedAfterGc() throws RuntimeException {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		long previous = Long.MAX_VALUE;
		long used = 0;
		for (int i = 0; i < 10; i++) {
			System.gc();
			try {
				Thread.sleep(200);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			used = memory.getHeapMemoryUsage().getUsed();
			if (i >= 2 && Math.abs(previous - used) < 64 * 1024) {
				break;
			}
			previous = used;
		}
		return used;
	}

}
