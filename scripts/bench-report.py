#!/usr/bin/env python3
"""Turns criterion's saved estimates into the Markdown tables of
BENCHMARKS.md.

    cargo bench -p vigie-normalize --bench normalize
    scripts/bench-report.py            # reads $CARGO_TARGET_DIR/criterion (or target/criterion)

For each benchmark of the `normalize_bytes` / `normalize_events` /
`baseline_bytes` groups: mean time per iteration (with criterion's 95%
confidence interval) turned into MB/s (10^6 bytes) and events/s.
"""
import json
import os
import sys
from pathlib import Path


def load(root):
    out = {}
    for bench in root.glob("*/*/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        out[meta["full_id"]] = (meta, est)
    for bench in root.glob("*/*/*/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        out[meta["full_id"]] = (meta, est)
    return out


def rate(per_iter, ns):
    return per_iter / (ns / 1e9)


def main():
    target = os.environ.get("CARGO_TARGET_DIR") or str(Path(__file__).resolve().parent.parent / "target")
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(target) / "criterion"
    data = load(root)
    if not data:
        sys.exit(f"no criterion results under {root}")
    names = sorted({k.split("/", 1)[1] for k in data if k.startswith("normalize_bytes/")})
    print("| benchmark | MB/s (95% CI) | events/s (95% CI) | bytes/iter | events/iter |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for n in names:
        mb = data.get(f"normalize_bytes/{n}")
        ev = data.get(f"normalize_events/{n}")
        cells = []
        nbytes = nevents = None
        for entry in (mb, ev):
            if entry is None:
                cells.append("-")
                continue
            meta, est = entry
            kind, per_iter = next(iter(meta["throughput"].items()))
            if kind.startswith("Bytes"):
                nbytes = per_iter
                scale, unit = 1e6, ""
            else:
                nevents = per_iter
                scale, unit = 1e3, "k"
            m = est["mean"]
            lo, hi = m["confidence_interval"]["lower_bound"], m["confidence_interval"]["upper_bound"]
            cells.append(
                f"{rate(per_iter, m['point_estimate']) / scale:.0f}{unit} ({rate(per_iter, hi) / scale:.0f}-{rate(per_iter, lo) / scale:.0f})"
            )
        print(f"| {n} | {cells[0]} | {cells[1]} | {nbytes or '-'} | {nevents or '-'} |")
    base = sorted(k for k in data if k.startswith("baseline_bytes/"))
    if base:
        print()
        print("| baseline | MB/s (95% CI) |")
        print("| --- | ---: |")
        for k in base:
            meta, est = data[k]
            per_iter = next(iter(meta["throughput"].values()))
            m = est["mean"]
            lo, hi = m["confidence_interval"]["lower_bound"], m["confidence_interval"]["upper_bound"]
            print(f"| {k.split('/', 1)[1]} | {rate(per_iter, m['point_estimate']) / 1e6:.0f} ({rate(per_iter, hi) / 1e6:.0f}-{rate(per_iter, lo) / 1e6:.0f}) |")


if __name__ == "__main__":
    main()
