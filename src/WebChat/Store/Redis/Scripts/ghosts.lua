-- ARGV: prefix, node id, minimum age (ms), then 'group|member' entries of this node that it no longer
-- holds. Removes those still connected and older than the minimum age (their leave failed while Redis
-- was away; a detached one is left to its grace). Returns how many were removed.
local node, now, age = ARGV[2], now_ms(), tonumber(ARGV[3])
local removed = 0
for i = 4, #ARGV do
  local sep = string.find(ARGV[i], '|', 1, true)
  local g, id = string.sub(ARGV[i], 1, sep - 1), string.sub(ARGV[i], sep + 1)
  local raw = redis.call('HGET', gkey(g, 'm'), id)
  if not raw then
    redis.call('SREM', P .. 'node:' .. node .. ':m', ARGV[i])
  else
    local m = cjson.decode(raw)
    if m.c ~= '' and now - (m.t or 0) > age then removed = removed + remove_member(g, id, false) end
  end
end
return removed
