#!/usr/bin/env bash
# The soak: builds WebChat in Release, starts it on free ports, and runs tests/WebChat.Soak against it for
# N minutes (default 10) of mixed TCP + SignalR load with churn. It prints a line every 10 s (server RSS and
# CPU, messages sent and delivered, joins, leaves, rejoins, overdue messages) and a summary, and exits 1 if
# any message was lost, duplicated or reordered. Not part of scripts/test.sh.
# Usage: scripts/soak.sh [minutes] [extra soak arguments, e.g. --groups 10 --churners 160]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
shift || true
out=test-output/soak
mkdir -p "$out"

echo "== building (Release)"
dotnet build src/WebChat -c Release -nologo -clp:ErrorsOnly
dotnet build tests/WebChat.Soak -c Release -nologo -clp:ErrorsOnly

echo "== starting the server (log: $out/server.log)"
# Port 0 for both doors: the server picks free ports and logs them. The soak's churners all come from
# 127.0.0.1, so the per-address limits (connections, joins a minute, live groups) are raised through
# their own keys (the only way a limit is raised).
ASPNETCORE_URLS=http://127.0.0.1:0 \
Chat__Gateway__Port=0 \
Chat__Gateway__MaxConnectionsPerAddress=1000 \
Chat__Limits__HubConnectionsPerAddress=1000 \
Chat__Limits__JoinsPerMinute=1000000 \
Chat__Limits__GroupsPerAddress=100000 \
  dotnet src/WebChat/bin/Release/net10.0/WebChat.dll >"$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT

http="" tcp=""
for _ in $(seq 1 300); do
  http=$(grep -oE 'Now listening on: http://127\.0\.0\.1:[0-9]+' "$out/server.log" | head -1 | grep -oE '[0-9]+$' || true)
  tcp=$(grep -oE 'TCP gateway listening on .* \(port [0-9]+\)' "$out/server.log" | head -1 | grep -oE '[0-9]+\)$' | tr -d ')' || true)
  [ -n "$http" ] && [ -n "$tcp" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$out/server.log"; echo "the server did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$http" ] && [ -n "$tcp" ] || { echo "the server did not log its ports within 30 s" >&2; exit 1; }
echo "== server pid $server: http://127.0.0.1:$http, tcp $tcp"

set +e
dotnet tests/WebChat.Soak/bin/Release/net10.0/WebChat.Soak.dll \
  --http "http://127.0.0.1:$http" --tcp "$tcp" --pid "$server" --minutes "$minutes" "$@" | tee "$out/soak.txt"
status=${PIPESTATUS[0]}
set -e
kill -0 "$server" 2>/dev/null || { echo "the server is gone (crashed?): see $out/server.log" >&2; exit 1; }
echo "== server log: $(grep -c ' ERR\] \| FTL\] ' "$out/server.log" || true) error lines"
exit "$status"
