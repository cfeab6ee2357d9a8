package io.canarygateway.loadbalancer;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

import io.canarygateway.core.Lane;
import io.canarygateway.core.Versions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * spring-cloud-kubernetes is an optional dependency: the lanes' instance selection works
 * as before on a class path without it. Our classes run in a class loader that hides
 * every {@code org.springframework.cloud.kubernetes} class, as an application without
 * Spring Cloud Kubernetes would.
 */
class WithoutKubernetesTest {

	@Test
	void instancesAreSelectedByTheirMetadataWithoutSpringCloudKubernetes() throws Exception {
		ClassLoader loader = new WithoutKubernetes(getClass().getClassLoader());
		@SuppressWarnings("unchecked")
		Supplier<List<String>> probe = (Supplier<List<String>>) loader.loadClass(Probe.class.getName())
			.getDeclaredConstructor()
			.newInstance();

		assertThat(probe.get()).containsExactly("kubernetes hidden", "tagged v2", "untagged null",
				"stable [orders-1, orders-untagged]", "canary [orders-2]");
	}

	/** What runs in the class loader without Kubernetes. */
	public static final class Probe implements Supplier<List<String>> {

		@Override
		public List<String> get() {
			List<String> seen = new ArrayList<>();
			try {
				Class.forName("org.springframework.cloud.kubernetes.commons.discovery.KubernetesServiceInstance", false,
						getClass().getClassLoader());
				seen.add("kubernetes visible");
			}
			catch (ClassNotFoundException ex) {
				seen.add("kubernetes hidden");
			}
			ServiceInstance v1 = instance("orders-1", Map.of("version", "v1"));
			ServiceInstance v2 = instance("orders-2", Map.of("version", "v2"));
			ServiceInstance untagged = instance("orders-untagged", Map.of("app.kubernetes.io/version", "v2"));
			seen.add("tagged " + InstanceVersion.of(v2, "version"));
			seen.add("untagged " + InstanceVersion.of(untagged, "version"));
			LaneTargets targets = new LaneTargets("version", Versions.of("v1", "v2"));
			for (Lane lane : Lane.values()) {
				seen.add(lane.value() + " "
						+ targets.target(lane, "orders")
							.select(List.of(v1, v2, untagged))
							.instances()
							.stream()
							.map(ServiceInstance::getInstanceId)
							.toList());
			}
			return seen;
		}

		private static ServiceInstance instance(String id, Map<String, String> metadata) {
			return new DefaultServiceInstance(id, "orders", "localhost", 8080, false, metadata);
		}

	}

	/**
	 * Defines our classes itself (so they resolve their references here) and hides Spring
	 * Cloud Kubernetes; everything else comes from the test's class path.
	 */
	private static final class WithoutKubernetes extends ClassLoader {

		WithoutKubernetes(ClassLoader parent) {
			super(parent);
		}

		@Override
		protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
			if (name.startsWith("org.springframework.cloud.kubernetes.")) {
				throw new ClassNotFoundException(name + " (hidden: no Spring Cloud Kubernetes)");
			}
			if (!name.startsWith("io.canarygateway.")) {
				return super.loadClass(name, resolve);
			}
			synchronized (getClassLoadingLock(name)) {
				Class<?> loaded = findLoadedClass(name);
				return (loaded != null) ? loaded : define(name);
			}
		}

		private Class<?> define(String name) throws ClassNotFoundException {
			try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
				if (in == null) {
					throw new ClassNotFoundException(name);
				}
				byte[] bytes = in.readAllBytes();
				return defineClass(name, bytes, 0, bytes.length);
			}
			catch (IOException ex) {
				throw new ClassNotFoundException(name, ex);
			}
		}

	}

}
