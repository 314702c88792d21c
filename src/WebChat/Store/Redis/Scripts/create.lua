-- ARGV: prefix, epoch, password hash, member (JSON). Returns { id, names }.
local m = cjson.decode(ARGV[4])
local g = take_id()
redis.call('HSET', gkey(g), 'epoch', ARGV[2], 'pw', ARGV[3], 'seq', 0, 'joins', 0)
redis.call('ZADD', P .. 'groups', g, g)
add_member(g, m)
emit(g, { k = 'Joined', u = m.n, d = m.d, c = conn_of(m) })
return { g, names(g) }
