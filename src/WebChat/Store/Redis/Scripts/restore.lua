-- ARGV: prefix, group id, epoch, password hash, last sequence number seen, node id, members (JSON)...
-- Re-registers this node's members of one group after Redis came back, recreating the group (same
-- id, epoch and sequence) if Redis lost it. Silent: nobody is told. Returns { status, seq }:
-- status 1 done, -1 the id now belongs to a newer group.
local g, epoch = tonumber(ARGV[2]), ARGV[3]
local current = redis.call('HGET', gkey(g), 'epoch')
if not current then
  claim_id(g)
  redis.call('HSET', gkey(g), 'epoch', epoch, 'pw', ARGV[4], 'seq', ARGV[5], 'joins', 0)
  redis.call('ZADD', P .. 'groups', g, g)
elseif current ~= epoch then
  return { -1, 0 }
end
for i = 7, #ARGV do
  local m = cjson.decode(ARGV[i])
  local raw = redis.call('HGET', gkey(g, 'm'), m.i)
  if raw then
    local old = cjson.decode(raw)
    if old.o ~= m.o then
      redis.call('SREM', P .. 'node:' .. old.o .. ':m', g .. '|' .. m.i)
      redis.call('SADD', P .. 'node:' .. m.o .. ':m', g .. '|' .. m.i)
      redis.call('HINCRBY', gkey(g, 'nodes'), m.o, 1)
      leave_node(g, old.o)
    end
    old.c, old.o = m.c, m.o
    redis.call('HSET', gkey(g, 'm'), m.i, cjson.encode(old))
  elseif redis.call('HEXISTS', gkey(g, 'k'), m.k) == 0 then
    add_member(g, m)
  end
end
return { 1, tonumber(redis.call('HGET', gkey(g), 'seq')) }
