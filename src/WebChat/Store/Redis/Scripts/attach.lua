-- ARGV: prefix, group id, epoch, member id, generation, connection id, node id.
-- Moves the member of that generation to the connection and starts its next generation (so the rejoin
-- token that opened it opens nothing more). The Attached event names the connection that held it before.
-- Returns { 1, member (JSON), names, history, owner } or { 0 } when the group, member or generation is gone.
local g, id, conn, node = ARGV[2], ARGV[4], ARGV[6], ARGV[7]
if redis.call('HGET', gkey(g), 'epoch') ~= ARGV[3] then return { 0 } end
local m = member(g, id)
if not m or tostring(m.v or 1) ~= ARGV[5] then return { 0 } end
local old, previous = m.o, conn_of(m)
m.c, m.o, m.t, m.v = conn, node, now_ms(), (m.v or 1) + 1
local raw = put_member(g, m)
redis.call('ZREM', P .. 'detached', g .. '|' .. id)
if old ~= node then
  join_node(g, node)
  redis.call('SREM', P .. 'node:' .. old .. ':m', g .. '|' .. id)
  redis.call('SADD', P .. 'node:' .. node .. ':m', g .. '|' .. id)
end
emit(g, { k = 'Attached', u = m.n, d = m.d, c = conn, p = previous })
if old ~= node then leave_node(g, old) end
return { 1, raw, names(g), history(g), owner_name(g) }
