#!/usr/bin/env python3
"""Writes src/WebChat/Groups/Unicode/UnicodeTables.txt, the Unicode data behind the display-name rules
(src/WebChat/Groups/Rules.cs and UnicodeText.cs), from the files of the Unicode Character Database.

The app runs with InvariantGlobalization, where string.Normalize does nothing, and .NET exposes neither
scripts nor Default_Ignorable_Code_Point; so the app carries this table, derived from the UCD and nothing else.

Source: Debian's package unicode-data (apt-get install unicode-data), files under /usr/share/unicode/:
  UnicodeData.txt                 decompositions (canonical and compatibility), canonical combining classes
  DerivedNormalizationProps.txt   Full_Composition_Exclusion, NFKC_Quick_Check
  CaseFolding.txt                 full case folding (status C and F)
  Scripts.txt                     Script
  DerivedCoreProperties.txt       Default_Ignorable_Code_Point

Usage: scripts/unicode/generate-tables.py [UCD_DIR] [OUTPUT]
The table's first line names the Unicode version; tests check the implementation against the same
version's NormalizationTest.txt.
"""
import re
import sys

ucd = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode"
out_path = sys.argv[2] if len(sys.argv) > 2 else "src/WebChat/Groups/Unicode/UnicodeTables.txt"


def lines(name):
    with open(f"{ucd}/{name}", encoding="utf-8") as f:
        for line in f:
            data = line.split("#", 1)[0].strip()
            if data:
                yield [field.strip() for field in data.split(";")]


def span(text):
    a, _, b = text.partition("..")
    return int(a, 16), int(b or a, 16)


def version(name):
    with open(f"{ucd}/{name}", encoding="utf-8") as f:
        m = re.match(r"# \S+-(\d+\.\d+\.\d+)\.txt", f.readline())
    return m.group(1)


versions = {version(n) for n in ["DerivedNormalizationProps.txt", "CaseFolding.txt", "Scripts.txt", "DerivedCoreProperties.txt"]}
assert len(versions) == 1, versions
ucd_version = versions.pop()

# UnicodeData.txt: canonical combining class and one-level decompositions. Ranges (First>/Last>) have neither.
ccc, decomposition, canonical = {}, {}, {}
for f in lines("UnicodeData.txt"):
    cp = int(f[0], 16)
    if int(f[3]):
        ccc[cp] = int(f[3])
    if f[5]:
        parts = f[5].split()
        is_compat = parts[0].startswith("<")
        seq = [int(p, 16) for p in (parts[1:] if is_compat else parts)]
        decomposition[cp] = seq
        if not is_compat:
            canonical[cp] = seq


def full(cp):
    """The full compatibility decomposition (NFKD) of one code point, Hangul syllables aside."""
    if cp not in decomposition:
        return [cp]
    return [d for part in decomposition[cp] for d in full(part)]


def reorder(seq):
    # Canonical ordering: a stable sort of each run of non-starters by combining class.
    out, i = list(seq), 0
    while i < len(out):
        if ccc.get(out[i], 0) == 0:
            i += 1
            continue
        j = i
        while j < len(out) and ccc.get(out[j], 0) != 0:
            j += 1
        out[i:j] = sorted(out[i:j], key=lambda c: ccc.get(c, 0))
        i = j
    return out


nfkd = {cp: reorder(full(cp)) for cp in decomposition}

exclusions = set()
for f in lines("DerivedNormalizationProps.txt"):
    if f[1] == "Full_Composition_Exclusion":
        a, b = span(f[0])
        exclusions.update(range(a, b + 1))
# NFKC_Quick_Check No or Maybe, merged: text without these (and in canonical order) is already NFKC.
not_quick = []
for a, b in sorted(span(f[0]) for f in lines("DerivedNormalizationProps.txt") if f[1] == "NFKC_QC"):
    if not_quick and not_quick[-1][1] + 1 == a:
        not_quick[-1] = (not_quick[-1][0], b)
    else:
        not_quick.append((a, b))
compose = sorted((seq[0], seq[1], cp) for cp, seq in canonical.items() if len(seq) == 2 and cp not in exclusions)

fold = {}
for f in lines("CaseFolding.txt"):
    if f[1] in ("C", "F"):
        fold[int(f[0], 16)] = [int(p, 16) for p in f[2].split()]

# Scripts.txt: every range, merged when neighbours share a script; a code point in none is Unknown.
scripts = sorted((*span(f[0]), f[1]) for f in lines("Scripts.txt"))
merged = []
for a, b, s in scripts:
    if merged and merged[-1][2] == s and merged[-1][1] + 1 == a:
        merged[-1] = (merged[-1][0], b, s)
    else:
        merged.append((a, b, s))

ignorable = [span(f[0]) for f in lines("DerivedCoreProperties.txt") if f[1] == "Default_Ignorable_Code_Point"]

with open("/usr/share/doc/unicode-data/copyright" if ucd == "/usr/share/unicode" else f"{ucd}/LICENSE", encoding="utf-8") as f:
    licence = f.read()
start = licence.find("UNICODE, INC. LICENSE AGREEMENT")
licence = licence[start:] if start >= 0 else licence

hexs = lambda seq: " ".join(f"{c:04X}" for c in seq)
rng = lambda a, b: f"{a:04X}" if a == b else f"{a:04X}..{b:04X}"

with open(out_path, "w", encoding="utf-8", newline="\n") as out:
    out.write(f"# Unicode {ucd_version}\n")
    out.write("# Derived (modified) from the Unicode Character Database by scripts/unicode/generate-tables.py; do not edit.\n")
    out.write("# Sections: @ccc (range class), @decompose (code point, full compatibility decomposition, canonically ordered),\n")
    out.write("# @compose (first second composite: primary composites), @fold (full case folding), @script (range script),\n")
    out.write("# @ignorable (Default_Ignorable_Code_Point ranges), @nfkcqc (ranges whose NFKC_Quick_Check is No or Maybe).\n")
    out.write("# Hexadecimal code points.\n#\n")
    for line in licence.rstrip().splitlines():
        out.write(("# " + line.rstrip()).rstrip() + "\n")
    out.write("@ccc\n")
    runs = []
    for cp in sorted(ccc):
        if runs and runs[-1][1] + 1 == cp and runs[-1][2] == ccc[cp]:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp, ccc[cp]])
    for a, b, c in runs:
        out.write(f"{rng(a, b)} {c}\n")
    out.write("@decompose\n")
    for cp in sorted(nfkd):
        out.write(f"{cp:04X} {hexs(nfkd[cp])}\n")
    out.write("@compose\n")
    for a, b, c in compose:
        out.write(f"{a:04X} {b:04X} {c:04X}\n")
    out.write("@fold\n")
    for cp in sorted(fold):
        out.write(f"{cp:04X} {hexs(fold[cp])}\n")
    out.write("@script\n")
    for a, b, s in merged:
        out.write(f"{rng(a, b)} {s}\n")
    out.write("@ignorable\n")
    for a, b in ignorable:
        out.write(f"{rng(a, b)}\n")
    out.write("@nfkcqc\n")
    for a, b in not_quick:
        out.write(f"{rng(a, b)}\n")
print(f"wrote {out_path}: Unicode {ucd_version}, {len(runs)} ccc runs, {len(nfkd)} decompositions, "
      f"{len(compose)} compositions, {len(fold)} foldings, {len(merged)} script ranges, {len(ignorable)} ignorable ranges, {len(not_quick)} quick-check ranges")
