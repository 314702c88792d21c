-- ARGV: prefix, group id, member id, connection id, text, sent at (ISO 8601), history size, history bytes.
-- Returns the published event (JSON), or 0 when the sender is not a member held by that connection.
-- The history keeps at most that many messages and that many bytes of text, dropping the oldest.
-- The hot path: the event is put together from the member's prepared fields (see put_member), and starts with
-- its text's size in bytes ("z"), so the size of a message dropped from the history is read off its start.
local g, text = ARGV[2], ARGV[5]
local speaker = redis.call('HGET', gkey(g, 's'), ARGV[3])
if not speaker then
  -- A member written before its prepared fields were kept (an upgrade): prepare them now.
  local m = member(g, ARGV[3])
  if not m then return 0 end
  put_member(g, m)
  speaker = redis.call('HGET', gkey(g, 's'), ARGV[3])
end
local sep = string.find(speaker, '\n', 1, true)
if string.sub(speaker, 1, sep - 1) ~= ARGV[4] then return 0 end
local payload = '{"z":' .. #text .. ',"s":' .. redis.call('HINCRBY', gkey(g), 'seq', 1) .. string.sub(speaker, sep + 1)
  .. ',"t":' .. cjson.encode(text) .. ',"a":' .. cjson.encode(ARGV[6]) .. '}'
for _, node in ipairs(redis.call('HKEYS', gkey(g, 'nodes'))) do
  redis.call('PUBLISH', P .. 'inbox:' .. node, payload)
end
local size, max_bytes = tonumber(ARGV[7]), tonumber(ARGV[8])
if size > 0 and max_bytes > 0 then
  local h = gkey(g, 'h')
  local count = redis.call('RPUSH', h, payload)
  local bytes = redis.call('HINCRBY', gkey(g), 'hb', #text)
  local dropped = 0
  while count > 0 and (count > size or bytes - dropped > max_bytes) do
    dropped = dropped + tonumber(string.match(redis.call('LPOP', h), '^{"z":(%d+)'))
    count = count - 1
  end
  if dropped > 0 then redis.call('HINCRBY', gkey(g), 'hb', -dropped) end
end
return payload
