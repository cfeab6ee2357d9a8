package io.canarygateway.core;

/**
 * Hashes a sticky key together with its release name. Must give the same value for the
 * same input on every JVM and every run, so that every gateway replica puts a user in the
 * same lane.
 */
@FunctionalInterface
public interface KeyHasher {

	/** A 32-bit hash of the pair (release, key). */
	int hash(String release, String key);

	/**
	 * MurmurHash3 (x86, 32-bit) over the UTF-16 code units of the release, a separator
	 * and the key.
	 */
	KeyHasher MURMUR3 = Murmur3::hash;

}
