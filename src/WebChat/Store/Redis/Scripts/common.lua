-- Loaded once in front of every script (RedisScripts builds one function library). ARGV[1] is the key prefix. Keys are built inside the scripts (a group's
-- events touch its node list and the id allocator), so the store needs one Redis, not a cluster.
--
-- A group g: hash g:<g> (epoch, pw, seq, joins, owner = member id, addr = creator's address, hb = bytes of
-- history text, nl = the nodes with members, one per line, p:<member id> = what the message script needs of
-- that member, see put_member), g:<g>:m member id -> member (JSON), g:<g>:k name key -> member id, g:<g>:o
-- member ids in join order, g:<g>:h history (published message events), g:<g>:nodes node -> members there.
-- 'groups' holds every live group, scored so that ZREVRANGE lists the largest first.
--
-- Events are JSON (cjson), except a message: the hot path writes it in a compact form that needs no escaping,
-- 'M' <text bytes> ' ' <seq> ' ' <group> ' ' then epoch, user name, door, connection and sent-at, each as
-- <byte length> ':' <bytes>, then the text itself (docs/scale-out.md).
local P = ARGV[1]

local function gkey(g, part)
  if part then return P .. 'g:' .. g .. ':' .. part end
  return P .. 'g:' .. g
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The group's next event: sequence number, then PUBLISH to the inbox of every node with members of
-- it. Redis runs a script whole, so every node receives a group's events in sequence order.
local function emit(g, event)
  event.g = tonumber(g)
  event.s = redis.call('HINCRBY', gkey(g), 'seq', 1)
  event.e = redis.call('HGET', gkey(g), 'epoch')
  local payload = cjson.encode(event)
  for _, node in ipairs(redis.call('HKEYS', gkey(g, 'nodes'))) do
    redis.call('PUBLISH', P .. 'inbox:' .. node, payload)
  end
  return payload
end

local function conn_of(m)
  if m.c == '' then return nil end
  return m.c
end

local function member(g, id)
  local raw = redis.call('HGET', gkey(g, 'm'), id)
  if not raw then return nil end
  return cjson.decode(raw)
end

-- A string as a field of a compact message event: its length in bytes, a colon, the bytes.
local function field(s)
  return #s .. ':' .. s
end

-- Writes a member, and beside it (the group hash's p:<id>) what a message from it needs: its connection, a
-- newline, and the compact event's fields that do not change from message to message (group, epoch, name,
-- door, connection), so the message script neither decodes the member nor encodes anything.
local function put_member(g, m)
  local raw = cjson.encode(m)
  redis.call('HSET', gkey(g, 'm'), m.i, raw)
  local fields = ' ' .. tonumber(g) .. ' ' .. field(redis.call('HGET', gkey(g), 'epoch')) .. field(m.n) .. field(m.d) .. field(m.c)
  redis.call('HSET', gkey(g), 'p:' .. m.i, m.c .. '\n' .. fields)
  return raw
end

-- Keeps the group hash's nl (the nodes with members, one per line) equal to the keys of g:<g>:nodes, so the
-- message script reads it with the rest of what it needs in one HMGET.
local function nodes_changed(g)
  local nodes = table.concat(redis.call('HKEYS', gkey(g, 'nodes')), '\n')
  redis.call('HSET', gkey(g), 'nl', nodes)
  return nodes
end

local function join_node(g, node)
  if redis.call('HINCRBY', gkey(g, 'nodes'), node, 1) == 1 then nodes_changed(g) end
end

local function owner_name(g)
  local id = redis.call('HGET', gkey(g), 'owner')
  local m = id and member(g, id)
  if m then return m.n end
  return ''
end

-- Most members first, equal sizes by id (a group's score: members * 2^32 - id, exact in a double).
local function resized(g)
  local count = redis.call('HLEN', gkey(g, 'm'))
  redis.call('ZADD', P .. 'groups', string.format('%.0f', count * 4294967296 - tonumber(g)), g)
end

-- 0 when a new group may be created; 1 the deployment is full, 2 the address has its share.
local function can_create(address, max_groups, per_address)
  if redis.call('ZCARD', P .. 'groups') >= tonumber(max_groups) then return 1 end
  if tonumber(redis.call('GET', P .. 'addr:' .. address) or '0') >= tonumber(per_address) then return 2 end
  return 0
end

local function take_id()
  local free = redis.call('ZRANGE', P .. 'free', 0, 0)
  if #free > 0 then
    redis.call('ZREM', P .. 'free', free[1])
    return tonumber(free[1])
  end
  return redis.call('INCR', P .. 'next')
end

-- Gives a specific id back to the live set (re-registering a group after Redis lost its data).
local function claim_id(g)
  local top = tonumber(redis.call('GET', P .. 'next') or '0')
  if g > top then
    for i = top + 1, g - 1 do redis.call('ZADD', P .. 'free', i, i) end
    redis.call('SET', P .. 'next', g)
  else
    redis.call('ZREM', P .. 'free', g)
  end
end

local function release_id(g)
  redis.call('ZADD', P .. 'free', g, g)
  local top = tonumber(redis.call('GET', P .. 'next') or '0')
  while top > 0 and redis.call('ZSCORE', P .. 'free', top) do
    redis.call('ZREM', P .. 'free', top)
    top = top - 1
  end
  redis.call('SET', P .. 'next', top)
end

-- Members' names in join order (HMGET in chunks: unpack has a limit of a few thousand values).
local function names(g)
  local ids = redis.call('ZRANGE', gkey(g, 'o'), 0, -1)
  local result = {}
  for first = 1, #ids, 1000 do
    local raws = redis.call('HMGET', gkey(g, 'm'), unpack(ids, first, math.min(first + 999, #ids)))
    for _, raw in ipairs(raws) do result[#result + 1] = cjson.decode(raw).n end
  end
  return result
end

local function history(g)
  return redis.call('LRANGE', gkey(g, 'h'), 0, -1)
end

local function add_member(g, m)
  m.t = now_ms()
  if not m.v then m.v = 1 end
  put_member(g, m)
  redis.call('HSET', gkey(g, 'k'), m.k, m.i)
  redis.call('ZADD', gkey(g, 'o'), redis.call('HINCRBY', gkey(g), 'joins', 1), m.i)
  join_node(g, m.o)
  redis.call('SADD', P .. 'node:' .. m.o .. ':m', g .. '|' .. m.i)
  resized(g)
end

local function leave_node(g, node)
  if redis.call('HINCRBY', gkey(g, 'nodes'), node, -1) <= 0 then
    redis.call('HDEL', gkey(g, 'nodes'), node)
    nodes_changed(g)
  end
end

local function delete_group(g)
  local address = redis.call('HGET', gkey(g), 'addr')
  if address and address ~= '' and redis.call('DECR', P .. 'addr:' .. address) <= 0 then
    redis.call('DEL', P .. 'addr:' .. address)
  end
  -- (g:<g>:s: the message fields as an earlier version kept them)
  redis.call('DEL', gkey(g), gkey(g, 'm'), gkey(g, 'k'), gkey(g, 'o'), gkey(g, 'h'), gkey(g, 's'), gkey(g, 'nodes'))
  redis.call('ZREM', P .. 'groups', g)
  release_id(tonumber(g))
end

-- Takes a member out of the group's structures (its event is already out), then, when it was the owner,
-- hands the group to the longest-standing member (announced), and finally stops publishing to its node if
-- it was that node's last member. Returns the new owner's name or nil.
local function take_out(g, id, m)
  redis.call('HDEL', gkey(g, 'm'), id)
  redis.call('HDEL', gkey(g), 'p:' .. id)
  redis.call('HDEL', gkey(g, 'k'), m.k)
  redis.call('ZREM', gkey(g, 'o'), id)
  redis.call('SREM', P .. 'node:' .. m.o .. ':m', g .. '|' .. id)
  redis.call('ZREM', P .. 'detached', g .. '|' .. id)
  local heir_name
  if redis.call('HLEN', gkey(g, 'm')) > 0 then
    resized(g)
    if redis.call('HGET', gkey(g), 'owner') == id then
      local heir_id = redis.call('ZRANGE', gkey(g, 'o'), 0, 0)[1]
      local heir = member(g, heir_id)
      redis.call('HSET', gkey(g), 'owner', heir_id)
      emit(g, { k = 'OwnerChanged', u = heir.n, d = heir.d, c = conn_of(heir) })
      heir_name = heir.n
    end
  end
  leave_node(g, m.o)
  return heir_name
end

-- Removes a member and publishes its leave (before its node stops listening); deletes an empty group.
-- only_if_detached: keep it if it has a connection; only_if_connected: keep it if it has none.
-- Returns removed, deleted (1/0), and the new owner's name when ownership passed on.
local function remove_member(g, id, only_if_detached, only_if_connected)
  local m = member(g, id)
  if not m then return 0, 0 end
  if only_if_detached and m.c ~= '' then return 0, 0 end
  if only_if_connected and m.c == '' then return 0, 0 end
  local last = redis.call('HLEN', gkey(g, 'm')) == 1
  local event = { k = 'Left', u = m.n, d = m.d, c = conn_of(m) }
  if last then event.x = 1 end
  emit(g, event)
  local heir = take_out(g, id, m)
  if last then
    delete_group(g)
    return 1, 1
  end
  return 1, 0, heir
end

-- The caller of a moderation request: the group's owner, still held by that connection. Returns the
-- owner's member, or nil and a refusal code (-1 not a member, -2 not the owner).
local function check_owner(g, by_id, by_conn)
  local m = member(g, by_id)
  if not m or m.c ~= by_conn then return nil, -1 end
  if redis.call('HGET', gkey(g), 'owner') ~= by_id then return nil, -2 end
  return m
end

-- The member the owner acts on, by its name key: returns the owner's record and the member's id, or nil and a
-- refusal code (-1/-2 as check_owner, -3 no such member, -4 the owner itself).
local function owners_target(g, by_id, by_conn, key)
  local owner, refused = check_owner(g, by_id, by_conn)
  if not owner then return nil, refused end
  local id = redis.call('HGET', gkey(g, 'k'), key)
  if not id then return nil, -3 end
  if id == by_id then return nil, -4 end
  return owner, id
end

-- A sliding minute in six ten-second buckets per address (as the in-memory store's limiter). Counts one
-- and returns 1, or returns 0 when the address has used its allowance (nothing counted).
local function count_in_minute(name, address, limit)
  local bucket = math.floor(now_ms() / 10000)
  local keys = {}
  for i = 0, 5 do keys[#keys + 1] = P .. name .. ':' .. address .. ':' .. (bucket - i) end
  local used = 0
  for _, v in ipairs(redis.call('MGET', unpack(keys))) do
    if v then used = used + tonumber(v) end
  end
  if used >= tonumber(limit) then return 0 end
  redis.call('INCR', keys[1])
  redis.call('PEXPIRE', keys[1], 70000)
  return 1
end
