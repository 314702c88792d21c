-- ARGV: prefix, group id, epoch, member id, connection id, node id.
-- Returns { 1, member (JSON), names, history } or { 0 } when the group or member is gone.
local g, id, conn, node = ARGV[2], ARGV[4], ARGV[5], ARGV[6]
if redis.call('HGET', gkey(g), 'epoch') ~= ARGV[3] then return { 0 } end
local raw = redis.call('HGET', gkey(g, 'm'), id)
if not raw then return { 0 } end
local m = cjson.decode(raw)
local old = m.o
m.c, m.o, m.t = conn, node, now_ms()
raw = cjson.encode(m)
redis.call('HSET', gkey(g, 'm'), id, raw)
redis.call('ZREM', P .. 'detached', g .. '|' .. id)
if old ~= node then
  redis.call('HINCRBY', gkey(g, 'nodes'), node, 1)
  redis.call('SREM', P .. 'node:' .. old .. ':m', g .. '|' .. id)
  redis.call('SADD', P .. 'node:' .. node .. ':m', g .. '|' .. id)
end
emit(g, { k = 'Attached', u = m.n, d = m.d, c = conn })
if old ~= node then leave_node(g, old) end
return { 1, raw, names(g), history(g) }
