"""How probabilities, ratios, parameters and sources are written for people.

One home for every piece of wording that the app, the CLI and the notebooks share, so they
never disagree ("3.1 in 1,000" in one place and "0.31%" in another).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

# Cost tiers of a finding, as the model ranks them (model.information.COST_TIERS), in words.
COST_NAMES = {"question": "question", "examination": "examination", "blood_test": "blood test",
              "specialist_test": "specialist test"}
# Where a clinician looks for an item on an intake form (model.knowledge.Node.group values).
GROUP_NAMES = ("Patient", "Lifestyle and exposures", "Medications", "The twitching",
               "Other symptoms and signs", "Tests")
_TOLERANCE = 1e-9  # float sums can land a hair outside [0, 1]


def _check_probability(p: Any) -> float:
    try:
        x = float(p)
    except (TypeError, ValueError):
        raise ValueError(f"not a probability: {p!r}") from None
    if not math.isfinite(x) or x < -_TOLERANCE or x > 1 + _TOLERANCE:
        raise ValueError(f"not a probability (must lie in 0..1): {p!r}")
    return min(max(x, 0.0), 1.0)


def format_probability(p: float) -> str:
    """A probability in the form people read correctly.

    '23.4%' from 1% up, '3.1 in 1,000' and '4.0 in 100,000' below it, 'under 1 in 100,000'
    for rarer, '0' and '100%' only for exact certainty, '>99.9%' for nearly certain.

    The unit is chosen after rounding, so a value never shows as '10.0 in 1,000' (that is
    1.0%) or '100.0%' (that is certainty).

    Parameters
    ----------
    p : float
        A probability in [0, 1].

    Returns
    -------
    str

    Raises
    ------
    ValueError
        ``p`` is not a number in [0, 1] (NaN, infinite, negative or above 1).
    """
    x = _check_probability(p)
    if x == 0.0:
        return "0"
    if x == 1.0:
        return "100%"
    if round(100 * x, 1) >= 100.0:
        return ">99.9%"
    if round(100 * x, 1) >= 1.0:
        return f"{100 * x:.1f}%"
    if round(1000 * x, 1) >= 1.0:
        return f"{1000 * x:.1f} in 1,000"
    if round(100_000 * x, 1) >= 1.0:
        return f"{100_000 * x:.1f} in 100,000"
    return "under 1 in 100,000"


def natural_frequency(p: float, denominator: int = 1000) -> str:
    """'about N out of 1,000' (natural frequencies, for teaching)."""
    x = _check_probability(p)
    n = x * denominator
    if round(n) >= 1:
        if round(n) == denominator and x < 1.0:
            return f"nearly all {denominator:,} out of {denominator:,}"
        return f"about {round(n):,} out of {denominator:,}"
    if n > 0:
        return f"fewer than 1 out of {denominator:,}"
    return f"none out of {denominator:,}"


def arrow(before: float, after: float, tol: float = 1e-12) -> str:
    """↑, ↓ or → for a change of probability."""
    if after > before + tol:
        return "↑"
    if after < before - tol:
        return "↓"
    return "→"


def format_ratio(x: float) -> str:
    """A likelihood or probability ratio for people: '×3.11', '÷82.1', '×2,240'."""
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"not a ratio: {x!r}")
    if x == 0:
        return "×0"
    value = x if x >= 1 else 1 / x
    text = f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
    return ("×" if x >= 1 else "÷") + text


def logit(p: float, eps: float = 1e-9) -> float:
    """log(p / (1 - p)), with p clipped to [eps, 1 - eps] so certainty stays finite."""
    x = min(max(float(p), eps), 1 - eps)
    return math.log(x / (1 - x))


def shorten(text: Any, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis and the length it had."""
    s = str(text)
    if len(s) <= limit:
        return s
    return f"{s[:limit]}… ({len(s):,} characters)"


def cost_name(cost: str | None) -> str:
    """'blood test' for 'blood_test' (a finding's cost tier in words)."""
    return COST_NAMES.get(cost or "question", str(cost))


def group_name(node: Any) -> str:
    """The intake-form group of a node (Patient, The twitching, Tests ...)."""
    return str(node.group)


def _label(m: Any, nid: str) -> str:
    node = m.nodes.get(nid)
    return node.label if node is not None else nid


def citation_text(m: Any, p: Any) -> tuple[str, str | None]:
    """(text, url) saying where a parameter comes from: the citation and its note, or
    'Expert estimate: <reasoning>'."""
    if p.source == "expert":
        return f"Expert estimate: {p.note or ''}".strip(), None
    src = m.kb.sources.get(p.source) or {}
    cite = str(src.get("citation", p.source))
    if p.note:
        cite = f"{cite} — {p.note}"
    return cite, src.get("url")


def describe_parameter(m: Any, p: Any) -> str:
    """A parameter in words: 'ALS = present alone causes Weakness = worsening'."""
    node = m.nodes[p.node]
    path = tuple(p.path)
    kind = path[0]

    def sname(s: str) -> str:
        return node.state_label(s)

    default = node.states[1] if len(node.states) > 1 else node.states[0]
    if kind == "prior":
        state = path[1] if len(path) > 1 else default
        return f"{node.label} = {sname(state)} in the population"
    if kind == "leak":
        k = len(node.leak_by)
        strata, rest = path[1:1 + k], path[1 + k:]
        state = rest[0] if rest else default
        where = ", ".join(f"{_label(m, b)} {m.nodes[b].state_label(s)}"
                          for b, s in zip(node.leak_by, strata, strict=False))
        return (f"{node.label} = {sname(state)} from causes the model does not list"
                + (f" ({where})" if where else ""))
    if kind == "links":
        parent, pstate = path[1], path[2]
        state = path[3] if len(path) > 3 else default
        return (f"{_label(m, parent)} = {m.nodes[parent].state_label(pstate)} alone causes "
                f"{node.label} = {sname(state)}")
    if kind == "rows":
        row = node.rows[int(path[1])]
        state = path[2] if len(path) > 2 else default
        cond = ", ".join(f"{_label(m, k)} = {m.nodes[k].state_label(v)}"
                         for k, v in row.when.items()) or "otherwise"
        return f"{node.label} = {sname(state)} when {cond}"
    return p.name


def short_parameter(m: Any, p: Any) -> str:
    """A compact name for a parameter (chart labels): 'ALS → Tongue twitching'."""
    node = m.nodes[p.node]
    path = tuple(p.path)
    kind = path[0]
    multi = len(node.states) > 2
    if kind == "prior":
        state = path[1] if len(path) > 1 else node.states[1]
        return f"How common: {node.label}" + (f" ({node.state_label(state)})" if multi else "")
    if kind == "leak":
        k = len(node.leak_by)
        strata = ", ".join(m.nodes[b].state_label(s)
                           for b, s in zip(node.leak_by, path[1:1 + k], strict=False))
        rest = path[1 + k:]
        state = f" = {node.state_label(rest[0])}" if rest and multi else ""
        return (f"{node.label}{state} from unlisted causes"
                + (f" ({strata})" if strata else ""))
    if kind == "links":
        state = f" ({node.state_label(path[3])})" if len(path) > 3 and multi else ""
        return f"{_label(m, path[1])} → {node.label}{state}"
    return describe_parameter(m, p)


def what_moved(before: pd.DataFrame, after: pd.DataFrame, top: int = 6) -> pd.DataFrame:
    """The entries whose probability moved most between two differentials.

    Parameters
    ----------
    before, after : DataFrame
        Differentials with columns ``id, label, probability`` (``m.differential`` output).
    top : int
        How many entries to keep.

    Returns
    -------
    DataFrame
        Columns ``id, label, before, after, change, ratio`` (``ratio`` = after / before, NaN
        where either is 0), sorted by the absolute change, largest first; entries in only one
        of the two (e.g. an exposure that was just entered) are left out.
    """
    both = after[["id", "label", "probability"]].merge(
        before[["id", "probability"]], on="id", suffixes=("", "_before"))
    out = pd.DataFrame({
        "id": both["id"], "label": both["label"],
        "before": both["probability_before"].astype(float),
        "after": both["probability"].astype(float)})
    out["change"] = out["after"] - out["before"]
    with_zero = (out["before"] <= 0) | (out["after"] <= 0)
    out["ratio"] = (out["after"] / out["before"].where(~with_zero)).astype(float)
    order = out["change"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].head(top).reset_index(drop=True)


def moved_text(row: Mapping[str, Any]) -> str:
    """'12.1% → 5.2 in 1,000 (÷23.5)' for one row of :func:`what_moved`."""
    text = f"{format_probability(row['before'])} → {format_probability(row['after'])}"
    r = row.get("ratio")
    if r is not None and math.isfinite(r) and arrow(row["before"], row["after"]) != "→":
        text += f" ({format_ratio(r)})"
    return text
