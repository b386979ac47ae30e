"""CLI commands for evaluation and interchange: ``evaluate`` and ``export``."""

from __future__ import annotations

import argparse
import json

from .cli import UsageError, _emit, _model, command


def _no_evidence(args, name: str) -> None:
    if getattr(args, "evidence", None):
        raise UsageError(f"twitchdx {name}: unexpected arguments {' '.join(args.evidence)!r} "
                         f"(see 'twitchdx {name} --help')")


@command("evaluate", "accuracy on the sourced teaching cases: top-1, top-3 (95% CI), MRR, "
         "misses, calibration, safety bounds")
def cmd_evaluate(args) -> None:
    from .cases import load_cases
    from .evaluate import evaluate

    _no_evidence(args, "evaluate")
    m = _model(args)
    cases = load_cases(args.cases, vocabulary=m)
    report = evaluate(m, cases, ranking=args.ranking)
    if args.markdown and not args.json:
        print(report.to_markdown())
        return
    _emit(args, report.to_dict(), report.text)


@command("export", "write the network for GeNIe, SamIam, Netica, pyAgrum or bnlearn: "
         "--format bif|xmlbif PATH")
def cmd_export(args) -> None:
    from .export import export, format_for

    _no_evidence(args, "export")
    fmt = format_for(args.path, args.format)
    m = _model(args)
    path = export(m, args.path, fmt)
    net = m.network
    payload = {"path": str(path), "format": fmt, "nodes": net.number_of_nodes(),
               "edges": net.number_of_edges()}
    if args.json:
        print(json.dumps(payload, indent=2))
    else:
        print(f"wrote {path} ({fmt}): {payload['nodes']} nodes, {payload['edges']} edges")


# no ID=STATE evidence: a hidden catch-all so that stray arguments get a clear error
_NO_EVIDENCE = (("evidence",), {"nargs": "*", "default": [], "help": argparse.SUPPRESS})
cmd_evaluate.arguments = [
    _NO_EVIDENCE,
    (("--cases",), {"default": None, "metavar": "FILE",
                    "help": "teaching-cases YAML file (default: the package's)"}),
    (("--ranking",), {"choices": ["auto", "causes", "differential"], "default": "auto",
                      "help": "auto: likely causes when twitching is reported, else the "
                              "differential"}),
    (("--markdown",), {"action": "store_true",
                       "help": "print the markdown tables (figures, cases, calibration)"}),
]
cmd_export.arguments = [
    (("path",), {"metavar": "PATH", "help": "output file (.bif, .bifxml or .xml)"}),
    _NO_EVIDENCE,
    (("--format",), {"choices": ["bif", "xmlbif"], "default": None,
                     "help": "file format (default: from the extension)"}),
]
