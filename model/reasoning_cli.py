"""CLI commands for the reasoning layer: causes, why, next-test, uncertainty, sensitivity."""

from __future__ import annotations

import argparse
import math

from .cli import (
    EVIDENCE,
    TOP,
    Arg,
    command,
    emit,
    load_model,
    nonnegative_int,
    open_fraction,
    positive_int,
    records,
    table,
    target,
)
from .present.format import format_probability


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


@command("causes", "likely causes (counterfactual): the expected number of the abnormal "
         "findings that would go away without each cause, for ID=STATE ...", EVIDENCE, TOP)
def causes(args: argparse.Namespace) -> None:
    m = load_model(args)
    df = m.causes(args.evidence)
    emit(args, {"evidence": args.evidence, "causes": records(df)},
         lambda: table(df, ["id", "label", "probability_present", "expected_disablement",
                            "twitching_would_stop"], args.top))


@command("why", "each observation's contribution to a diagnosis: TARGET ID=STATE ...",
         target("TARGET", "twitchdx why als weakness=progressive"), EVIDENCE)
def why(args: argparse.Namespace) -> None:
    m = load_model(args)
    ev = args.evidence
    ex = m.why(ev, args.target)
    rows = records(ex.contributions, infinite_as_null=True)
    payload = {"target": args.target, "evidence": ev, "prior": ex.prior,
               "posterior": ex.posterior, "prior_log_odds": _finite(ex.prior_log_odds),
               "posterior_log_odds": _finite(ex.posterior_log_odds), "contributions": rows}

    def text() -> str:
        lines = [f"{args.target}: prior {format_probability(ex.prior)}"]
        for r in ex.contributions.itertuples():
            lines.append(f"  {r.label:<50} LR {r.likelihood_ratio:>10.3g}  "
                         f"log-odds {r.log_odds_change:+7.2f}  -> "
                         f"{format_probability(r.probability_after)}")
        return "\n".join(lines)
    emit(args, payload, text)


@command("next-test", "what to ask or test next: findings ranked by information gain",
         EVIDENCE,
         Arg("--objective", choices=["entropy", "serious"], default="entropy",
             help="entropy of the differential, or of serious versus benign"),
         Arg("--sort", choices=["information_gain", "gain_per_cost"],
             default="information_gain", help="rank by gain, or by gain per unit of cost"),
         Arg("--top", type=positive_int, default=15, metavar="N",
             help="show the first N rows (default 15; --json gives all)"))
def next_test(args: argparse.Namespace) -> None:
    m = load_model(args)
    df = m.next_tests(args.evidence, objective=args.objective, sort_by=args.sort)
    emit(args, {"evidence": args.evidence, "objective": args.objective,
                "next_tests": records(df)},
         lambda: df.head(args.top).to_string(index=False))


@command("uncertainty", "90% intervals for the differential from parameter uncertainty",
         EVIDENCE,
         Arg("--samples", type=positive_int, default=1000, metavar="N",
             help="parameter samples (default 1000)"),
         Arg("--seed", type=nonnegative_int, default=0, help="random seed (default 0)"),
         Arg("--level", type=open_fraction, default=0.9,
             help="interval level between 0 and 1 (default 0.9)"),
         Arg("--top", type=positive_int, default=20, metavar="N",
             help="show the first N rows (default 20)"))
def uncertainty(args: argparse.Namespace) -> None:
    m = load_model(args)
    df = m.uncertainty(args.evidence, samples=args.samples, seed=args.seed, level=args.level)
    emit(args, {"evidence": args.evidence, "samples": args.samples, "seed": args.seed,
                "level": args.level, "differential": records(df)},
         lambda: table(df, ["id", "label", "probability", "low", "high"], args.top))


@command("sensitivity", "parameters that move P(TARGET | evidence) most: TARGET ID=STATE ...",
         target("TARGET", "twitchdx sensitivity als fasciculations=yes"), EVIDENCE,
         Arg("--top", type=positive_int, default=15, metavar="N",
             help="the N parameters with the largest swing (default 15)"))
def sensitivity(args: argparse.Namespace) -> None:
    m = load_model(args)
    df = m.sensitivity(args.evidence, args.target, top=args.top)
    emit(args, {"target": args.target, "evidence": args.evidence, "point": df.attrs["point"],
                "parameters": records(df)},
         lambda: df[["description", "value", "low", "high", "result_low", "result_high",
                     "swing"]].to_string(index=False))


COMMANDS = (causes, why, next_test, uncertainty, sensitivity)
