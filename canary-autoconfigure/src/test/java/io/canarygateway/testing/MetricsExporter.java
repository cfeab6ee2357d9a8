package io.canarygateway.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real HTTP endpoint a Prometheus server scrapes: serves the samples it was given at
 * {@code /metrics} in Prometheus' text format (e.g. {@code checkout_failed_total} with
 * {@code version="v2"}).
 */
public final class MetricsExporter implements AutoCloseable {

	private final Map<String, Double> samples = new ConcurrentHashMap<>();

	private final Map<String, String> types = new ConcurrentHashMap<>();

	private final DisposableServer server;

	public MetricsExporter() {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.get("/metrics",
					(request, response) -> response.header("Content-Type", "text/plain; version=0.0.4")
						.sendString(Mono.fromSupplier(this::exposition).subscribeOn(Schedulers.parallel()))))
			.bindNow();
	}

	/**
	 * Sets a sample: {@code name} (a {@code counter} or {@code gauge}) with its labels
	 * written as in the exposition format, e.g. {@code version="v2"}.
	 */
	public MetricsExporter set(String type, String name, String labels, double value) {
		this.types.put(name, type);
		this.samples.put(name + "{" + labels + "}", value);
		return this;
	}

	/** {@code host:port}, as a scrape target. */
	public String target() {
		return "127.0.0.1:" + this.server.port();
	}

	private String exposition() {
		StringBuilder text = new StringBuilder();
		new TreeMap<>(this.types).forEach((name, type) -> {
			text.append("# TYPE ").append(name).append(' ').append(type).append('\n');
			new TreeMap<>(this.samples).forEach((sample, value) -> {
				if (sample.startsWith(name + "{")) {
					text.append(sample).append(' ').append(value).append('\n');
				}
			});
		});
		return text.toString();
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

}
