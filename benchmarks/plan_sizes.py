"""Plan sizes (clique-table entries) the teaching cases need, against the limits in model.limits.

    .venv/bin/python benchmarks/plan_sizes.py             # posterior + likely causes (minutes)
    .venv/bin/python benchmarks/plan_sizes.py --no-causes # plain plans only (seconds)

For each case: its positive findings, the largest plain plan (posterior) and the largest twin plan
(one cause's network in ``causes``), and the time of each call; then the maxima next to
MAX_PLAN_ENTRIES and MAX_TWIN_PLAN_ENTRIES. Also the first k findings of the model all positive,
which is where the limit refuses.
"""

from __future__ import annotations

import argparse
import resource
import time

import model
from model.cases import load_cases
from model.limits import MAX_PLAN_ENTRIES, MAX_TWIN_PLAN_ENTRIES


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-causes", action="store_true", help="skip the likely-causes twins")
    args = ap.parse_args()
    m = model.load()
    inf = m._inference
    seen = {"plain": 0, "twin": 0}
    check = inf._check_size

    def record(plan):  # instrumentation only: note every compiled plan's size
        kind = "plain" if plan.twin is None else "twin"
        seen[kind] = max(seen[kind], plan.junction_tree.entries)
        check(plan)
    inf._check_size = record

    worst = {"plain": (0, ""), "twin": (0, ""), "post": (0.0, ""), "causes": (0.0, "")}
    for case in load_cases():
        seen.update(plain=0, twin=0)
        inf._plans.clear()
        ev = case["evidence"]
        t = time.perf_counter()
        try:
            m.posterior(ev)
            tp = time.perf_counter() - t
            tc = 0.0
            if not args.no_causes:
                t = time.perf_counter()
                m.causes(ev)
                tc = time.perf_counter() - t
        except model.TwitchDxError as exc:
            print(f"{case['id'][:40]:40s} REFUSED: {exc}")
            continue
        npos = len(inf.positive_set({k: v for k, v in ev.items() if isinstance(v, str)}))
        print(f"{case['id'][:40]:40s} positive={npos:2d} plain={seen['plain']:>11,} "
              f"twin={seen['twin']:>11,} posterior={tp:5.2f}s causes={tc:6.2f}s", flush=True)
        for key, val in (("plain", seen["plain"]), ("twin", seen["twin"]), ("post", tp),
                         ("causes", tc)):
            if val > worst[key][0]:
                worst[key] = (val, case["id"])
    print(f"largest plain plan {worst['plain'][0]:,} ({worst['plain'][1]}); limit "
          f"MAX_PLAN_ENTRIES = {MAX_PLAN_ENTRIES:,}")
    if not args.no_causes:
        print(f"largest twin plan {worst['twin'][0]:,} ({worst['twin'][1]}); limit "
              f"MAX_TWIN_PLAN_ENTRIES = {MAX_TWIN_PLAN_ENTRIES:,}")
    print(f"slowest posterior {worst['post'][0]:.2f}s ({worst['post'][1]}); slowest causes "
          f"{worst['causes'][0]:.2f}s ({worst['causes'][1]})")
    nf = inf.noisy_findings
    for k in (10, 15, 20, 30):
        ev = {f: m.kb.nodes[f].states[-1] for f in nf[:k]}
        t = time.perf_counter()
        try:
            m.posterior(ev)
            out = "answered"
        except model.TwitchDxError as exc:
            out = f"refused ({type(exc).__name__})"
        print(f"first {k} findings positive: posterior {out} in {time.perf_counter() - t:.2f}s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
