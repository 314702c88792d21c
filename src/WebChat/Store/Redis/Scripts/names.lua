-- ARGV: prefix, group id. Returns the members' names in join order.
return names(ARGV[2])
