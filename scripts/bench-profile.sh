#!/usr/bin/env bash
# Where a delivery's time goes: the fan-out at its nominal rate (1 group of 200, 5 senders x 10/s) against a fresh
# server pinned to CPU 0, the generator on CPU 1; after 27 s (setup, then the 25 s warm-up: the hot code is at
# tier 1 by then) it counts the server's system calls and context switches for 10 s (`perf stat`), and with
# --record also samples its stacks (`perf record -g`, JIT frames named through the runtime's perf map).
#   scripts/bench-profile.sh webchat|ngircd [--record] [extra benchmark args...]
# Env: OUT_DIR (bench-results/profile-<time>): counts (<side>.stat), samples (<side>.data), the run's JSON line
# Needs: linux-perf (apt-get install -y linux-perf), ngircd for the ngircd side. Method: docs/performance.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
side="${1:?usage: bench-profile.sh webchat|ngircd [--record] [args...]}"; shift
record=0; if [[ "${1:-}" == --record ]]; then record=1; shift; fi
out="${OUT_DIR:-bench-results/profile-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
command -v perf >/dev/null || { echo "perf is not installed: apt-get install -y linux-perf" >&2; exit 1; }
scripts/bench.sh --help >/dev/null
if [[ "$side" == webchat ]]; then
  pid="$(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 scripts/bench-server.sh)"
  target=(--adapter legacy --target 127.0.0.1:5555)
  stop() { scripts/bench-server.sh --stop; }
else
  pid="$(STATE_DIR=/tmp/bench-compare SERVER_CPUS=0 tests/WebChat.Bench/anchors/start.sh ngircd)"
  target=(--adapter irc --target 127.0.0.1:16667)
  stop() { STATE_DIR=/tmp/bench-compare tests/WebChat.Bench/anchors/stop.sh ngircd; }
fi
trap stop EXIT
GEN_CPUS=1 scripts/bench.sh "${target[@]}" -G 1 -M 200 -S 5 -r 10 -D 20 -W 25 --server-pid "$pid" \
  --label "$side/profile" --json-out "$out/profile.jsonl" "$@" >"$out/$side.log" 2>&1 &
bench=$!
for _ in $(seq 1 600); do grep -q "established" "$out/$side.log" 2>/dev/null && break; sleep 0.1; done
sleep 27
events=task-clock,context-switches,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_write
events+=,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_sched_yield
if [[ $record == 1 ]]; then
  perf record -F 2000 -g -p "$pid" -o "$out/$side.data" -- sleep 10 >/dev/null 2>&1
else
  perf stat -e "$events" -p "$pid" -- sleep 10 2>"$out/$side.stat" >/dev/null
fi
wait "$bench" || true
echo "== $side (load $(cut -d' ' -f1-3 /proc/loadavg))"
if [[ $record == 1 ]]; then
  perf report -i "$out/$side.data" --no-children --sort comm,dso -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
else
  grep -vE '^$|Performance counter' "$out/$side.stat"
fi
grep -E "deliveries/s|server CPU" "$out/$side.log" || true
