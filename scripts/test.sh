#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, then runs every test of WebChat.sln.
# Usage: scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v ngircd >/dev/null 2>&1 || true   # the benchmark's anchor, not needed by the tests
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]} (apt-get)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "== npm ci (the SignalR browser client)"
npm ci --no-audit --no-fund --loglevel=error

echo "== dotnet build"
dotnet build WebChat.sln -c Release -nologo -clp:ErrorsOnly

echo "== dotnet test"
mkdir -p test-output
set +e
dotnet test WebChat.sln -c Release --no-build -nologo \
  --blame-hang-timeout 4m --results-directory test-output "$@" 2>&1 | tee test-output/dotnet-test.log
status=${PIPESTATUS[0]}
set -e

passed=$(grep -Eo 'Passed: +[0-9]+' test-output/dotnet-test.log | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' test-output/dotnet-test.log | awk '{s+=$2} END {print s+0}')
echo "tests: ${passed} passed, ${failed} failed"
if [ "$passed" -eq 0 ]; then echo "no test ran" >&2; exit 1; fi
exit "$status"
