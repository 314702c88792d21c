-- ARGV: prefix, group id, owner's member id, owner's connection id, name key of the new owner.
-- Returns { 1, new owner's name }, or { code } as kick.lua.
local g, by_id = ARGV[2], ARGV[3]
local owner, refused = check_owner(g, by_id, ARGV[4])
if not owner then return { refused } end
local id = redis.call('HGET', gkey(g, 'k'), ARGV[5])
if not id then return { -3 } end
if id == by_id then return { -4 } end
local m = member(g, id)
redis.call('HSET', gkey(g), 'owner', id)
emit(g, { k = 'OwnerChanged', u = m.n, d = m.d, c = conn_of(m) })
return { 1, m.n }
