package io.canarygateway.sample.services;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One keep-alive connection keeps being read however its exchanges end. Reactor Netty
 * 1.3.6 stops reading a connection when a request that arrived while the previous
 * exchange was still terminating is answered synchronously (reactor/reactor-netty#4361):
 * a delayed demo request followed at once by a control request (answered synchronously)
 * hits it within a few hundred rounds, and the next request on the connection is never
 * answered. That is how a test of this module once waited 60 s for a response.
 */
class KeepAliveTests {

	private static final int ROUNDS = 500;

	private ConfigurableApplicationContext context;

	@AfterEach
	void close() {
		if (this.context != null) {
			this.context.close();
		}
	}

	@Test
	void aConnectionKeepsBeingReadAfterDelayedAndImmediateAnswers() throws IOException {
		this.context = new SpringApplicationBuilder(SampleServiceApplication.class)
			.properties("server.port=0", "sample.faults.latency-ms=1")
			.run();
		int port = this.context.getEnvironment().getProperty("local.server.port", Integer.class);
		int answered = 0;
		try (Socket socket = new Socket("127.0.0.1", port)) {
			// only a stuck connection waits this long: answers take milliseconds
			socket.setSoTimeout(60_000);
			socket.setTcpNoDelay(true);
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			for (int i = 0; i < ROUNDS; i++) {
				// a delayed demo request, then a control request sent as soon as its
				// answer is in
				String path = (i % 2 == 0) ? "/orders/" + i : "/_sample/faults";
				out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
				out.flush();
				assertThat(readResponse(in)).startsWith("HTTP/1.1 200");
				answered++;
			}
		}
		catch (SocketTimeoutException ex) {
			// the connection stopped being read
		}
		assertThat(answered).as("requests answered on one keep-alive connection").isEqualTo(ROUNDS);
	}

	/** Reads one response; returns its head. */
	private static String readResponse(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		while (head.length() < 4 || head.lastIndexOf("\r\n\r\n") != head.length() - 4) {
			int c = in.read();
			if (c < 0) {
				throw new IOException("connection closed after: " + head);
			}
			head.append((char) c);
		}
		int length = 0;
		for (String line : head.toString().split("\r\n")) {
			if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
				length = Integer.parseInt(line.substring("content-length:".length()).strip());
			}
		}
		in.readNBytes(length);
		return head.toString();
	}

}
