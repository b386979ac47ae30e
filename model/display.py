"""How probabilities are shown to people (shared by the CLI, the app and the notebooks)."""

from __future__ import annotations

import math


def format_probability(p: float) -> str:
    """A probability in the form people read correctly: '23.4%', '3.1 in 1,000', '4 in 100,000'."""
    if p is None or not math.isfinite(p):
        raise ValueError(f"not a probability: {p!r}")
    if p >= 0.01:
        return f"{100 * p:.1f}%"
    if p >= 0.001:
        return f"{1000 * p:.1f} in 1,000"
    if p >= 0.00001:
        return f"{100_000 * p:.1f} in 100,000"
    if p > 0:
        return "under 1 in 100,000"
    return "0"


def natural_frequency(p: float, denominator: int = 1000) -> str:
    """'about N out of 1,000 people like this' (natural frequencies, for teaching)."""
    n = p * denominator
    if n >= 1:
        return f"about {round(n):,} out of {denominator:,}"
    if n > 0:
        return f"fewer than 1 out of {denominator:,}"
    return f"none out of {denominator:,}"


def arrow(before: float, after: float, tol: float = 1e-12) -> str:
    if after > before + tol:
        return "↑"
    if after < before - tol:
        return "↓"
    return "→"


def _label(m, nid: str) -> str:
    node = m.nodes.get(nid)
    return node.label if node is not None else nid


def describe_parameter(m, p) -> str:
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
        return (f"{node.label} = {sname(state)} with none of its listed causes"
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


def short_parameter(m, p) -> str:
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
        return f"{node.label}{state}, other causes" + (f" ({strata})" if strata else "")
    if kind == "links":
        state = f" ({node.state_label(path[3])})" if len(path) > 3 and multi else ""
        return f"{_label(m, path[1])} → {node.label}{state}"
    return describe_parameter(m, p)
