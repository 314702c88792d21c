#!/usr/bin/env bash
# The figures of docs/performance.md, one command: every workload against a fresh WebChat (Release, pinned
# to CPU 0, limits raised through their configuration keys) with the generator on CPU 1, and the TCP-door
# workloads side by side with ngIRCd. JSON lines and logs go to $OUT_DIR; scripts/bench-summary.sh prints the tables
# (and, with --charts DIR, draws the charts).
#   scripts/bench-measure.sh [all|fanout|findmax|half|conns10k|idle|wsmax|redis]...
# Env: OUT_DIR (bench-results/<time>)  ROUNDS (fanout rounds, default 3)  CONNS_G/CONNS_M (10k run: 100 x 100)
#      EXTRA  arguments appended to every benchmark command (later ones win), e.g. a smoke test:
#             EXTRA="-G 2 -M 10 -D 2 -W 1 --max-steps 2 --step-duration 2 --step-warmup 1" ROUNDS=1 scripts/bench-measure.sh
set -euo pipefail
read -r -a extra <<<"${EXTRA:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${OUT_DIR:-bench-results/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
parts=("$@"); [[ ${#parts[@]} -eq 0 || "${parts[0]}" == all ]] && parts=(fanout findmax half conns10k idle wsmax redis)
FINDMAX=(-G 1 -M 200 -S 5 -r 10 --find-max --p99-bound-ms 100 --step-factor 1.5 --max-steps 20 --step-duration 8 --step-warmup 2)

dotnet build src/WebChat/WebChat.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
scripts/bench.sh --help >/dev/null
pid=""
metrics=http://127.0.0.1:8080/metrics
export TARGET_ARGS="--metrics-url $metrics"
start() { scripts/bench-server.sh --stop; pid="$(BUILD=0 scripts/bench-server.sh)"; echo "== $(date -u +%T) fresh WebChat pid $pid: $*; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2; }
trap 'scripts/bench-server.sh --stop' EXIT
bench() { local label="$1"; shift; scripts/bench.sh "$@" "${extra[@]}" --server-pid "$pid" --metrics-url "$metrics" --label "$label" --json-out "$out/webchat.jsonl" >/dev/null 2>>"$out/webchat.log"; }

run_part() {
  local part="$1"
  case "$part" in
    fanout)   # fan-out shape vs ngIRCd, several rounds (medians), ratio per round
      start fanout
      # 20 s of warm-up: a fresh .NET process still compiles its hot code at tier 1 for several seconds
      TARGET_PID="$pid" ROUNDS="${ROUNDS:-3}" OUT="$out/compare-fanout.jsonl" scripts/bench-compare.sh 127.0.0.1:5555 fanout -W 20 "${extra[@]}" 2>>"$out/compare.log" | tee "$out/compare-fanout.txt" ;;
    findmax)  # highest sustained fan-out, TCP door vs ngIRCd
      start findmax
      TARGET_PID="$pid" OUT="$out/compare-findmax.jsonl" scripts/bench-compare.sh 127.0.0.1:5555 findmax "${extra[@]}" 2>>"$out/compare.log" | tee "$out/compare-findmax.txt" ;;
    half)     # p99 of both at half of WebChat's highest sustained rate (same offered load), HALF_ROUNDS rounds (default 3), 15 s warm-up
      max="$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if "\"find-max\"" in l and "target/" in l]; print(r[-1]["maxSustainedDeliveriesPerSec"] if r else 0)' "$out/compare-findmax.jsonl" 2>/dev/null || echo 0)"
      rate="$(python3 -c "import sys; m=float(sys.argv[1]); print(round(max(m/2/(200*199), 0.5), 3))" "$max")"
      start "half of $max deliveries/s: S=200 r=$rate"
      TARGET_PID="$pid" ROUNDS="${HALF_ROUNDS:-3}" OUT="$out/compare-half.jsonl" scripts/bench-compare.sh 127.0.0.1:5555 custom -G 1 -M 200 -S 200 -r "$rate" -D 20 -W 15 "${extra[@]}" 2>>"$out/compare.log" | tee "$out/compare-half.txt" ;;
    conns10k) # 10,000 connections, half TCP half WebSocket, 100 groups, 1 msg/s per group
      start conns10k
      bench "mixed/conns10k" --adapter mixed --target 127.0.0.1:5555 --hub 127.0.0.1:8080 --tcp-fraction 0.5 \
        -G "${CONNS_G:-100}" -M "${CONNS_M:-100}" -S 1 -r 1 -D 20 -W 5 --setup-deadline 420 ;;
    idle)     # idle RSS per connection: 5000 connections on one door, fresh server each, measured after 200
              # connections warmed it (the marginal cost of a connection); the TCP door side by side with ngIRCd
      start idle-tcp
      TARGET_PID="$pid" OUT="$out/compare-idle.jsonl" scripts/bench-compare.sh 127.0.0.1:5555 idle "${extra[@]}" 2>>"$out/compare.log" | tee "$out/compare-idle.txt"
      start idle-ws;   bench "ws-json/idle5000" --adapter signalr --target 127.0.0.1:8080 -G 100 -M 50 -S 1 -r 1 -D 10 -W 2 --setup-deadline 180 --warm-server 200 ;;
    wsmax)    # WebSocket door find-max, JSON and MessagePack, official and lean client (the TCP door's is in findmax)
      start wsmax-json;    bench "ws-json/findmax" --adapter signalr --target 127.0.0.1:8080 --protocol json "${FINDMAX[@]}"
      start wsmax-msgpack; bench "ws-msgpack/findmax" --adapter signalr --target 127.0.0.1:8080 --protocol messagepack "${FINDMAX[@]}"
      # the same with the lean generator client (tests/WebChat.Bench README): the official client saturates the generator's core first
      start wsmax-lite-json;    bench "ws-lite-json/findmax" --adapter signalr-lite --target 127.0.0.1:8080 --protocol json "${FINDMAX[@]}"
      start wsmax-lite-msgpack; bench "ws-lite-msgpack/findmax" --adapter signalr-lite --target 127.0.0.1:8080 --protocol messagepack "${FINDMAX[@]}" ;;
    redis)    # the Redis path: its own redis-server and nodes (scripts/bench-redis.sh), raw lines in the same folder
      scripts/bench-server.sh --stop
      OUT_DIR="$out" BUILD=0 scripts/bench-redis.sh 2>>"$out/redis.log" | tee "$out/redis.txt" ;;
    *) echo "unknown part $part" >&2; return 2 ;;
  esac
}
for part in "${parts[@]}"; do run_part "$part" || echo "== part $part failed (exit $?)" >&2; done
echo "results in $out" >&2
