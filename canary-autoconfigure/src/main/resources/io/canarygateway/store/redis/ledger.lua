-- Records a rollout's analysis ledger after a look, unless another look was recorded since the one it was
-- judged on (RedisFleetWindows): a compare-and-set on the ledger's look count.
-- KEYS[1]: the ledger's hash. ARGV: the looks expected in the stored ledger (0: none stored), the new ledger's
-- looks, the ledger, its verdict (JSON), the time to live in ms.
-- Returns {'1'} when recorded, {'0'} when another look came first.
local looks = redis.call('HGET', KEYS[1], 'looks')
if (looks or '0') ~= ARGV[1] then
  return {'0'}
end
redis.call('HSET', KEYS[1], 'looks', ARGV[2], 'ledger', ARGV[3], 'verdict', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {'1'}
