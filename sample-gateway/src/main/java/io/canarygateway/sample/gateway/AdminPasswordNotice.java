package io.canarygateway.sample.gateway;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.security.autoconfigure.SecurityProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

/**
 * Says, at WARN so that the sample's quiet logging shows it, which password the admin has
 * when none was set: {@code application.yml} takes it from {@code CANARY_ADMIN_PASSWORD}
 * and, when that is unset or empty, Spring Boot generates a random one at every start
 * (and logs it only at INFO).
 */
@Component
class AdminPasswordNotice implements ApplicationListener<ApplicationReadyEvent> {

	private static final Log logger = LogFactory.getLog(AdminPasswordNotice.class);

	private final SecurityProperties security;

	AdminPasswordNotice(SecurityProperties security) {
		this.security = security;
	}

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		SecurityProperties.User user = this.security.getUser();
		if (user.isPasswordGenerated()) {
			logger.warn("CANARY_ADMIN_PASSWORD is not set, so user '" + user.getName()
					+ "' got a password generated for this run only: " + user.getPassword()
					+ " (actuator writes and metrics need it, e.g. curl -u " + user.getName() + ":" + user.getPassword()
					+ " -X POST …/actuator/canary/orders/pause). Set CANARY_ADMIN_PASSWORD"
					+ " (and CANARY_ADMIN_USER) in the environment to choose them.");
		}
	}

}
