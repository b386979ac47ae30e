"""Benchmark: accuracy of TwitchDx on the sourced teaching cases, next to published anchors.

Prints top-1 and top-3 accuracy with 95% Wilson intervals, mean reciprocal rank, the cases
missed and what came first instead, the calibration summary and the safety bounds, with the
run time. Not a test: it only prints (``--markdown`` prints the tables of docs/evaluation.md;
``--all-rankings`` adds the figures under each forced ranking).

    .venv/bin/python benchmarks/evaluate.py [--priors DIR] [--cases FILE]
        [--ranking auto|causes|differential] [--markdown] [--all-rankings] [--save FILE]

``--save FILE`` also writes the report as JSON (summary, cases, misses, calibration) and the
markdown tables next to it (FILE with ``.md``), so one run gives every output; the likely-causes
ranking takes seconds per case.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--priors", help="priors folder (default: the project's priors/)")
    ap.add_argument("--cases", help="teaching-cases YAML (default: model/cases/)")
    ap.add_argument("--ranking", choices=["auto", "causes", "differential"], default="auto")
    ap.add_argument("--markdown", action="store_true", help="print the markdown tables")
    ap.add_argument("--all-rankings", action="store_true",
                    help="also print top-1/top-3/MRR under each forced ranking")
    ap.add_argument("--save", metavar="FILE",
                    help="also write the report as JSON to FILE and the tables to FILE.md")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))

    import model
    from model.cases import load_cases
    from model.evaluate import evaluate

    t0 = time.perf_counter()
    m = model.load(args.priors)
    cases = load_cases(args.cases, vocabulary=m)
    t1 = time.perf_counter()
    report = evaluate(m, cases, ranking=args.ranking)
    t2 = time.perf_counter()
    print(report.to_markdown() if args.markdown else report.text())
    if args.save:
        import json

        out = Path(args.save)
        out.write_text(json.dumps(report.to_dict(), indent=1, allow_nan=False), encoding="utf-8")
        out.with_suffix(".md").write_text(report.to_markdown() + "\n", encoding="utf-8")
        print(f"\nsaved {out} and {out.with_suffix('.md')}")
    if args.all_rankings:
        print("\nUnder each ranking:")
        for ranking in ("auto", "causes", "differential"):
            s = report.summary if ranking == args.ranking else evaluate(m, cases, ranking).summary
            print(f"  {ranking:<13} top-1 {100 * s['top1']:5.1f}% "
                  f"({100 * s['top1_ci'][0]:.1f}-{100 * s['top1_ci'][1]:.1f})  "
                  f"top-3 {100 * s['top3']:5.1f}% "
                  f"({100 * s['top3_ci'][0]:.1f}-{100 * s['top3_ci'][1]:.1f})  "
                  f"MRR {s['mrr']:.3f}")
    print(f"\nload {t1 - t0:.1f} s; {len(cases)} cases evaluated in {t2 - t1:.1f} s "
          f"({(t2 - t1) / len(cases):.2f} s per case)")


if __name__ == "__main__":
    main()
