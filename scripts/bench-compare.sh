#!/usr/bin/env bash
# Side-by-side: the same workload against WebChat (its TCP gateway, or its hub with TARGET_ADAPTER=signalr)
# and against ngIRCd, which this script starts and stops itself; prints both rows and the ratios.
# Method and figures: docs/performance.md.
#
#   scripts/bench-compare.sh TARGET_HOST:PORT [small|fanout|conns|idle|findmax|custom] [extra benchmark args...]
#
#   scripts/bench-compare.sh 127.0.0.1:5555                   # fanout (default): G=1 M=200 S=5 r=10 D=20
#   scripts/bench-compare.sh 127.0.0.1:5555 findmax
#   TARGET_PID=$(cat /tmp/webchat-bench/webchat.pid) scripts/bench-compare.sh 127.0.0.1:5555 conns
#
# Env:
#   TARGET_PID      PID of the target server: adds its RSS (per connection, peak) and CPU seconds
#   TARGET_ADAPTER  legacy (default) | signalr | mixed   -- how the target is driven
#   TARGET_ARGS     extra arguments for the target side only (e.g. "--protocol messagepack")
#   TARGET_EOL      lf (default) | crlf | none  -- how the menu dialogue lines are ended (legacy)
#   ROUNDS          runs per side, alternating target/ngircd (default 1)
#   GEN_CPUS        CPUs for the generator via taskset (default 1; empty = not pinned)
#   NGIRCD_CPUS     CPUs for ngIRCd (default 0; empty = not pinned). scripts/bench-server.sh pins WebChat to 0 too.
#   OUT             JSON-lines file to append to (default bench-results/compare-<time>.jsonl)
# Needs: ngircd (apt-get install -y ngircd), .NET SDK 10, python3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
anchors="$root/tests/WebChat.Bench/anchors"
bench="$root/scripts/bench.sh"
target="${1:?usage: compare.sh TARGET_HOST:PORT [small|fanout|conns|findmax|custom] [args...]}"
shift
workload="${1:-fanout}"
[[ $# -gt 0 ]] && shift
case "$workload" in
  small)   wargs=(-G 10 -M 10 -S 2 -r 5 -D 20 -W 5) ;;
  fanout)  wargs=(-G 1 -M 200 -S 5 -r 10 -D 20 -W 5) ;;
  conns)   wargs=(-G 100 -M 50 -S 1 -r 1 -D 20 -W 5 --setup-deadline 120) ;;
  idle)    wargs=(-G 100 -M 50 -S 1 -r 1 -D 10 -W 2 --setup-deadline 180 --warm-server 200) ;;  # RSS per idle connection, after a warm-up
  findmax) wargs=(-G 1 -M 200 -S 5 -r 10 --find-max --p99-bound-ms 100 --step-factor 1.5 --max-steps 20 --step-duration 8 --step-warmup 2) ;;
  custom)  wargs=() ;;
  *) echo "unknown workload '$workload'" >&2; exit 2 ;;
esac
wargs+=("$@")
export GEN_CPUS="${GEN_CPUS-1}"
ngircd_cpus="${NGIRCD_CPUS-0}"
rounds="${ROUNDS:-1}"
mkdir -p bench-results
out="${OUT:-bench-results/compare-$(date +%Y%m%d-%H%M%S).jsonl}"
tadapter="${TARGET_ADAPTER:-legacy}"
read -r -a targs <<<"${TARGET_ARGS:-}"
eol="${TARGET_EOL:-lf}"
command -v /usr/sbin/ngircd >/dev/null || { echo "ngircd is not installed: apt-get install -y ngircd" >&2; exit 1; }
if ss -ltnH 'sport = :16667' | grep -q LISTEN; then echo "port 16667 is taken; stop what listens there first" >&2; exit 1; fi

"$bench" --help >/dev/null   # build once, before anything is timed

ngircd_pid=""
cleanup() { if [[ -n "$ngircd_pid" ]]; then STATE_DIR=/tmp/bench-compare "$anchors/stop.sh" ngircd; fi; }
trap cleanup EXIT

for round in $(seq 1 "$rounds"); do
  echo "== round $round: target $target ($tadapter, --eol $eol)" >&2
  pidargs=()
  [[ -n "${TARGET_PID:-}" ]] && pidargs=(--server-pid "$TARGET_PID")
  "$bench" --adapter "$tadapter" --target "$target" --eol "$eol" "${wargs[@]}" "${targs[@]}" "${pidargs[@]}" \
    --label "target/$workload/run$round" --json-out "$out" >/dev/null || echo "target run failed (exit $?)" >&2

  echo "== round $round: ngircd 127.0.0.1:16667 (irc)" >&2
  ngircd_pid="$(STATE_DIR=/tmp/bench-compare SERVER_CPUS="$ngircd_cpus" "$anchors/start.sh" ngircd)"
  "$bench" --adapter irc --target 127.0.0.1:16667 "${wargs[@]}" --server-pid "$ngircd_pid" \
    --label "ngircd/$workload/run$round" --json-out "$out" >/dev/null || echo "ngircd run failed (exit $?)" >&2
  STATE_DIR=/tmp/bench-compare "$anchors/stop.sh" ngircd
  ngircd_pid=""
done

python3 - "$out" "$workload" <<'PY'
import json, sys
path, workload = sys.argv[1], sys.argv[2]
rows = [json.loads(l) for l in open(path) if l.startswith('{"chatload":"result"') or l.startswith('{"chatload":"find-max"')]
def side(r): return r["label"].split("/")[0]
def fig(r):
    if r["chatload"] == "find-max":
        return r.get("maxSustainedDeliveriesPerSec") or 0.0, r.get("atP99Ms") or float("nan"), r
    return r.get("deliveriesPerSec", 0.0), r.get("latencyMs", {}).get("p99", float("nan")), r
by = {"target": [], "ngircd": []}
for r in rows:
    if side(r) in by: by[side(r)].append(r)
print(f"\nworkload {workload}  ({path})")
print(f"{'side':8} {'run':4} {'deliv/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'lost':>7} {'dup':>5} {'ooo':>5} {'conns':>11} {'srv RSS/conn KiB':>17} {'srv CPU%':>8}")
for s in ("target", "ngircd"):
    for r in by[s]:
        d, p99, _ = fig(r)
        if r["chatload"] == "find-max":
            steps = [x for x in r.get("steps", []) if x.get("pass")]
            last = steps[-1] if steps else {}
            lat = last.get("latencyMs", {}); lost = last.get("lost", 0); dup = last.get("duplicated", 0); ooo = last.get("outOfOrder", 0)
            cpu = last.get("serverCpuPctOfOneCore")
        else:
            lat = r.get("latencyMs", {}); lost = r.get("lost", 0); dup = r.get("duplicated", 0); ooo = r.get("outOfOrder", 0)
            cpu = r.get("serverCpuPctOfOneCore")
        c = r.get("connections", {})
        srv = r.get("server", {})
        print(f"{s:8} {r['label'].split('/')[-1]:4} {d:10.1f} {lat.get('p50', float('nan')):8.2f} {lat.get('p99', float('nan')):8.2f} {lat.get('max', float('nan')):8.2f} "
              f"{lost:7} {dup:5} {ooo:5} {str(c.get('established'))+'/'+str(c.get('attempted')):>11} {str(srv.get('rssPerConnectionKiB', '-')):>17} {str(cpu if cpu is not None else '-'):>8}")
def mean(xs): return sum(xs) / len(xs) if xs else float("nan")
if by["target"] and by["ngircd"]:
    td = mean([fig(r)[0] for r in by["target"]]); nd = mean([fig(r)[0] for r in by["ngircd"]])
    tp = mean([fig(r)[1] for r in by["target"]]); np_ = mean([fig(r)[1] for r in by["ngircd"]])
    label = "max sustained deliveries/s" if any(r["chatload"] == "find-max" for r in rows) else "deliveries/s"
    print(f"\nratio target/ngircd: {label} {td / nd if nd else float('nan'):.2f}x   p99 latency {tp / np_ if np_ else float('nan'):.2f}x"
          f"   (means over {len(by['target'])} and {len(by['ngircd'])} runs; deliveries/s > 1 and p99 < 1 favour the target)")
else:
    print("\nno ratio: a side produced no result line")
PY
