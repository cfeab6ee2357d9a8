package io.canarygateway.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Targeting rules as configured and as the request path matches them: exact values,
 * whole-value regexes, presence, and IPv4 and IPv6 CIDR blocks, each rule's problems
 * named.
 */
class TargetRuleTest {

	@Test
	void valuesMatchExactlyRegexesWholeAndPresenceAnyValue() {
		TargetRule.Compiled values = TargetRule.header("X-Region", List.of("eu-west-1", "eu-north-1"), null).compile();
		assertThat(values.kind()).isEqualTo(TargetRule.Kind.HEADER);
		assertThat(values.name()).isEqualTo("X-Region");
		assertThat(values.matches("eu-west-1")).isTrue();
		assertThat(values.matches("EU-WEST-1")).isFalse();
		assertThat(values.matches("eu-west-1a")).isFalse();
		assertThat(values.matches(null)).isFalse();

		TargetRule.Compiled regex = new TargetRule(null, "tenant", null, null, null, "acme-.*").compile();
		assertThat(regex.kind()).isEqualTo(TargetRule.Kind.COOKIE);
		assertThat(regex.matches("acme-eu")).isTrue();
		assertThat(regex.matches("x-acme-eu")).as("the whole value").isFalse();
		assertThat(regex.matches("")).isFalse();

		TargetRule.Compiled present = new TargetRule(null, null, "beta", null, null, null).compile();
		assertThat(present.kind()).isEqualTo(TargetRule.Kind.QUERY);
		assertThat(present.matches("")).isTrue();
		assertThat(present.matches("anything")).isTrue();
		assertThat(present.matches(null)).isFalse();
	}

	@Test
	void addressBlocksOfBothFamilies() throws UnknownHostException {
		TargetRule.Compiled rule = TargetRule
			.remoteAddress(List.of("10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::1/128", "172.16.5.9/12"))
			.compile();
		assertThat(matches(rule, "10.255.0.1")).isTrue();
		assertThat(matches(rule, "11.0.0.1")).isFalse();
		assertThat(matches(rule, "192.168.1.7")).isTrue();
		assertThat(matches(rule, "192.168.1.8")).isFalse();
		assertThat(matches(rule, "172.31.255.255")).as("host bits of the block do not count").isTrue();
		assertThat(matches(rule, "172.32.0.0")).isFalse();
		assertThat(matches(rule, "2001:db8:ffff::1")).isTrue();
		assertThat(matches(rule, "2001:db9::1")).isFalse();
		assertThat(matches(rule, "::1")).isTrue();
		assertThat(matches(rule, "::2")).isFalse();
		TargetRule.Compiled everyone = TargetRule.remoteAddress(List.of("0.0.0.0/0")).compile();
		assertThat(matches(everyone, "203.0.113.9")).isTrue();
		assertThat(matches(everyone, "2001:db8::1")).as("an IPv4 block holds no IPv6 address").isFalse();
	}

	private static boolean matches(TargetRule.Compiled rule, String address) throws UnknownHostException {
		byte[] bytes = InetAddress.getByName(address).getAddress();
		if (bytes.length == 4) {
			return rule.matchesAddress(InetAddress.getByName(address).hashCode(), null);
		}
		return rule.matchesAddress(0, bytes);
	}

	@Test
	void cidrBlocksAreParsedWithoutNameResolution() {
		assertThat(Cidr.problem("10.0.0.0/8")).isNull();
		assertThat(Cidr.problem("2001:db8::/32")).isNull();
		assertThat(Cidr.problem("fe80::1:2:3:4/64")).isNull();
		assertThat(Cidr.problem("1:2:3:4:5:6:7:8")).isNull();
		assertThat(Cidr.problem("10.0.0.0/33"))
			.isEqualTo("'10.0.0.0/33' is not a CIDR block: the prefix length must be 0 to 32 for an IPv4 address");
		assertThat(Cidr.problem("2001:db8::/129"))
			.isEqualTo("'2001:db8::/129' is not a CIDR block: the prefix length must be 0 to 128 for an IPv6 address");
		String expected = "is not a CIDR block: expected an IPv4 address such as 10.0.0.0/8 or an IPv6 address such "
				+ "as 2001:db8::/32 (no host names)";
		assertThat(Cidr.problem("10.0.0.0/x"))
			.isEqualTo("'10.0.0.0/x' is not a CIDR block: the prefix length must be 0 to 32 for an IPv4 address");
		for (String bad : List.of("localhost", "10.0.0/8", "10.0.0.256", "1::2::3", "12345::1", "1:2:3:4:5:6:7:8:9",
				"10.0.0.01234")) {
			assertThat(Cidr.problem(bad)).as(bad).isEqualTo("'" + bad + "' " + expected);
		}
		assertThat(Cidr.problem(" ")).isEqualTo("a CIDR block must not be empty");
		assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse("a.b.c.d"));
	}

	@Test
	void eachProblemOfARuleIsNamed() {
		assertThat(new TargetRule(null, null, null, null, List.of("x"), null).problems())
			.containsExactly("must name exactly one of header, cookie, query or remote-address, named 0");
		assertThat(new TargetRule("X-A", "b", null, null, null, null).problems())
			.containsExactly("must name exactly one of header, cookie, query or remote-address, named 2");
		assertThat(TargetRule.header("X-A", List.of("1"), "1|2").problems())
			.containsExactly("give values or regex, not both");
		assertThat(TargetRule.header("X-A", null, "(unclosed").problems()).singleElement()
			.asString()
			.startsWith("regex '(unclosed' is not a regular expression: ");
		assertThat(new TargetRule(null, null, null, List.of("10.0.0.0/8"), List.of("x"), null).problems())
			.containsExactly("remote-address takes a list of CIDR blocks, not values or regex");
		assertThat(TargetRule.remoteAddress(List.of()).problems())
			.containsExactly("remote-address must list at least one CIDR block");
		assertThat(TargetRule.remoteAddress(List.of("10.0.0.0/8", "nonsense")).problems()).containsExactly(
				"'nonsense' is not a CIDR block: expected an IPv4 address such as 10.0.0.0/8 or an IPv6 address such "
						+ "as 2001:db8::/32 (no host names)");
		assertThat(TargetRule.header("X-A", List.of("a"), null).problems()).isEmpty();
	}

	@Test
	void rulesDescribeThemselves() {
		assertThat(TargetRule.header("X-Region", List.of("eu-west-1"), null).describe())
			.isEqualTo("header X-Region in [eu-west-1]");
		assertThat(new TargetRule(null, "tenant", null, null, null, "acme-.*").describe())
			.isEqualTo("cookie tenant matches acme-.*");
		assertThat(new TargetRule(null, null, "beta", null, null, null).describe()).isEqualTo("query beta present");
		assertThat(TargetRule.remoteAddress(List.of("10.0.0.0/8")).describe())
			.isEqualTo("remote-address in [10.0.0.0/8]");
	}

}
