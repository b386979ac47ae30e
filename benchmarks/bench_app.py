"""Benchmark: server-side time of an app.py rerun after an evidence change.

Drives app.py headlessly with streamlit.testing.v1.AppTest through a realistic entry sequence
(one edit per rerun, every edit a new evidence set, so nothing is served from the app's caches)
and prints the median script run time as measured inside the script (``_run_ms``: from the start of
``page()`` to its end, i.e. what the server spends). The likely causes are in their own tab and
not part of a rerun. Not a test: it only prints; the browser-side figures are
``benchmarks/bench_browser.py``.

    .venv/bin/python benchmarks/bench_app.py [--priors DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")

# A presentation entered item by item, then revised (each step is a new evidence set).
EDITS = [
    ("age", "40_to_64"), ("sex", "male"), ("fasciculations", "yes"),
    ("twitch_legs_calves", "yes"), ("twitch_duration", "months"), ("muscle_cramps", "yes"),
    ("weakness", "none"), ("caffeine_intake", "high"), ("stress_anxiety", "high"),
    ("twitch_arms_hands", "yes"), ("weakness", "mild_stable"), ("weakness", "progressive"),
    ("muscle_atrophy", "yes"), ("emg", "denervation"), ("twitch_tongue", "yes"),
]


def widget(at, node_id: str):
    for finder in (at.segmented_control, at.radio):
        try:
            return finder(key=f"ev_{node_id}")
        except KeyError:
            continue
    raise KeyError(node_id)


def run_sequence(edits, priors: str | None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    t0 = time.perf_counter()
    at.run()
    first = 1000 * (time.perf_counter() - t0)
    runs, walls = [], []
    for node_id, state in edits:
        widget(at, node_id).set_value(state)
        t0 = time.perf_counter()
        at.run()
        walls.append(1000 * (time.perf_counter() - t0))
        if at.exception:
            raise SystemExit(f"app raised: {at.exception}")
        runs.append(float(at.session_state["_run_ms"]))
    return first, runs, walls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--priors", help="priors folder (default: the project's priors/)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run the sequence N times in one process (later passes show warm "
                         "model caches)")
    args = ap.parse_args()
    if args.priors:
        os.environ["TWITCHDX_PRIORS"] = args.priors
    else:
        os.environ.pop("TWITCHDX_PRIORS", None)
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    sys.path.insert(0, str(ROOT))

    headline = None
    for rep in range(args.repeat):
        first, runs, walls = run_sequence(EDITS, args.priors)
        headline = headline if headline is not None else statistics.median(runs)
        note = ("new evidence sets: nothing cached" if rep == 0 else
                "the same evidence sets again: served from the app's caches")
        print(f"pass {rep + 1} ({note}): first page {first:.0f} ms"
              + (" (includes building the model)" if rep == 0 else ""))
        print(f"  {len(runs)} reruns after an evidence change, server-side script time:")
        print(f"    median {statistics.median(runs):.0f} ms   min {min(runs):.0f}   "
              f"max {max(runs):.0f}   (AppTest wall median {statistics.median(walls):.0f} ms)")
        under = sum(r < 200 for r in runs)
        print(f"    under 200 ms: {under}/{len(runs)}")
    print(f"median rerun after an evidence change (pass 1): {headline:.0f} ms")


if __name__ == "__main__":
    main()
