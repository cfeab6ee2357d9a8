package io.canarygateway.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;

import io.canarygateway.control.DiscoveryTrigger;
import io.canarygateway.loadbalancer.InstanceVersion;
import io.canarygateway.routing.CanaryGatewayFilterFactory;

/**
 * The versions among the instances of a release's load-balanced services, for the
 * {@link DiscoveryTrigger}: the services are the {@code lb://} routes that carry the
 * release's {@code Canary} filter (as the gateway built them, so routes added at runtime
 * count), the instances what the application's {@link ReactiveDiscoveryClient} lists for
 * them (the client the gateway's load balancer asks too), and their versions read as the
 * lanes read them ({@link InstanceVersion}: the {@code canary.instance-metadata-key}
 * metadata, or a Kubernetes pod's version label).
 */
final class DiscoveredVersions implements DiscoveryTrigger.InstanceVersions {

	/**
	 * How long reading the routes (cached by the gateway) or one service's instances may
	 * take: the look is skipped after that.
	 */
	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final RouteLocator routes;

	private final ReactiveDiscoveryClient discovery;

	private final String metadataKey;

	DiscoveredVersions(RouteLocator routes, ReactiveDiscoveryClient discovery, String metadataKey) {
		this.routes = routes;
		this.discovery = discovery;
		this.metadataKey = metadataKey;
	}

	@Override
	public Set<String> versions(String release) {
		Set<String> versions = new TreeSet<>();
		for (String service : services(release)) {
			List<ServiceInstance> instances = this.discovery.getInstances(service).collectList().block(TIMEOUT);
			for (ServiceInstance instance : (instances != null) ? instances : List.<ServiceInstance>of()) {
				String version = InstanceVersion.of(instance, this.metadataKey);
				if (version != null) {
					versions.add(version);
				}
			}
		}
		return versions;
	}

	/**
	 * The services of the {@code lb://} routes with the release's {@code Canary} filter.
	 */
	Set<String> services(String release) {
		Set<String> services = new LinkedHashSet<>();
		List<Route> all = this.routes.getRoutes().collectList().block(TIMEOUT);
		for (Route route : (all != null) ? all : List.<Route>of()) {
			URI uri = route.getUri();
			if (CanaryGatewayFilterFactory.isLoadBalanced(uri) && hasCanaryFilter(route, release)) {
				services.add(uri.getHost());
			}
		}
		return services;
	}

	private static boolean hasCanaryFilter(Route route, String release) {
		for (GatewayFilter filter : route.getFilters()) {
			GatewayFilter delegate = (filter instanceof OrderedGatewayFilter ordered) ? ordered.getDelegate() : filter;
			if (delegate instanceof CanaryGatewayFilterFactory.CanaryFilter canary
					&& canary.release().name().equals(release)) {
				return true;
			}
		}
		return false;
	}

}
