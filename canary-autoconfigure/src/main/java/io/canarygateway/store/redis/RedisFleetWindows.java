package io.canarygateway.store.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import reactor.core.publisher.Flux;

import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.serializer.RedisElementReader;
import org.springframework.data.redis.serializer.RedisElementWriter;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;

import io.canarygateway.analysis.FleetWindows;
import io.canarygateway.analysis.LaneSample;
import io.canarygateway.analysis.Ledger;
import io.canarygateway.store.ReleaseRecordCodec;
import io.canarygateway.store.ReleaseStoreUnavailableException;

/**
 * The fleet's analysis window on Redis: each gateway replica writes its cumulative share
 * of the current step's window (both lanes' counts and latency histograms,
 * {@link LaneSample#toBytes()}) into the hash
 * {@code canary:{<release>}:window:<rollout>:<step start, epoch ms>} under its own
 * replica id, and reads every replica's share back in the same Lua script; the judge then
 * decides on the sum. A replica that restarts gets a new id and starts from zero, so its
 * earlier share (still in the hash) is neither lost nor counted twice. The hash expires
 * {@code window-ttl} after its last write.
 * <p>
 * While Redis is unreachable {@link #combine} throws
 * {@link ReleaseStoreUnavailableException}: the analysis loop then skips the look (it
 * would otherwise judge this replica's share alone) and automatic progression is frozen;
 * what this replica records meanwhile stays in its window and is written with the next
 * look that reaches Redis.
 * <p>
 * Beside the windows, each rollout's {@link Ledger} — the fleet's one sequence of looks —
 * lives in the hash {@code canary:{<release>}:ledger:<rollout>} (fields {@code looks},
 * {@code ledger}, {@code verdict}); the {@code ledger.lua} script records a look only
 * when the stored look count is the one the look was judged on, and keeps the hash a week
 * after the last look.
 */
public class RedisFleetWindows implements FleetWindows {

	private static final RedisElementWriter<Object> ARGUMENTS = (argument) -> ByteBuffer
		.wrap((argument instanceof byte[] bytes) ? bytes : argument.toString().getBytes(StandardCharsets.UTF_8));

	private static final RedisElementReader<Object> VALUES = (buffer) -> {
		byte[] bytes = new byte[buffer.remaining()];
		buffer.get(bytes);
		return bytes;
	};

	/** How long a rollout's ledger lives after its last look. */
	static final Duration LEDGER_TTL = Duration.ofDays(7);

	private static final String LEDGER = "ledger";

	private static final String VERDICT = "verdict";

	private final ReactiveRedisTemplate<String, byte[]> redis;

	private final RedisKeys keys;

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> script;

	private final RedisCalls calls;

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> ledgerScript;

	private final ReleaseRecordCodec codec;

	private final Duration ttl;

	private final String replicaId;

	/**
	 * @param connectionFactory the application's Redis connection (Lettuce)
	 * @param keys the key names
	 * @param calls runs each call with its timeout (the release store's, so both share
	 * one availability)
	 * @param scripts the Lua scripts ({@link RedisScripts#window()},
	 * {@link RedisScripts#ledger()})
	 * @param codec writes and reads the verdict kept with a ledger
	 * @param ttl how long a window lives after its last write
	 */
	public RedisFleetWindows(ReactiveRedisConnectionFactory connectionFactory, RedisKeys keys, RedisCalls calls,
			RedisScripts scripts, ReleaseRecordCodec codec, Duration ttl) {
		if (ttl.toMillis() <= 0) {
			throw new IllegalArgumentException("the window time to live must be at least 1 ms, was " + ttl);
		}
		this.redis = new ReactiveRedisTemplate<>(connectionFactory,
				RedisSerializationContext.<String, byte[]>newSerializationContext(RedisSerializer.string())
					.value(RedisSerializer.byteArray())
					.hashKey(RedisSerializer.string())
					.hashValue(RedisSerializer.byteArray())
					.build());
		this.keys = keys;
		this.script = scripts.window();
		this.ledgerScript = scripts.ledger();
		this.codec = codec;
		this.calls = calls;
		this.ttl = ttl;
		this.replicaId = ProcessHandle.current().pid() + "-"
				+ HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
	}

	/**
	 * This replica's field in every window hash: random per instance (per gateway
	 * application context).
	 */
	public String replicaId() {
		return this.replicaId;
	}

	@Override
	@SuppressWarnings({ "rawtypes", "unchecked" })
	public Totals combine(String release, long rollout, Instant stepStartedAt, LaneSample stable, LaneSample canary) {
		String key = this.keys.window(release, rollout, stepStartedAt);
		Flux<Object> reply = (Flux) this.redis.execute(this.script, List.of(key),
				List.of(this.replicaId, encode(stable, canary), Long.toString(this.ttl.toMillis())), ARGUMENTS,
				(RedisElementReader) VALUES);
		List<byte[]> shares = this.calls.await("share the analysis window of release '" + release + "'",
				reply.collectList().map(RedisFleetWindows::bytes));
		LaneSample fleetStable = LaneSample.EMPTY;
		LaneSample fleetCanary = LaneSample.EMPTY;
		for (byte[] share : shares) {
			LaneSample[] lanes;
			try {
				lanes = decode(share);
			}
			catch (IllegalArgumentException ex) {
				// a share this version cannot read (e.g. written by a newer gateway) is
				// left out, not fatal
				continue;
			}
			fleetStable = fleetStable.plus(lanes[0]);
			fleetCanary = fleetCanary.plus(lanes[1]);
		}
		return new Totals(fleetStable, fleetCanary);
	}

	@Override
	public boolean shared() {
		return true;
	}

	@Override
	public Ledger ledger(String release, long rollout) {
		String key = this.keys.ledger(release, rollout);
		List<byte[]> fields = this.calls.await("read the analysis ledger of release '" + release + "'",
				this.redis.<String, byte[]>opsForHash().multiGet(key, List.of(LEDGER, VERDICT)));
		if (fields == null || fields.size() < 2 || fields.get(0) == null) {
			return null;
		}
		try {
			byte[] verdict = fields.get(1);
			return Ledger.fromBytes(fields.get(0), (verdict == null || verdict.length == 0) ? null
					: this.codec.readVerdict(new String(verdict, StandardCharsets.UTF_8)));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("the analysis ledger of release '" + release + "' (rollout " + rollout
					+ ", Redis key " + key + ") cannot be read: " + ex.getMessage()
					+ "; its analysis waits until a gateway that can read it records the next look, or the key is "
					+ "deleted (the rollout's evidence then starts again)", ex);
		}
	}

	@Override
	@SuppressWarnings({ "rawtypes", "unchecked" })
	public boolean record(String release, long rollout, long expectedLooks, Ledger next) {
		String key = this.keys.ledger(release, rollout);
		byte[] verdict = (next.verdict() != null)
				? this.codec.writeVerdict(next.verdict()).getBytes(StandardCharsets.UTF_8) : new byte[0];
		Flux<Object> reply = (Flux) this.redis.execute(
				this.ledgerScript, List.of(key), List.of(Long.toString(expectedLooks), Long.toString(next.looks()),
						next.toBytes(), verdict, Long.toString(LEDGER_TTL.toMillis())),
				ARGUMENTS, (RedisElementReader) VALUES);
		List<byte[]> result = this.calls.await("record the analysis ledger of release '" + release + "'",
				reply.collectList().map(RedisFleetWindows::bytes));
		return result.size() == 1 && "1".equals(new String(result.get(0), StandardCharsets.UTF_8));
	}

	private static List<byte[]> bytes(List<?> reply) {
		List<byte[]> values = new ArrayList<>(reply.size());
		for (Object element : reply) {
			if (element instanceof byte[] bytes) {
				values.add(bytes);
			}
			else if (element instanceof List<?> nested) {
				values.addAll(bytes(nested));
			}
		}
		return values;
	}

	/**
	 * One replica's share: the stable sample's length, the stable sample, the canary
	 * sample.
	 */
	static byte[] encode(LaneSample stable, LaneSample canary) {
		byte[] s = stable.toBytes();
		byte[] c = canary.toBytes();
		return ByteBuffer.allocate(Integer.BYTES + s.length + c.length).putInt(s.length).put(s).put(c).array();
	}

	/** The two lanes of a share written by {@link #encode}: stable, canary. */
	static LaneSample[] decode(byte[] share) {
		ByteBuffer in = ByteBuffer.wrap(share);
		if (in.remaining() < Integer.BYTES) {
			throw new IllegalArgumentException("window share too short: " + share.length + " bytes");
		}
		int stableLength = in.getInt();
		if (stableLength < 0 || stableLength > in.remaining()) {
			throw new IllegalArgumentException("window share has a bad stable length " + stableLength);
		}
		byte[] stable = new byte[stableLength];
		in.get(stable);
		byte[] canary = new byte[in.remaining()];
		in.get(canary);
		return new LaneSample[] { LaneSample.fromBytes(stable), LaneSample.fromBytes(canary) };
	}

	@Override
	public String toString() {
		return "RedisFleetWindows[replica " + this.replicaId + "]";
	}

}
