package io.canarygateway.core;

import java.util.Base64;
import java.util.random.RandomGenerator;

/**
 * Makes the sticky keys the gateway gives to requests that have none (docs/routing.md,
 * "Stickiness"): {@value #BITS} random bits each, written as {@value #LENGTH} characters
 * of the URL-safe Base64 alphabet ({@code A–Z a–z 0–9 - _}), which a cookie value and a
 * header may carry as they are. The randomness is the caller's: a
 * {@link java.security.SecureRandom} in the gateway, so keys cannot be guessed from
 * others; a seeded generator in tests.
 */
public final class StickyKeyGenerator {

	/** Random bits in a key. */
	public static final int BITS = 128;

	/** Characters in a key. */
	public static final int LENGTH = 22;

	private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

	private final RandomGenerator random;

	/**
	 * @param random where the bits come from; must be safe to call from several threads
	 * at once (as {@link java.security.SecureRandom} is)
	 */
	public StickyKeyGenerator(RandomGenerator random) {
		this.random = random;
	}

	/** A fresh key. */
	public String next() {
		byte[] bits = new byte[BITS / 8];
		this.random.nextBytes(bits);
		return ENCODER.encodeToString(bits);
	}

}
