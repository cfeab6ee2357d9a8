package io.canarygateway.store.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

import redis.embedded.RedisServer;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * A real Redis server (the binary that {@code com.github.codemonstur:embedded-redis}
 * ships) on a free loopback port, without persistence, so that stopping and starting it
 * again gives an empty Redis on the same port — a Redis restarted without persistence.
 */
public final class EmbeddedRedis implements AutoCloseable {

	public final int port;

	private RedisServer server;

	public EmbeddedRedis() {
		this.port = freePort();
		start();
	}

	public synchronized void start() {
		try {
			this.server = RedisServer.newRedisServer()
				.port(this.port)
				.bind("127.0.0.1")
				.setting("save \"\"")
				.setting("appendonly no")
				.build();
			this.server.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("could not start Redis on port " + this.port, ex);
		}
	}

	public synchronized void stop() {
		try {
			if (this.server != null) {
				this.server.stop();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Stops the server and starts an empty one on the same port. */
	void restartEmpty() {
		stop();
		start();
	}

	/** A started Lettuce connection factory for this server (the caller destroys it). */
	LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", this.port));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	@Override
	public void close() {
		stop();
	}

	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
