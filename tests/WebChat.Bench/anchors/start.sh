#!/usr/bin/env bash
# Start the ngIRCd anchor in the background on 127.0.0.1:16667 and print its PID.
#   anchors/start.sh ngircd
# Env: SERVER_CPUS=0   pin it to these CPUs with taskset (default: not pinned)
#      STATE_DIR=/tmp/bench-anchors  where the pid file and log go
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
name="${1:?usage: start.sh ngircd}"
[[ "$name" == ngircd ]] || { echo "unknown anchor $name (only ngircd here)" >&2; exit 2; }
state="${STATE_DIR:-/tmp/bench-anchors}"
mkdir -p "$state"
pin=()
if [[ -n "${SERVER_CPUS:-}" ]]; then pin=(taskset -c "$SERVER_CPUS"); fi
command -v /usr/sbin/ngircd >/dev/null || { echo "ngircd missing: apt-get install -y ngircd" >&2; exit 1; }
port=16667
"${pin[@]}" /usr/sbin/ngircd -n -f "$here/ngircd.conf" >"$state/ngircd.log" 2>&1 &
pid=$!
echo "$pid" >"$state/$name.pid"
for _ in $(seq 1 100); do
  if ss -ltnH "sport = :$port" | grep -q LISTEN; then echo "$pid"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || { echo "$name exited; log:" >&2; tail -20 "$state/$name.log" >&2; exit 1; }
  sleep 0.1
done
echo "$name did not listen on $port within 10 s" >&2
kill "$pid" 2>/dev/null || true
exit 1
