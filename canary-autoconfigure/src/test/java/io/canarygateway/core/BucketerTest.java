package io.canarygateway.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.hipparchus.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BucketerTest {

	private static final int KEYS = 100_000;

	private final Bucketer bucketer = new Bucketer(KeyHasher.MURMUR3);

	/** Realistic sticky keys: sequential user ids, the hardest input for a weak hash. */
	private static String key(int i) {
		return "user-" + i;
	}

	@Test
	void knownAnswersArePinned() {
		// Computed once. A change here moves users between lanes on a mixed-version
		// fleet: never change
		// the hash without a migration plan.
		assertThat(Murmur3.hash("orders", "user-1")).isEqualTo(0xb35c8b3f);
		assertThat(Murmur3.hash("orders", "user-2")).isEqualTo(0x2426fe75);
		assertThat(Murmur3.hash("orders", "")).isEqualTo(0xc50001b6);
		assertThat(Murmur3.hash("", "")).isEqualTo(0xab126691);
		assertThat(Murmur3.hash("payments", "user-1")).isEqualTo(0x622acb2d);
		assertThat(Murmur3.hash("orders", "ä€😀")).isEqualTo(0x5376e17a);
		assertThat(Murmur3.hash("ab", "c")).isEqualTo(0x5dd03eb4);
		assertThat(Murmur3.hash("a", "bc")).isEqualTo(0x0528a4e2);
		assertThat(Murmur3.hash("checkout", "0f8fad5b-d9cb-469f-a165-70867728950e")).isEqualTo(0x6bc2b9d5);
		assertThat(KeyHasher.MURMUR3.hash("orders", "42")).isEqualTo(0x44bd84af);

		assertThat(this.bucketer.bucket("orders", "user-1")).isEqualTo(6623);
		assertThat(this.bucketer.bucket("orders", "user-2")).isEqualTo(5285);
		assertThat(this.bucketer.bucket("orders", "42")).isEqualTo(959);
		assertThat(this.bucketer.bucket("payments", "user-1")).isEqualTo(1693);
		assertThat(this.bucketer.bucket("checkout", "0f8fad5b-d9cb-469f-a165-70867728950e")).isEqualTo(3669);
	}

	@Test
	void referenceMurmur3PassesPublishedTestVectors() {
		assertThat(referenceMurmur3(new byte[0], 0)).isEqualTo(0);
		assertThat(referenceMurmur3(new byte[0], 1)).isEqualTo(0x514e28b7);
		assertThat(referenceMurmur3(new byte[0], 0xffffffff)).isEqualTo(0x81f16f39);
		assertThat(referenceMurmur3(new byte[4], 0)).isEqualTo(0x2362f9de);
		assertThat(referenceMurmur3(ascii("aaaa"), 0x9747b28c)).isEqualTo(0x5a97808a);
		assertThat(referenceMurmur3(ascii("Hello, world!"), 0x9747b28c)).isEqualTo(0x24884cba);
		assertThat(referenceMurmur3(ascii("The quick brown fox jumps over the lazy dog"), 0x9747b28c))
			.isEqualTo(0x2fa826cd);
	}

	@Test
	void hashIsMurmur3OverTheUtf16CodeUnitsOfReleaseSeparatorAndKey() {
		SplittableRandom random = new SplittableRandom(20250101);
		for (int n = 0; n < 5_000; n++) {
			String release = randomString(random, random.nextInt(0, 12));
			String key = randomString(random, random.nextInt(0, 40));
			byte[] bytes = utf16CodeUnits(release + '\0' + key);
			assertThat(Murmur3.hash(release, key)).as("(%s, %s)", release, key)
				.isEqualTo(referenceMurmur3(bytes, 0x5bd1e995));
		}
	}

	@Test
	void bucketIsInRangeEvenForNegativeHashes() {
		for (int i = 0; i < KEYS; i++) {
			assertThat(this.bucketer.bucket("orders", key(i))).isBetween(0, Bucketer.BUCKETS - 1);
		}
		// an unsigned remainder: a negative hash does not give a negative bucket
		assertThat(new Bucketer((release, key) -> -1).bucket("r", "k")).isEqualTo(7295);
		assertThat(new Bucketer((release, key) -> Integer.MIN_VALUE).bucket("r", "k")).isEqualTo(3648);
		assertThat(new Bucketer((release, key) -> 10_000).bucket("r", "k")).isZero();
		assertThat(new Bucketer((release, key) -> 9_999).bucket("r", "k")).isEqualTo(9_999);
	}

	@Test
	void sameKeyGetsTheSameBucketFromAnyBucketer() {
		Bucketer other = new Bucketer(KeyHasher.MURMUR3);
		for (int i = 0; i < 1_000; i++) {
			assertThat(other.bucket("orders", key(i))).isEqualTo(this.bucketer.bucket("orders", key(i)));
		}
	}

	@Test
	void canaryIffBucketBelowWeightTimesHundred() {
		assertThat(Bucketer.isCanary(0, 0)).isFalse();
		assertThat(Bucketer.isCanary(0, 1)).isTrue();
		assertThat(Bucketer.isCanary(99, 1)).isTrue();
		assertThat(Bucketer.isCanary(100, 1)).isFalse();
		assertThat(Bucketer.isCanary(499, 5)).isTrue();
		assertThat(Bucketer.isCanary(500, 5)).isFalse();
		assertThat(Bucketer.isCanary(9_999, 99)).isFalse();
		assertThat(Bucketer.isCanary(9_899, 99)).isTrue();
		assertThat(Bucketer.isCanary(9_999, 100)).isTrue();
	}

	@Test
	void weightZeroSendsNobodyAndHundredEverybody() {
		for (int i = 0; i < KEYS; i++) {
			int bucket = this.bucketer.bucket("orders", key(i));
			assertThat(Bucketer.isCanary(bucket, 0)).isFalse();
			assertThat(Bucketer.isCanary(bucket, 100)).isTrue();
		}
	}

	@Test
	void raisingTheWeightOnlyMovesKeysFromStableToCanary() {
		int[] canaryAt = new int[101];
		for (int i = 0; i < KEYS; i++) {
			int bucket = this.bucketer.bucket("orders", key(i));
			// for every w1 < w2: canary at w1 implies canary at w2, i.e. the lane never
			// flips back
			boolean seenCanary = false;
			for (int w = 0; w <= 100; w++) {
				boolean canary = Bucketer.isCanary(bucket, w);
				assertThat(canary || !seenCanary).as("key %d at weight %d", i, w).isTrue();
				seenCanary = canary;
				if (canary) {
					canaryAt[w]++;
				}
			}
		}
		for (int w = 0; w <= 100; w++) {
			// binomial standard deviation is at most 0.0016 here: 0.01 is over 6 of them
			assertThat((double) canaryAt[w] / KEYS).as("share at weight %d", w)
				.isBetween(w / 100.0 - 0.01, w / 100.0 + 0.01);
		}
	}

	@Test
	void bucketsAreUniform() {
		long[] sequential = new long[100];
		long[] random = new long[100];
		SplittableRandom seeded = new SplittableRandom(7);
		for (int i = 0; i < KEYS; i++) {
			sequential[this.bucketer.bucket("orders", key(i)) / 100]++;
			random[this.bucketer.bucket("orders", Long.toHexString(seeded.nextLong())) / 100]++;
		}
		double[] expected = new double[100];
		java.util.Arrays.fill(expected, KEYS / 100.0);
		ChiSquareTest chiSquare = new ChiSquareTest();
		assertThat(chiSquare.chiSquareTest(expected, sequential)).as("p-value, sequential keys").isGreaterThan(0.001);
		assertThat(chiSquare.chiSquareTest(expected, random)).as("p-value, random keys").isGreaterThan(0.001);
	}

	@Test
	void theReleaseNameMatters() {
		int same = 0;
		int bothCanary = 0;
		double sumX = 0;
		double sumY = 0;
		double sumXY = 0;
		double sumXX = 0;
		double sumYY = 0;
		int n = 20_000;
		for (int i = 0; i < n; i++) {
			int x = this.bucketer.bucket("orders", key(i));
			int y = this.bucketer.bucket("payments", key(i));
			if (x == y) {
				same++;
			}
			if (Bucketer.isCanary(x, 10) && Bucketer.isCanary(y, 10)) {
				bothCanary++;
			}
			sumX += x;
			sumY += y;
			sumXY += (double) x * y;
			sumXX += (double) x * x;
			sumYY += (double) y * y;
		}
		double correlation = (n * sumXY - sumX * sumY)
				/ Math.sqrt((n * sumXX - sumX * sumX) * (n * sumYY - sumY * sumY));
		assertThat(same).as("keys in the same bucket of both releases").isLessThan(n / 100);
		assertThat(correlation).isBetween(-0.03, 0.03);
		// independent 10 % lanes: about 1 % of keys are canary in both, not 10 %
		assertThat((double) bothCanary / n).isBetween(0.005, 0.015);
	}

	@Test
	void theSeparatorKeepsReleaseAndKeyApart() {
		assertThat(Murmur3.hash("ab", "c")).isNotEqualTo(Murmur3.hash("a", "bc"));
		assertThat(Murmur3.hash("abc", "")).isNotEqualTo(Murmur3.hash("ab", "c"));
		assertThat(Murmur3.hash("", "abc")).isNotEqualTo(Murmur3.hash("a", "bc"));
		assertThat(this.bucketer.bucket("ab", "c")).isNotEqualTo(this.bucketer.bucket("a", "bc"));
	}

	/** MurmurHash3_x86_32 as in Austin Appleby's reference C code, over bytes. */
	static int referenceMurmur3(byte[] data, int seed) {
		int c1 = 0xcc9e2d51;
		int c2 = 0x1b873593;
		int h1 = seed;
		int blocks = data.length / 4;
		ByteBuffer buffer = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
		for (int i = 0; i < blocks; i++) {
			int k1 = buffer.getInt(i * 4);
			k1 *= c1;
			k1 = Integer.rotateLeft(k1, 15);
			k1 *= c2;
			h1 ^= k1;
			h1 = Integer.rotateLeft(h1, 13);
			h1 = h1 * 5 + 0xe6546b64;
		}
		int tail = blocks * 4;
		int k1 = 0;
		switch (data.length & 3) {
			case 3:
				k1 ^= (data[tail + 2] & 0xff) << 16;
			case 2:
				k1 ^= (data[tail + 1] & 0xff) << 8;
			case 1:
				k1 ^= (data[tail] & 0xff);
				k1 *= c1;
				k1 = Integer.rotateLeft(k1, 15);
				k1 *= c2;
				h1 ^= k1;
			default:
		}
		h1 ^= data.length;
		h1 ^= h1 >>> 16;
		h1 *= 0x85ebca6b;
		h1 ^= h1 >>> 13;
		h1 *= 0xc2b2ae35;
		h1 ^= h1 >>> 16;
		return h1;
	}

	/**
	 * Little-endian code units, lone surrogates included (a charset encoder would replace
	 * those).
	 */
	private static byte[] utf16CodeUnits(String value) {
		ByteBuffer out = ByteBuffer.allocate(value.length() * 2).order(ByteOrder.LITTLE_ENDIAN);
		for (int i = 0; i < value.length(); i++) {
			out.putChar(value.charAt(i));
		}
		return out.array();
	}

	private static byte[] ascii(String value) {
		return value.getBytes(StandardCharsets.US_ASCII);
	}

	private static String randomString(SplittableRandom random, int length) {
		StringBuilder out = new StringBuilder(length);
		for (int i = 0; i < length; i++) {
			// mostly ASCII, some BMP characters and some (possibly unpaired) surrogates
			int kind = random.nextInt(10);
			char c = (kind < 7) ? (char) random.nextInt(32, 127) : (char) random.nextInt(0x80, 0x10000);
			out.append(c);
		}
		return out.toString();
	}

}
