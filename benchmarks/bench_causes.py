"""Likely causes (``m.causes``) on the teaching cases: time of the first and a repeated call.

    .venv/bin/python benchmarks/bench_causes.py [--cases ID ...] [--twitching-only]

``--twitching-only`` counts only the twitching's own twin per cause (the ``twitching_would_stop``
column, what ``causes`` computed before expected disablement over every abnormal finding), to
show what the ranking over every abnormal finding costs.
"""

from __future__ import annotations

import argparse
import statistics
import time

import model
import model.counterfactual as counterfactual
from model.cases import load_cases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*", help="case ids (default: every teaching case)")
    ap.add_argument("--twitching-only", action="store_true")
    args = ap.parse_args()
    if args.twitching_only:
        counterfactual.abnormal_findings = lambda m, ev: {}  # type: ignore[assignment]
    m = model.load()
    firsts, agains = [], []
    for case in load_cases():
        if args.cases and case["id"] not in args.cases:
            continue
        ev = case["evidence"]
        n_abnormal = len(counterfactual.abnormal_findings(m, ev))
        t = time.perf_counter()
        m.causes(ev)
        first = time.perf_counter() - t
        t = time.perf_counter()
        m.causes(ev)
        again = time.perf_counter() - t
        firsts.append(first)
        agains.append(again)
        print(f"{case['id'][:40]:40s} abnormal={n_abnormal} first={first:6.2f}s "
              f"again={again:6.2f}s", flush=True)
    if firsts:
        print(f"median first {statistics.median(firsts):.2f}s, repeated "
              f"{statistics.median(agains):.2f}s; slowest {max(firsts):.2f}s ({len(firsts)} cases)")


if __name__ == "__main__":
    main()
