"""Red flags: each entered finding whose state the knowledge base flags (priors/, field
``red_flags``), and the combinations in ``explorer/red_flags.yaml`` (e.g. upper plus lower
motor neuron signs together)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import streamlit as st

from ..state import Evidence, item_text

COMBINATIONS = Path(__file__).resolve().parents[1] / "red_flags.yaml"


@dataclass
class Flag:
    title: str  # what was found (our own words or labels)
    reason: str
    items: list[str]  # the evidence ids behind it


@lru_cache(maxsize=1)
def combinations() -> list[dict]:
    from ruamel.yaml import YAML

    doc = YAML(typ="safe").load(COMBINATIONS.read_text(encoding="utf-8"))
    return list(doc.get("combinations") or [])


def holds(cond: Any, ev: Evidence, used: list[str]) -> bool:
    """Whether a combination condition holds; appends the items that made it hold."""
    if "all" in cond:
        mark = len(used)
        if all(holds(c, ev, used) for c in cond["all"]):
            return True
        del used[mark:]
        return False
    if "any" in cond:
        return any(holds(c, ev, used) for c in cond["any"])
    ((nid, want),) = cond.items()
    wanted = {str(w) for w in want} if isinstance(want, list) else {str(want)}
    value = ev.get(nid)
    if value is None:
        return False
    states = {value} if isinstance(value, str) else set(value)
    if states <= wanted:
        used.append(nid)
        return True
    return False


def node_flag(node: Any, value: Any) -> str | None:
    """A node's red-flag reason for a value (a set: only if every state in it is flagged)."""
    states = [value] if isinstance(value, str) else list(value)
    reasons = [node.red_flags.get(s) for s in states]
    return reasons[0] if reasons and all(reasons) else None


def red_flags(m: Any, ev: Evidence) -> list[Flag]:
    """Combination flags first (they say most), then each flagged finding."""
    flags = []
    for combo in combinations():
        used: list[str] = []
        if holds(combo["when"], ev, used):
            flags.append(Flag(str(combo["title"]), str(combo["reason"]),
                              list(dict.fromkeys(used))))
    for nid, value in ev.items():
        reason = node_flag(m.nodes[nid], value)
        if reason:
            flags.append(Flag(item_text(m, nid, value), reason, [nid]))
    return flags


def draw(m: Any, ev: Evidence) -> None:
    flags = red_flags(m, ev)
    if not flags:
        return
    lines = []
    for f in flags:
        because = ""
        if len(f.items) > 1:
            because = " (" + "; ".join(item_text(m, k, ev[k]) for k in f.items) + ")"
        lines.append(f"- **{f.title}**{because} — {f.reason}")
    st.error(f"**Red flags — see a doctor promptly ({len(flags)})**\n\n" + "\n".join(lines),
             icon=":material/emergency:")
