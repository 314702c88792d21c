-- ARGV: prefix, group id, owner's member id, owner's connection id, name key of the member to remove.
-- The owner removes a member: it leaves at once (a Removed event by the owner) and its rejoin token stops
-- working with it. Returns { 1, removed member (JSON), owner's name }, or { code }: -1 the caller is not a
-- member held by that connection, -2 not the owner, -3 no such member, -4 the owner itself.
local g, by_id = ARGV[2], ARGV[3]
local owner, id = owners_target(g, by_id, ARGV[4], ARGV[5])
if not owner then return { id } end
local raw = redis.call('HGET', gkey(g, 'm'), id)
local m = cjson.decode(raw)
emit(g, { k = 'Removed', u = m.n, d = m.d, c = conn_of(m), b = owner.n })
take_out(g, id, m)
return { 1, raw, owner.n }
