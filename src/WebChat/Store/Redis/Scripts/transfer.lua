-- ARGV: prefix, group id, owner's member id, owner's connection id, name key of the new owner.
-- Returns { 1, new owner's name }, or { code } as kick.lua.
local g, by_id = ARGV[2], ARGV[3]
local owner, id = owners_target(g, by_id, ARGV[4], ARGV[5])
if not owner then return { id } end
local m = member(g, id)
redis.call('HSET', gkey(g), 'owner', id)
emit(g, { k = 'OwnerChanged', u = m.n, d = m.d, c = conn_of(m) })
return { 1, m.n }
