package io.canarygateway.loadbalancer;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.kubernetes.commons.discovery.DefaultKubernetesServiceInstance;

import io.canarygateway.core.Lane;
import io.canarygateway.core.Versions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The versions of Spring Cloud Kubernetes instances, as its discovery clients build them
 * ({@link DefaultKubernetesServiceInstance}: the Service's labels and annotations in the
 * metadata, the pod's labels in {@code podMetadata().get("labels")}), through the lanes'
 * instance selection: the metadata key first, then the pod label of that name, then the
 * pod label {@code app.kubernetes.io/version}; an instance with none of them is stable.
 */
class KubernetesInstanceVersionTest {

	private static final String KEY = "version";

	@Test
	void podLabelNamedByTheMetadataKeyTagsTheInstance() {
		ServiceInstance pod = pod("orders-2", Map.of(), Map.of(KEY, "v2"));
		assertThat(InstanceVersion.of(pod, KEY)).isEqualTo("v2");
		assertThat(InstanceVersion.of(pod, "release")).as("another key names another label").isNull();
	}

	@Test
	void recommendedVersionLabelIsTheFallback() {
		ServiceInstance pod = pod("orders-2", Map.of(), Map.of("app.kubernetes.io/version", "v2"));
		assertThat(InstanceVersion.of(pod, KEY)).isEqualTo("v2");
		assertThat(InstanceVersion.of(pod("orders-3", Map.of(), Map.of(KEY, "v3", "app.kubernetes.io/version", "v2")),
				KEY))
			.as("the label named by the key comes first")
			.isEqualTo("v3");
		assertThat(
				InstanceVersion.of(pod("orders-3", Map.of(), Map.of(KEY, " ", "app.kubernetes.io/version", "v2")), KEY))
			.as("a blank label counts as none")
			.isEqualTo("v2");
	}

	@Test
	void instanceMetadataComesBeforePodLabels() {
		ServiceInstance pod = pod("orders-2", Map.of(KEY, "v1"), Map.of(KEY, "v2", "app.kubernetes.io/version", "v3"));
		assertThat(InstanceVersion.of(pod, KEY)).isEqualTo("v1");
		assertThat(InstanceVersion.of(pod("orders-2", Map.of(KEY, ""), Map.of(KEY, "v2")), KEY))
			.as("blank metadata counts as none")
			.isEqualTo("v2");
	}

	@Test
	void instanceWithoutAnyVersionIsUntagged() {
		assertThat(InstanceVersion.of(pod("orders-1", Map.of("app", "orders"), Map.of("app", "orders")), KEY)).isNull();
		assertThat(InstanceVersion.of(new DefaultKubernetesServiceInstance("orders-1", "orders", "10.0.0.1", 8080,
				Map.of("app", "orders"), false, "default", null, Map.of()), KEY))
			.as("pod labels not requested from discovery (add-pod-labels false)")
			.isNull();
		assertThat(InstanceVersion.of(new DefaultKubernetesServiceInstance("orders-1", "orders", "10.0.0.1", 8080,
				Map.of(), false, "default", null, Map.of("annotations", Map.of(KEY, "v2"))), KEY))
			.as("pod annotations are not labels")
			.isNull();
	}

	@Test
	void lanesSelectPodsOfOneServiceByTheirLabels() {
		ServiceInstance v1ByKey = pod("orders-1a", Map.of(), Map.of(KEY, "v1"));
		ServiceInstance v1ByRecommendedLabel = pod("orders-1b", Map.of(), Map.of("app.kubernetes.io/version", "v1"));
		ServiceInstance untagged = pod("orders-1c", Map.of(), Map.of("app", "orders"));
		ServiceInstance v2ByKey = pod("orders-2a", Map.of(), Map.of(KEY, "v2", "app.kubernetes.io/version", "v1"));
		ServiceInstance v2ByMetadata = pod("orders-2b", Map.of(KEY, "v2"), Map.of(KEY, "v1"));
		ServiceInstance v2ByRecommendedLabel = pod("orders-2c", Map.of(), Map.of("app.kubernetes.io/version", "v2"));
		ServiceInstance v3 = pod("orders-3", Map.of(), Map.of(KEY, "v3"));
		List<ServiceInstance> instances = List.of(v1ByKey, v1ByRecommendedLabel, untagged, v2ByKey, v2ByMetadata,
				v2ByRecommendedLabel, v3);

		LaneTargets targets = new LaneTargets(KEY, Versions.of("v1", "v2"));
		LaneTarget.Selection stable = targets.target(Lane.STABLE, "orders").select(instances);
		LaneTarget.Selection canary = targets.target(Lane.CANARY, "orders").select(instances);

		assertThat(stable.lane()).isEqualTo(Lane.STABLE);
		assertThat(stable.instances()).containsExactly(v1ByKey, v1ByRecommendedLabel, untagged);
		assertThat(canary.lane()).isEqualTo(Lane.CANARY);
		assertThat(canary.instances()).containsExactly(v2ByKey, v2ByMetadata, v2ByRecommendedLabel);
		assertThat(targets.target(Lane.CANARY, "orders").versionOf(untagged)).isEqualTo("v1");
	}

	@Test
	void plainInstancesAreReadFromTheirMetadataAlone() {
		ServiceInstance tagged = new DefaultServiceInstance("orders-2", "orders", "localhost", 8082, false,
				Map.of(KEY, "v2"));
		ServiceInstance untagged = new DefaultServiceInstance("orders-1", "orders", "localhost", 8081, false,
				Map.of("app.kubernetes.io/version", "v2"));
		assertThat(InstanceVersion.of(tagged, KEY)).isEqualTo("v2");
		assertThat(InstanceVersion.of(untagged, KEY)).as("labels only count on a Kubernetes pod").isNull();
	}

	/**
	 * An endpoint of a Service as Spring Cloud Kubernetes discovery lists it with
	 * {@code spring.cloud.kubernetes.discovery.metadata.add-pod-labels=true}.
	 */
	private static DefaultKubernetesServiceInstance pod(String name, Map<String, String> metadata,
			Map<String, String> podLabels) {
		return new DefaultKubernetesServiceInstance(name, "orders", "10.0.0.1", 8080, metadata, false, "default", null,
				Map.of("labels", podLabels));
	}

}
