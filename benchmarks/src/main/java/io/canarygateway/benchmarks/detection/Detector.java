package io.canarygateway.benchmarks.detection;

/**
 * Something that watches a canary rollout and rolls it back: Canary Gateway, or a
 * Flagger-like analysis.
 */
interface Detector {

	String name();

	/**
	 * One seeded rollout of the scenario at {@code rps} requests per second (all lanes
	 * together).
	 */
	Run run(Scenario scenario, double rps, long seed);

}
