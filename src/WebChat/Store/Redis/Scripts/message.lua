-- ARGV: prefix, group id, member id, connection id, text, sent at (ISO 8601), history size, history bytes.
-- Returns the published event (compact, see common.lua), or 0 when the sender is not a member held by that
-- connection. The history keeps at most that many messages and that many bytes of text, dropping the oldest.
-- The hot path, in as few Redis calls as it can (each costs about as much as all the Lua here): one HMGET reads
-- the sequence number, the history's bytes, the group's nodes and the sender's prepared fields (put_member); the
-- event is those fields put together with the text, published to each node and pushed onto the history (an event
-- starts with its text's size in bytes, read off the oldest as it is dropped); one HSET writes the counts back.
-- Numbers are written with string.format('%d'): Lua's own number-to-string goes through the C library's
-- floating-point printf, which cost more than the concatenation itself.
local g, id, text, at = ARGV[2], ARGV[3], ARGV[5], ARGV[6]
local gk = gkey(g)
local v = redis.call('HMGET', gk, 'seq', 'hb', 'nl', 'p:' .. id)
local speaker, nodes = v[4], v[3]
if not speaker then
  -- A member written before its prepared fields were kept here (an upgrade): prepare them now.
  local m = member(g, id)
  if not m then return 0 end
  put_member(g, m)
  speaker = redis.call('HGET', gk, 'p:' .. id)
end
local sep = string.find(speaker, '\n', 1, true)
if string.sub(speaker, 1, sep - 1) ~= ARGV[4] then return 0 end
if not nodes then nodes = nodes_changed(g) end
local seq = string.format('%d', v[1] + 1)
local payload = 'M' .. string.format('%d', #text) .. ' ' .. seq .. string.sub(speaker, sep + 1)
  .. string.format('%d', #at) .. ':' .. at .. text
for node in string.gmatch(nodes, '[^\n]+') do
  redis.call('PUBLISH', P .. 'inbox:' .. node, payload)
end
local size, max_bytes = tonumber(ARGV[7]), tonumber(ARGV[8])
if size > 0 and max_bytes > 0 then
  local h = gkey(g, 'h')
  local count = redis.call('RPUSH', h, payload)
  local bytes = (v[2] or 0) + #text
  while count > 0 and (count > size or bytes > max_bytes) do
    local dropped = redis.call('LPOP', h)
    -- (an event an earlier version kept is JSON starting with {"z":<bytes>)
    bytes = bytes - (string.match(dropped, '^M(%d+)') or string.match(dropped, '^{"z":(%d+)') or 0)
    count = count - 1
  end
  redis.call('HSET', gk, 'seq', seq, 'hb', string.format('%d', bytes))
else
  redis.call('HSET', gk, 'seq', seq)
end
return payload
