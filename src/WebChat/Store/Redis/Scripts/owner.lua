-- ARGV: prefix, group id. Returns the owner's name, or '' when the group does not exist.
return owner_name(ARGV[2])
