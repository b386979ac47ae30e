"""The scenario a user is looking at, as a plain object (no Streamlit): the evidence in the
order it was entered, the previous evidence (for "what changed"), a pinned scenario A, a pinned
focus entry, the loaded teaching case and the messages to show once.

It also reads and writes the two ways a scenario travels: the page address
(``?fasciculations=yes&weakness=mild_stable|progressive``) and a scenario file (JSON or YAML).
Reading never rejects a whole link for one bad item: the good items are kept and each dropped
one is named, with long values shortened.

Evidence values are a state id, or a tuple of two or more state ids meaning "one of these"
(set-valued evidence, written ``a|b`` in links and files, a list in JSON/YAML).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from model.present.format import GROUP_NAMES, shorten

UNKNOWN = "unknown"
SEP = "|"
SCENARIO_FORMAT = "twitchdx-scenario/1"
MAX_SCENARIO_BYTES = 1024 * 1024  # = server.maxUploadSize (1 MB) in .streamlit/config.toml
MAX_DEPTH = 20  # nesting of a scenario file; a real one is two levels deep
SHOW = 40  # characters of a bad key or value quoted back in a message

Value = str | tuple[str, ...]
Evidence = dict[str, Value]


class ScenarioError(Exception):
    """A scenario file that cannot be read at all (message is friendly, one line)."""


def entry_ids(m: Any) -> list[str]:
    """Items a user can enter (the intake-form groups), in model order."""
    return [n for n in m.ids if m.nodes[n].group in GROUP_NAMES]


def is_multi(node: Any) -> bool:
    """Findings with more than two states get a "yes, not sure which" choice."""
    return node.role == "finding" and len(node.states) > 2


def unsure_states(node: Any) -> tuple[str, ...]:
    """The states behind "yes, not sure which": every state but the first (baseline)."""
    return tuple(node.states[1:])


def unsure_label(node: Any) -> str:
    base = node.states[0]
    if base in ("no", "none", "normal"):
        return "yes, not sure which"
    return "one of: " + " / ".join(node.state_label(s) for s in unsure_states(node))


def encode_value(value: Value) -> str:
    return value if isinstance(value, str) else SEP.join(value)


def value_text(node: Any, value: Value) -> str:
    """A value in words: 'worsening', or 'mild, not worsening or worsening'."""
    if isinstance(value, str):
        return node.state_label(value)
    if tuple(value) == unsure_states(node) and unsure_label(node) == "yes, not sure which":
        return "yes, not sure which (" + " or ".join(node.state_label(s) for s in value) + ")"
    return " or ".join(node.state_label(s) for s in value)


def item_text(m: Any, nid: str, value: Value) -> str:
    node = m.nodes[nid]
    return f"{node.label}: {value_text(node, value)}"


def evidence_key(ev: Mapping[str, Value]) -> tuple[tuple[str, Value], ...]:
    """A hashable, order-independent key (for caches; not for why, where order matters)."""
    return tuple(sorted(ev.items()))


def ordered_key(ev: Mapping[str, Value]) -> tuple[tuple[str, Value], ...]:
    return tuple(ev.items())


def to_model(ev: Mapping[str, Value]) -> dict[str, Any]:
    """Evidence as the model API takes it (a set of states as a list)."""
    return {k: (v if isinstance(v, str) else list(v)) for k, v in ev.items()}


def parse_value(node: Any, raw: Any, allow_sets: bool = True) -> Value | None:
    """A state, a tuple of states (in the node's order), or None for unknown.

    Raises
    ------
    ValueError
        With a message naming the bad state (shortened) and the valid ones.
    """
    if raw is True or raw is False:  # YAML 1.1 habit: a bare yes/no becomes a boolean
        raw = "yes" if raw else "no"
    if isinstance(raw, (list, tuple)):
        parts = [str(x) for x in raw]
    else:
        text = str(raw).strip() if raw is not None else ""
        if text in ("", UNKNOWN):
            return None
        parts = text.split(SEP) if SEP in text else [text]
    parts = [p.strip() for p in parts if p.strip() not in ("", UNKNOWN)]
    bad = [p for p in parts if p not in node.states]
    if bad:
        choices = ", ".join(f"'{s}'" for s in node.states)
        raise ValueError(f"'{shorten(bad[0], SHOW)}' is not a state of {node.label} "
                         f"('{node.id}'); use one of {choices} or 'unknown'")
    chosen = tuple(s for s in node.states if s in set(parts))
    if not chosen:
        return None
    if len(chosen) == 1:
        return chosen[0]
    if len(chosen) == len(node.states):
        return None  # "any state" says nothing
    if not allow_sets:
        raise ValueError(f"{node.label} ('{node.id}') can take one state only here")
    return chosen


def read_evidence(m: Any, raw: Mapping[str, Any], allow_sets: bool = True
                  ) -> tuple[Evidence, list[str]]:
    """Evidence from a link or file mapping, and one problem line per item dropped.

    A value given as a list of more than one string from a *link* means the key was repeated
    (``?a=yes&a=no``); a file's list is a set of states. Callers pass links as
    ``{key: [values...]}`` only when repeated.
    """
    ids = entry_ids(m)
    allowed = set(ids)
    ev: Evidence = {}
    problems: list[str] = []
    for key, value in raw.items():
        key = str(key)
        node = m.nodes.get(key)
        if node is None:
            close = difflib.get_close_matches(key, ids, n=1) if len(key) < 100 else []
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"'{shorten(key, SHOW)}' is not an item TwitchDx knows{hint}")
            continue
        if key not in allowed:
            problems.append(f"'{key}' ({node.label}) is a {node.role} the model infers; it "
                            "cannot be entered as evidence")
            continue
        try:
            v = parse_value(node, value, allow_sets=allow_sets)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if v is not None:
            ev[key] = v
    return ev, problems


def read_query(m: Any, params: Mapping[str, list[str]]) -> tuple[Evidence, list[str]]:
    """Evidence from query parameters ``{key: [value, ...]}`` (repeated keys refused)."""
    single: dict[str, Any] = {}
    problems: list[str] = []
    for key, values in params.items():
        if len(values) > 1:
            node = m.nodes.get(key)
            name = f"{node.label} ('{key}')" if node is not None else f"'{shorten(key, SHOW)}'"
            problems.append(f"{name} is given more than once")
            continue
        single[key] = values[0] if values else ""
    ev, more = read_evidence(m, single)
    return ev, problems + more


def query_params(ev: Mapping[str, Value]) -> dict[str, str]:
    """The page address's parameters for this evidence (one per observed item)."""
    return {k: encode_value(v) for k, v in ev.items()}


def _depth(x: Any, limit: int) -> int:
    stack = [(x, 1)]
    deepest = 0
    while stack:
        y, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(y, Mapping):
            stack += [(v, d + 1) for v in y.values()]
        elif isinstance(y, list):
            stack += [(v, d + 1) for v in y]
    return deepest


def parse_file(data: bytes) -> dict[str, Any]:
    """The evidence mapping in a scenario file (JSON, or YAML without aliases).

    Raises
    ------
    ScenarioError
        Too big, not UTF-8 text, not JSON/YAML, YAML with aliases, too deeply nested, or not a
        mapping.
    """
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"the file is {len(data):,} bytes; a scenario file must be under "
                            f"{MAX_SCENARIO_BYTES:,} bytes (1 MB)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("the file is not text (UTF-8 JSON or YAML expected)") from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ScenarioError("the file is nested too deeply to be a scenario") from None
    except ValueError:
        doc = _yaml(text)
    if _depth(doc, MAX_DEPTH) > MAX_DEPTH:
        raise ScenarioError("the file is nested too deeply to be a scenario")
    if isinstance(doc, Mapping) and "evidence" in doc:
        doc = doc["evidence"] if doc["evidence"] is not None else {}
    if not isinstance(doc, Mapping):
        raise ScenarioError("the file must hold a mapping of item ids to states, or "
                            "{\"evidence\": {...}}")
    return dict(doc)


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import AliasEvent

    yaml = YAML(typ="safe")
    try:
        # aliases can multiply a tiny file into gigabytes; a scenario never needs them
        for event in yaml.parse(text):
            if isinstance(event, AliasEvent):
                raise ScenarioError("the file uses YAML aliases (*name), which a scenario "
                                    "file may not")
        return yaml.load(text)
    except ScenarioError:
        raise
    except RecursionError:
        raise ScenarioError("the file is nested too deeply to be a scenario") from None
    except YAMLError:
        raise ScenarioError("the file is neither valid JSON nor valid YAML") from None


def scenario_document(m: Any, ev: Mapping[str, Value], disclaimer: str = "") -> str:
    """The scenario file's text (JSON): the evidence, a readable list and the disclaimer."""
    doc = {"format": SCENARIO_FORMAT, "evidence": to_model(ev),
           "readable": [item_text(m, k, v) for k, v in ev.items()]}
    if disclaimer:
        doc["note"] = disclaimer
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


@dataclass
class Message:
    """A message shown once: ``text`` is the app's own words (may be Markdown); ``detail`` may
    quote user input and is always shown as plain text."""

    kind: str  # error, warning, success, info
    text: str
    detail: str = ""


@dataclass
class Scenario:
    """What the user is looking at. Pure data; the page reads it and callbacks change it."""

    evidence: Evidence = field(default_factory=dict)
    previous: Evidence | None = None
    change_note: str = ""
    pinned: Evidence | None = None  # scenario A
    focus: str | None = None  # the entry Why/Sensitivity/Out-of-1,000 explain; None = top
    case_id: str | None = None
    case_serial: int = 0  # bumped on every case load (closes the reveal)
    revision: int = 0  # bumped on every change of evidence
    messages: list[Message] = field(default_factory=list)

    # -- evidence -------------------------------------------------------------------------
    def with_item(self, nid: str, value: Value | None) -> Evidence:
        """The evidence if ``nid`` were set to ``value`` (None = unknown); entry order kept."""
        ev = dict(self.evidence)
        if value is None or value == UNKNOWN:
            ev.pop(nid, None)
        else:
            ev[nid] = value  # an existing key keeps its place in the order
        return ev

    def replace(self, ev: Mapping[str, Value], note: str) -> bool:
        """Make ``ev`` the evidence; returns whether anything changed."""
        new = dict(ev)
        if new == self.evidence and list(new) == list(self.evidence):
            return False
        self.previous = dict(self.evidence)
        self.evidence = new
        self.change_note = note
        self.revision += 1
        return True

    def set(self, nid: str, value: Value | None, note: str) -> bool:
        return self.replace(self.with_item(nid, value), note)

    def clear(self) -> bool:
        self.case_id = None
        return self.replace({}, "Cleared all evidence")

    # -- A/B ------------------------------------------------------------------------------
    def pin(self) -> None:
        self.pinned = dict(self.evidence)

    def unpin(self) -> None:
        self.pinned = None

    def differences(self) -> list[str]:
        """Items that differ between A and the current evidence (in entry order)."""
        a, b = self.pinned or {}, self.evidence
        return [k for k in {**a, **b} if a.get(k) != b.get(k)]

    # -- cases ----------------------------------------------------------------------------
    def load_case(self, case_id: str, ev: Mapping[str, Value], note: str) -> None:
        self.case_id = case_id
        self.case_serial += 1
        self.replace(ev, note)

    # -- messages -------------------------------------------------------------------------
    def say(self, kind: str, text: str, detail: str = "") -> None:
        self.messages.append(Message(kind, text, detail))

    def take_messages(self) -> list[Message]:
        out, self.messages = self.messages, []
        return out


def changed_items(before: Mapping[str, Value], after: Mapping[str, Value]) -> list[str]:
    return [k for k in {**before, **after} if before.get(k) != after.get(k)]


def change_note(m: Any, before: Mapping[str, Value], after: Mapping[str, Value]) -> str:
    """'Muscle weakness → worsening; Numbness → unknown'."""
    parts = []
    for k in changed_items(before, after):
        node = m.nodes[k]
        parts.append(f"{node.label} → "
                     + (value_text(node, after[k]) if k in after else UNKNOWN))
    return "; ".join(parts)


def problems_text(problems: Iterable[str], limit: int = 8) -> str:
    items = list(problems)
    extra = f"; and {len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(items[:limit]) + extra + "."
