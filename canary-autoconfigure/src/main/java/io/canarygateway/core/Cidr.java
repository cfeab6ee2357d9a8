package io.canarygateway.core;

/**
 * An IPv4 or IPv6 address block in CIDR notation ({@code 10.0.0.0/8},
 * {@code 2001:db8::/32}; an address alone is a block of one). Parsed without name
 * resolution; matching allocates nothing.
 */
public final class Cidr {

	private final byte[] network;

	private final int prefix;

	/** An IPv4 block's network and mask as 32 bits. */
	private final int network4;

	private final int mask4;

	private Cidr(byte[] network, int prefix) {
		this.network = network;
		this.prefix = prefix;
		this.network4 = (network.length == 4) ? ((network[0] & 0xff) << 24) | ((network[1] & 0xff) << 16)
				| ((network[2] & 0xff) << 8) | (network[3] & 0xff) : 0;
		this.mask4 = (prefix == 0) ? 0 : (-1 << (32 - prefix));
	}

	/** Why {@code text} is not a CIDR block, or {@code null} when it is one. */
	public static String problem(String text) {
		try {
			parse(text);
			return null;
		}
		catch (IllegalArgumentException ex) {
			return ex.getMessage();
		}
	}

	/**
	 * Parses a block.
	 * @throws IllegalArgumentException naming the text and what is wrong
	 */
	public static Cidr parse(String text) {
		if (text == null || text.isBlank()) {
			throw new IllegalArgumentException("a CIDR block must not be empty");
		}
		String trimmed = text.trim();
		int slash = trimmed.indexOf('/');
		String address = (slash < 0) ? trimmed : trimmed.substring(0, slash);
		byte[] bytes = (address.indexOf(':') >= 0) ? ipv6(address, trimmed) : ipv4(address, trimmed);
		int max = bytes.length * 8;
		int prefix = max;
		if (slash >= 0) {
			try {
				prefix = Integer.parseInt(trimmed.substring(slash + 1));
			}
			catch (NumberFormatException ex) {
				prefix = -1;
			}
			if (prefix < 0 || prefix > max) {
				throw new IllegalArgumentException("'" + text + "' is not a CIDR block: the prefix length must be 0 to "
						+ max + " for an IPv" + ((max == 32) ? 4 : 6) + " address");
			}
		}
		// the host bits do not count
		for (int bit = prefix; bit < max; bit++) {
			bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
		}
		return new Cidr(bytes, prefix);
	}

	private static byte[] ipv4(String address, String text) {
		String[] parts = address.split("\\.", -1);
		if (parts.length != 4) {
			throw notAnAddress(text);
		}
		byte[] bytes = new byte[4];
		for (int i = 0; i < 4; i++) {
			int value;
			try {
				value = (parts[i].isEmpty() || parts[i].length() > 3) ? -1 : Integer.parseInt(parts[i]);
			}
			catch (NumberFormatException ex) {
				value = -1;
			}
			if (value < 0 || value > 255) {
				throw notAnAddress(text);
			}
			bytes[i] = (byte) value;
		}
		return bytes;
	}

	private static byte[] ipv6(String address, String text) {
		int gap = address.indexOf("::");
		if (gap != address.lastIndexOf("::")) {
			throw notAnAddress(text);
		}
		String[] head = groups((gap < 0) ? address : address.substring(0, gap), text);
		String[] tail = (gap < 0) ? new String[0] : groups(address.substring(gap + 2), text);
		if ((gap < 0 && head.length != 8) || (gap >= 0 && head.length + tail.length > 7)) {
			throw notAnAddress(text);
		}
		byte[] bytes = new byte[16];
		fill(bytes, 0, head, text);
		fill(bytes, 16 - 2 * tail.length, tail, text);
		return bytes;
	}

	private static String[] groups(String part, String text) {
		return part.isEmpty() ? new String[0] : part.split(":", -1);
	}

	private static void fill(byte[] bytes, int offset, String[] groups, String text) {
		for (int i = 0; i < groups.length; i++) {
			String group = groups[i];
			if (group.isEmpty() || group.length() > 4) {
				throw notAnAddress(text);
			}
			int value;
			try {
				value = Integer.parseInt(group, 16);
			}
			catch (NumberFormatException ex) {
				throw notAnAddress(text);
			}
			bytes[offset + 2 * i] = (byte) (value >>> 8);
			bytes[offset + 2 * i + 1] = (byte) value;
		}
	}

	private static IllegalArgumentException notAnAddress(String text) {
		return new IllegalArgumentException("'" + text + "' is not a CIDR block: expected an IPv4 address such as "
				+ "10.0.0.0/8 or an IPv6 address such as 2001:db8::/32 (no host names)");
	}

	/** Whether an IPv4 address, as its 32 bits, is in this block. */
	public boolean contains(int ipv4) {
		return this.network.length == 4 && (ipv4 & this.mask4) == this.network4;
	}

	/** Whether an IPv6 address, as its 16 bytes, is in this block. */
	public boolean contains(byte[] ipv6) {
		if (this.network.length != 16 || ipv6.length != 16) {
			return false;
		}
		for (int bit = 0; bit < this.prefix; bit += 8) {
			int bits = Math.min(8, this.prefix - bit);
			int mask = (0xff << (8 - bits)) & 0xff;
			if ((ipv6[bit / 8] & mask) != (this.network[bit / 8] & mask)) {
				return false;
			}
		}
		return true;
	}

}
