package io.canarygateway.sample.services;

import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration of a sample service instance (prefix {@code sample}). Invalid values fail
 * startup with a message that names the property and its rule.
 *
 * @param version the version this instance runs as, e.g. {@code v2}; {@code --version=v2}
 * is a shortcut for it. Default {@code v1}.
 * @param instanceId the id this instance reports; {@code --instance-id=v2-a} is a
 * shortcut for it. Default {@code <version>-<4 random hex digits>}.
 * @param serviceName the service name reported in every demo response. Default
 * {@code orders}.
 * @param randomSeed seed of the random generator that decides injected failures and
 * jitter, for reproducible runs. Default: none (a randomly seeded generator).
 * @param faults the faults injected from startup on (they can be changed at runtime
 * through {@code /_sample/faults}).
 * @param checkoutService the service that {@code GET /…/checkout} calls through the load
 * balancer (its instances come from discovery, e.g.
 * {@code spring.cloud.discovery.client.simple.instances.payments[0].uri}). Default
 * {@code payments}; blank, or this service's own name, turns the checkout call off (the
 * path is then an ordinary demo request).
 */
@ConfigurationProperties("sample")
public record SampleProperties(String version, String instanceId, @DefaultValue("orders") String serviceName,
		Long randomSeed, Faults faults, @DefaultValue("payments") String checkoutService) {

	/** Version used when none is configured. */
	public static final String DEFAULT_VERSION = "v1";

	public SampleProperties {
		version = (version == null || version.isBlank()) ? DEFAULT_VERSION : version.strip();
		instanceId = (instanceId == null || instanceId.isBlank()) ? version + "-" + randomHex4() : instanceId.strip();
		faults = (faults != null) ? faults : Faults.NONE;
		checkoutService = (checkoutService != null) ? checkoutService.strip() : "";
	}

	/**
	 * @return whether {@code GET /…/checkout} calls {@link #checkoutService()}
	 */
	public boolean checksOut() {
		return !this.checkoutService.isEmpty() && !this.checkoutService.equalsIgnoreCase(this.serviceName);
	}

	private static String randomHex4() {
		return HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt(0x10000));
	}

	/**
	 * Faults injected from startup on (prefix {@code sample.faults}).
	 *
	 * @param errorRate probability (0..1) that a demo request fails. Default 0.
	 * @param errorStatus HTTP status of an injected failure (400..599). Default 500.
	 * @param latencyMs delay in milliseconds added to every demo request (0..3600000).
	 * Default 0.
	 * @param latencyJitterMs extra uniformly random delay of 0..this many milliseconds
	 * per demo request (0..3600000). Default 0.
	 */
	public record Faults(@DefaultValue("0") double errorRate, @DefaultValue("500") int errorStatus,
			@DefaultValue("0") long latencyMs, @DefaultValue("0") long latencyJitterMs) {

		/** No faults: what applies when no {@code sample.faults.*} property is set. */
		public static final Faults NONE = new Faults(0, FaultSettings.DEFAULT_ERROR_STATUS, 0, 0);

		public Faults {
			// the fields are not assigned yet: validate the parameters
			new FaultSettings(errorRate, errorStatus, latencyMs, latencyJitterMs).validate(Faults::propertyName);
		}

		/**
		 * @return these faults as the runtime value
		 */
		public FaultSettings toSettings() {
			return new FaultSettings(this.errorRate, this.errorStatus, this.latencyMs, this.latencyJitterMs);
		}

		/** {@code errorRate} → {@code sample.faults.error-rate}. */
		static String propertyName(String field) {
			return "sample.faults." + field.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
		}

	}

}
