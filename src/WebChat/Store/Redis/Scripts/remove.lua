-- ARGV: prefix, group id, member id, only if detached (1/0). Returns { removed, deleted, new owner's name or '' }.
local removed, deleted, heir = remove_member(ARGV[2], ARGV[3], ARGV[4] == '1')
return { removed, deleted, heir or '' }
