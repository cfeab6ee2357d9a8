package io.canarygateway.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.canarygateway.actuate.CrossSiteWriteFilter;

/**
 * The refusal of cross-site actuator writes ({@link CrossSiteWriteFilter}), which is
 * always on.
 */
@ConfigurationProperties(prefix = CanarySecurityProperties.PREFIX)
public class CanarySecurityProperties {

	/** The prefix of these properties. */
	public static final String PREFIX = "canary.security";

	/**
	 * Origins besides the gateway's own whose browser pages may write to the actuator
	 * (promote, abort, …), each as scheme://host[:port] (https://ops.example.com). For
	 * example the gateway's public address when a proxy in front of it terminates TLS
	 * without forwarding headers the gateway reads.
	 */
	private List<String> allowedOrigins = new ArrayList<>();

	/**
	 * What breaks a rule, one line per problem: {@code <property>: <rule>} (empty when
	 * all is well).
	 */
	public List<String> problems() {
		List<String> problems = new ArrayList<>();
		for (int i = 0; i < this.allowedOrigins.size(); i++) {
			String origin = this.allowedOrigins.get(i);
			if (origin == null || CrossSiteWriteFilter.normalizeOrigin(origin) == null) {
				problems.add(PREFIX + ".allowed-origins[" + i + "]: must be an origin as a browser sends it,"
						+ " scheme://host[:port] without path (such as https://ops.example.com), was '" + origin + "'");
			}
		}
		return problems;
	}

	/** The allowed origins as {@link CrossSiteWriteFilter} compares them. */
	public List<String> normalizedAllowedOrigins() {
		return this.allowedOrigins.stream().map(CrossSiteWriteFilter::normalizeOrigin).toList();
	}

	public List<String> getAllowedOrigins() {
		return this.allowedOrigins;
	}

	public void setAllowedOrigins(List<String> allowedOrigins) {
		this.allowedOrigins = allowedOrigins;
	}

}
