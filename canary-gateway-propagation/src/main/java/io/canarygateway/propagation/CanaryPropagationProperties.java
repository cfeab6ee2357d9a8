package io.canarygateway.propagation;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration of the propagation module in a service behind the gateway
 * (docs/multi-service.md). {@code canary.instance-metadata-key} has the same name and
 * meaning as on the gateway.
 */
@ConfigurationProperties("canary")
public class CanaryPropagationProperties {

	/**
	 * Service-instance metadata key that names an instance's version. Instances with no
	 * (or a blank) value are untagged, and count as stable.
	 */
	private String instanceMetadataKey = "version";

	/** The propagation of lanes to this service's own load-balanced calls. */
	private final Propagation propagation = new Propagation();

	public String getInstanceMetadataKey() {
		return this.instanceMetadataKey;
	}

	public void setInstanceMetadataKey(String instanceMetadataKey) {
		this.instanceMetadataKey = instanceMetadataKey;
	}

	public Propagation getPropagation() {
		return this.propagation;
	}

	/**
	 * Checks every rule.
	 * @throws InvalidPropagationConfigurationException naming the first property that
	 * breaks its rule
	 */
	void validate() {
		if (this.instanceMetadataKey == null || this.instanceMetadataKey.isBlank()) {
			throw new InvalidPropagationConfigurationException("canary.instance-metadata-key",
					"must name the service-instance metadata that holds an instance's version (default 'version'),"
							+ " was '" + ((this.instanceMetadataKey != null) ? this.instanceMetadataKey : "") + "'");
		}
	}

	/** Settings under {@code canary.propagation}. */
	public static class Propagation {

		/**
		 * Whether the service keeps the X-Canary-Lane and X-Canary-Versions headers of
		 * its requests, routes its load-balanced calls by them and forwards them.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

}
