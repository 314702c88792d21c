-- ARGV: prefix, group id, owner's member id, owner's connection id, new password hash.
-- Returns 1, or -1 the caller is not a member held by that connection, -2 not the owner.
local g = ARGV[2]
local owner, refused = check_owner(g, ARGV[3], ARGV[4])
if not owner then return refused end
redis.call('HSET', gkey(g), 'pw', ARGV[5])
emit(g, { k = 'PasswordChanged', u = owner.n, d = owner.d, c = ARGV[4] })
return 1
