package io.canarygateway.loadbalancer;

import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.kubernetes.commons.discovery.KubernetesServiceInstance;
import org.springframework.util.ClassUtils;

/**
 * The version a service instance is tagged with (docs/routing.md, "Load-balanced mode"
 * and "Kubernetes: one Service, pods of two versions"): the one place that reads it, for
 * the lanes' instance selection ({@link LaneTarget}) and for the discovery trigger alike.
 * <p>
 * In this order, a blank value counting as none:
 * <ol>
 * <li>the instance's metadata named by {@code canary.instance-metadata-key};</li>
 * <li>for an instance of Spring Cloud Kubernetes discovery, its pod's label of that name,
 * then its pod's label {@value #KUBERNETES_VERSION_LABEL} (the pod labels are there when
 * discovery has {@code spring.cloud.kubernetes.discovery.metadata.add-pod-labels=true}).
 * </li>
 * </ol>
 * spring-cloud-kubernetes is optional: without it on the class path the second step is
 * skipped, and nothing of it is ever loaded. Reading a version allocates nothing.
 */
public final class InstanceVersion {

	/** The pod label Kubernetes recommends for an application's version. */
	private static final String KUBERNETES_VERSION_LABEL = "app.kubernetes.io/version";

	private static final boolean KUBERNETES_PRESENT = ClassUtils.isPresent(
			"org.springframework.cloud.kubernetes.commons.discovery.KubernetesServiceInstance",
			InstanceVersion.class.getClassLoader());

	private InstanceVersion() {
	}

	/**
	 * The version {@code instance} is tagged with, or {@code null} when it has none.
	 * @param instance an instance of a load-balanced service
	 * @param metadataKey {@code canary.instance-metadata-key}
	 */
	public static @Nullable String of(ServiceInstance instance, String metadataKey) {
		Map<String, String> metadata = instance.getMetadata();
		String version = (metadata != null) ? metadata.get(metadataKey) : null;
		if (hasText(version)) {
			return version;
		}
		return KUBERNETES_PRESENT ? PodLabels.version(instance, metadataKey) : null;
	}

	private static boolean hasText(@Nullable String value) {
		return value != null && !value.isBlank();
	}

	/**
	 * The pod labels of a Spring Cloud Kubernetes instance: a class of its own, loaded
	 * only once spring-cloud-kubernetes is known to be on the class path.
	 */
	private static final class PodLabels {

		/**
		 * Where {@link KubernetesServiceInstance#podMetadata()} keeps the pod's labels.
		 */
		private static final String LABELS = "labels";

		static @Nullable String version(ServiceInstance instance, String metadataKey) {
			if (!(instance instanceof KubernetesServiceInstance kubernetes)) {
				return null;
			}
			Map<String, Map<String, String>> podMetadata = kubernetes.podMetadata();
			Map<String, String> labels = (podMetadata != null) ? podMetadata.get(LABELS) : null;
			if (labels == null) {
				return null;
			}
			String version = labels.get(metadataKey);
			if (hasText(version)) {
				return version;
			}
			version = labels.get(KUBERNETES_VERSION_LABEL);
			return hasText(version) ? version : null;
		}

	}

}
