"""CLI commands that check the knowledge base itself: ``epidemiology`` and ``audit``."""

from __future__ import annotations

import argparse

from .cli import TOP, Arg, command, emit, load_model, path_arg, records


def _pct(p: float) -> str:
    # prevalences span 1e-6 to 0.5: three significant figures in percent read best side by side
    return f"{100 * p:.3g}%"


@command("epidemiology", "the model's implied prevalence of every condition, state and exposure "
         "beside the published figure in priors/targets.yaml, by age band and sex",
         Arg("--out-of-range", action="store_true",
             help="show only the strata where the model leaves the published range"))
def epidemiology(args: argparse.Namespace) -> None:
    from .epidemiology import epidemiology as implied
    from .epidemiology import untargeted_nodes

    m = load_model(args)
    df = implied(m)
    missing = untargeted_nodes(m)
    shown = df[~df["in_range"]] if args.out_of_range else df
    payload = {"rows": records(shown), "in_range": int(df["in_range"].sum()),
               "strata": len(df), "untargeted": missing}

    def text() -> str:
        lines = [f"{'node':<30} {'stratum':<16} {'model':>9} {'published':>9}  range"
                 "                 ok  source"]
        for r in shown.itertuples():
            band = f"{_pct(r.low)}-{_pct(r.high)}"
            ok = "yes" if r.in_range else "NO"
            lines.append(f"{r.node:<30} {r.stratum:<16} {_pct(r.model):>9} {_pct(r.value):>9}  "
                         f"{band:<21} {ok:<3} {r.source}")
        lines.append(f"{payload['in_range']} of {payload['strata']} strata in range"
                     + (f"; no target for: {', '.join(missing)}" if missing else ""))
        return "\n".join(lines)

    emit(args, payload, text)


@command("audit", "the parameters that move the teaching cases' answers most (tornado swing "
         "summed over cases), with their sources, and the share carried by expert numbers",
         Arg("--cases", type=path_arg, default=None, metavar="FILE",
             help="teaching-cases YAML file (default: the package's)"),
         TOP)
def audit(args: argparse.Namespace) -> None:
    from .audit import audit as run_audit
    from .cases import load_cases

    m = load_model(args)
    report = run_audit(m, load_cases(args.cases, vocabulary=m))
    top = report.table.head(args.top or 25)
    payload = {"parameters": records(top), "expert_share": report.expert_share,
               "cases_used": report.cases_used, "cases_skipped": report.cases_skipped}

    def text() -> str:
        lines = [f"{'influence':>9} {'share':>6} {'cases':>5}  {'source':<22} parameter"]
        for r in top.itertuples():
            lines.append(f"{r.influence:9.3f} {100 * r.share:5.1f}% {r.cases:5d}  "
                         f"{r.source:<22} {r.parameter}")
        lines.append(f"expert numbers carry {100 * report.expert_share:.1f}% of the influence "
                     f"over {len(report.cases_used)} cases ({len(report.cases_skipped)} skipped: "
                     "their answer is entered as evidence)")
        return "\n".join(lines)

    emit(args, payload, text)


COMMANDS = (epidemiology, audit)
