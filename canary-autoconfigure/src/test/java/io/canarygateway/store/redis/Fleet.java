package io.canarygateway.store.redis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.canarygateway.core.ReleaseStatus;
import io.canarygateway.store.ReleaseRecordCodec;

/**
 * What the gateway replicas of a test share: one real Redis, real backends (a stable and
 * a canary one per release, found through simple discovery and an {@code lb://} route
 * with the {@code Canary} filter), and the properties every replica starts with. Fast
 * settings: short analysis interval, refresh and timeouts.
 */
final class Fleet implements AutoCloseable {

	final EmbeddedRedis redis = new EmbeddedRedis();

	final Map<String, Object> properties = new LinkedHashMap<>();

	private final Map<String, Backend> backends = new LinkedHashMap<>();

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private int routes;

	private LettuceConnectionFactory rawFactory;

	Fleet() {
		this.properties.put("spring.data.redis.host", "127.0.0.1");
		this.properties.put("spring.data.redis.port", Integer.toString(this.redis.port));
		this.properties.put("canary.store.type", "redis");
		this.properties.put("canary.store.redis.timeout", "2s");
		this.properties.put("canary.store.redis.refresh-interval", "500ms");
		this.properties.put("canary.defaults.stable-version", "v1");
		this.properties.put("canary.defaults.canary-version", "v2");
		this.properties.put("canary.defaults.auto-start", "true");
		this.properties.put("canary.defaults.steps", "10,50,100");
		this.properties.put("canary.defaults.step-interval", "1h");
		// longer than the step-interval (a startup rule); no test runs for an hour
		this.properties.put("canary.defaults.progress-deadline", "2h");
		this.properties.put("canary.defaults.analysis.interval", "250ms");
		// no verdict but inconclusive: a busy test machine's latency noise must not move
		// a release; a release
		// that is to progress says so (see progressing())
		this.properties.put("canary.defaults.analysis.min-requests", "1000000");
		this.properties.put("canary.defaults.routing.sticky-header", "X-User-Id");
		this.properties.put("canary.defaults.routing.expose-version", "true");
		this.properties.put("management.endpoints.web.exposure.include", "canary,health");
		this.properties.put("management.endpoint.health.show-details", "always");
	}

	/**
	 * A release with its two backends and route {@code /<name>/**}; {@code settings} are
	 * release properties.
	 */
	Fleet release(String name, String... settings) {
		Backend stable = backend(name, "v1");
		Backend canary = backend(name, "v2");
		String simple = "spring.cloud.discovery.client.simple.instances." + name;
		this.properties.put(simple + "[0].uri", stable.uri());
		this.properties.put(simple + "[0].metadata.version", "v1");
		this.properties.put(simple + "[1].uri", canary.uri());
		this.properties.put(simple + "[1].metadata.version", "v2");
		String route = "spring.cloud.gateway.server.webflux.routes[" + this.routes++ + "]";
		this.properties.put(route + ".id", name);
		this.properties.put(route + ".uri", "lb://" + name);
		this.properties.put(route + ".predicates[0]", "Path=/" + name + "/**");
		this.properties.put(route + ".filters[0]", "Canary=" + name);
		this.properties.put("canary.releases." + name + ".stable-version", "v1");
		for (String setting : settings) {
			int eq = setting.indexOf('=');
			this.properties.put("canary.releases." + name + "." + setting.substring(0, eq), setting.substring(eq + 1));
		}
		return this;
	}

	/**
	 * The settings of a release that progresses on analysis: verdicts after a few
	 * requests, judged on errors only (latency on a loaded test machine is noise), rolled
	 * back after three failures in a row.
	 */
	static String[] progressing(String... more) {
		String[] settings = { "analysis.min-requests=10", "analysis.latency-tolerance=1000", "analysis.max-latency=60s",
				"analysis.failure-threshold=3" };
		String[] all = new String[settings.length + more.length];
		System.arraycopy(settings, 0, all, 0, settings.length);
		System.arraycopy(more, 0, all, settings.length, more.length);
		return all;
	}

	/**
	 * Adds an instance of another version to a release's service (before the replicas
	 * start).
	 */
	Fleet instance(String release, String version) {
		Backend backend = backend(release, version);
		String simple = "spring.cloud.discovery.client.simple.instances." + release;
		int index = 0;
		while (this.properties.containsKey(simple + "[" + index + "].uri")) {
			index++;
		}
		this.properties.put(simple + "[" + index + "].uri", backend.uri());
		this.properties.put(simple + "[" + index + "].metadata.version", version);
		return this;
	}

	/** The backend of a version of a release. */
	Backend backendOf(String release, String version) {
		return this.backends.get(release + "-" + version);
	}

	private Backend backend(String release, String version) {
		Backend backend = new Backend(version);
		this.backends.put(release + "-" + version, backend);
		return backend;
	}

	Backend backend(String release, boolean canary) {
		return this.backends.get(release + "-" + (canary ? "v2" : "v1"));
	}

	/** Starts a gateway replica of this fleet. */
	Replica replica(String name) {
		Replica replica = new Replica(name, this.properties);
		this.closeables.add(replica);
		return replica;
	}

	/** A plain connection to the fleet's Redis, for looking at what is stored. */
	synchronized StringRedisTemplate raw() {
		if (this.rawFactory == null) {
			this.rawFactory = this.redis.connectionFactory();
		}
		return new StringRedisTemplate(this.rawFactory);
	}

	/** The record Redis holds for a release, or {@code null}. */
	ReleaseStatus stored(String release) {
		Object json = raw().opsForHash().get("canary:{" + release + "}:release", "record");
		return (json != null) ? new ReleaseRecordCodec().read(json.toString()) : null;
	}

	@Override
	public void close() {
		for (AutoCloseable closeable : this.closeables) {
			try {
				closeable.close();
			}
			catch (Exception ex) {
				// closing what is left
			}
		}
		if (this.rawFactory != null) {
			this.rawFactory.destroy();
		}
		this.backends.values().forEach(Backend::close);
		this.redis.close();
	}

}
