-- ARGV: prefix, address, attempts allowed per minute. Counts a create, join or failed rejoin attempt;
-- returns 1, or 0 when the address is over its allowance.
return count_in_minute('attempts', ARGV[2], ARGV[3])
