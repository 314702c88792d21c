-- ARGV: prefix, address, 'check' or 'record', failures allowed per minute.
-- A sliding minute of wrong-password timestamps per address. Returns 1 when throttled (check) or 0.
local key, now, limit = P .. 'pwfail:' .. ARGV[2], now_ms(), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - 60000)
if ARGV[3] == 'record' then
  redis.call('ZADD', key, now, now .. ':' .. redis.call('INCR', P .. 'pwfail:seq'))
  redis.call('ZREMRANGEBYRANK', key, 0, -(limit + 2))
  redis.call('PEXPIRE', key, 60000)
  return 0
end
if redis.call('ZCARD', key) >= limit then return 1 end
return 0
