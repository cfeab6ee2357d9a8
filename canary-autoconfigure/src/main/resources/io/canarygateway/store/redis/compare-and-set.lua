-- Compare-and-set of one release record (RedisReleaseStore).
-- KEYS[1]: the record's hash. ARGV: the revision the writer read (0 for none), the new revision, the new canary
-- version, the new record, the channel.
-- Returns {'1'} when stored, or {'0', the stored record or ''} when another writer got there first.
local stored = tonumber(redis.call('HGET', KEYS[1], 'revision')) or 0
if stored ~= tonumber(ARGV[1]) then
  return {'0', redis.call('HGET', KEYS[1], 'record') or ''}
end
redis.call('HSET', KEYS[1], 'revision', ARGV[2], 'canaryVersion', ARGV[3], 'record', ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[4])
return {'1'}
