#!/usr/bin/env bash
# The Redis path, measured (docs/performance.md, "The Redis path"). Starts its own redis-server (a free port,
# pinned with taskset, stopped by its PID) and WebChat Release nodes on it (scripts/bench-server.sh, each with
# its own ports and STATE_DIR), drives them with scripts/bench.sh (TCP door) and reads Redis's own
# INFO commandstats. Raw JSON lines and logs go to OUT_DIR.
#
#   OUT_DIR=bench-results/redis-$(date +%Y%m%d-%H%M) scripts/bench-redis.sh            # everything (~12 min)
#   OUT_DIR=/tmp/r scripts/bench-redis.sh cost                                         # one part
#
# Parts (default: all, in this order):
#   cost     the message function's Redis CPU (usec_per_call of FCALL, CONFIG RESETSTAT after setup):
#            1. alone: redis-benchmark calling it on a group of 2 prepared with the node's own library
#               (one inbox subscribed, a full history, 64-byte texts), no node in the way;
#            2. one node, a group of 2, 2 senders x 100/s (one PUBLISH a message);
#            3. two nodes, 1 group of 200 split over them, 5 senders x 10/s (two PUBLISHes a message).
#   instr    the same function alone counted in instructions per call under valgrind's callgrind (exact,
#            unaffected by the machine's load; with one and with two inboxes subscribed). Needs valgrind.
#   fanout   find-max of the fan-out (1 group of 200, 5 senders x 10/s and up): two nodes on one Redis,
#            members alternating between them, against one node in memory; prints the ratio.
#   groups   find-max for many small groups (-G 500 -M 2, the two members on different nodes): messages a
#            second one Redis carries, with Redis's CPU during each step (the benchmark's server = redis-server).
#
# Env: OUT_DIR (required)  REDIS_CPUS (0)  SERVER_CPUS (0: the nodes)  GEN_CPUS (1: the generator)
#      BUILD (1: build Release first)  STEP_DURATION (8)  ROUNDS (1: rounds of the cost part's runs)
# Needs: redis-server, redis-cli, redis-benchmark (Redis 7, apt-get install -y redis-server), .NET SDK 10;
#        valgrind for the instr part.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${OUT_DIR:?set OUT_DIR, the folder for the raw results}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(cost instr fanout groups)
redis_cpus="${REDIS_CPUS-0}"
export SERVER_CPUS="${SERVER_CPUS-0}" GEN_CPUS="${GEN_CPUS-1}"
step_duration="${STEP_DURATION:-8}"
rounds="${ROUNDS:-1}"
for tool in redis-server redis-cli redis-benchmark; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install -y redis-server" >&2; exit 1; }
done
state="$(mktemp -d /tmp/webchat-bench-redis.XXXXXX)"
redis_pid=""
nodes=()      # STATE_DIRs of the nodes started
sub_pid=""

log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$out/bench-redis.log" >&2; }

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    ss -ltnH "sport = :$p" | grep -q LISTEN || { echo "$p"; return; }
  done
}

stop_nodes() {
  local d
  for d in "${nodes[@]}"; do STATE_DIR="$d" scripts/bench-server.sh --stop || true; done
  nodes=()
}

stop_redis() {
  if [[ -n "$sub_pid" ]]; then kill "$sub_pid" 2>/dev/null || true; sub_pid=""; fi
  if [[ -n "$redis_pid" ]]; then
    kill "$redis_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$redis_pid" 2>/dev/null || break; sleep 0.1; done
    redis_pid=""
  fi
}

cleanup() { stop_nodes; stop_redis; rm -rf "$state"; }
trap cleanup EXIT

rport=""
R() { redis-cli -p "$rport" "$@"; }

start_redis() {
  rport="$(free_port)"
  local pin=()
  [[ -n "$redis_cpus" ]] && pin=(taskset -c "$redis_cpus")
  [[ "${1:-}" == callgrind ]] && pin=(valgrind --tool=callgrind "--callgrind-out-file=$state/callgrind.out.%p")
  "${pin[@]}" redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no >"$state/redis-$rport.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 300); do R ping >/dev/null 2>&1 && break; sleep 0.05; done
  R ping >/dev/null || { echo "redis-server did not start" >&2; exit 1; }
  log "redis-server $(redis-server --version | grep -o 'v=[0-9.]*') on port $rport, PID $redis_pid, CPUs ${redis_cpus:-any}"
}

# start_node NAME [redis]: a node (on this Redis unless the second argument is 'memory'); prints nothing,
# sets node_tcp and node_pid.
start_node() {
  local name="$1" mode="${2:-redis}" dir="$state/$1" http tcp
  http="$(free_port)"; tcp="$(free_port)"
  mkdir -p "$dir"
  local env=(HTTP_PORT="$http" TCP_PORT="$tcp" STATE_DIR="$dir" DATA_PATH="" BUILD=0)
  if [[ "$mode" == redis ]]; then
    env+=(ConnectionStrings__Redis="127.0.0.1:$rport" Chat__NodeId="$name" Chat__Redis__KeyPrefix="bench:")
  fi
  node_pid="$(env "${env[@]}" scripts/bench-server.sh)"
  nodes+=("$dir")
  node_tcp="127.0.0.1:$tcp"
  for _ in $(seq 1 300); do
    [[ "$(curl -s "http://127.0.0.1:$http/healthz" || true)" == Healthy ]] && break
    sleep 0.1
  done
  [[ "$(curl -s "http://127.0.0.1:$http/healthz" || true)" == Healthy ]] || { echo "node $name is not healthy; log: $dir/webchat.log" >&2; exit 1; }
  log "node $name ($mode): PID $node_pid, TCP $node_tcp, HTTP $http"
}

# redis-server's time on a CPU so far (ns): what Redis spent in the window, whatever else ran on its core.
redis_cpu_ns() { cut -d' ' -f1 "/proc/$redis_pid/schedstat"; }
fcall_stats() { R INFO commandstats | tr -d '\r' | grep '^cmdstat_fcall:' || echo "cmdstat_fcall:calls=0,usec=0,usec_per_call=0"; }
stat_field() { sed -E "s/.*[:,]$1=([0-9.]+).*/\1/" <<<"$2"; }

# bench_window LABEL ARGS...: a bench run whose commandstats (if this part has a Redis) are reset when its setup
# is done (the generator's "connections:" line, during --settle) and read when it reports (its "result:" or
# "find-max:" line, before its members leave).
bench_window() {
  local label="$1"; shift
  local err="$out/$label.log" after cpu0=0 cpu1=0
  : >"$err"
  scripts/bench.sh --label "$label" --settle 2 --json-out "$out/$label.jsonl" "$@" >/dev/null 2>"$err" &
  local bpid=$!
  local reset=0 done=0
  [[ -n "$redis_pid" ]] || { reset=2; done=1; }
  while kill -0 "$bpid" 2>/dev/null; do
    if [[ $reset == 0 ]] && grep -q 'connections: ' "$err"; then R CONFIG RESETSTAT >/dev/null; cpu0="$(redis_cpu_ns)"; reset=1; fi
    if [[ $reset == 1 && $done == 0 ]] && grep -qE '(result|find-max):' "$err"; then after="$(fcall_stats)"; cpu1="$(redis_cpu_ns)"; done=1; fi
    sleep 0.05
  done
  wait "$bpid" || { echo "benchmark $label failed; log: $err" >&2; tail -5 "$err" >&2; return 1; }
  if [[ -z "$redis_pid" ]]; then
    grep -o '"maxSustainedDeliveriesPerSec":[0-9.]*\|"deliveriesPerSec":[0-9.]*' "$out/$label.jsonl" | tail -1 >&2
    return 0
  fi
  [[ $done == 1 ]] || { after="$(fcall_stats)"; cpu1="$(redis_cpu_ns)"; }
  local calls usec upc
  calls="$(stat_field calls "$after")"; usec="$(stat_field usec "$after")"; upc="$(stat_field usec_per_call "$after")"
  printf '{"redis":"fcall","label":"%s","calls":%s,"usec":%s,"usecPerCall":%s,"redisCpuUsPerCall":%s,"loadavg":"%s"}\n' \
    "$label" "$calls" "$usec" "$upc" "$(awk -v c="$calls" -v a="$cpu0" -v b="$cpu1" 'BEGIN { if (c > 0) printf "%.2f", (b - a) / 1000 / c; else print "null" }')" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/redis.jsonl" >&2
  grep -o '"deliveries[A-Za-z]*":[0-9.]*\|"lost":[0-9]*\|"p99Ms":[0-9.]*' "$out/$label.jsonl" | tail -4 | tr '\n' ' ' >&2; echo >&2
}

# The message function alone: the node's library (loaded by the node into this Redis), a group of two made with
# its create and join functions (ids as long as a node's), one inbox subscribed, the history full.
prepare_alone() {
  prefix=alone:
  fn="$(R FUNCTION LIST | grep -o 'webchat_[0-9a-f]*_message' | head -1)"
  [[ -n "$fn" ]] || { echo "no message function loaded" >&2; return 1; }
  local base="${fn%_message}" epoch=0123456789abcdef0123456789abcdef m2=22222222222222222222222222222222 c2=tcp-nodeA-0HN8ABCDEFGH2
  m1=11111111111111111111111111111111; c1=tcp-nodeA-0HN8ABCDEFGH1
  redis-cli -p "$rport" SUBSCRIBE "${prefix}inbox:nodeA" >/dev/null &
  sub_pid=$!
  member() { printf '{"i":"%s","n":"%s","k":"%s","d":"Tcp","c":"%s","o":"nodeA","v":1}' "$1" "$2" "$2" "$3"; }
  R FCALL "${base}_create" 0 "$prefix" "$epoch" hash "$(member $m1 alice $c1)" 10.0.0.1 100 100 >/dev/null
  R FCALL "${base}_join" 0 "$prefix" 1 "$epoch" "$(member $m2 bob $c2)" >/dev/null
  text="$(printf 'x%.0s' $(seq 1 64))"; at=2026-11-29T12:00:00.0000000Z
  for _ in $(seq 1 110); do echo "FCALL $fn 0 $prefix 1 $m1 $c1 $text $at 100 131072"; done | R >/dev/null
}

finish_alone() {
  kill "$sub_pid" 2>/dev/null || true; sub_pid=""
  R --scan --pattern "${prefix}*" | xargs -r redis-cli -p "$rport" DEL >/dev/null
}

# usec_per_call with redis-benchmark keeping 16 calls in flight, so they run back to back as under load.
cost_alone() {
  prepare_alone
  local round pin=()
  [[ -n "$GEN_CPUS" ]] && pin=(taskset -c "$GEN_CPUS")
  for round in $(seq 1 "$rounds"); do
    R CONFIG RESETSTAT >/dev/null
    local cpu0 cpu1 s
    cpu0="$(redis_cpu_ns)"
    "${pin[@]}" redis-benchmark -p "$rport" -c 1 -P 16 -n 50000 -q FCALL "$fn" 0 "$prefix" 1 "$m1" "$c1" "$text" "$at" 100 131072 >/dev/null
    cpu1="$(redis_cpu_ns)"; s="$(fcall_stats)"
    printf '{"redis":"fcall","label":"cost-alone-%s","calls":%s,"usec":%s,"usecPerCall":%s,"redisCpuUsPerCall":%s,"loadavg":"%s"}\n' \
      "$round" "$(stat_field calls "$s")" "$(stat_field usec "$s")" "$(stat_field usec_per_call "$s")" \
      "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", (b - a) / 1000 / 50000 }')" "$(cut -d' ' -f1-3 /proc/loadavg)" \
      | tee -a "$out/redis.jsonl" >&2
  done
  finish_alone
}

# The same calls counted in instructions (redis-server under valgrind's callgrind, counters zeroed before
# and dumped after 2,000 calls): exact, whatever else the machine runs. One and two inboxes subscribed.
instr_alone() {
  prepare_alone
  local inboxes extra=""
  for inboxes in 1 2; do
    if [[ $inboxes == 2 ]]; then
      # A second node in the group: its member joins from nodeB, whose inbox is subscribed too.
      R FCALL "${fn%_message}_join" 0 "$prefix" 1 0123456789abcdef0123456789abcdef \
        '{"i":"33333333333333333333333333333333","n":"carol","k":"carol","d":"Tcp","c":"tcp-nodeB-0HN8ABCDEFGH3","o":"nodeB","v":1}' >/dev/null
      redis-cli -p "$rport" SUBSCRIBE "${prefix}inbox:nodeB" >/dev/null &
      extra=$!
      sleep 0.5
    fi
    callgrind_control -z "$redis_pid" >/dev/null
    redis-benchmark -p "$rport" -c 1 -P 16 -n 2000 -q FCALL "$fn" 0 "$prefix" 1 "$m1" "$c1" "$text" "$at" 100 131072 >/dev/null
    callgrind_control -d "inboxes$inboxes" "$redis_pid" >/dev/null
    local dump total
    dump="$(ls -t "$state"/callgrind.out.* | head -1)"
    total="$(grep -E '^(summary|totals):' "$dump" | head -1 | awk '{print $2}')"
    printf '{"redis":"instructions","label":"instr-alone-%s-inboxes","calls":2000,"instructionsPerCall":%s,"loadavg":"%s"}\n' \
      "$inboxes" "$((total / 2000))" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/redis.jsonl" >&2
  done
  [[ -n "$extra" ]] && kill "$extra" 2>/dev/null || true
  finish_alone
}

findmax=(--find-max --p99-bound-ms 100 --step-factor 1.5 --max-steps 20 --step-duration "$step_duration" --step-warmup 2)

dotnet_build() {
  if [[ "${BUILD:-1}" == 1 ]]; then
    dotnet build src/WebChat/WebChat.csproj -c Release -nologo -v q -clp:ErrorsOnly >&2
    scripts/bench.sh --help >/dev/null
  fi
}

dotnet_build
log "parts: ${parts[*]}; load average $(cat /proc/loadavg)"
for part in "${parts[@]}"; do
  case "$part" in
    cost)
      start_redis
      start_node n1; n1="$node_tcp"
      cost_alone
      for round in $(seq 1 "$rounds"); do
        bench_window "cost-1node-$round" --adapter legacy --target "$n1" -G 1 -M 2 -S 2 -r 100 -D 20 -W 3
      done
      start_node n2; n2="$node_tcp"
      for round in $(seq 1 "$rounds"); do
        bench_window "cost-2nodes-$round" --adapter legacy --target "$n1" --target2 "$n2" -G 1 -M 200 -S 5 -r 10 -D 20 -W 5
      done
      stop_nodes; stop_redis
      ;;
    instr)
      command -v valgrind >/dev/null || { echo "instr needs valgrind (apt-get install -y valgrind)" >&2; exit 1; }
      start_redis callgrind
      start_node n1
      instr_alone
      stop_nodes; stop_redis
      ;;
    fanout)
      start_redis
      start_node n1; n1="$node_tcp"; start_node n2; n2="$node_tcp"
      bench_window fanout-2nodes-redis --adapter legacy --target "$n1" --target2 "$n2" -G 1 -M 200 -S 5 -r 10 "${findmax[@]}"
      stop_nodes; stop_redis
      start_node m1 memory
      bench_window fanout-1node-memory --adapter legacy --target "$node_tcp" -G 1 -M 200 -S 5 -r 10 "${findmax[@]}" --server-pid "$node_pid"
      stop_nodes
      a="$(grep -o '"maxSustainedDeliveriesPerSec":[0-9.]*' "$out/fanout-2nodes-redis.jsonl" | tail -1 | cut -d: -f2)"
      b="$(grep -o '"maxSustainedDeliveriesPerSec":[0-9.]*' "$out/fanout-1node-memory.jsonl" | tail -1 | cut -d: -f2)"
      log "fan-out find-max: two nodes on Redis $a, one node in memory $b deliveries/s: $(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')"
      ;;
    groups)
      start_redis
      start_node n1; n1="$node_tcp"; start_node n2; n2="$node_tcp"
      bench_window groups-500x2 --adapter legacy --target "$n1" --target2 "$n2" -G 500 -M 2 -S 1 -r 2 "${findmax[@]}" --vary rate \
        --server-pid "$redis_pid"
      stop_nodes; stop_redis
      ;;
    *) echo "unknown part '$part' (cost, instr, fanout, groups)" >&2; exit 2 ;;
  esac
done
log "done; load average $(cat /proc/loadavg); results in $out"
