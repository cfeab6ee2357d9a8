package io.canarygateway.core;

/**
 * MurmurHash3 x86 32-bit (Austin Appleby, public domain) over the UTF-16 code units of
 * two strings with a separator between them, two code units per 32-bit block. Reads the
 * strings in place: no allocation, and the result depends only on the characters, so it
 * is the same on every JVM.
 */
final class Murmur3 {

	private static final int SEED = 0x5bd1e995;

	private static final int C1 = 0xcc9e2d51;

	private static final int C2 = 0x1b873593;

	private Murmur3() {
	}

	static int hash(String release, String key) {
		int length = release.length() + 1 + key.length();
		int h = SEED;
		int i = 0;
		for (; i + 1 < length; i += 2) {
			int block = charAt(release, key, i) | (charAt(release, key, i + 1) << 16);
			h ^= mixK(block);
			h = Integer.rotateLeft(h, 13);
			h = h * 5 + 0xe6546b64;
		}
		if (i < length) {
			h ^= mixK(charAt(release, key, i));
		}
		h ^= length * 2;
		return fmix(h);
	}

	private static int charAt(String release, String key, int index) {
		int split = release.length();
		if (index < split) {
			return release.charAt(index);
		}
		// U+0000 between the two strings, so ("ab","c") and ("a","bc") differ
		return index == split ? 0 : key.charAt(index - split - 1);
	}

	private static int mixK(int k) {
		k *= C1;
		k = Integer.rotateLeft(k, 15);
		return k * C2;
	}

	private static int fmix(int h) {
		h ^= h >>> 16;
		h *= 0x85ebca6b;
		h ^= h >>> 13;
		h *= 0xc2b2ae35;
		h ^= h >>> 16;
		return h;
	}

}
