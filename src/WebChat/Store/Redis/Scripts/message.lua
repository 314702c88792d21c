-- ARGV: prefix, group id, member id, connection id, text, sent at (ISO 8601), history size, history bytes.
-- Returns the published event (JSON), or 0 when the sender is not a member held by that connection.
-- The history keeps at most that many messages and that many bytes of text, dropping the oldest.
local g = ARGV[2]
local raw = redis.call('HGET', gkey(g, 'm'), ARGV[3])
if not raw then return 0 end
local m = cjson.decode(raw)
if m.c ~= ARGV[4] then return 0 end
local payload = emit(g, { k = 'Message', u = m.n, d = m.d, c = ARGV[4], t = ARGV[5], a = ARGV[6] })
local size, max_bytes = tonumber(ARGV[7]), tonumber(ARGV[8])
if size > 0 and max_bytes > 0 then
  local h, hs = gkey(g, 'h'), gkey(g, 'hs')
  local count = redis.call('RPUSH', h, payload)
  redis.call('RPUSH', hs, #ARGV[5])
  local bytes = redis.call('HINCRBY', gkey(g), 'hb', #ARGV[5])
  while count > 0 and (count > size or bytes > max_bytes) do
    redis.call('LPOP', h)
    bytes = redis.call('HINCRBY', gkey(g), 'hb', -tonumber(redis.call('LPOP', hs)))
    count = count - 1
  end
end
return payload
