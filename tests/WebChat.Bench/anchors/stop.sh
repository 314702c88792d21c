#!/usr/bin/env bash
# Stop an anchor started by start.sh, by the PID it recorded.   anchors/stop.sh ngircd
set -uo pipefail
name="${1:?usage: stop.sh ngircd}"
state="${STATE_DIR:-/tmp/bench-anchors}"
f="$state/$name.pid"
[[ -f "$f" ]] || { echo "no pid file $f" >&2; exit 0; }
pid="$(cat "$f")"
if kill -0 "$pid" 2>/dev/null; then
  kill "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
fi
rm -f "$f"
