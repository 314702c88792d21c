-- ARGV: prefix, batch size. Removes the connected members of one expired node, publishing their
-- leaves; its detached members stay for a Rejoin on another node until their 'detached' expiry, when
-- they go too (as do members whose grace ended while their node could not reach Redis).
-- Returns how many entries were handled (0 when there is nothing left to do).
local now, batch = now_ms(), tonumber(ARGV[2])
local handled = 0
for _, node in ipairs(redis.call('ZRANGEBYSCORE', P .. 'nodes', '-inf', now, 'LIMIT', 0, 1)) do
  local set = P .. 'node:' .. node .. ':m'
  for _, entry in ipairs(redis.call('SRANDMEMBER', set, batch)) do
    local sep = string.find(entry, '|', 1, true)
    local g, id = string.sub(entry, 1, sep - 1), string.sub(entry, sep + 1)
    redis.call('SREM', set, entry)
    remove_member(g, id, false, true)
    handled = handled + 1
  end
  if redis.call('SCARD', set) == 0 then redis.call('ZREM', P .. 'nodes', node) end
end
for _, entry in ipairs(redis.call('ZRANGEBYSCORE', P .. 'detached', '-inf', now, 'LIMIT', 0, batch)) do
  local sep = string.find(entry, '|', 1, true)
  redis.call('ZREM', P .. 'detached', entry)
  remove_member(string.sub(entry, 1, sep - 1), string.sub(entry, sep + 1), true)
  handled = handled + 1
end
return handled
