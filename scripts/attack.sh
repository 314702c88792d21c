#!/usr/bin/env bash
# The abuse measurement: starts WebChat's Release build at its DEFAULT limits (scripts/bench-server.sh with
# DEFAULT_LIMITS=1), runs the hub attacks of `WebChat.Bench attack` against it (3 connections churning
# CreateGroup+LeaveGroup; one connection filling as many groups as it may with 100 messages of 2000 emoji;
# JoinGroup with a taken name in a loop), prints the server's CPU % and RSS per attack and the refusals by
# kind, and stops the server.
#   scripts/attack.sh              # 30 s per looping attack
#   SECONDS_PER_ATTACK=10 scripts/attack.sh
# Env: HTTP_PORT (18080)  TCP_PORT (15555)  SERVER_CPUS (0)  GEN_CPUS (1)  STATE_DIR (/tmp/webchat-attack)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export HTTP_PORT="${HTTP_PORT:-18080}" TCP_PORT="${TCP_PORT:-15555}" STATE_DIR="${STATE_DIR:-/tmp/webchat-attack}" DEFAULT_LIMITS=1
pid="$("$root/scripts/bench-server.sh")"
trap '"$root/scripts/bench-server.sh" --stop' EXIT
echo "server PID $pid (log: $STATE_DIR/webchat.log)" >&2
"$root/scripts/bench.sh" attack --target "127.0.0.1:$HTTP_PORT" --server-pid "$pid" --seconds "${SECONDS_PER_ATTACK:-30}"
