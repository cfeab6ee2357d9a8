package io.canarygateway.sample.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo's stand-in for a pipeline and a chat channel (docs/integrations.md): a tiny
 * local HTTP server the gateway's webhooks call. {@code POST /approve} is a
 * confirm-promotion gate that answers what the pipeline says ({@link #approve}: 200, or
 * 403 while it has not approved); {@code POST /chat} takes Slack-format messages
 * ({@code {"text": …}}) and keeps their text for the demo to print as chat lines.
 */
final class DemoHookReceiver implements AutoCloseable {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpServer server;

	private final AtomicInteger approval = new AtomicInteger(200);

	private final AtomicInteger asked = new AtomicInteger();

	private final Queue<String> chat = new ConcurrentLinkedQueue<>();

	DemoHookReceiver() {
		try {
			this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.server.createContext("/approve", (exchange) -> {
			read(exchange);
			this.asked.incrementAndGet();
			int status = this.approval.get();
			answer(exchange, status, (status == 200) ? "approved" : "not approved yet");
		});
		this.server.createContext("/chat", (exchange) -> {
			String body = read(exchange);
			try {
				this.chat.add(JSON.readTree(body).path("text").asString(""));
				answer(exchange, 200, "ok");
			}
			catch (RuntimeException ex) {
				answer(exchange, 400, "invalid_payload");
			}
		});
		this.server.setExecutor(Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task, "demo-hook-receiver");
			thread.setDaemon(true);
			return thread;
		}));
		this.server.start();
	}

	/** The URL of a path of this receiver, e.g. {@code url("/approve")}. */
	String url(String path) {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + path;
	}

	/** What the confirm-promotion gate answers from now on. */
	void approve(boolean approved) {
		this.approval.set(approved ? 200 : 403);
	}

	/** How many times the gate was asked. */
	int asked() {
		return this.asked.get();
	}

	/** The chat messages received since the last call, oldest first. */
	List<String> takeChat() {
		List<String> messages = new ArrayList<>();
		for (String message = this.chat.poll(); message != null; message = this.chat.poll()) {
			messages.add(message);
		}
		return messages;
	}

	private static String read(HttpExchange exchange) throws IOException {
		try (InputStream in = exchange.getRequestBody()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	private static void answer(HttpExchange exchange, int status, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		exchange.sendResponseHeaders(status, bytes.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(bytes);
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
