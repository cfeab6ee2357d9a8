-- Publishes one replica's share of a step's analysis window and reads every replica's (RedisFleetWindows).
-- KEYS[1]: the window's hash. ARGV: this replica's id, its share, the time to live in ms.
-- Returns every replica's share.
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('HVALS', KEYS[1])
