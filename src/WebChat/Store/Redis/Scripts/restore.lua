-- ARGV: prefix, group id, epoch, password hash, last sequence number seen, node id, members (JSON)...
-- Re-registers this node's members of one group after Redis came back, recreating the group (same
-- id, epoch and sequence) if Redis lost it. Silent: nobody is told. Returns { status, seq }:
-- status 1 done; -1 the id now belongs to a newer group: then the members' old group is gone, and their
-- leaves are published to this node alone, in that group's stream (its epoch, the sequence numbers after
-- the last one seen), the last of them marking the group as deleted.
local g, epoch, node = tonumber(ARGV[2]), ARGV[3], ARGV[6]
local current = redis.call('HGET', gkey(g), 'epoch')
if current and current ~= epoch then
  local seq = tonumber(ARGV[5])
  for i = 7, #ARGV do
    local m = cjson.decode(ARGV[i])
    seq = seq + 1
    local event = { k = 'Left', g = g, s = seq, e = epoch, u = m.n, d = m.d, c = conn_of(m) }
    if i == #ARGV then event.x = 1 end
    redis.call('PUBLISH', P .. 'inbox:' .. node, cjson.encode(event))
  end
  return { -1, seq }
end
if not current then
  claim_id(g)
  redis.call('HSET', gkey(g), 'epoch', epoch, 'pw', ARGV[4], 'seq', ARGV[5], 'joins', 0, 'hb', 0)
end
for i = 7, #ARGV do
  local m = cjson.decode(ARGV[i])
  local old = member(g, m.i)
  if old then
    if old.o ~= m.o then
      redis.call('SREM', P .. 'node:' .. old.o .. ':m', g .. '|' .. m.i)
      redis.call('SADD', P .. 'node:' .. m.o .. ':m', g .. '|' .. m.i)
      join_node(g, m.o)
      leave_node(g, old.o)
    end
    old.c, old.o = m.c, m.o
    put_member(g, old)
  elseif redis.call('HEXISTS', gkey(g, 'k'), m.k) == 0 then
    add_member(g, m)
  end
end
-- A recreated group's owner was lost with it: the longest-standing member here takes the group.
local owner = redis.call('HGET', gkey(g), 'owner')
if not (owner and redis.call('HEXISTS', gkey(g, 'm'), owner) == 1) then
  local first = redis.call('ZRANGE', gkey(g, 'o'), 0, 0)[1]
  if first then redis.call('HSET', gkey(g), 'owner', first) end
end
resized(g)
return { 1, tonumber(redis.call('HGET', gkey(g), 'seq')) }
