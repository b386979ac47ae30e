"""CLI commands for evaluation and interchange: ``evaluate`` and ``export``."""

from __future__ import annotations

import argparse
import importlib.util
import json

from .cli import PROG, Arg, UsageError, command, emit, load_model, path_arg


@command("evaluate", "accuracy on the sourced teaching cases: top-1, top-3 (95% CI), MRR, "
         "misses, calibration, safety bounds",
         Arg("--cases", type=path_arg, default=None, metavar="FILE",
             help="teaching-cases YAML file (default: the package's)"),
         Arg("--ranking", choices=["auto", "causes", "differential"], default="auto",
             help="auto: likely causes when twitching is reported, else the differential"),
         Arg("--markdown", action="store_true",
             help="print the markdown tables (figures, cases, calibration)"))
def evaluate(args: argparse.Namespace) -> None:
    from .cases import load_cases
    from .evaluate import evaluate as run_evaluation

    m = load_model(args)
    try:
        cases = load_cases(args.cases, vocabulary=m)
    except UnicodeDecodeError as exc:
        raise UsageError(f"{PROG} evaluate: --cases {args.cases!r} is not UTF-8 text "
                         f"({exc.reason} at byte {exc.start})") from None
    report = run_evaluation(m, cases, ranking=args.ranking)
    if args.markdown and not args.json:
        print(report.to_markdown())
        return
    emit(args, report.to_dict(), report.text)


@command("export", "write the network for GeNIe, SamIam, Netica, pyAgrum or bnlearn: "
         "--format bif|xmlbif PATH",
         Arg("path", type=path_arg, metavar="PATH", help="output file (.bif, .bifxml or .xml)"),
         Arg("--format", choices=["bif", "xmlbif"], default=None,
             help="file format (default: from the extension)"))
def export(args: argparse.Namespace) -> None:
    if importlib.util.find_spec("pgmpy") is None:
        raise UsageError(f"{PROG} export: needs pgmpy; install it with "
                         "pip install 'twitchdx[interchange]'")
    from .export import export as write
    from .export import format_for

    fmt = format_for(args.path, args.format)
    m = load_model(args)
    path = write(m, args.path, fmt)
    net = m.network
    payload = {"path": str(path), "format": fmt, "nodes": net.number_of_nodes(),
               "edges": net.number_of_edges()}
    if args.json:
        print(json.dumps(payload, indent=2))
    else:
        print(f"wrote {path} ({fmt}): {payload['nodes']} nodes, {payload['edges']} edges")


COMMANDS = (evaluate, export)
