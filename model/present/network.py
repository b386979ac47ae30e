"""The network picture: one Graphviz DOT builder for the app (``st.graphviz_chart``) and the
notebooks (``graphviz.Source(dot)`` or any DOT viewer).

The picture is a neighbourhood, not the whole network: the chosen node, its parents and
children (and, at depth 2, theirs, capped so the picture stays readable), laid out in columns
by role from context on the left to findings on the right.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from .format import format_probability

ROLE_ORDER = ("context", "exposure", "state", "condition", "mechanism", "finding")
ROLE_TITLES = {"context": "Patient", "exposure": "Exposures", "state": "States",
               "condition": "Conditions", "mechanism": "Mechanisms", "finding": "Findings"}
OBSERVED = {"fillcolor": "#dbeafe", "color": "#2563eb"}
HIGHLIGHT = {"fillcolor": "#fed7aa", "color": "#c2410c"}
MAX_NODES = 28
# prior -> posterior shift of P(present), binned by the factor on its odds: (upper bound of the
# factor, fill, legend text). Green: less likely than before; orange: more likely.
SHIFT_SCALE = ((1 / 10, "#74c476", "odds ÷10 or more"), (1 / 3, "#a1d99b", "÷3 to ÷10"),
               (1 / 1.3, "#e5f5e0", "÷1.3 to ÷3"), (1.3, "#f8fafc", "about the same"),
               (3, "#fee8c8", "×1.3 to ×3"), (10, "#fdbb84", "×3 to ×10"),
               (float("inf"), "#ef8a62", "×10 or more"))


def odds_factor(before: float, after: float) -> float:
    """The factor by which the odds of ``before`` were multiplied to give ``after`` (0 or inf
    when one end is certain)."""
    if before == after:
        return 1.0
    if before <= 0 or after >= 1:
        return float("inf")
    if after <= 0 or before >= 1:
        return 0.0
    return (after / (1 - after)) / (before / (1 - before))


def shift_colour(before: float, after: float) -> str:
    """The fill for a node whose P(present) moved from ``before`` to ``after``."""
    f = odds_factor(before, after)
    return next(colour for bound, colour, _ in SHIFT_SCALE if f < bound or bound == float("inf"))


def shift_legend() -> str:
    """A DOT HTML-label table of the shift colours (the picture's legend)."""
    cells = "".join(f'<TD BGCOLOR="{c}">{t}</TD>' for _, c, t in SHIFT_SCALE)
    return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
            '<TR><TD COLSPAN="7">Change since before any evidence (odds of being present)</TD>'
            f"</TR><TR>{cells}</TR></TABLE>>")


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def neighbourhood(m: Any, center: str, depth: int = 1, limit: int = MAX_NODES) -> list[str]:
    """Node ids within ``depth`` steps of ``center`` (parents and children), nearest first,
    at most ``limit`` of them."""
    children: dict[str, list[str]] = {n: [] for n in m.ids}
    for n in m.ids:
        for p in m.nodes[n].parents:
            children[p].append(n)
    order, frontier = [center], [center]
    for _ in range(max(0, int(depth))):
        nxt: list[str] = []
        for n in frontier:
            for k in (*m.nodes[n].parents, *children[n]):
                if k not in order and k not in nxt:
                    nxt.append(k)
        order += nxt
        frontier = nxt
    return order[:limit]


def network_dot(m: Any, center: str, evidence: Mapping[str, Any] | None = None,
                highlight: Iterable[str] = (), depth: int = 1,
                limit: int = MAX_NODES,
                shift: Mapping[str, tuple[float, float]] | None = None) -> str:
    """DOT text of the network around ``center``.

    Parameters
    ----------
    m : TwitchModel
    center : node id drawn with a thick outline.
    evidence : observed items (drawn blue, with their state).
    highlight : ids to draw orange (e.g. the top of the differential; serious ones outlined
        red) when they are in the picture.
    depth : 1 (parents and children) or 2 (and theirs).
    limit : most nodes drawn (nearest first).
    shift : ``{node id: (P(present) before any evidence, P(present) now)}``; when given, every
        unobserved node drawn is filled by the change in its odds (:data:`SHIFT_SCALE`, with a
        legend) and labelled "before → now"; highlighted nodes then keep only their outline.

    Returns
    -------
    str
        A ``digraph`` with arrows from cause to effect, in columns by role.
    """
    ev = dict(evidence or {})
    hi = set(highlight)
    shown = neighbourhood(m, center, depth, limit)
    lines = ["digraph G {",
             'rankdir=LR; bgcolor="transparent"; nodesep=0.12; ranksep=0.55; newrank=true;',
             'node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12, '
             'fillcolor="#f8fafc", color="#94a3b8", margin="0.12,0.05"];',
             'edge [color="#94a3b8", arrowsize=0.7];']
    by_role: dict[str, list[str]] = {r: [] for r in ROLE_ORDER}
    for n in shown:
        by_role.setdefault(m.nodes[n].role, []).append(n)
    for role, ids in by_role.items():
        if not ids:
            continue
        lines.append(f"subgraph {_q('cluster_' + role)} {{ label={_q(ROLE_TITLES.get(role, role))};"
                     ' fontname="Helvetica"; fontsize=11; fontcolor="#64748b"; style="dashed";'
                     ' color="#e2e8f0";')
        for n in ids:
            node = m.nodes[n]
            text = "\n".join(textwrap.wrap(node.label, 24))
            attrs: dict[str, str] = {}
            if n in ev:
                value = ev[n]
                states = value if isinstance(value, (list, tuple)) else [value]
                text += "\n= " + " or ".join(node.state_label(str(s)) for s in states)
                attrs.update(OBSERVED)
            elif shift is not None and n in shift:
                before, after = shift[n]
                text += f"\n{format_probability(before)} → {format_probability(after)}"
                attrs["fillcolor"] = shift_colour(before, after)
                if n in hi:
                    attrs.update(color="#b91c1c" if node.serious else HIGHLIGHT["color"],
                                 penwidth="2")
            elif n in hi:
                attrs.update(HIGHLIGHT)
                if node.serious:
                    attrs["color"] = "#b91c1c"
                    attrs["penwidth"] = "2"
            if node.role == "mechanism":
                attrs["style"] = "rounded,filled,dashed"
            if n == center:
                attrs["penwidth"] = "3.5"
            attr = "".join(f", {k}={_q(v)}" for k, v in attrs.items())
            lines.append(f"  {_q(n)} [label={_q(text)}{attr}];")
        lines.append("}")
    shown_set = set(shown)
    for n in shown:
        for p in m.nodes[n].parents:
            if p in shown_set:
                lines.append(f"{_q(p)} -> {_q(n)};")
    if shift is not None:
        lines.append(f'label={shift_legend()}; labelloc="b"; fontname="Helvetica"; '
                     'fontsize=10;')
    lines.append("}")
    return "\n".join(lines)
