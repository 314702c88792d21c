-- ARGV: prefix, group id, member id, connection id, fallback expiry (ms).
-- The member's node removes it when its reconnect grace ends; the 'detached' entry is the fallback
-- for a grace that ended while Redis was unreachable. Returns 1 if detached.
local g, id = ARGV[2], ARGV[3]
local raw = redis.call('HGET', gkey(g, 'm'), id)
if not raw then return 0 end
local m = cjson.decode(raw)
if m.c ~= ARGV[4] then return 0 end
m.c = ''
put_member(g, m)
redis.call('ZADD', P .. 'detached', now_ms() + tonumber(ARGV[5]), g .. '|' .. id)
return 1
