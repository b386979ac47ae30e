"""Inference speed on the real model (run by hand, not in the test suite).

    .venv/bin/python benchmarks/bench_inference.py [--sets 200] [--pgmpy-sets 50]

Prints, side by side, the median and 95th percentile time of a full posterior (every node) for
random realistic evidence sets, for pgmpy's VariableElimination, pyAgrum's LazyPropagation (if
installed) and the TwitchDx engine, with ratios; then next-test, 1,000-sample uncertainty,
likely causes, and cold start (import + load + build + compile) in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import model  # noqa: E402


def realistic_evidence(m: model.TwitchModel, n: int, seed: int = 1) -> list[dict[str, str]]:
    """A twitching patient: age, sex, a few exposures, twitch sites and duration, 2-6 other
    findings (signs mostly normal, some abnormal), sometimes a test result."""
    rng = np.random.default_rng(seed)
    nodes = m.nodes
    exposures = m.nodes_by_role("exposure")
    sites = [n for n in m.ids if n.startswith("twitch_") and n != "twitch_duration"]
    others = [n for n in m.nodes_by_role("finding")
              if n not in sites and n not in ("fasciculations", "twitch_duration")]
    sets = []
    while len(sets) < n:
        ev = {"age": str(rng.choice(nodes["age"].states)),
              "sex": str(rng.choice(nodes["sex"].states)), "fasciculations": "yes",
              "twitch_duration": str(rng.choice(nodes["twitch_duration"].states))}
        for s in rng.choice(sites, size=rng.integers(1, 3), replace=False):
            ev[str(s)] = "yes"
        for e in rng.choice(exposures, size=rng.integers(0, 4), replace=False):
            ev[str(e)] = str(rng.choice(nodes[str(e)].states))
        for f in rng.choice(others, size=rng.integers(2, 7), replace=False):
            states = nodes[str(f)].states
            # mostly the normal state, as in real examinations
            ev[str(f)] = states[0] if rng.random() < 0.6 else str(rng.choice(states[1:]))
        if m.probability_of_evidence(ev) > 0:
            sets.append(ev)
    return sets


def timed(fn, items) -> list[float]:
    out = []
    for x in items:
        t = time.perf_counter()
        fn(x)
        out.append(time.perf_counter() - t)
    return out


def summary(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), float(np.percentile(times, 95))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sets", type=int, default=200)
    ap.add_argument("--pgmpy-sets", type=int, default=50,
                    help="pgmpy is slow: time it on the first N sets")
    args = ap.parse_args()

    m = model.load()
    sets = realistic_evidence(m, args.sets)
    rows = []

    for ev in sets[:5]:  # warm the plan cache as a running app would
        m.posterior(ev)
    ours = timed(m.posterior, sets)
    rows.append(("TwitchDx engine", len(sets), *summary(ours)))

    from pgmpy.inference import VariableElimination

    ve = VariableElimination(m.network)

    def pgmpy_full(ev):
        for n in m.ids:
            if n not in ev:
                ve.query([n], evidence=ev, show_progress=False)
    pg = timed(pgmpy_full, sets[: args.pgmpy_sets])
    rows.append(("pgmpy VariableElimination", len(pg), *summary(pg)))

    try:
        import pyagrum as gum

        sys.path.insert(0, str(ROOT / "tests"))
        from tests.test_inference import _pyagrum_net

        bn = _pyagrum_net(m)

        def agrum_full(ev):
            # one target at a time: with all ~100 nodes as targets LazyPropagation builds the
            # whole moralised junction tree (~7 s per query here)
            ie = gum.LazyPropagation(bn)
            ie.setEvidence(ev)
            for n in m.ids:
                if n not in ev:
                    ie.eraseAllTargets()
                    ie.addTarget(n)
                    ie.makeInference()
                    ie.posterior(n)
        ag = timed(agrum_full, sets)
        rows.append(("pyAgrum LazyPropagation", len(ag), *summary(ag)))

        def agrum_conditions(ev):
            ie = gum.LazyPropagation(bn)
            ie.setEvidence(ev)
            ie.eraseAllTargets()
            for n in m.nodes_by_role("condition"):
                ie.addTarget(n)
            ie.makeInference()
        agc = timed(agrum_conditions, sets)
    except ImportError:
        ag = agc = None

    print("Full posterior of every unobserved node (seconds)")
    print(f"{'engine':<28}{'sets':>6}{'median':>10}{'p95':>10}{'median vs ours':>16}")
    base = rows[0][2]
    for name, n, med, p95 in rows:
        print(f"{name:<28}{n:>6}{med:>10.4f}{p95:>10.4f}{med / base:>15.1f}x")
    if agc is not None:
        print(f"(pyAgrum, conditions only as targets: median {statistics.median(agc):.4f} s)")

    print("\nReasoning on realistic cases")
    cases = sets[:10]
    nt = timed(lambda e: m.next_tests(e), cases)
    print(f"{'next-test, all unobserved findings':<52} median {statistics.median(nt):.3f} s, "
          f"max {max(nt):.3f} s")
    cold_ca = timed(m.causes, cases)  # first call for a case compiles its twin plans
    ca = timed(m.causes, cases)
    print(f"{'likely causes, first call for a new case':<52} median "
          f"{statistics.median(cold_ca):.3f} s, max {max(cold_ca):.3f} s")
    print(f"{'likely causes, repeated (plans cached)':<52} median {statistics.median(ca):.3f} s, "
          f"max {max(ca):.3f} s")
    un = timed(lambda e: m.uncertainty(e, samples=1000), cases[:5])
    print(f"{'uncertainty, 1,000 samples':<52} median {statistics.median(un):.3f} s, "
          f"max {max(un):.3f} s")

    code = ("import time; t=time.perf_counter(); import model; m=model.load(); "
            "m.posterior({'fasciculations':'yes'}); print(time.perf_counter()-t)")
    cold = [float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                                 text=True, check=True).stdout) for _ in range(3)]
    print(f"{'cold start (import + load + build + compile + query)':<52} median "
          f"{statistics.median(cold):.2f} s")


if __name__ == "__main__":
    main()
