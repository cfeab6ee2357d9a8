package io.canarygateway.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One keep-alive connection to the gateway keeps being read whatever answers it: proxied
 * requests, actuator reads (answered on another thread), a cross-site write refused with
 * 403, the dashboard and 404s (answered at once), each sent as soon as the previous
 * answer is in. Reactor Netty 1.3.6 stops reading a connection when a request that
 * arrived while the previous exchange was still ending is answered synchronously
 * (reactor/reactor-netty#4361); without {@code KeepAliveReadResumer} this connection
 * stalls within a few dozen requests, as a connection of an actuator test of this suite
 * once did for 60 s.
 */
class KeepAliveIntegrationTests {

	private static final int ROUNDS = 300;

	/**
	 * One round: requests and the status each gets. The actuator's operations end on
	 * another thread, after their answer is on its way, so the request after one often
	 * arrives while that exchange is still ending.
	 */
	private static final String[][] ROUND = { { "GET /orders/1 HTTP/1.1\r\n", "200" },
			{ "GET /actuator/canary/orders HTTP/1.1\r\n", "200" },
			{ "POST /actuator/canary/orders/start HTTP/1.1\r\nOrigin: https://evil.example\r\nContent-Length: 0\r\n",
					"403" },
			{ "GET /actuator/canary/orders HTTP/1.1\r\n", "200" }, { "GET /canary-dashboard/ HTTP/1.1\r\n", "200" },
			{ "GET /actuator/canary/orders HTTP/1.1\r\n", "200" }, { "GET /nosuch HTTP/1.1\r\n", "404" },
			{ "GET /orders/2 HTTP/1.1\r\n", "200" }, { "GET /nosuch HTTP/1.1\r\n", "404" } };

	private ConfigurableApplicationContext context;

	private TestBackend backend;

	@AfterEach
	void stop() {
		if (this.context != null) {
			this.context.close();
		}
		if (this.backend != null) {
			this.backend.close();
		}
	}

	@Test
	void aConnectionKeepsBeingReadAfterProxiedAndOwnAnswers() throws IOException {
		this.backend = new TestBackend("v1", "orders");
		this.backend.delay(1);
		String route = "spring.cloud.gateway.server.webflux.routes[0].";
		this.context = new SpringApplicationBuilder(GatewayTestApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "spring.main.banner-mode=off", "canary.releases.orders.stable-version=v1",
					"canary.releases.orders.canary-version=v2", "canary.releases.orders.auto-start=false",
					"canary.dashboard.enabled=true", "management.endpoints.web.exposure.include=canary",
					route + "id=orders", route + "uri=" + this.backend.uri(), route + "predicates[0]=Path=/orders/**")
			.run();
		int port = this.context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		int answered = 0;
		try (Socket socket = new Socket("127.0.0.1", port)) {
			// only a stuck connection waits this long: answers take milliseconds
			socket.setSoTimeout(60_000);
			socket.setTcpNoDelay(true);
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			for (int i = 0; i < ROUNDS; i++) {
				for (String[] request : ROUND) {
					send(out, request[0]);
					assertThat(readResponse(in)).as(request[0]).startsWith("HTTP/1.1 " + request[1]);
					answered++;
				}
			}
		}
		catch (SocketTimeoutException ex) {
			// the connection stopped being read
		}
		assertThat(answered).as("requests answered on one keep-alive connection").isEqualTo(ROUNDS * ROUND.length);
	}

	private static void send(OutputStream out, String requestLineAndHeaders) throws IOException {
		out.write((requestLineAndHeaders + "Host: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
		out.flush();
	}

	/** Reads one response (fixed length or chunked); returns its head. */
	private static String readResponse(InputStream in) throws IOException {
		String head = readLine(in, "\r\n\r\n");
		int length = -1;
		boolean chunked = false;
		for (String line : head.split("\r\n")) {
			String lower = line.toLowerCase(Locale.ROOT);
			if (lower.startsWith("content-length:")) {
				length = Integer.parseInt(line.substring("content-length:".length()).strip());
			}
			else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
				chunked = true;
			}
		}
		if (chunked) {
			int size;
			do {
				size = Integer.parseInt(readLine(in, "\r\n").strip(), 16);
				in.readNBytes(size + 2);
			}
			while (size > 0);
		}
		else if (length > 0) {
			in.readNBytes(length);
		}
		return head;
	}

	private static String readLine(InputStream in, String end) throws IOException {
		StringBuilder text = new StringBuilder();
		while (text.length() < end.length() || text.lastIndexOf(end) != text.length() - end.length()) {
			int c = in.read();
			if (c < 0) {
				throw new IOException("connection closed after: " + text);
			}
			text.append((char) c);
		}
		return text.toString();
	}

}
