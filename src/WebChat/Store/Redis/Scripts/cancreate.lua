-- ARGV: prefix, address, max groups, groups per address. Returns 0, or 1 the deployment is full, 2 the address has its share.
return can_create(ARGV[2], ARGV[3], ARGV[4])
