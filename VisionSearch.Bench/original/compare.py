#!/usr/bin/python3
"""Ratio table from load.sh output (load_*.jsonl), grouped by label and connections.

  /usr/bin/python3 compare.py out/load_A.jsonl out/load_B.jsonl [--ref LABEL] [--library bare.jsonl]

A row's label is load.sh's LABEL (default: its TARGET). Every number is the median over the rows of that label and
connection count; "x ref" divides by the reference label's median at the same connection
count (req/s: higher is better; latency: lower is better). With --library (VisionSearch.Bench's JSON lines, one
per ef and run, searched with --search-threads), "x lib" divides req/s by the bare library's median QPS at the
load's ef: what the HTTP path delivers of what the same cores search without it. Compare only rows measured in the
same run on the same machine.
"""
import argparse
import json
import statistics as st
from collections import defaultdict


def fmt(x, nd=1):
    return "–" if x is None else f"{x:,.{nd}f}"


def ratio(x, ref):
    return "–" if x is None or not ref else f"{x / ref:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--ref", help="reference label (default: the first label read)")
    ap.add_argument("--library", help="VisionSearch.Bench JSON lines: the bare library's QPS for the x lib column")
    a = ap.parse_args()
    g = defaultdict(list)
    order = []
    for p in a.files:
        with open(p) as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                if r.get("endpoint", "POST /search") != "POST /search":
                    continue
                lab = r["label"]
                if lab not in order:
                    order.append(lab)
                g[(lab, r["connections"])].append(r)
    if not g:
        print("no POST /search rows")
        return
    ref = a.ref or order[0]
    if ref not in order:
        raise SystemExit(f"--ref {ref!r} not among labels {order}")
    med = {}
    for key, rs in g.items():
        rec = [r.get("recall10") for r in rs]
        rec = [x for x in rec if x is not None]
        hwm = [r.get("vmhwm_mb") for r in rs]
        hwm = [x for x in hwm if x is not None]
        med[key] = {"rps": st.median(r["rps"] for r in rs), "p50": st.median(r["p50_ms"] for r in rs),
                    "p99": st.median(r["p99_ms"] for r in rs), "recall": st.median(rec) if rec else None,
                    "hwm": st.median(hwm) if hwm else None, "n": len(rs),
                    "err": sum(r.get("error_total", 0) + r.get("non2xx", 0) for r in rs)}
    lib = None
    if a.library:
        efs = {r["ef"] for rs in g.values() for r in rs}
        with open(a.library) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        qps = [r["qps"] for r in rows if r["ef"] in efs]
        if not qps:
            raise SystemExit(f"--library {a.library}: no row at the load's ef {sorted(efs)}")
        lib = st.median(qps)
        threads = sorted({r.get("search_threads", 1) for r in rows})
        print(f"Bare library: **{lib:,.0f}** queries/s (VisionSearch.Hnsw, {'/'.join(map(str, threads))} search thread(s), "
              f"ef {'/'.join(map(str, sorted(efs)))}, median of {len(qps)}); x lib = req/s / that.\n")
    print(f"Reference: **{ref}**; x ref = value / reference value at the same connection count.\n")
    print("| conns | label | req/s | x ref | x lib | p50 ms | x ref | p99 ms | x ref | recall@10 | peak RSS MiB | errors | rows |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for c in sorted({k[1] for k in g}):
        r0 = med.get((ref, c))
        for lab in order:
            m = med.get((lab, c))
            if not m:
                continue
            print(f"| {c} | {lab} | {fmt(m['rps'])} | {ratio(m['rps'], r0 and r0['rps'])} | {ratio(m['rps'], lib)} | {fmt(m['p50'], 2)} | "
                  f"{ratio(m['p50'], r0 and r0['p50'])} | {fmt(m['p99'], 2)} | {ratio(m['p99'], r0 and r0['p99'])} | "
                  f"{fmt(m['recall'], 4)} | {fmt(m['hwm'], 0)} | {m['err']} | {m['n']} |")


if __name__ == "__main__":
    main()
