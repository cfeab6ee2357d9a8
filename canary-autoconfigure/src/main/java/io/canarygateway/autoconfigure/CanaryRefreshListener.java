package io.canarygateway.autoconfigure;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationListener;

/**
 * Says at WARN which {@code canary.*} keys a configuration refresh changed (Spring
 * Cloud's {@code EnvironmentChangeEvent}: {@code POST /actuator/refresh}, a config
 * server, Spring Cloud Bus, {@code POST /actuator/env}) and that they are not applied.
 * The releases, their schedules, the judge, the breakers and the store are built from
 * {@code canary.*} once, at startup, and hold running state (a rollout in progress, its
 * windows, its breaker) that a new configuration could contradict; a restart applies the
 * change, and the {@code canary} endpoint changes a release's state at runtime.
 */
class CanaryRefreshListener implements ApplicationListener<EnvironmentChangeEvent> {

	/** The event's class: this listener exists only when it is on the class path. */
	static final String EVENT = "org.springframework.cloud.context.environment.EnvironmentChangeEvent";

	private static final Log logger = LogFactory.getLog(CanaryRefreshListener.class);

	private static final ConfigurationPropertyName CANARY = ConfigurationPropertyName.of(CanaryProperties.PREFIX);

	@Override
	public void onApplicationEvent(EnvironmentChangeEvent event) {
		List<String> keys = event.getKeys().stream().filter(CanaryRefreshListener::isCanary).sorted().toList();
		if (!keys.isEmpty()) {
			logger.warn("A configuration refresh changed " + String.join(", ", keys)
					+ ": ignored, Canary Gateway reads canary.* only when it starts. Restart the gateway to apply "
					+ "the change; until then it keeps the configuration it started with (the canary actuator "
					+ "endpoint changes a release's state at runtime).");
		}
	}

	/**
	 * Whether a key is under {@code canary}: in any form Spring Boot binds,
	 * {@code canary.releases.orders.step-interval},
	 * {@code canary.releases.orders.stepInterval} or the environment variable
	 * {@code CANARY_RELEASES_ORDERS_STEPINTERVAL}.
	 */
	static boolean isCanary(String key) {
		if (key == null) {
			return false;
		}
		if (key.regionMatches(true, 0, CanaryProperties.PREFIX + "_", 0, CanaryProperties.PREFIX.length() + 1)) {
			return true;
		}
		ConfigurationPropertyName name = ConfigurationPropertyName.adapt(key, '.');
		return CANARY.equals(name) || CANARY.isAncestorOf(name);
	}

}
