-- ARGV: prefix, group id, member id, connection id, text, sent at (ISO 8601), history size, history bytes.
-- Returns the published event (compact, see common.lua), or 0 when the sender is not a member held by that
-- connection. The history keeps at most that many messages and that many bytes of text, dropping the oldest.
-- The hot path, in as few Redis calls as it can: one HMGET reads the sequence number, the history's counts, the
-- group's nodes and the sender's prepared fields (put_member); the event is those fields put together with the
-- text, published to each node and pushed onto the history list, and one HSET writes the counts back. The
-- history is the list's last hn entries: the oldest leave it by the counts alone, and the list's front is cut
-- (LTRIM) only once 32 entries or a quarter of the byte limit have gathered there.
local g, id, text, at = ARGV[2], ARGV[3], ARGV[5], ARGV[6]
local gk = gkey(g)
local v = redis.call('HMGET', gk, 'seq', 'hn', 'hb', 'hz', 'hx', 'nl', 'p:' .. id)
local speaker, nodes = v[7], v[6]
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
local z = string.format('%d', #text)
local payload = 'M' .. z .. ' ' .. seq .. string.sub(speaker, sep + 1) .. #at .. ':' .. at .. text
for node in string.gmatch(nodes, '[^\n]+') do
  redis.call('PUBLISH', P .. 'inbox:' .. node, payload)
end
local size, max_bytes = tonumber(ARGV[7]), tonumber(ARGV[8])
if size <= 0 or max_bytes <= 0 then
  redis.call('HSET', gk, 'seq', seq)
  return payload
end
local h = gkey(g, 'h')
local count, bytes, sizes, front = tonumber(v[2]), tonumber(v[3] or '0'), v[4], tonumber(v[5] or '0')
if not count then
  -- A history an earlier version kept (all of the list, sizes in its entries): count it once.
  sizes, bytes = '', 0
  local entries = redis.call('LRANGE', h, 0, -1)
  for _, e in ipairs(entries) do
    local z = tonumber(string.match(e, '^M(%d+)') or string.match(e, '^{"z":(%d+)') or '0')
    sizes, bytes = sizes .. z .. ' ', bytes + z
  end
  count = #entries
end
local length = redis.call('RPUSH', h, payload)
count, bytes, sizes = count + 1, bytes + #text, sizes .. z .. ' '
local first = 1
while count > 0 and (count > size or bytes > max_bytes) do
  local gap = string.find(sizes, ' ', first, true)
  local z = tonumber(string.sub(sizes, first, gap - 1))
  bytes, front, first, count = bytes - z, front + z, gap + 1, count - 1
end
if first > 1 then sizes = string.sub(sizes, first) end
if count == 0 then
  redis.call('DEL', h)
  front = 0
elseif length - count >= 32 or front * 4 >= max_bytes then
  redis.call('LTRIM', h, -count, -1)
  front = 0
end
redis.call('HSET', gk, 'seq', seq, 'hn', string.format('%d', count), 'hb', string.format('%d', bytes), 'hz', sizes, 'hx', string.format('%d', front))
return payload
