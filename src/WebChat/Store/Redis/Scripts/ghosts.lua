-- ARGV: prefix, node id, then 'group|member' entries of this node that it has not held for two
-- refreshes in a row. Removes those still connected (their leave failed while Redis was away); a
-- detached one is left to its reconnect grace. Returns how many were removed.
local node = ARGV[2]
local removed = 0
for i = 3, #ARGV do
  local sep = string.find(ARGV[i], '|', 1, true)
  local g, id = string.sub(ARGV[i], 1, sep - 1), string.sub(ARGV[i], sep + 1)
  local raw = redis.call('HGET', gkey(g, 'm'), id)
  if not raw then
    redis.call('SREM', P .. 'node:' .. node .. ':m', ARGV[i])
  elseif cjson.decode(raw).o == node then
    removed = removed + remove_member(g, id, false, true)
  end
end
return removed
