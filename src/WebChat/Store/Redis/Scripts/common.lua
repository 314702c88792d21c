-- Prepended to every script. ARGV[1] is the key prefix. Keys are built inside the scripts (a group's
-- events touch its node list and the id allocator), so the store needs one Redis, not a cluster.
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
  redis.call('HSET', gkey(g, 'm'), m.i, cjson.encode(m))
  redis.call('HSET', gkey(g, 'k'), m.k, m.i)
  redis.call('ZADD', gkey(g, 'o'), redis.call('HINCRBY', gkey(g), 'joins', 1), m.i)
  redis.call('HINCRBY', gkey(g, 'nodes'), m.o, 1)
  redis.call('SADD', P .. 'node:' .. m.o .. ':m', g .. '|' .. m.i)
end

local function leave_node(g, node)
  if redis.call('HINCRBY', gkey(g, 'nodes'), node, -1) <= 0 then
    redis.call('HDEL', gkey(g, 'nodes'), node)
  end
end

local function delete_group(g)
  redis.call('DEL', gkey(g), gkey(g, 'm'), gkey(g, 'k'), gkey(g, 'o'), gkey(g, 'h'), gkey(g, 'nodes'))
  redis.call('ZREM', P .. 'groups', g)
  release_id(tonumber(g))
end

-- Removes a member and publishes its leave (before its node stops listening); deletes an empty group.
-- only_if_detached: keep it if it has a connection; only_if_connected: keep it if it has none.
-- Returns removed, deleted (1/0).
local function remove_member(g, id, only_if_detached, only_if_connected)
  local raw = redis.call('HGET', gkey(g, 'm'), id)
  if not raw then return 0, 0 end
  local m = cjson.decode(raw)
  if only_if_detached and m.c ~= '' then return 0, 0 end
  if only_if_connected and m.c == '' then return 0, 0 end
  redis.call('HDEL', gkey(g, 'm'), id)
  redis.call('HDEL', gkey(g, 'k'), m.k)
  redis.call('ZREM', gkey(g, 'o'), id)
  redis.call('SREM', P .. 'node:' .. m.o .. ':m', g .. '|' .. id)
  redis.call('ZREM', P .. 'detached', g .. '|' .. id)
  local last = redis.call('HLEN', gkey(g, 'm')) == 0
  local event = { k = 'Left', u = m.n, d = m.d, c = conn_of(m) }
  if last then event.x = 1 end
  emit(g, event)
  leave_node(g, m.o)
  if last then
    delete_group(g)
    return 1, 1
  end
  return 1, 0
end
