"""A long-lived model under varied evidence: does its memory stay bounded? (review S2-3)

    .venv/bin/python benchmarks/memory_soak.py [--cases 200] [--seed 23]

One model answers a stream of random presentations (2-8 positive findings, some negatives and
context) with posterior, why and next_tests, as a server process would for a class. Every 20
cases it prints the process RSS, the plan and column caches' bytes against their budgets
(PLAN_CACHE_BYTES, COLUMN_CACHE_BYTES) and the calls' time. Before the byte bounds the same kind
of loop grew a model from 119 MB to 1.8 GB in 100 cases (1,024 cached plans).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import model
from model.limits import COLUMN_CACHE_BYTES, PLAN_CACHE_BYTES


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=23)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    m = model.load()
    inf = m._inference
    noisy = inf.noisy_findings
    context = [n for n in m.ids if m.kb.nodes[n].role in ("context", "exposure")]
    print(f"start: RSS {rss_mb():.0f} MB")
    refused, t0 = 0, time.perf_counter()
    for i in range(1, args.cases + 1):
        ev = {f: m.kb.nodes[f].states[-1] for f in rng.sample(noisy, rng.randint(2, 8))}
        for f in rng.sample(noisy, 4):
            ev.setdefault(f, m.kb.nodes[f].states[0])
        for c in rng.sample(context, 3):
            ev[c] = rng.choice(m.kb.nodes[c].states)
        try:
            m.posterior(ev)
            m.why(ev, "als")
            m.next_tests(ev)
        except model.LimitError:
            refused += 1
        if i % 20 == 0:
            print(f"{i:4d} cases: RSS {rss_mb():6.0f} MB; plans {len(inf._plans):4d} "
                  f"({inf._plans.nbytes / 2**20:5.0f} of {PLAN_CACHE_BYTES / 2**20:.0f} MiB); "
                  f"columns {inf._columns.nbytes / 2**20:4.0f} of "
                  f"{COLUMN_CACHE_BYTES / 2**20:.0f} MiB; refused {refused}; "
                  f"{(time.perf_counter() - t0) / i:.2f} s per case", flush=True)


if __name__ == "__main__":
    main()
