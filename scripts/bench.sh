#!/usr/bin/env bash
# Builds the load benchmark (tests/WebChat.Bench, Release) if needed and runs it with the given arguments.
#   scripts/bench.sh --adapter signalr --target 127.0.0.1:8080 --protocol messagepack -G 1 -M 200 -S 5 -r 10
#   scripts/bench.sh --help
# Env: GEN_CPUS=1  pin the generator to these CPUs with taskset (default 1; empty = not pinned)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
proj="$root/tests/WebChat.Bench"
dll="$proj/bin/Release/net10.0/WebChat.Bench.dll"
if [[ ! -f "$dll" || -n "$(find "$proj" -path "$proj/bin" -prune -o -path "$proj/obj" -prune -o \( -name '*.cs' -o -name '*.csproj' \) -newer "$dll" -print -quit)" ]]; then
  dotnet build "$proj/WebChat.Bench.csproj" -c Release -nologo -v q -clp:ErrorsOnly >&2
fi
pin=()
if [[ -n "${GEN_CPUS-1}" ]]; then pin=(taskset -c "${GEN_CPUS-1}"); fi
exec "${pin[@]}" dotnet "$dll" "$@"
