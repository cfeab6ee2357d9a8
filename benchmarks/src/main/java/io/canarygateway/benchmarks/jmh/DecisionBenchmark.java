package io.canarygateway.benchmarks.jmh;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.adapter.DefaultServerWebExchange;
import org.springframework.web.server.i18n.AcceptHeaderLocaleContextResolver;
import org.springframework.web.server.session.DefaultWebSessionManager;

import io.canarygateway.core.Assignment;
import io.canarygateway.core.Lane;
import io.canarygateway.core.TargetRule;
import io.canarygateway.loadbalancer.LaneRequest;
import io.canarygateway.routing.CanaryExchangeHandler;
import io.canarygateway.routing.CanaryHeaders;
import io.canarygateway.routing.RoutedRelease;

/**
 * The per-request lane decision (docs/routing.md, "The decision"):
 * {@code ManagedRelease.decide} → {@code Decider.decide} with a random bucket, with a
 * sticky key, with an override header; and {@link RoutedRelease#lane} on a whole exchange
 * (header and cookie lookups, the lane cached on the exchange), also for a release keyed
 * by a sticky cookie, with the cookie and without (then the key is given in a
 * {@code Set-Cookie}). Target: ≤ 100 ns and 0 B/op for the decision. Run with
 * {@code benchmarks/jmh} ({@code -prof gc}: allocation per operation is
 * {@code gc.alloc.rate.norm}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecisionBenchmark {

	/** A client outside the office network of the targeted release's rule. */
	static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.7", 50123);

	private Fixture fixture;

	/**
	 * The same release with two targeting rules: {@code only-for} a header
	 * ({@code X-Region} in two values) and {@code always-for} an address block.
	 */
	private Fixture targeted;

	/** A request from eu-west-1 with a sticky header. */
	private ServerWebExchange euExchange;

	/**
	 * An exchange as Reactor Netty gives it to the gateway: request headers backed by
	 * Netty's headers.
	 */
	private ServerWebExchange exchange;

	/**
	 * The same request as a {@link MockServerWebExchange}, whose headers live in a
	 * case-insensitive map.
	 */
	private MockServerWebExchange mockExchange;

	private int next;

	private final CanaryExchangeHandler handler = new CanaryExchangeHandler();

	/** A GET without a body, forced to the canary lane ({@code X-Canary: always}). */
	private ServerWebExchange canaryExchange;

	/**
	 * A browser's GET for the cookie-keyed release: its sticky cookie among two others.
	 */
	private ServerWebExchange cookieExchange;

	/**
	 * The same GET from a browser that has no sticky cookie yet: the request, for a new
	 * exchange per call.
	 */
	private ServerHttpRequest anonymousRequest;

	private final DefaultWebSessionManager sessionManager = new DefaultWebSessionManager();

	private final ServerCodecConfigurer codecs = ServerCodecConfigurer.create();

	private final AcceptHeaderLocaleContextResolver localeResolver = new AcceptHeaderLocaleContextResolver();

	@Setup(Level.Trial)
	public void setUp() {
		this.fixture = new Fixture("simple");
		this.targeted = new Fixture("simple",
				List.of(TargetRule.header("X-Region", List.of("eu-west-1", "eu-north-1"), null)),
				List.of(TargetRule.remoteAddress(List.of("10.0.0.0/8"))));
		DefaultHttpHeaders nettyHeaders = new DefaultHttpHeaders();
		nettyHeaders.add("Host", "gateway.example");
		nettyHeaders.add("Accept", "application/json");
		nettyHeaders.add("User-Agent", "wrk");
		nettyHeaders.add("X-User-Id", "user-4711");
		this.exchange = new DefaultServerWebExchange(new NettyLikeRequest(nettyHeaders), new MockServerHttpResponse(),
				new DefaultWebSessionManager(), ServerCodecConfigurer.create(),
				new AcceptHeaderLocaleContextResolver());
		DefaultHttpHeaders euHeaders = new DefaultHttpHeaders();
		euHeaders.add(nettyHeaders);
		euHeaders.add("X-Region", "eu-west-1");
		this.euExchange = new DefaultServerWebExchange(new NettyLikeRequest(euHeaders), new MockServerHttpResponse(),
				new DefaultWebSessionManager(), ServerCodecConfigurer.create(),
				new AcceptHeaderLocaleContextResolver());
		DefaultHttpHeaders canaryHeaders = new DefaultHttpHeaders();
		canaryHeaders.add(nettyHeaders);
		canaryHeaders.add("X-Canary", "always");
		this.canaryExchange = new DefaultServerWebExchange(new NettyLikeRequest(canaryHeaders),
				new MockServerHttpResponse(), new DefaultWebSessionManager(), ServerCodecConfigurer.create(),
				new AcceptHeaderLocaleContextResolver());
		DefaultHttpHeaders browserHeaders = new DefaultHttpHeaders();
		browserHeaders.add("Host", "gateway.example");
		browserHeaders.add("Accept", "text/html");
		browserHeaders.add("User-Agent", "Mozilla/5.0");
		DefaultHttpHeaders cookieHeaders = new DefaultHttpHeaders();
		cookieHeaders.add(browserHeaders);
		cookieHeaders.add("Cookie", "theme=dark; " + Fixture.STICKY_COOKIE + "=Hk1cT3bWq0mZx7YpL2sVgA; lang=en");
		this.cookieExchange = exchange(cookieHeaders);
		DefaultHttpHeaders anonymousHeaders = new DefaultHttpHeaders();
		anonymousHeaders.add(browserHeaders);
		anonymousHeaders.add("Cookie", "theme=dark; lang=en");
		this.anonymousRequest = new NettyLikeRequest(anonymousHeaders);
		// parses the cookies once, as any earlier lookup of the request would
		this.anonymousRequest.getCookies();
		this.mockExchange = MockServerWebExchange.from(MockServerHttpRequest.get("/orders/42")
			.header("Host", "gateway.example")
			.header("Accept", "application/json")
			.header("User-Agent", "wrk")
			.header("X-User-Id", "user-4711")
			.build());
	}

	private static ServerWebExchange exchange(DefaultHttpHeaders headers) {
		return new DefaultServerWebExchange(new NettyLikeRequest(headers), new MockServerHttpResponse(),
				new DefaultWebSessionManager(), ServerCodecConfigurer.create(),
				new AcceptHeaderLocaleContextResolver());
	}

	@TearDown(Level.Trial)
	public void tearDown() throws Exception {
		this.fixture.close();
		this.targeted.close();
	}

	/**
	 * No override, no sticky key: a random bucket against the weight (the common case).
	 */
	@Benchmark
	public Assignment decideRandom() {
		return this.fixture.decide(null, null, null);
	}

	/**
	 * A sticky key: MurmurHash3 of (release, key) into a bucket. Keys rotate over 1,024
	 * distinct users.
	 */
	@Benchmark
	public Assignment decideSticky() {
		return this.fixture.decide(null, null, this.fixture.keys[this.next++ & 1023]);
	}

	/** The override header says {@code Always} (compared ignoring case). */
	@Benchmark
	public Assignment decideOverrideHeader() {
		return this.fixture.decide("Always", null, null);
	}

	/**
	 * The decision as a request makes it: {@link RoutedRelease#lane} on an exchange
	 * carrying a sticky header (override header, cookie header and sticky header looked
	 * up in Netty's headers, the lane kept in the request's {@code LaneRequest}, one
	 * exchange attribute). The attribute is removed first so every call decides anew;
	 * keeping it costs one map entry and one small object per request.
	 */
	@Benchmark
	public Lane laneOfExchange() {
		this.exchange.getAttributes().remove(LaneRequest.ATTRIBUTE);
		return this.fixture.routed.lane(this.exchange);
	}

	/**
	 * {@link #laneOfExchange} on a release with two targeting rules: the
	 * {@code always-for} address block (the client is outside it) and the
	 * {@code only-for} header (the request matches), then the sticky key as usual.
	 * Target: ≤ 100 ns, 0 B/op.
	 */
	@Benchmark
	public Lane laneOfExchangeWithTwoRules() {
		this.euExchange.getAttributes().remove(LaneRequest.ATTRIBUTE);
		return this.targeted.routed.lane(this.euExchange);
	}

	/**
	 * The same on a {@link MockServerWebExchange}: its case-insensitive header map
	 * lower-cases every name looked up (an allocation per lookup that Netty's headers do
	 * not make). For contrast only.
	 */
	@Benchmark
	public Lane laneOfMockExchange() {
		this.mockExchange.getAttributes().remove(LaneRequest.ATTRIBUTE);
		return this.fixture.routed.lane(this.mockExchange);
	}

	/**
	 * {@link RoutedRelease#lane} for a release keyed by the sticky cookie, on a request
	 * that carries it: the key is the cookie's value. The request's cookies are parsed on
	 * its first lookup and kept by the request (once per request, whatever asks), so this
	 * measures the lookups and the decision, not the parsing.
	 */
	@Benchmark
	public Lane laneOfCookieExchange() {
		this.cookieExchange.getAttributes().remove(LaneRequest.ATTRIBUTE);
		return this.fixture.cookieRouted.lane(this.cookieExchange);
	}

	/**
	 * The same release on a request with no sticky key (a browser's first visit), on a
	 * new exchange each call, as a server makes one per request: the response must be
	 * new, since it keeps what it was given until it is sent. {@link #newExchange} is
	 * that part alone, to subtract.
	 */
	@Benchmark
	public Lane laneOfAnonymousExchange() {
		return this.fixture.cookieRouted.lane(newExchange());
	}

	/**
	 * The part of {@link #laneOfAnonymousExchange} that makes the key: 128 bits from a
	 * {@link java.security.SecureRandom}, in 22 characters.
	 */
	@Benchmark
	public String stickyKey() {
		return this.fixture.stickyKeys.next();
	}

	/** Not the decision: a new exchange for the anonymous request. */
	@Benchmark
	public ServerWebExchange newExchange() {
		return new DefaultServerWebExchange(this.anonymousRequest, new MockServerHttpResponse(), this.sessionManager,
				this.codecs, this.localeResolver);
	}

	/**
	 * Not the decision: what forwarding the lane header would cost by mutating the
	 * request ({@code X-Canary-Lane}) — a mutated request with the header set, in a
	 * mutated exchange (the same work as Spring Cloud Gateway's {@code AddRequestHeader}
	 * filter). For contrast with {@code LaneHeaderFilter}, which the gateway uses
	 * instead.
	 */
	@Benchmark
	public ServerWebExchange laneHeader() {
		ServerHttpRequest request = this.exchange.getRequest()
			.mutate()
			.headers((headers) -> headers.set(CanaryHeaders.LANE, Lane.STABLE.value()))
			.build();
		return this.exchange.mutate().request(request).build();
	}

	/**
	 * The canary part of a proxied request as the {@code Canary} filter runs it
	 * ({@link CanaryExchangeHandler#handle}) on a load-balanced route with retry on
	 * stable: a GET forced to the canary lane by the override header, the lane decided,
	 * the attempt sent down a chain that answers 200 at once (no load balancer, no
	 * network), the outcome recorded. The attributes the request leaves are removed first
	 * so every call handles it anew.
	 */
	@Benchmark
	public void handleCanaryGet() {
		Map<String, Object> attributes = this.canaryExchange.getAttributes();
		attributes.remove(LaneRequest.ATTRIBUTE);
		attributes.put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, LB_URL);
		this.handler.handle(this.canaryExchange, OK_CHAIN, this.fixture.routed, true).subscribe();
	}

	private static final URI LB_URL = URI.create("lb://orders/orders/42");

	private static final GatewayFilterChain OK_CHAIN = (exchange) -> {
		exchange.getResponse().setStatusCode(HttpStatus.OK);
		return Mono.empty();
	};

	/**
	 * A GET request whose headers are Netty's, as {@code ReactorServerHttpRequest} has
	 * them.
	 */
	static final class NettyLikeRequest extends AbstractServerHttpRequest {

		NettyLikeRequest(io.netty.handler.codec.http.HttpHeaders headers) {
			super(HttpMethod.GET, URI.create("http://gateway.example/orders/42"), "",
					new HttpHeaders(new Netty4HeadersAdapter(headers)));
		}

		/** Parsed as Reactor Netty parses them (its strict decoder). */
		@Override
		protected MultiValueMap<String, HttpCookie> initCookies() {
			MultiValueMap<String, HttpCookie> cookies = new LinkedMultiValueMap<>();
			String header = getHeaders().getFirst(HttpHeaders.COOKIE);
			if (header != null) {
				for (Cookie cookie : ServerCookieDecoder.STRICT.decodeAll(header)) {
					cookies.add(cookie.name(), new HttpCookie(cookie.name(), cookie.value()));
				}
			}
			return cookies;
		}

		@Override
		protected SslInfo initSslInfo() {
			return null;
		}

		@Override
		public Flux<DataBuffer> getBody() {
			return Flux.empty();
		}

		@Override
		public <T> T getNativeRequest() {
			throw new UnsupportedOperationException();
		}

		@Override
		public InetSocketAddress getRemoteAddress() {
			return CLIENT;
		}

	}

}
