"""The ``twitchdx`` command line (also ``python -m model``): a thin client of the model API.

Bad input exits with status 2 and ONE line on stderr that says what is wrong and what is
allowed; ``twitchdx --help`` and ``twitchdx COMMAND --help`` work for every command.

Adding a command
----------------
Declare it next to its code with :func:`command` (name, help line, then its arguments), and name
it in :func:`commands`, the one list of the program's commands::

    @command("epidemiology", "compare the model's prevalences with priors/targets.yaml", TOP)
    def epidemiology(args: argparse.Namespace) -> None:
        m = load_model(args)
        report = ...
        emit(args, report.to_dict(), report.text)

Every command gets ``--json`` and ``--priors DIR``. Shared arguments: ``EVIDENCE`` (``ID=STATE``
observations, parsed into ``args.evidence``, a dict; ``ID=A|B`` is a set of states),
``target(...)`` (a node named before the evidence, ``args.target``), ``TOP``; others are
``Arg("--flag", type=..., help=...)`` with the argparse keywords. A command without ``EVIDENCE``
refuses stray ``ID=STATE`` words. Raise :class:`UsageError` for a bad argument or let the model
raise a ``TwitchDxError``: the user sees one line and status 2 either way.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import pandas as pd

from . import DISCLAIMER
from .errors import TwitchDxError

if TYPE_CHECKING:
    from .api import TwitchModel

PROG = "twitchdx"
MAX_MESSAGE = 1000  # characters of an error line; longer input is shortened, never echoed whole

EvidenceValue = str | list[str]


class UsageError(Exception):
    """A bad command-line argument; the message is the whole line shown to the user."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, status 2, no usage dump
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


# --------------------------------------------------------------------------- argument types

def _text(value: str, what: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError(f"{what} is empty")
    return value


def path_arg(value: str) -> str:
    """A file or folder path: an empty string is refused (it would mean the current folder)."""
    return _text(value, "the path")


def _whole_number(value: str, low: int, says: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < low:
        raise argparse.ArgumentTypeError(f"{n} must be {says}")
    return n


def positive_int(value: str) -> int:
    return _whole_number(value, 1, "at least 1")


def nonnegative_int(value: str) -> int:
    return _whole_number(value, 0, "0 or more")


def open_fraction(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < x < 1:
        raise argparse.ArgumentTypeError(f"{value} must be between 0 and 1, e.g. 0.9")
    return x


# --------------------------------------------------------------------------- declarations

class Arg:
    """One argparse argument of a command: ``Arg("--top", type=positive_int, help=...)``."""

    def __init__(self, *flags: str, **options: Any) -> None:
        self.flags, self.options = flags, options

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        options = dict(self.options)
        if isinstance(options.get("help"), str):  # argparse %-formats help strings
            options["help"] = options["help"].replace("%", "%%")
        parser.add_argument(*self.flags, **options)

    def finish(self, args: argparse.Namespace, command: Command) -> None:
        """Check or convert the parsed value (after argparse)."""


class _Evidence(Arg):
    def finish(self, args: argparse.Namespace, command: Command) -> None:
        args.evidence = parse_evidence(args.evidence)


class _Target(Arg):
    def __init__(self, metavar: str, example: str) -> None:
        super().__init__("target", nargs="?", metavar=metavar,
                         help=f"the {metavar.lower()} to ask about, before the evidence")
        self.metavar, self.example = metavar, example

    def finish(self, args: argparse.Namespace, command: Command) -> None:
        if args.target is None or "=" in args.target:
            got = f"; got {args.target!r}" if args.target else ""
            raise UsageError(f"{PROG} {command.name}: needs a {self.metavar} before the "
                             f"evidence, e.g. '{self.example}'{got}")


EVIDENCE = _Evidence(
    "evidence", nargs="*", metavar="ID=STATE",
    help="observations, e.g. fasciculations=yes; ID=STATE1|STATE2 means one of these states")
TOP = Arg("--top", type=positive_int, default=None, metavar="N",
          help="show only the first N rows")


def target(metavar: str, example: str) -> Arg:
    """The node a command asks about, given before the evidence (``args.target``)."""
    return _Target(metavar, example)


COMMON = (
    Arg("--json", action="store_true", help="machine-readable output"),
    Arg("--priors", type=path_arg, default=None, metavar="DIR",
        help="priors folder (default: the project's priors/)"),
)


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    run: Callable[[argparse.Namespace], None]
    arguments: tuple[Arg, ...] = ()

    def __call__(self, args: argparse.Namespace) -> None:
        self.run(args)


def command(name: str, help: str, *arguments: Arg) -> Callable[[Callable], Command]:
    """Declare a command: its name, one-line help and arguments. Nothing is registered;
    list the command in :func:`commands`."""
    def declare(fn: Callable[[argparse.Namespace], None]) -> Command:
        return Command(name, help, fn, arguments)
    return declare


# --------------------------------------------------------------------------- helpers

def parse_evidence(items: Sequence[str]) -> dict[str, EvidenceValue]:
    """``["a=yes", "b=x|y"]`` -> ``{"a": "yes", "b": ["x", "y"]}``; one-line errors for words
    that are not ID=STATE, empty ids or states, and an id given twice."""
    out: dict[str, EvidenceValue] = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"{PROG}: evidence '{item}' must be ID=STATE, e.g. "
                             "fasciculations=yes")
        key, value = (part.strip() for part in item.split("=", 1))
        if not key:
            raise UsageError(f"{PROG}: evidence '{item}' has no ID before '='")
        states = [s.strip() for s in value.split("|")]
        if not all(states):
            raise UsageError(f"{PROG}: evidence '{item}' has an empty state; write "
                             f"{key}=STATE or {key}=STATE1|STATE2")
        if len(set(states)) < len(states):
            raise UsageError(f"{PROG}: evidence '{item}' repeats a state")
        if key in out:
            raise UsageError(f"{PROG}: '{key}' is given twice in the evidence ({out[key]!r} and "
                             f"{value!r}); give it once, or a set of states as {key}=A|B")
        out[key] = states[0] if len(states) == 1 else states
    return out


def load_model(args: argparse.Namespace) -> TwitchModel:
    from .api import load

    return load(args.priors)


def emit(args: argparse.Namespace, payload: dict, text: Callable[[], str]) -> None:
    if args.json:
        print(json.dumps(payload, indent=2, allow_nan=False))
    else:
        print(text())


def records(df: pd.DataFrame, infinite_as_null: bool = False) -> list[dict]:
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


PROBABILITY_COLUMNS = ("prior", "low", "high", "twitching_would_stop")


def table(df: pd.DataFrame, cols: list[str], top: int | None = None) -> str:
    """The columns as text; probabilities formatted ("3.1%", "2 in 1,000"), other numbers with
    three decimals."""
    from .present.format import format_probability

    df = df.head(top) if top else df
    shown = df[cols].copy()
    for c in cols:
        if c.startswith("prob") or c in PROBABILITY_COLUMNS:
            shown[c] = shown[c].map(format_probability)
        elif pd.api.types.is_float_dtype(shown[c]):
            shown[c] = shown[c].map(lambda x: f"{x:.3f}")
    return shown.to_string(index=False)


def format_dist(dist: dict[str, float]) -> str:
    from .present.format import format_probability

    return "\n".join(f"{s:<24} {format_probability(p)}" for s, p in dist.items())


# --------------------------------------------------------------------------- commands

@command("nodes", "list the vocabulary: id, role, label, states")
def nodes(args: argparse.Namespace) -> None:
    m = load_model(args)
    rows = [{"id": n.id, "role": n.role, "label": n.label, "states": list(n.states)}
            for n in m.nodes.values()]
    emit(args, {"nodes": rows}, lambda: "\n".join(
        f"{r['id']:<32} {r['role']:<10} {r['label']}  [{', '.join(r['states'])}]" for r in rows))


@command("diagnose", "the ranked differential for the evidence ID=STATE ...", EVIDENCE, TOP)
def diagnose(args: argparse.Namespace) -> None:
    m = load_model(args)
    df = m.differential(args.evidence)
    emit(args, {"evidence": args.evidence, "differential": records(df)},
         lambda: table(df, ["id", "label", "probability", "prior", "serious"], args.top)
         + f"\n\n{DISCLAIMER}")


@command("posterior", "the posterior distribution of one node: NODE ID=STATE ...",
         target("NODE", "twitchdx posterior als weakness=none"), EVIDENCE)
def posterior(args: argparse.Namespace) -> None:
    m = load_model(args)
    node, ev = args.target, args.evidence
    m.check_node(node)
    m.check_evidence(ev)
    if node in ev:
        raise UsageError(f"{PROG}: '{node}' is in the evidence; query an unobserved node")
    dist = m.posterior(ev, nodes=[node])[node]
    emit(args, {"node": node, "evidence": ev, "distribution": dist}, lambda: format_dist(dist))


@command("validate", "check a priors folder (default: the project's) and report the first "
         "error, if any",
         Arg("path", nargs="?", type=path_arg, default=None, metavar="PATH",
             help="priors folder to check (same as --priors)"),
         Arg("--no-catalog", action="store_true",
             help="skip the catalog vocabulary check (small teaching or test networks)"))
def validate(args: argparse.Namespace) -> None:
    from .knowledge import DEFAULT_PRIORS, load_knowledge_base

    if args.path and args.priors and args.path != args.priors:
        raise UsageError(f"{PROG} validate: two folders given ({args.path!r} and "
                         f"--priors {args.priors!r}); give one")
    folder = args.path or args.priors
    kb = load_knowledge_base(folder, check_catalog=not args.no_catalog)
    payload = {"valid": True, "folder": str(folder or DEFAULT_PRIORS), "nodes": len(kb.nodes),
               "parameters": len(kb.params), "sources": len(kb.sources)}
    emit(args, payload, lambda: f"valid: {len(kb.nodes)} nodes, {len(kb.params)} parameters, "
         f"{len(kb.sources)} sources in {payload['folder']}")


@command("schema", "print the JSON Schema of the priors files (for editors and CI)",
         Arg("--path", action="store_true", help="print where the schema file is instead"))
def schema(args: argparse.Namespace) -> None:
    from importlib import resources

    path = resources.files(__package__) / "schema" / "priors.schema.json"
    print(str(path) if args.path else path.read_text(encoding="utf-8").rstrip())


BASIC = (nodes, diagnose, posterior, validate, schema)


def commands() -> tuple[Command, ...]:
    """Every command of the program, in the order ``twitchdx --help`` lists them."""
    from . import evaluation_cli, kb_cli, reasoning_cli, teaching_cli

    return (*BASIC, *reasoning_cli.COMMANDS, *teaching_cli.COMMANDS, *evaluation_cli.COMMANDS,
            *kb_cli.COMMANDS)


# --------------------------------------------------------------------------- program

def build_parser(cmds: Sequence[Command] | None = None) -> argparse.ArgumentParser:
    cmds = commands() if cmds is None else cmds
    parser = _Parser(prog=PROG, description="TwitchDx differential-diagnosis model. "
                     + DISCLAIMER)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for cmd in cmds:
        p = sub.add_parser(cmd.name, help=cmd.help.replace("%", "%%"), description=cmd.help)
        for arg in (*cmd.arguments, *COMMON):
            arg.add_to(p)
    return parser


def one_line(message: str) -> str:
    line = " / ".join(part.strip() for part in message.splitlines() if part.strip())
    return line if len(line) <= MAX_MESSAGE else line[:MAX_MESSAGE - 1] + "…"


def _run(argv: list[str] | None) -> None:
    cmds = {c.name: c for c in commands()}
    args, extra = build_parser(list(cmds.values())).parse_known_args(argv)
    if not args.command:
        raise UsageError(f"{PROG}: give a command: {', '.join(cmds)} (see '{PROG} --help')")
    if extra:
        raise UsageError(f"{PROG} {args.command}: unexpected arguments {' '.join(extra)!r} "
                         f"(see '{PROG} {args.command} --help')")
    cmd = cmds[args.command]
    for arg in cmd.arguments:
        arg.finish(args, cmd)
    cmd(args)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 bad input)."""
    try:
        _run(argv)
    except SystemExit as exc:  # --help and --version print and exit 0
        return exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:  # `twitchdx nodes | head`
        return 0
    except UsageError as exc:
        message = str(exc)
    except TwitchDxError as exc:
        message = f"{PROG}: error: {exc}"
    except UnicodeError as exc:
        message = f"{PROG}: error: a file is not UTF-8 text ({exc})"
    except OSError as exc:  # a missing, unreadable or directory path given as a file
        message = f"{PROG}: error: {exc.strerror or exc}: {exc.filename}"
    except MemoryError:
        message = (f"{PROG}: error: out of memory: ask for less (fewer --samples or fewer "
                   "observations)")
    except RecursionError:
        message = f"{PROG}: error: input nested too deeply"
    else:
        return 0
    print(one_line(message), file=sys.stderr)
    return 2
