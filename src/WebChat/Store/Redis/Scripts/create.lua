-- ARGV: prefix, epoch, password hash, member (JSON), creator's address, max groups, groups per address.
-- Returns { id, names } or { -1 } when the deployment is full, { -2 } when the address has its share.
local refused = can_create(ARGV[5], ARGV[6], ARGV[7])
if refused > 0 then return { -refused } end
local m = cjson.decode(ARGV[4])
local g = take_id()
redis.call('HSET', gkey(g), 'epoch', ARGV[2], 'pw', ARGV[3], 'seq', 0, 'joins', 0, 'owner', m.i, 'addr', ARGV[5], 'hb', 0)
redis.call('INCR', P .. 'addr:' .. ARGV[5])
add_member(g, m)
emit(g, { k = 'Joined', u = m.n, d = m.d, c = conn_of(m) })
return { g, names(g) }
