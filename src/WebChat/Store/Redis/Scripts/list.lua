-- ARGV: prefix. Returns { id1, count1, id2, count2, ... } in id order.
local result = {}
for _, g in ipairs(redis.call('ZRANGE', P .. 'groups', 0, -1)) do
  result[#result + 1] = tonumber(g)
  result[#result + 1] = redis.call('HLEN', gkey(g, 'm'))
end
return result
