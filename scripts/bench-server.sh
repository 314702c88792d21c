#!/usr/bin/env bash
# Starts WebChat's Release build in the background for a load run and prints its PID (the app's own
# process, so the benchmark's --server-pid reads its RSS and CPU). Limits are raised through their
# configuration keys only (docs/protocol.md); MaxUnsentBytes keeps its default.
#   scripts/bench-server.sh                 # HTTP 127.0.0.1:8080, TCP gateway 5555, pinned to CPU 0
#   scripts/bench-server.sh --stop          # stop the one this script started (by its recorded PID)
# Env: HTTP_PORT (8080)  TCP_PORT (5555)  SERVER_CPUS (0; empty = not pinned)
#      DEFAULT_LIMITS (0; 1 = keep every limit at its default, for scripts/attack.sh)
#      BUILD (1: build Release first)  STATE_DIR (/tmp/webchat-bench): pid file and server log
#      DATA_PATH ($STATE_DIR/data, emptied at each start: the journal of groups; empty = memory only)
set -euo pipefail
cd "$(dirname "$0")/.."
state="${STATE_DIR:-/tmp/webchat-bench}"
mkdir -p "$state"
pidfile="$state/webchat.pid"
if [[ "${1:-}" == "--stop" ]]; then
  [[ -f "$pidfile" ]] || exit 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$pidfile"
  exit 0
fi
http="${HTTP_PORT:-8080}"
tcp="${TCP_PORT:-5555}"
for p in "$http" "$tcp"; do
  if ss -ltnH "sport = :$p" | grep -q LISTEN; then echo "port $p is taken" >&2; exit 1; fi
done
if [[ "${BUILD:-1}" == 1 ]]; then
  dotnet build src/WebChat/WebChat.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
fi
app="$PWD/src/WebChat/bin/Release/net10.0/WebChat"
data="${DATA_PATH-$state/data}"
if [[ -n "$data" ]]; then rm -rf "$data"; fi
pin=()
if [[ -n "${SERVER_CPUS-0}" ]]; then pin=(taskset -c "${SERVER_CPUS-0}"); fi
(
  cd src/WebChat
  export ASPNETCORE_URLS="http://127.0.0.1:$http" ASPNETCORE_ENVIRONMENT=Production
  export Chat__Gateway__Port="$tcp" Chat__DataPath="$data"
  if [[ "${DEFAULT_LIMITS:-0}" != 1 ]]; then
    export Chat__Limits__MessagesPerSecond=1000000 Chat__Limits__MessageBurst=1000000
    export Chat__Limits__PasswordFailuresPerMinute=1000000 Chat__Gateway__MaxConnectionsPerAddress=100000
    # The load generator is one client address that opens thousands of connections and groups.
    export Chat__Limits__JoinsPerMinute=1000000 Chat__Limits__GroupsPerAddress=1000000
    export Chat__Limits__HubConnectionsPerAddress=1000000 Chat__Limits__MaxGroups=1000000
  fi
  exec "${pin[@]}" "$app"
) >"$state/webchat.log" 2>&1 &
pid=$!
echo "$pid" >"$pidfile"
for _ in $(seq 1 300); do
  if ss -ltnH "sport = :$http" | grep -q LISTEN && ss -ltnH "sport = :$tcp" | grep -q LISTEN; then echo "$pid"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || { echo "WebChat exited; log:" >&2; tail -20 "$state/webchat.log" >&2; exit 1; }
  sleep 0.1
done
echo "WebChat did not listen on $http and $tcp within 30 s; log: $state/webchat.log" >&2
exit 1
