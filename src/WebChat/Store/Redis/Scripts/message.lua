-- ARGV: prefix, group id, member id, text, sent at (ISO 8601), history size.
-- Returns the published event (JSON), or 0 when the sender is not a member.
local g = ARGV[2]
local raw = redis.call('HGET', gkey(g, 'm'), ARGV[3])
if not raw then return 0 end
local m = cjson.decode(raw)
local payload = emit(g, { k = 'Message', u = m.n, d = m.d, c = conn_of(m), t = ARGV[4], a = ARGV[5] })
local size = tonumber(ARGV[6])
if size > 0 then
  redis.call('RPUSH', gkey(g, 'h'), payload)
  redis.call('LTRIM', gkey(g, 'h'), -size, -1)
end
return payload
