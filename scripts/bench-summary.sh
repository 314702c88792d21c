#!/usr/bin/env bash
# Prints the figures of one scripts/bench-measure.sh run (its OUT_DIR) as Markdown tables (as in tests/WebChat.Bench/results/HISTORY.md),
# and with --charts DIR also draws them as SVG files in DIR (docs/charts for the figures of docs/performance.md).
#   scripts/bench-summary.sh bench-results/20261124-090500
#   scripts/bench-summary.sh tests/WebChat.Bench/results/2026-11-24-b --charts docs/charts
# The charts, each written only when the run has its input (the file names are what bench-measure.sh writes):
#   findmax.svg                 every find-max step, deliveries/s against p99 (log-log), passing steps filled and failing
#                               ones hollow: WebChat's TCP door and ngIRCd (compare-findmax*.jsonl), the WebSocket door's
#                               variants beside them (webchat.jsonl, labels ws-*/findmax)
#   memory-per-connection.svg   server RSS per idle connection by door (webchat.jsonl, labels */idle*) with the goals,
#                               and ngIRCd's (an idle ngircd/ run if there is one, else the median of its fan-out rounds)
#   cpu-per-delivery.svg        microseconds of server CPU per delivery (CPU % of one core / 100 x 1e6 / deliveries/s)
#                               and p99, per round and median, WebChat and ngIRCd, at the fan-out's nominal rate
#                               (compare-fanout.jsonl) and at half of the max (compare-half*.jsonl)
#   redis.svg                   Redis CPU per call of each script (redis*.jsonl lines with "label" and "usecPerCall")
# The charts are plain SVG (title, description, text labels, markers and patterns besides colour) written by the
# Python standard library alone; the same input gives the same bytes, so a regenerated chart diffs cleanly.
# A chart is a function in CHARTS below that returns its SVG text or None.
set -euo pipefail
usage="usage: bench-summary.sh OUT_DIR [--charts DIR]"
dir=""; charts=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --charts) [[ $# -ge 2 ]] || { echo "--charts needs a folder. $usage" >&2; exit 2; }; charts="$2"; shift 2 ;;
    --charts=*) charts="${1#--charts=}"; shift ;;
    -h|--help) echo "$usage"; exit 0 ;;
    -*) echo "unknown option $1. $usage" >&2; exit 2 ;;
    *) [[ -z "$dir" ]] || { echo "one OUT_DIR only. $usage" >&2; exit 2; }; dir="$1"; shift ;;
  esac
done
[[ -n "$dir" ]] || { echo "$usage" >&2; exit 2; }
[[ -d "$dir" ]] || { echo "no such folder: $dir" >&2; exit 2; }
[[ -z "$charts" ]] || mkdir -p "$charts"
python3 - "$dir" "$charts" <<'PY'
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
for r in rows("compare-idle.jsonl") + rows("webchat.jsonl"):
    if r["chatload"] != "result": continue
    c = r["connections"]; s = r.get("server", {})
    bd = ", ".join(f'{k} {v}' for k, v in c.get("byDoor", {}).items())
    pd = ", ".join(f'{k} {v["p99"]}' for k, v in r.get("byDoor", {}).items())
    split = f' ({s["rssAnonPerConnectionKiB"]} anon, {s["rssFilePerConnectionKiB"]} file)' if "rssAnonPerConnectionKiB" in s else ""
    print(f'| {r["label"]} | {c["established"]}/{c["attempted"]} ({bd}) | {c["setupSeconds"]} | {r["sent"]} | {r["expected"]} | {r["received"]} | {acc(r)} | {f(lat(r)["p50"])} | {f(lat(r)["p99"])} | {f(lat(r)["max"])} | {pd} '
          f'| {s.get("rssBaselineKiB",0)/1024:.1f}→{s.get("rssAfterSetupKiB",0)/1024:.1f} | {s.get("rssPerConnectionKiB")}{split} | {f(r.get("serverCpuPctOfOneCore"),1)} | {alloc(r)} |')
# ---- charts (--charts DIR): hand-written SVG, deterministic (fixed number formats, input order, no dates) ----
out_dir = sys.argv[2] if len(sys.argv) > 2 else ""
import math, re
from xml.sax.saxutils import escape

def lines_of(pattern):
    """Every JSON line of the files matching pattern in OUT_DIR, with the file's stem, in name order."""
    found = []
    for p in sorted(glob.glob(os.path.join(d, pattern))):
        for l in open(p, encoding="utf-8"):
            l = l.strip()
            if l.startswith("{"):
                try: found.append((os.path.basename(p)[:-6], json.loads(l)))
                except ValueError: pass
    return found

def num(x, n=1):
    """A coordinate or value with n decimals, trailing zeros dropped: 12.0 -> 12, 3.50 -> 3.5."""
    s = f"{x:.{n}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s

def big(x):
    """Deliveries/s for a label: 9,950  940k  3.17M."""
    if x >= 1e6: return f"{x/1e6:.2f}M"
    if x >= 1e4: return f"{x/1e3:.0f}k"
    return f"{x:,.0f}"

def tick(x):
    """An axis tick on a log scale: 1, 10, 100, 1k, 10k, 1M; 0.5, 2, 5 ..."""
    if x >= 1e6: return num(x / 1e6, 1) + "M"
    if x >= 1e3: return num(x / 1e3, 1) + "k"
    return num(x, 2)

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]   # Okabe-Ito: tells apart for colour-blind readers
MARKERS = ["circle", "square", "triangle", "diamond", "down", "cross"]   # 6, against 7 colours and dashes: no two styles alike
DASHES = ["", "7 4", "2 3", "9 3 2 3", "4 2", "12 3", "1 4"]

class Svg:
    def __init__(self, name, w, h, title, desc):
        self.name, self.w, self.h, self.title, self.desc, self.body = name, w, h, title, desc, []
    def add(self, s): self.body.append(s)
    def text(self, x, y, s, size=12, anchor="start", weight=None, rotate=False, fill="#222"):
        attrs = f' text-anchor="{anchor}"' if anchor != "start" else ""
        attrs += f' font-weight="{weight}"' if weight else ""
        attrs += f' font-size="{size}"' if size != 12 else ""
        attrs += f' fill="{fill}"' if fill != "#222" else ""
        attrs += f' transform="rotate(-90 {num(x)} {num(y)})"' if rotate else ""
        self.add(f'<text x="{num(x)}" y="{num(y)}"{attrs}>{escape(str(s))}</text>')
    def line(self, x1, y1, x2, y2, stroke="#222", width=1, dash=""):
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}" stroke="{stroke}" stroke-width="{num(width)}"{d}/>')
    def rect(self, x, y, w, h, fill, stroke="none"):
        s = f' stroke="{stroke}"' if stroke != "none" else ""
        self.add(f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" fill="{fill}"{s}/>')
    def marker(self, kind, x, y, color, filled=True, r=4.5):
        fill = color if filled else "#fff"
        a = f'fill="{fill}" stroke="{color}" stroke-width="1.6"'
        if kind == "circle": self.add(f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" {a}/>')
        elif kind == "square": self.add(f'<rect x="{num(x-r)}" y="{num(y-r)}" width="{num(2*r)}" height="{num(2*r)}" {a}/>')
        elif kind == "cross": self.add(f'<path d="M{num(x-r)} {num(y-r)}L{num(x+r)} {num(y+r)}M{num(x-r)} {num(y+r)}L{num(x+r)} {num(y-r)}" stroke="{color}" stroke-width="{2.4 if filled else 1.2}" fill="none"/>')
        else:
            k = 1.25 * r
            pts = {"triangle": [(0, -k), (k, k * .8), (-k, k * .8)], "down": [(0, k), (k, -k * .8), (-k, -k * .8)],
                   "diamond": [(0, -k), (k, 0), (0, k), (-k, 0)]}[kind]
            self.add(f'<polygon points="{" ".join(f"{num(x+dx)},{num(y+dy)}" for dx, dy in pts)}" {a}/>')
    def render(self):
        i = self.name
        head = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.w} {self.h}" width="{self.w}" height="{self.h}" '
                f'role="img" aria-labelledby="{i}-title {i}-desc" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="12">\n'
                f'<title id="{i}-title">{escape(self.title)}</title>\n<desc id="{i}-desc">{escape(self.desc)}</desc>\n'
                f'<defs><pattern id="{i}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
                f'<rect width="6" height="6" fill="#fff"/><rect width="3" height="6" fill="{PALETTE[1]}"/></pattern></defs>\n'
                f'<rect width="100%" height="100%" fill="#fff"/>\n')
        return head + "\n".join(self.body) + "\n</svg>\n"

class Axis:
    """A linear or log10 scale from data values to pixels."""
    def __init__(self, lo, hi, p0, p1, log=False):
        self.lo, self.hi, self.p0, self.p1, self.log = lo, hi, p0, p1, log
    def __call__(self, v):
        f = (lambda x: math.log10(max(x, 1e-12))) if self.log else (lambda x: x)
        return self.p0 + (f(v) - f(self.lo)) / (f(self.hi) - f(self.lo)) * (self.p1 - self.p0)
    def ticks(self):
        if self.log:
            out, e = [], math.floor(math.log10(self.lo))
            while 10 ** e <= self.hi * 1.0001:
                for m in (1, 2, 5):
                    v = m * 10 ** e
                    if self.lo * 0.9999 <= v <= self.hi * 1.0001: out.append((v, m == 1))
                e += 1
            return out
        step = nice_step(self.hi - self.lo)
        return [(i * step, True) for i in range(int(self.lo // step), int(self.hi / step + 1e-9) + 1)]

def nice_step(span, n=5):
    raw = span / n
    e = 10 ** math.floor(math.log10(raw))
    return next(m * e for m in (1, 2, 2.5, 5, 10) if m * e >= raw)

def log_bounds(values):
    return 10 ** math.floor(math.log10(min(values))), 10 ** math.ceil(math.log10(max(values)))

def frame(svg, x, y, w, h, ax_x, ax_y, x_title, y_title, panel_title):
    """Plot area with grid, tick labels, axis titles (with units) and the panel's title."""
    svg.text(x, y - 12, panel_title, size=13, weight="bold")
    for v, major in ax_x.ticks():
        px = ax_x(v); svg.line(px, y, px, y + h, "#ddd" if major else "#f0f0f0")
        if major or ax_x.log and (ax_x.hi / ax_x.lo) <= 1e3: svg.text(px, y + h + 15, tick(v), size=11, anchor="middle")
    for v, major in ax_y.ticks():
        py = ax_y(v); svg.line(x, py, x + w, py, "#ddd" if major else "#f0f0f0")
        svg.text(x - 6, py + 4, tick(v), size=11, anchor="end")
    svg.add(f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" fill="none" stroke="#444"/>')
    svg.text(x + w / 2, y + h + 34, x_title, anchor="middle")
    svg.text(x - 44, y + h / 2, y_title, anchor="middle", rotate=True)

# ---- (1) find-max steps ----
FINDMAX_NAMES = {"target": "WebChat TCP door", "ngircd": "ngIRCd (C IRC server)",
                 "ws-json": "WebSocket JSON, official client", "ws-msgpack": "WebSocket MessagePack, official client",
                 "ws-lite-json": "WebSocket JSON, lean client", "ws-lite-msgpack": "WebSocket MessagePack, lean client"}

def findmax_series():
    """One series per find-max run: its steps in order (retries included), from its find-max line or, if the run
    was cut short, from its step lines."""
    runs, stems = {}, {}
    for stem, r in lines_of("compare-findmax*.jsonl") + lines_of("webchat.jsonl"):
        if r.get("chatload") not in ("find-max", "step") or "/findmax" not in r.get("label", ""): continue
        key = (stem, r["label"])
        run = runs.setdefault(key, {"label": r["label"], "stem": stem, "steps": [], "done": None})
        if r["chatload"] == "step": run["steps"].append(r)
        else: run["done"] = r
    out = []
    for (stem, label), run in runs.items():
        steps = run["done"]["steps"] if run["done"] else run["steps"]
        steps = [s for s in steps if s.get("deliveriesPerSec") and (s.get("latencyMs") or {}).get("p99")]
        if not steps: continue
        side_ = label.split("/")[0]
        name = FINDMAX_NAMES.get(side_, side_)
        if stem not in ("compare-findmax", "webchat"): name += f" ({stem.replace('compare-', '')})"
        out.append({"side": side_, "name": name, "steps": steps, "done": run["done"]})
    return out

def style(i):
    """Colour, marker and dash of series i: the first 7 all different; later ones take the colours from the end."""
    return PALETTE[i if i < len(PALETTE) else (2 * len(PALETTE) - 2 - i) % len(PALETTE)], MARKERS[i % len(MARKERS)], DASHES[i % len(DASHES)]

def chart_findmax():
    series = findmax_series()
    if not series: return None
    order = list(FINDMAX_NAMES)
    styles, extra = {}, len(order)
    for s in series:   # each side keeps its own style; a second run of a side (compare-findmax2.jsonl) or an unknown one gets a new one
        k = order.index(s["side"]) if s["side"] in order and style(order.index(s["side"])) not in styles.values() else None
        if k is None: k, extra = extra, extra + 1
        styles[s["name"]] = style(k)
    tcp = [s for s in series if s["side"] == "target"]
    panels = [("TCP door and ngIRCd", [s for s in series if not s["side"].startswith("ws")])]
    ws = [s for s in series if s["side"].startswith("ws")]
    if ws: panels.append(("WebSocket door (hub), TCP door for reference", tcp[:1] + ws))
    panels = [p for p in panels if p[1]]
    bound = next((s["done"]["p99BoundMs"] for s in series if s["done"] and s["done"].get("p99BoundMs")), None)
    xs = [st_["deliveriesPerSec"] for s in series for st_ in s["steps"]]
    ys = [st_["latencyMs"]["p99"] for s in series for st_ in s["steps"]] + ([bound] if bound else [])
    ax_lo, ax_hi = log_bounds(xs); ay_lo, ay_hi = log_bounds(ys)
    pw, ph, left, top = 400, 300, 70, 60
    legend_rows = max(len(p[1]) for p in panels)
    w = left + len(panels) * (pw + 90) - 20; h = top + ph + 60 + legend_rows * 18 + 40
    def summary(s):
        dn = s["done"]
        if not dn: return f'{s["name"]}: {len(s["steps"])} steps, run cut short'
        return f'{s["name"]}: max sustained {dn["maxSustainedDeliveriesPerSec"]:,.0f} deliveries/s at p99 {f(dn.get("atP99Ms"))} ms'
    desc = ("Each point is one find-max step (8 s at a fixed offered load, fan-out: 1 group of 200 members, senders added "
            "by x1.5 each step): deliveries per second achieved against the 99th-percentile delivery latency, both on log scales. "
            "Filled markers passed the step (p99 within the bound, nothing lost); hollow ones failed it. "
            + (f"The dashed horizontal line is the {bound:g} ms p99 bound. " if bound else "") + "; ".join(summary(s) for s in series) + ".")
    svg = Svg("findmax", w, h, "Find-max steps: deliveries per second against p99 latency, WebChat and ngIRCd", desc)
    svg.text(left - 50, 24, "Find-max: deliveries/s against p99 latency at each step (fan-out to 200 members)", size=15, weight="bold")
    for pi, (ptitle, ss) in enumerate(panels):
        x0 = left + pi * (pw + 90)
        ax, ay = Axis(ax_lo, ax_hi, x0, x0 + pw, log=True), Axis(ay_lo, ay_hi, top + ph, top, log=True)
        frame(svg, x0, top, pw, ph, ax, ay, "deliveries/s achieved (log scale)", "p99 latency, ms (log scale)", ptitle)
        if bound:
            svg.line(x0, ay(bound), x0 + pw, ay(bound), "#555", 1.2, "5 4")
            svg.text(x0 + 4, ay(bound) - 4, f"p99 bound {bound:g} ms", size=10, fill="#444")
        for s in ss:
            color, mk, dash = styles[s["name"]]
            pts = [(ax(p["deliveriesPerSec"]), ay(p["latencyMs"]["p99"]), p.get("pass", True)) for p in s["steps"]]
            da = f' stroke-dasharray="{dash}"' if dash else ""
            svg.add(f'<polyline points="{" ".join(f"{num(x)},{num(y)}" for x, y, _ in pts)}" fill="none" stroke="{color}" stroke-width="1.5"{da}/>')
            for x, y, ok in pts: svg.marker(mk, x, y, color, filled=ok)
        ly = top + ph + 58
        for s in ss:
            color, mk, dash = styles[s["name"]]
            svg.line(x0, ly - 4, x0 + 28, ly - 4, color, 1.5, dash); svg.marker(mk, x0 + 14, ly - 4, color)
            dn = s["done"]
            svg.text(x0 + 36, ly, s["name"] + (f' — max {big(dn["maxSustainedDeliveriesPerSec"])}/s' if dn else " — cut short"), size=11)
            ly += 18
    svg.text(left - 50, h - 14, "Filled marker: step passed. Hollow marker: step failed (p99 over the bound, or deliveries lost). "
             "A failed step is retried once.", size=11, fill="#444")
    return svg

# ---- horizontal bars with goal marks (memory per connection, Redis CPU per call) ----
def hbars(name, title, desc, heading, rows, axis_title, unit, note=""):
    """rows: (label, value, goal or None, hatched). One bar per row, its value at its end, its goal a dashed mark."""
    lw, bw, rh, top = 360, 420, 46, 56
    w, h = lw + bw + 90, top + len(rows) * rh + 70 + (18 if note else 0)
    hi = max([v for _, v, _, _ in rows] + [g for _, _, g, _ in rows if g]) * 1.12
    ax = Axis(0, hi, lw, lw + bw)
    svg = Svg(name, w, h, title, desc)
    svg.text(16, 26, heading, size=15, weight="bold")
    bottom = top + len(rows) * rh
    for v, _ in ax.ticks():
        if v <= hi: svg.line(ax(v), top - 4, ax(v), bottom, "#e4e4e4"); svg.text(ax(v), bottom + 15, num(v, 1), size=11, anchor="middle")
    for i, (label, v, goal, hatched) in enumerate(rows):
        y = top + i * rh
        svg.text(lw - 8, y + rh / 2 + 9, label, anchor="end")
        svg.rect(lw, y + 16, ax(v) - lw, rh - 20, f"url(#{name}-hatch)" if hatched else PALETTE[0], PALETTE[1] if hatched else "none")
        lx = ax(goal) + 4 if goal and v <= goal and ax(goal) - ax(v) < 70 else ax(v) + 5   # clear of the goal mark
        svg.text(lx, y + rh / 2 + 9, f"{v:.1f} {unit}", weight="bold")
        if goal:
            svg.line(ax(goal), y + 4, ax(goal), y + rh, "#000", 2, "4 2")
            svg.text(ax(goal) + 4, y + 12, f"goal ≤ {goal:g} {unit}", size=10, fill="#000")
    svg.line(lw, top - 4, lw, bottom, "#444")
    svg.text(lw + bw / 2, bottom + 34, axis_title, anchor="middle")
    if note: svg.text(16, h - 12, note, size=11, fill="#444")
    return svg

def door_of(r):
    doors = list((r.get("connections") or {}).get("byDoor") or {})
    return doors[0] if len(doors) == 1 else "mixed"

def chart_memory():
    rows = []
    for _, r in lines_of("webchat.jsonl") + lines_of("compare-idle*.jsonl"):
        if r.get("chatload") != "result" or "idle" not in r.get("label", ""): continue
        per = (r.get("server") or {}).get("rssPerConnectionKiB")
        if per is None: continue
        n = (r.get("connections") or {}).get("established", 0)
        door, ngircd = door_of(r), r["label"].startswith("ngircd/")
        if ngircd: rows.append((f"ngIRCd, {n:,} idle", per, None, True)); continue
        if door == "tcp": rows.append((f"WebChat TCP door, {n:,} idle", per, 8, False))
        elif door == "ws":
            proto = {"json": "JSON", "messagepack": "MessagePack"}.get(r.get("protocol") or "json", r.get("protocol"))
            rows.append((f"WebChat WebSocket door ({proto}), {n:,} idle", per, 20, False))
        else: rows.append((f"WebChat {door}, {n:,} idle", per, None, False))
    if not any(not hatched for *_, hatched in rows): return None
    note = ""
    if not any(hatched for *_, hatched in rows):
        ng = [r["server"]["rssPerConnectionKiB"] for _, r in lines_of("compare-fanout.jsonl")
              if r.get("chatload") == "result" and r["label"].startswith("ngircd/") and (r.get("server") or {}).get("rssPerConnectionKiB") is not None]
        if ng:
            rows.append((f"ngIRCd, 200 members (median of {len(ng)} fan-out rounds)", st.median(ng), None, True))
            note = "ngIRCd's figure: RSS after setting up the fan-out run's 200 members, less RSS before, per member (no idle run of ngIRCd here)."
    desc = ("Server resident memory (RSS) added per connection, measured as RSS after the connections joined their groups "
            "less RSS before, divided by the connections. Dashed marks: the goals, 8 KiB per idle TCP member and 20 KiB per idle "
            "WebSocket member. " + "; ".join(f"{l}: {v:.1f} KiB" for l, v, _, _ in rows) + ".")
    return hbars("memory", "Server memory per idle connection, by door, with the goals", desc,
                 "Server RSS per idle connection (KiB), by door", rows, "KiB of server RSS per connection", "KiB", note)

def chart_redis():
    rows = []
    for stem, r in lines_of("redis*.jsonl"):
        v = r.get("usecPerCall", r.get("usec_per_call"))
        if isinstance(v, (int, float)) and r.get("label"): rows.append((str(r["label"]), float(v), r.get("goalUsec", 10), False))
    if not rows: return None
    desc = ("Redis's own CPU time per call of each script (INFO commandstats, usec_per_call), the goal 10 µs per accepted message. "
            + "; ".join(f"{l}: {v:.1f} µs" for l, v, _, _ in rows) + ".")
    return hbars("redis", "Redis CPU per call of the message script", desc, "Redis CPU per call (µs, INFO commandstats)",
                 rows, "µs of Redis CPU per call", "µs")

# ---- (3) server CPU per delivery and p99, WebChat and ngIRCd, per round ----
def cpu_us(r):
    c, d_ = r.get("serverCpuPctOfOneCore"), r.get("deliveriesPerSec")
    return c / 100 * 1e6 / d_ if c is not None and d_ else None

def grouped_bars(svg, x0, y0, w, h, groups, value_title, unit, digits, panel_title):
    """groups: (label, webchat value, ngircd value); WebChat solid, ngIRCd hatched, each bar labelled with its value."""
    vals = [v for _, a, b in groups for v in (a, b) if v is not None]
    hi = max(vals) * 1.18 if vals else 1
    ay = Axis(0, hi, y0 + h, y0)
    svg.text(x0, y0 - 10, panel_title, size=13, weight="bold")
    for v, _ in ay.ticks():
        if v <= hi: svg.line(x0, ay(v), x0 + w, ay(v), "#e4e4e4"); svg.text(x0 - 6, ay(v) + 4, num(v, 2), size=11, anchor="end")
    gw = w / len(groups); bw = min(34, gw * 0.36)
    for gi, (label, a, b) in enumerate(groups):
        cx = x0 + gi * gw + gw / 2
        for k, v in enumerate((a, b)):
            if v is None: continue
            bx = cx - bw - 2 + k * (bw + 4)
            svg.rect(bx, ay(v), bw, ay(0) - ay(v), f"url(#{svg.name}-hatch)" if k else PALETTE[0], PALETTE[1] if k else "none")
            svg.text(bx + bw / 2, ay(v) - 4, f"{v:.{digits}f}", size=10, anchor="middle")
        for li, part in enumerate(label.split("\n")):
            svg.text(cx, y0 + h + 15 + 13 * li, part, size=11, anchor="middle", weight="bold" if label == "median" else None)
    svg.line(x0, y0 + h, x0 + w, y0 + h, "#444"); svg.line(x0, y0, x0, y0 + h, "#444")
    svg.text(x0 - 44, y0 + h / 2, f"{value_title}, {unit}", anchor="middle", rotate=True)

def rounds(stem_pattern):
    """(group label, WebChat result, ngIRCd result) per round of bench-compare.sh files, in file and round order."""
    files = {}
    for stem, r in lines_of(stem_pattern):
        if r.get("chatload") != "result": continue
        files.setdefault(stem, {}).setdefault(r["label"].split("/")[-1], {})[side(r)] = r
    out = []
    for stem, runs in files.items():
        prefix = "" if len(files) == 1 else stem.replace("compare-", "") + "\n"
        for run, sides in runs.items():
            if "target" in sides and "ngircd" in sides: out.append((prefix + run, sides["target"], sides["ngircd"]))
    return out

def chart_cpu():
    workloads = []
    for pattern, what in (("compare-fanout.jsonl", "fan-out at its nominal rate"), ("compare-half*.jsonl", "at half of WebChat's max sustained rate")):
        rs = rounds(pattern)
        if not rs: continue
        t0 = rs[0][1]
        shape = f'{t0["deliveriesPerSec"]:,.0f} deliveries/s: S={t0["S"]} x r={t0["r"]:g}, {t0["G"]} group of {t0["M"]}'
        cpu = [(g, cpu_us(t), cpu_us(n)) for g, t, n in rs]
        p99 = [(g, lat(t).get("p99"), lat(n).get("p99")) for g, t, n in rs]
        med = lambda xs: st.median(xs) if xs else None
        cpu.append(("median", med([a for _, a, _ in cpu if a is not None]), med([b for _, _, b in cpu if b is not None])))
        p99.append(("median", med([a for _, a, _ in p99 if a is not None]), med([b for _, _, b in p99 if b is not None])))
        workloads.append((what, shape, cpu, p99))
    if not workloads: return None
    pw, ph, left, top, rowh = 400, 220, 80, 100, 330
    w, h = left + 2 * (pw + 90) - 30, top + len(workloads) * rowh - 30
    def ratio(a, b): return f"{a / b:.2f}x" if a is not None and b else "-"
    desc = ("Server CPU time per delivery in microseconds (the server's CPU percent of one core / 100 x 1,000,000 / deliveries "
            "per second) and the p99 delivery latency, WebChat's TCP door (solid bars) against ngIRCd (hatched bars), both pinned "
            "to one core, per round of the same workload and the median of rounds. "
            + " ".join(f'{what} ({shape}): median CPU per delivery {num(cpu[-1][1] or 0, 2)} µs against {num(cpu[-1][2] or 0, 2)} µs '
                       f'({ratio(cpu[-1][1], cpu[-1][2])}), median p99 {num(p99[-1][1] or 0, 2)} ms against {num(p99[-1][2] or 0, 2)} ms '
                       f'({ratio(p99[-1][1], p99[-1][2])}).' for what, shape, cpu, p99 in workloads))
    svg = Svg("cpu", w, h, "Server CPU per delivery and p99 latency, WebChat against ngIRCd", desc)
    svg.text(16, 24, "Server CPU per delivery and p99: WebChat TCP door against ngIRCd, same workload, both on one core", size=15, weight="bold")
    svg.rect(16, 36, 22, 12, PALETTE[0]); svg.text(44, 46, "WebChat TCP door (solid)", size=11)
    svg.rect(210, 36, 22, 12, "url(#cpu-hatch)", PALETTE[1]); svg.text(238, 46, "ngIRCd (hatched)", size=11)
    svg.text(380, 46, "Lower is better. Ratios: WebChat / ngIRCd.", size=11, fill="#444")
    for wi, (what, shape, cpu, p99) in enumerate(workloads):
        y0 = top + wi * rowh + 20
        svg.text(16, y0 - 34, f"{what[0].upper() + what[1:]}: {shape}", size=13, weight="bold")
        grouped_bars(svg, left, y0, pw, ph, cpu, "server CPU per delivery", "µs", 2,
                     f"Server CPU per delivery (ratio of medians {ratio(cpu[-1][1], cpu[-1][2])})")
        grouped_bars(svg, left + pw + 90, y0, pw, ph, p99, "p99 latency", "ms", 2, f"p99 latency (ratio of medians {ratio(p99[-1][1], p99[-1][2])})")
    return svg

CHARTS = [("findmax.svg", chart_findmax), ("memory-per-connection.svg", chart_memory),
          ("cpu-per-delivery.svg", chart_cpu), ("redis.svg", chart_redis)]
if out_dir:
    for file, draw in CHARTS:
        svg = draw()
        if svg is None: print(f"chart {file}: no input in {d}, skipped", file=sys.stderr); continue
        with open(os.path.join(out_dir, file), "w", encoding="utf-8", newline="\n") as fh: fh.write(svg.render())
        print(f"chart {os.path.join(out_dir, file)}", file=sys.stderr)
PY
