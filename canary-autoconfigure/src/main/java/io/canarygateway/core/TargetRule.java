package io.canarygateway.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One targeting rule of {@code routing.only-for} or {@code routing.always-for}
 * (docs/routing.md, "Who sees the canary"): a request matches when its header, cookie or
 * query parameter of that name has one of {@code values}, or matches {@code regex} as a
 * whole, or is present at all when neither is given; or when its remote address is in one
 * of the {@code remoteAddress} CIDR blocks. As configured: {@link #problems()} says what
 * is wrong with it, {@link #compile()} turns a valid rule into its matcher.
 *
 * @param header a request header's name, or {@code null}
 * @param cookie a cookie's name, or {@code null}
 * @param query a query parameter's name, or {@code null}
 * @param remoteAddress CIDR blocks (IPv4 or IPv6, e.g. {@code 10.0.0.0/8}; an address
 * alone is a block of one), or {@code null}
 * @param values exact values, or {@code null}/empty
 * @param regex a regular expression the whole value must match, or {@code null}
 */
public record TargetRule(String header, String cookie, String query, List<String> remoteAddress, List<String> values,
		String regex) {

	public TargetRule {
		// not List.copyOf: a bound list may hold nulls, which problems() must report
		remoteAddress = (remoteAddress != null) ? Collections.unmodifiableList(new ArrayList<>(remoteAddress)) : null;
		values = (values != null) ? Collections.unmodifiableList(new ArrayList<>(values)) : null;
	}

	/** A rule on a header. */
	public static TargetRule header(String name, List<String> values, String regex) {
		return new TargetRule(name, null, null, null, values, regex);
	}

	/** A rule on the remote address. */
	public static TargetRule remoteAddress(List<String> blocks) {
		return new TargetRule(null, null, null, blocks, null, null);
	}

	/** Everything wrong with this rule, each as a sentence; empty when it is valid. */
	public List<String> problems() {
		List<String> out = new ArrayList<>();
		int kinds = count(this.header) + count(this.cookie) + count(this.query)
				+ ((this.remoteAddress != null) ? 1 : 0);
		if (kinds != 1) {
			out.add("must name exactly one of header, cookie, query or remote-address, named " + kinds);
			return out;
		}
		if (this.remoteAddress != null) {
			if (hasValues() || this.regex != null) {
				out.add("remote-address takes a list of CIDR blocks, not values or regex");
			}
			if (this.remoteAddress.isEmpty()) {
				out.add("remote-address must list at least one CIDR block");
			}
			for (String block : this.remoteAddress) {
				String problem = Cidr.problem(block);
				if (problem != null) {
					out.add(problem);
				}
			}
			return out;
		}
		if (hasValues() && this.regex != null) {
			out.add("give values or regex, not both");
		}
		if (this.regex != null) {
			try {
				Pattern.compile(this.regex);
			}
			catch (PatternSyntaxException ex) {
				out.add("regex '" + this.regex + "' is not a regular expression: " + ex.getDescription());
			}
		}
		if (this.values != null && this.values.stream().anyMatch(Objects::isNull)) {
			out.add("values must not be empty entries");
		}
		return out;
	}

	private boolean hasValues() {
		return this.values != null && !this.values.isEmpty();
	}

	private static int count(String name) {
		return (name != null) ? 1 : 0;
	}

	/** This rule as the request path matches it; only for a rule without problems. */
	public Compiled compile() {
		if (this.remoteAddress != null) {
			return new Compiled(Kind.REMOTE_ADDRESS, null, null, null,
					this.remoteAddress.stream().map(Cidr::parse).toArray(Cidr[]::new));
		}
		Kind kind = (this.header != null) ? Kind.HEADER : (this.cookie != null) ? Kind.COOKIE : Kind.QUERY;
		String name = (this.header != null) ? this.header : (this.cookie != null) ? this.cookie : this.query;
		return new Compiled(kind, name, hasValues() ? Set.copyOf(this.values) : null,
				(this.regex != null) ? Pattern.compile(this.regex) : null, null);
	}

	/** What this rule reads of a request, for messages and the dashboard. */
	public String describe() {
		if (this.remoteAddress != null) {
			return "remote-address in " + this.remoteAddress;
		}
		String what = (this.header != null) ? "header " + this.header
				: (this.cookie != null) ? "cookie " + this.cookie : "query " + this.query;
		if (hasValues()) {
			return what + " in " + this.values;
		}
		if (this.regex != null) {
			return what + " matches " + this.regex;
		}
		return what + " present";
	}

	/** What a rule reads of a request. */
	public enum Kind {

		/** A request header (its first value). */
		HEADER,
		/** A cookie. */
		COOKIE,
		/** A query parameter (its first value). */
		QUERY,
		/** The client's address. */
		REMOTE_ADDRESS

	}

	/**
	 * A rule ready for the request path: matching a value allocates nothing (a regex
	 * reuses one matcher per thread).
	 */
	public static final class Compiled {

		private final Kind kind;

		private final String name;

		private final Set<String> values;

		private final ThreadLocal<Matcher> matcher;

		private final Cidr[] blocks;

		Compiled(Kind kind, String name, Set<String> values, Pattern regex, Cidr[] blocks) {
			this.kind = kind;
			this.name = name;
			this.values = values;
			this.matcher = (regex != null) ? ThreadLocal.withInitial(() -> regex.matcher("")) : null;
			this.blocks = blocks;
		}

		public Kind kind() {
			return this.kind;
		}

		/**
		 * The header, cookie or query parameter name ({@code null} for an address rule).
		 */
		public String name() {
			return this.name;
		}

		/**
		 * Whether the request's value of {@link #name()} ({@code null}: absent) matches.
		 */
		public boolean matches(String value) {
			if (value == null) {
				return false;
			}
			if (this.values != null) {
				return this.values.contains(value);
			}
			if (this.matcher != null) {
				return this.matcher.get().reset(value).matches();
			}
			return true;
		}

		/**
		 * Whether an address matches: an IPv4 address as its 32 bits, or an IPv6 one as
		 * its 16 bytes ({@code null}: unknown).
		 */
		public boolean matchesAddress(int ipv4, byte[] ipv6) {
			for (Cidr block : this.blocks) {
				if ((ipv6 == null) ? block.contains(ipv4) : block.contains(ipv6)) {
					return true;
				}
			}
			return false;
		}

	}

}
