"""CLI commands for the reasoning layer: causes, why, next-test, uncertainty, sensitivity."""

from __future__ import annotations

import math

from .cli import _emit, _model, _records, _table, command, parse_evidence, target_and_evidence
from .display import format_probability


def _finite(x: float):
    return x if math.isfinite(x) else None


@command("causes", "likely causes of the twitching (counterfactual), for ID=STATE ...")
def cmd_causes(args) -> None:
    m = _model(args)
    ev = parse_evidence(args.evidence)
    df = m.causes(ev)
    _emit(args, {"evidence": ev, "causes": _records(df)},
          lambda: _table(df, ["id", "label", "probability_present", "probability_causing"],
                         args.top))


@command("why", "each observation's contribution to a diagnosis: TARGET ID=STATE ...")
def cmd_why(args) -> None:
    m = _model(args)
    target, ev = target_and_evidence(args, "TARGET", "twitchdx why als weakness=progressive")
    ex = m.why(ev, target)
    rows = _records(ex.contributions, infinite_as_null=True)
    payload = {"target": target, "evidence": ev, "prior": ex.prior, "posterior": ex.posterior,
               "prior_log_odds": _finite(ex.prior_log_odds),
               "posterior_log_odds": _finite(ex.posterior_log_odds), "contributions": rows}

    def text() -> str:
        lines = [f"{target}: prior {format_probability(ex.prior)}"]
        for r in ex.contributions.itertuples():
            lines.append(f"  {r.label:<50} LR {r.likelihood_ratio:>10.3g}  "
                         f"log-odds {r.log_odds_change:+7.2f}  -> "
                         f"{format_probability(r.probability_after)}")
        return "\n".join(lines)
    _emit(args, payload, text)


@command("next-test", "what to ask or test next: findings ranked by information gain")
def cmd_next(args) -> None:
    m = _model(args)
    ev = parse_evidence(args.evidence)
    df = m.next_tests(ev, objective=args.objective, sort_by=args.sort)
    _emit(args, {"evidence": ev, "objective": args.objective, "next_tests": _records(df)},
          lambda: df.head(args.top or 15).to_string(index=False))


@command("uncertainty", "90% intervals for the differential from parameter uncertainty")
def cmd_uncertainty(args) -> None:
    m = _model(args)
    ev = parse_evidence(args.evidence)
    df = m.uncertainty(ev, samples=args.samples, seed=args.seed, level=args.level)
    _emit(args, {"evidence": ev, "samples": args.samples, "seed": args.seed,
                 "level": args.level, "differential": _records(df)},
          lambda: _table(df, ["id", "label", "probability", "low", "high"], args.top or 20))


@command("sensitivity", "parameters that move P(TARGET | evidence) most: TARGET ID=STATE ...")
def cmd_sensitivity(args) -> None:
    m = _model(args)
    target, ev = target_and_evidence(args, "TARGET",
                                     "twitchdx sensitivity als fasciculations=yes")
    df = m.sensitivity(ev, target, top=args.top or 15)
    _emit(args, {"target": target, "evidence": ev, "point": df.attrs["point"],
                 "parameters": _records(df)},
          lambda: df[["description", "value", "low", "high", "result_low", "result_high",
                      "swing"]].to_string(index=False))


cmd_causes.arguments = [(("--top",), {"type": int, "default": None})]
cmd_why.arguments = []
cmd_next.arguments = [
    (("--objective",), {"choices": ["entropy", "serious"], "default": "entropy"}),
    (("--sort",), {"choices": ["information_gain", "gain_per_cost"],
                   "default": "information_gain"}),
    (("--top",), {"type": int, "default": None})]
cmd_uncertainty.arguments = [
    (("--samples",), {"type": int, "default": 1000}), (("--seed",), {"type": int, "default": 0}),
    (("--level",), {"type": float, "default": 0.9}), (("--top",), {"type": int, "default": None})]
cmd_sensitivity.arguments = [(("--top",), {"type": int, "default": 15})]
