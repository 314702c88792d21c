-- ARGV: prefix, node id, ttl (ms). Extends the node's presence; returns 0 when the node was unknown
-- or already expired (Redis lost its data, or the node was taken for dead): it must re-register.
local now = now_ms()
local score = redis.call('ZSCORE', P .. 'nodes', ARGV[2])
redis.call('ZADD', P .. 'nodes', now + tonumber(ARGV[3]), ARGV[2])
if score and tonumber(score) >= now then return 1 end
return 0
