-- Puts back a record Redis lost (RedisReleaseStore).
-- KEYS[1]: the record's hash. ARGV: the revision, canary version and record a gateway last knew, the channel.
-- Stores it when there is no record, or when the stored one is an older revision of the same canary version (another
-- gateway re-seeded a staler copy); returns like compare-and-set.lua.
local stored = tonumber(redis.call('HGET', KEYS[1], 'revision'))
if stored and (stored >= tonumber(ARGV[1]) or redis.call('HGET', KEYS[1], 'canaryVersion') ~= ARGV[2]) then
  return {'0', redis.call('HGET', KEYS[1], 'record') or ''}
end
redis.call('HSET', KEYS[1], 'revision', ARGV[1], 'canaryVersion', ARGV[2], 'record', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[3])
return {'1'}
