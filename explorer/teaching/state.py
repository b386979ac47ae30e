"""The teaching session as a plain object (no Streamlit): the interview (its starting complaint,
the answers in the order given, the goal), the learner's forecasts so far, and the page
address that replays an interview.

The address: ``?mode=interview&goal=serious&start=age:18_to_39,fasciculations:yes&path=
weakness:none,emg:-`` — items ``id:state`` joined by commas, a set of states ``a|b``, and
``-`` for "don't know". Reading never rejects a whole link for one bad item: the good items
are kept (the path up to its first bad answer) and each dropped one is named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from model.present.format import shorten

from ..state import SEP, Evidence, Value, encode_value, parse_value, read_evidence

DONT_KNOW = "-"
MODES = ("interview", "predict", "naive", "network")
GOALS = ("entropy", "serious")
SHOW = 40

Answer = Value | None  # None = "don't know"


def encode_items(items: list[tuple[str, Answer]]) -> str:
    return ",".join(f"{k}:{DONT_KNOW if v is None else encode_value(v)}" for k, v in items)


def split_items(text: str) -> list[tuple[str, str]]:
    out = []
    for part in str(text).split(","):
        part = part.strip()
        if part:
            k, _, v = part.partition(":")
            out.append((k.strip(), v.strip()))
    return out


@dataclass
class Result:
    """One entry a learner forecast: what they said, what the model says. ``kind`` is
    ``probability`` (``stated`` a probability) or ``rank`` (``stated`` the learner's rank,
    ``exact`` the model's probability)."""

    forecast: int  # the forecast's number in this session
    on: str  # what was forecast: a case's neutral label, or "interview"
    kind: str
    entry: str
    label: str
    stated: float
    exact: float
    verdict: str
    brier: float | None = None  # of the whole forecast it belongs to
    log_score: float | None = None
    kendall_tau: float | None = None


@dataclass
class TeachState:
    """What the learner is doing. Pure data; the page reads it and callbacks change it."""

    start: Evidence = field(default_factory=dict)
    path: list[tuple[str, Answer]] = field(default_factory=list)
    goal: str = "entropy"
    cost_aware: bool = True
    mode: str = "interview"
    focus: str | None = None  # the entry naive-vs-exact and the network are about
    # predict first
    case_id: str | None = None  # None with predict_source "interview"
    predict_source: str = "case"
    serial: int = 0  # bumped for each new forecast (fresh input widgets)
    revealed: bool = False
    last: Any = None  # the last scored forecast (a DataFrame with attrs)
    results: list[Result] = field(default_factory=list)
    forecasts: int = 0
    revision: int = 0  # bumped on every change of the interview's evidence
    messages: list[tuple[str, str, str]] = field(default_factory=list)

    # -- the interview --------------------------------------------------------------------
    @property
    def evidence(self) -> Evidence:
        """The start and every answer but "don't know" (a later answer wins)."""
        ev = dict(self.start)
        for k, v in self.path:
            if v is not None:
                ev[k] = v
        return ev

    @property
    def skipped(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.path if v is None)

    def begin(self, start: Mapping[str, Value]) -> None:
        self.start = dict(start)
        self.path = []
        self.focus = None
        self.revision += 1

    def answer(self, nid: str, value: Answer) -> None:
        """Record an answer (replacing an earlier answer to the same question)."""
        self.path = [(k, v) for k, v in self.path if k != nid]
        if nid in self.start:
            self.start = {k: v for k, v in self.start.items() if k != nid}
        self.path.append((nid, value))
        self.revision += 1

    def forget(self, nid: str) -> None:
        """Make ``nid`` unknown again, wherever it was entered."""
        self.path = [(k, v) for k, v in self.path if k != nid]
        self.start = {k: v for k, v in self.start.items() if k != nid}
        self.revision += 1

    def undo(self) -> None:
        if self.path:
            self.path.pop()
            self.revision += 1

    def snapshot(self) -> tuple[Evidence, list[tuple[str, Answer]]]:
        return dict(self.start), list(self.path)

    def restore(self, snap: tuple[Evidence, list[tuple[str, Answer]]]) -> None:
        self.start, self.path = dict(snap[0]), list(snap[1])
        self.revision += 1

    # -- forecasts ------------------------------------------------------------------------
    def new_forecast(self) -> None:
        self.serial += 1
        self.revealed = False
        self.last = None

    def say(self, kind: str, text: str, detail: str = "") -> None:
        self.messages.append((kind, text, detail))

    def take_messages(self) -> list[tuple[str, str, str]]:
        out, self.messages = self.messages, []
        return out

    # -- the address ----------------------------------------------------------------------
    def query(self) -> dict[str, str]:
        q: dict[str, str] = {"mode": self.mode}
        if self.start:
            q["start"] = encode_items(list(self.start.items()))
        if self.path:
            q["path"] = encode_items(self.path)
        if self.goal != "entropy":
            q["goal"] = self.goal
        if not self.cost_aware:
            q["cost"] = "0"
        if self.focus:
            q["focus"] = self.focus
        return q


def read_query(m: Any, params: Mapping[str, str]) -> tuple[TeachState, list[str]]:
    """A teaching state from the page address, and one problem line per item dropped."""
    ts = TeachState()
    problems: list[str] = []
    mode = params.get("mode")
    if mode in MODES:
        ts.mode = mode
    elif mode:
        problems.append(f"'{shorten(mode, SHOW)}' is not a teaching mode; use one of "
                        + ", ".join(MODES))
    goal = params.get("goal")
    if goal in GOALS:
        ts.goal = goal
    elif goal:
        problems.append(f"'{shorten(goal, SHOW)}' is not a goal; use entropy or serious")
    ts.cost_aware = params.get("cost", "1") != "0"
    raw_start = dict(split_items(params.get("start", "")))
    start, more = read_evidence(m, raw_start)
    problems += more
    ts.start = start
    for k, v in split_items(params.get("path", "")):
        node = m.nodes.get(k)
        if node is None or node.role != "finding":
            problems.append(f"'{shorten(k, SHOW)}' is not a question the interview asks; "
                            "the path stops before it")
            break
        if v == DONT_KNOW:
            ts.path.append((k, None))
            continue
        try:
            value = parse_value(node, v)
        except ValueError as exc:
            problems.append(f"{exc}; the path stops before it")
            break
        ts.path.append((k, value))
    focus = params.get("focus")
    if focus and focus in m.nodes:
        ts.focus = focus
    elif focus:
        problems.append(f"'{shorten(focus, SHOW)}' is not an entry TwitchDx knows")
    return ts, problems


__all__ = ["DONT_KNOW", "MODES", "SEP", "Answer", "Result", "TeachState", "encode_items",
           "read_query", "split_items"]
