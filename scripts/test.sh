#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, then runs every test of WebChat.sln.
# Usage: scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)        # the reverse proxy in front of both doors
command -v openssl >/dev/null 2>&1 || need+=(openssl)        # s_client on the gateway's TLS port
command -v ip >/dev/null 2>&1 || need+=(iproute2)            # network namespaces for the dead-peer tests
# The Unicode conformance test of the name rules reads NormalizationTest.txt.bz2 of the tables' Unicode version.
[ -f /usr/share/unicode/NormalizationTest.txt.bz2 ] || need+=(unicode-data)
command -v bzcat >/dev/null 2>&1 || need+=(bzip2)
command -v ngircd >/dev/null 2>&1 || true   # the benchmark's anchor, not needed by the tests
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]} (apt-get)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "== npm ci (the SignalR browser client; axe-core for the browser tests; Lighthouse for scripts/lighthouse.sh)"
npm ci --no-audit --no-fund --loglevel=error

echo "== dotnet build"
dotnet build WebChat.sln -c Release -nologo -clp:ErrorsOnly

echo "== dependency audit (vulnerable packages fail the run)"
# A source without vulnerability data answers "no vulnerable packages" as well, so each audit proves it has data
# (NuGet: a canary known to be vulnerable must be flagged; npm: the audit endpoint must answer) or says NOT CHECKED.
# AUDIT_REQUIRED=1 turns NOT CHECKED into a failure.
audit_status=0
unchecked=()
nuget_report=$(dotnet list WebChat.sln package --vulnerable --include-transitive 2>&1) || { echo "$nuget_report"; audit_status=1; }
if grep -q "has the following vulnerable packages" <<<"$nuget_report"; then
  echo "$nuget_report"; echo "NuGet: VULNERABLE packages (above)"; audit_status=1
else
  canary=$(mktemp -d)
  printf '%s\n' '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework><NuGetAudit>false</NuGetAudit></PropertyGroup>' \
    '<ItemGroup><PackageReference Include="Newtonsoft.Json" Version="12.0.1" /></ItemGroup></Project>' > "$canary/canary.csproj"
  if dotnet restore "$canary/canary.csproj" -v q >/dev/null 2>&1 &&
     dotnet list "$canary/canary.csproj" package --vulnerable 2>&1 | grep -q "has the following vulnerable packages"; then
    echo "NuGet: no vulnerable packages (direct and transitive)"
  else
    echo "NuGet: NOT CHECKED - the package source here serves no vulnerability data (the canary Newtonsoft.Json 12.0.1, known vulnerable, was not flagged)"
    unchecked+=(NuGet)
  fi
  rm -rf "$canary"
fi
npm_verdict=$({ npm audit --audit-level=moderate --json 2>/dev/null || true; } | node -e '
  let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
    let j; try { j = JSON.parse(s); } catch { return console.log("unavailable: npm audit gave no report"); }
    if (j.error || j.message) return console.log("unavailable: " + (j.message || j.error.summary));
    const v = (j.metadata || {}).vulnerabilities || {};
    const n = (v.moderate || 0) + (v.high || 0) + (v.critical || 0);
    console.log(n > 0 ? "vulnerable: " + n : "clean");
  });')
case "$npm_verdict" in
  clean) echo "npm: no moderate or worse advisories" ;;
  vulnerable*) npm audit --audit-level=moderate || true; echo "npm: VULNERABLE packages (above)"; audit_status=1 ;;
  *) echo "npm: NOT CHECKED - ${npm_verdict#unavailable: }"; unchecked+=(npm) ;;
esac
if [ ${#unchecked[@]} -gt 0 ]; then
  echo "dependency audit: NOT CHECKED for ${unchecked[*]} on this machine (no advisory data reachable)"
  if [ "${AUDIT_REQUIRED:-0}" = 1 ]; then audit_status=1; fi
fi

echo "== dotnet test"
mkdir -p test-output
set +e
# One test project at a time (-m:1): the projects start real servers, browsers and redis-servers, and on a
# 2-core machine running them side by side starves the timing-sensitive ones (150 ms line rule, grace timers).
dotnet test WebChat.sln -c Release --no-build -nologo -m:1 \
  --blame-hang-timeout 4m --results-directory test-output "$@" 2>&1 | tee test-output/dotnet-test.log
status=${PIPESTATUS[0]}
set -e

passed=$(grep -Eo 'Passed: +[0-9]+' test-output/dotnet-test.log | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' test-output/dotnet-test.log | awk '{s+=$2} END {print s+0}')
echo "tests: ${passed} passed, ${failed} failed"
if [ "$passed" -eq 0 ]; then echo "no test ran" >&2; exit 1; fi
if [ "$audit_status" -ne 0 ]; then echo "dependency audit failed (see above)" >&2; exit 1; fi
exit "$status"
