#!/usr/bin/env bash
# Prints the figures of one scripts/bench-measure.sh run (its OUT_DIR) as Markdown tables (as in tests/WebChat.Bench/results/HISTORY.md).
#   scripts/bench-summary.sh bench-results/20261124-090500
set -euo pipefail
dir="${1:?usage: bench-summary.sh OUT_DIR}"
python3 - "$dir" <<'PY'
import json, sys, os, glob, statistics as st
d = sys.argv[1]
def rows(name):
    p = os.path.join(d, name)
    return [json.loads(l) for l in open(p) if l.startswith('{"chatload":"result"') or l.startswith('{"chatload":"find-max"')] if os.path.exists(p) else []
def side(r): return r["label"].split("/")[0]
def f(x, n=2): return "-" if x is None else (f"{x:.{n}f}" if isinstance(x, float) else str(x))
def lat(r): return r.get("latencyMs", {})
def alloc(r):
    m = r.get("serverMetrics") or {}
    return "-" if not m else f'{m.get("allocatedBytesPerDelivery")} / {m.get("workItemsPerDelivery")}'
def acc(r): return f'{r.get("lost")}/{r.get("duplicated")}/{r.get("outOfOrder")}'

print("### Fan-out (G=1 M=200 S=5 r=10, D=20 s), TCP door vs ngIRCd, one row per round\n")
print("| round | side | deliv/s | p50 ms | p99 ms | max ms | lost/dup/ooo | server CPU % | machine busy % | server B allocated / work items per delivery |\n|---|---|---|---|---|---|---|---|---|---|")
fan = rows("compare-fanout.jsonl")
for r in fan:
    print(f'| {r["label"].split("/")[-1]} | {side(r)} | {r["deliveriesPerSec"]:.0f} | {f(lat(r)["p50"])} | {f(lat(r)["p99"])} | {f(lat(r)["max"])} | {acc(r)} | {f(r.get("serverCpuPctOfOneCore"),1)} | {f(r.get("machineBusyPct"),1)} | {alloc(r)} |')
for s in ("target", "ngircd"):
    xs = [r for r in fan if side(r) == s]
    if xs: print(f'\nmedian {s}: deliveries/s {st.median(r["deliveriesPerSec"] for r in xs):.0f}, p99 {st.median(lat(r)["p99"] for r in xs):.2f} ms, server CPU {st.median(r.get("serverCpuPctOfOneCore") or 0 for r in xs):.1f} %')
pairs = list(zip([r for r in fan if side(r) == "target"], [r for r in fan if side(r) == "ngircd"]))
for t, n in pairs:
    print(f'ratio {t["label"].split("/")[-1]}: deliveries/s {t["deliveriesPerSec"]/n["deliveriesPerSec"]:.2f}x, p99 {lat(t)["p99"]/lat(n)["p99"]:.2f}x, server CPU {(t.get("serverCpuPctOfOneCore") or 0)/max(n.get("serverCpuPctOfOneCore") or 1e-9,1e-9):.1f}x')

def fm(r):
    steps = [s for s in r.get("steps", []) if s.get("pass")]
    last = steps[-1] if steps else {}
    return (f'| {r["label"]} | {r["maxSustainedDeliveriesPerSec"]:.0f} | {r.get("atSendersPerGroup")} x {r.get("atRatePerSender")} ({f(r.get("atOfferedMsgsPerSec"),1)}) '
            f'| {f(r.get("atP99Ms"))} | {acc(last) if last else "-"} | {f(last.get("serverCpuPctOfOneCore"),1)} | {f(last.get("generatorCpuPctOfOneCore"),1)} | {alloc(last) if last else "-"} | {r.get("stopReason")} |')
print("\n### Find-max (fan-out shape, x1.5 steps of 8 s, p99 bound 100 ms)\n")
print("| run | max sustained deliv/s | at S x r (msg/s) | p99 at max ms | lost/dup/ooo at max | server CPU % | generator CPU % | B alloc / work items per delivery | stopped because |\n|---|---|---|---|---|---|---|---|---|")
allfm = [x for p in sorted(glob.glob(os.path.join(d, "compare-findmax*.jsonl"))) for x in rows(os.path.basename(p))] + [r for r in rows("webchat.jsonl") if r["chatload"] == "find-max"]
for r in allfm: print(fm(r))
tcps = [r["maxSustainedDeliveriesPerSec"] for r in allfm if r["label"].startswith("target/")]
ngs = [r["maxSustainedDeliveriesPerSec"] for r in allfm if r["label"].startswith("ngircd/")]
tcp = tcps[0] if tcps else None
for i, (t, n) in enumerate(zip(tcps, ngs)): print(f"\nratio TCP door / ngIRCd, find-max run {i + 1}: {t/n:.2f}x")
for r in allfm:
    if r["label"].startswith("ws") and tcp: print(f'ratio {r["label"]} / TCP door: {r["maxSustainedDeliveriesPerSec"]/tcp:.2f}x')

print("\n### Same offered load (S=200 senders), at half of a max sustained rate\n")
print("| run | side | offered msg/s | deliv/s | p50 ms | p99 ms | max ms | lost/dup/ooo | server CPU % |\n|---|---|---|---|---|---|---|---|---|")
for p in sorted(glob.glob(os.path.join(d, "compare-half*.jsonl"))):
  half = rows(os.path.basename(p))
  for r in half:
    print(f'| {os.path.basename(p)[8:-6]} {r["label"].split("/")[-1]} (W={r["W"]:g} s) | {side(r)} | {f(r.get("offeredMsgsPerSec"),1)} | {r["deliveriesPerSec"]:.0f} | {f(lat(r)["p50"])} | {f(lat(r)["p99"])} | {f(lat(r)["max"])} | {acc(r)} | {f(r.get("serverCpuPctOfOneCore"),1)} |')
  for s_ in ("target", "ngircd"):
    xs = [r for r in half if side(r) == s_]
    if xs: print(f'\nmedian {s_}: deliveries/s {st.median(r["deliveriesPerSec"] for r in xs):.0f}, p99 {st.median(lat(r)["p99"] for r in xs):.2f} ms, max {st.median(lat(r)["max"] for r in xs):.2f} ms')
  for t, n in zip([r for r in half if side(r) == "target"], [r for r in half if side(r) == "ngircd"]):
    print(f'ratio {t["label"].split("/")[-1]}: p99 {lat(t)["p99"]/lat(n)["p99"]:.2f}x')

print("\n### Connections\n")
print("| run | conns ok/tried (by door) | setup s | sent | expected | received | lost/dup/ooo | p50 ms | p99 ms | max ms | p99 by door | RSS base→setup MiB | RSS/conn KiB | server CPU % | B alloc / work items per delivery |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows("webchat.jsonl"):
    if r["chatload"] != "result": continue
    c = r["connections"]; s = r.get("server", {})
    bd = ", ".join(f'{k} {v}' for k, v in c.get("byDoor", {}).items())
    pd = ", ".join(f'{k} {v["p99"]}' for k, v in r.get("byDoor", {}).items())
    print(f'| {r["label"]} | {c["established"]}/{c["attempted"]} ({bd}) | {c["setupSeconds"]} | {r["sent"]} | {r["expected"]} | {r["received"]} | {acc(r)} | {f(lat(r)["p50"])} | {f(lat(r)["p99"])} | {f(lat(r)["max"])} | {pd} '
          f'| {s.get("rssBaselineKiB",0)/1024:.1f}→{s.get("rssAfterSetupKiB",0)/1024:.1f} | {s.get("rssPerConnectionKiB")} | {f(r.get("serverCpuPctOfOneCore"),1)} | {alloc(r)} |')
PY
