"""The ``twitchdx`` command line (also ``python -m model``). A thin client of the model API.

Bad input exits with status 2 and a one-line message saying what is wrong and what is allowed.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable

import pandas as pd

from . import DISCLAIMER
from .display import format_probability as fmt_p
from .errors import TwitchDxError

COMMANDS: dict[str, Callable] = {}


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, status 2, no usage dump
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def command(name: str, help: str):
    def deco(fn):
        fn.help = help
        COMMANDS[name] = fn
        return fn
    return deco


def parse_evidence(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"evidence '{item}' must be ID=STATE, e.g. fasciculations=yes")
        key, value = item.split("=", 1)
        if key in out:
            raise UsageError(f"'{key}' is given twice in the evidence")
        out[key.strip()] = value.strip()
    return out


def target_and_evidence(args, what: str, example: str) -> tuple[str, dict[str, str]]:
    """Split 'TARGET ID=STATE ...' arguments; the target must be named."""
    if not args.evidence:
        raise UsageError(f"{args.command} needs a {what}, e.g. '{example}'")
    target, *items = args.evidence
    return target, parse_evidence(items)


def _model(args):
    import model

    return model.load(args.priors)


def _emit(args, payload: dict, text: Callable[[], str]) -> None:
    if args.json:
        print(json.dumps(payload, indent=2, allow_nan=False))
    else:
        print(text())


def _records(df: pd.DataFrame, infinite_as_null: bool = False) -> list[dict]:
    """JSON-ready rows. A non-finite number is an error (never a NaN shown as a probability),
    unless ``infinite_as_null``: an infinite likelihood ratio or log-odds is written as null."""
    recs = df.to_dict(orient="records")
    for r in recs:
        for k, v in r.items():
            if hasattr(v, "item"):
                r[k] = v = v.item()
            if isinstance(v, float) and not math.isfinite(v):
                if not (infinite_as_null and math.isinf(v)):
                    raise TwitchDxError(f"non-finite value in column '{k}' for '{r.get('id')}'")
                r[k] = None
    return recs


def _table(df: pd.DataFrame, cols: list[str], top: int | None = None) -> str:
    df = df.head(top) if top else df
    shown = df[cols].copy()
    for c in cols:
        if c.startswith("prob") or c in ("prior", "low", "high"):
            shown[c] = shown[c].map(fmt_p)
    return shown.to_string(index=False)


@command("nodes", "list the vocabulary: id, role, label, states")
def cmd_nodes(args) -> None:
    m = _model(args)
    rows = [{"id": n.id, "role": n.role, "label": n.label, "states": list(n.states)}
            for n in m.nodes.values()]
    _emit(args, {"nodes": rows}, lambda: "\n".join(
        f"{r['id']:<32} {r['role']:<10} {r['label']}  [{', '.join(r['states'])}]" for r in rows))


@command("diagnose", "the ranked differential for the evidence ID=STATE ...")
def cmd_diagnose(args) -> None:
    m = _model(args)
    ev = parse_evidence(args.evidence)
    df = m.differential(ev)
    _emit(args, {"evidence": ev, "differential": _records(df)},
          lambda: _table(df, ["id", "label", "probability", "prior", "serious"], args.top)
          + f"\n\n{DISCLAIMER}")


@command("posterior", "the posterior distribution of one node: NODE ID=STATE ...")
def cmd_posterior(args) -> None:
    m = _model(args)
    node, ev = target_and_evidence(args, "NODE", "twitchdx posterior als weakness=none")
    m.check_node(node)
    m.check_evidence(ev)
    if node in ev:
        raise UsageError(f"'{node}' is in the evidence; query an unobserved node")
    dist = m.posterior(ev)[node]
    _emit(args, {"node": node, "distribution": dist},
          lambda: "\n".join(f"{s:<24} {fmt_p(p)}" for s, p in dist.items()))


@command("validate", "check the priors folder and report the first error, if any")
def cmd_validate(args) -> None:
    from .knowledge import load_knowledge_base

    kb = load_knowledge_base(args.priors)
    payload = {"valid": True, "nodes": len(kb.nodes), "parameters": len(kb.params),
               "sources": len(kb.sources)}
    _emit(args, payload, lambda: f"valid: {len(kb.nodes)} nodes, {len(kb.params)} parameters, "
          f"{len(kb.sources)} sources")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="twitchdx", description="TwitchDx differential-diagnosis model. "
                     + DISCLAIMER)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name, fn in COMMANDS.items():
        p = sub.add_parser(name, help=fn.help, description=fn.help)
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("--priors", default=None, help="priors folder (default: the project's)")
        for arg, kw in getattr(fn, "arguments", []):
            p.add_argument(*arg, **kw)
        if not any(a[0][0] == "evidence" for a in getattr(fn, "arguments", [])):
            p.add_argument("evidence", nargs="*", help="ID=STATE observations")
        if name in ("diagnose",):
            p.add_argument("--top", type=int, default=None, help="show only the first N rows")
    return parser


def main(argv: list[str] | None = None) -> int:
    _load_extensions()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not args.command:
            raise UsageError("twitchdx: give a command: " + ", ".join(COMMANDS)
                             + " (see 'twitchdx --help')")
        COMMANDS[args.command](args)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except TwitchDxError as exc:
        print(f"twitchdx: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    return 0


def _load_extensions() -> None:
    """Import modules that register further commands (reasoning, evaluation, export)."""
    import importlib

    for mod in ("reasoning_cli", "evaluation_cli"):
        try:
            importlib.import_module(f"model.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"model.{mod}":
                raise
