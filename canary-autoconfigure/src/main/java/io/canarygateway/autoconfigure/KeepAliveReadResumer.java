package io.canarygateway.autoconfigure;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.LastHttpContent;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;

/**
 * Keeps reading a keep-alive connection once its exchange is over. Reactor Netty 1.3.6
 * stops reading an HTTP/1.1 connection when a request that arrived while the previous
 * exchange was still ending is answered synchronously (reactor/reactor-netty#4361): it
 * queues that request, and when the answer comes before the request's last part has left
 * the queue, it schedules another drain of the queue instead of a read, and that drain
 * finds the queue empty and reads nothing. The client's next request on the connection is
 * never answered. Any answer that is ready at once hits it after one that ended late: a
 * 404, a 403 of the cross-site write check, an actuator read right after a proxied
 * response.
 * <p>
 * This handler sits right behind Reactor Netty's traffic handler and, when the last part
 * of a request has passed and no exchange is in progress on the connection any more, asks
 * for the next read: what the traffic handler does itself when it does not take the
 * faulty path. Asking for a read that is already pending changes nothing, so on a
 * connection the bug does not hit this handler changes nothing either. HTTP/2 connections
 * have no traffic handler and are left alone.
 */
@ChannelHandler.Sharable
final class KeepAliveReadResumer extends ChannelInboundHandlerAdapter implements NettyServerCustomizer {

	static final String NAME = "canaryKeepAliveReadResumer";

	@Override
	public HttpServer apply(HttpServer server) {
		return server.doOnChannelInit((observer, channel, address) -> {
			if (channel.pipeline().get(NettyPipeline.HttpTrafficHandler) != null) {
				channel.pipeline().addAfter(NettyPipeline.HttpTrafficHandler, NAME, this);
			}
		});
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		boolean last = msg instanceof LastHttpContent;
		ctx.fireChannelRead(msg);
		if (last && ChannelOperations.get(ctx.channel()) == null) {
			ctx.read();
		}
	}

}
