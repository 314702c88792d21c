-- ARGV: prefix, group id, epoch, member (JSON). Returns { 1, names, history, owner }, { 0 } unknown, { -1 } name taken.
local g = ARGV[2]
if redis.call('HGET', gkey(g), 'epoch') ~= ARGV[3] then return { 0 } end
local m = cjson.decode(ARGV[4])
if redis.call('HEXISTS', gkey(g, 'k'), m.k) == 1 then return { -1 } end
add_member(g, m)
emit(g, { k = 'Joined', u = m.n, d = m.d, c = conn_of(m) })
return { 1, names(g), history(g), owner_name(g) }
