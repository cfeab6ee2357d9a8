package io.canarygateway.core;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StickyKeyGeneratorTest {

	@Test
	void aKeyIs128RandomBitsIn22UrlSafeCharacters() {
		SplittableRandom random = new SplittableRandom(7);
		String key = new StickyKeyGenerator(new SplittableRandom(7)).next();
		byte[] expected = new byte[16];
		random.nextBytes(expected);
		assertThat(key).hasSize(StickyKeyGenerator.LENGTH).matches("[A-Za-z0-9_-]{22}");
		assertThat(Base64.getUrlDecoder().decode(key)).isEqualTo(expected);
	}

	@Test
	void keysAreFreshAndUseTheWholeAlphabet() {
		StickyKeyGenerator keys = new StickyKeyGenerator(new SecureRandom());
		Set<String> seen = new HashSet<>();
		Set<Character> characters = new HashSet<>();
		for (int i = 0; i < 10_000; i++) {
			String key = keys.next();
			assertThat(key).matches("[A-Za-z0-9_-]{22}");
			seen.add(key);
			// the last character holds only 2 of the 128 bits
			key.substring(0, 21).chars().forEach((c) -> characters.add((char) c));
		}
		assertThat(seen).hasSize(10_000);
		// 64 characters, each seen in 210,000 draws: missing one has a chance of about
		// e^-3281
		assertThat(characters).hasSize(64);
	}

}
