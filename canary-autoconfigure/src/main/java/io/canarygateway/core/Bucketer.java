package io.canarygateway.core;

/**
 * Puts sticky keys into one of {@value #BUCKETS} buckets. A key is in the canary lane iff
 * its bucket is below {@code weight × 100}, so raising the weight only ever moves keys
 * from stable to canary, and the same key lands in the same bucket on every replica.
 */
public final class Bucketer {

	/** Buckets per release: one per 0.01 % of weight. */
	public static final int BUCKETS = 10_000;

	private final KeyHasher hasher;

	public Bucketer(KeyHasher hasher) {
		this.hasher = hasher;
	}

	/** The bucket of {@code key} in {@code release}, in [0, {@value #BUCKETS}). */
	public int bucket(String release, String key) {
		return Integer.remainderUnsigned(this.hasher.hash(release, key), BUCKETS);
	}

	/** Whether a bucket is in the canary lane at a weight in percent. */
	public static boolean isCanary(int bucket, int weight) {
		return bucket < weight * (BUCKETS / 100);
	}

}
