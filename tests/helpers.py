"""Shared test helpers: the models (built once) and independent reference computations."""

from __future__ import annotations

import itertools
from functools import lru_cache
from pathlib import Path

import numpy as np
import opt_einsum as oe

import model

ROOT = Path(__file__).resolve().parents[1]
SMALL_KB = ROOT / "tests" / "data" / "small_kb"


@lru_cache(maxsize=1)
def full_model() -> model.TwitchModel:
    return model.load()


@lru_cache(maxsize=1)
def small_model() -> model.TwitchModel:
    return model.load(SMALL_KB, check_catalog=False)


def brute_force_posterior(m: model.TwitchModel, evidence: dict[str, str]
                          ) -> tuple[float, dict[str, np.ndarray]]:
    """P(evidence) and every marginal, by building the full joint table from the CPTs."""
    ids = m.ids
    sym = {n: oe.get_symbol(i) for i, n in enumerate(ids)}
    ops, subs = [], []
    for n in ids:
        node = m.kb.nodes[n]
        ops.append(m.cpts[n][0])
        subs.append("".join(sym[p] for p in node.parents) + sym[n])
    joint = oe.contract(",".join(subs) + "->" + "".join(sym[n] for n in ids), *ops)
    for i, n in enumerate(ids):
        if n in evidence:
            mask = np.zeros(m.kb.nodes[n].card)
            mask[m.kb.nodes[n].states.index(evidence[n])] = 1
            joint = joint * mask.reshape([-1 if j == i else 1 for j in range(len(ids))])
    pe = float(joint.sum())
    margs = {}
    for i, n in enumerate(ids):
        axes = tuple(j for j in range(len(ids)) if j != i)
        margs[n] = joint.sum(axis=axes) / pe if pe > 0 else None
    return pe, margs


def brute_force_causing(m: model.TwitchModel, evidence: dict[str, str], cause: str,
                        effect: str) -> float:
    """P(cause present, effect = yes, effect would be no under do(cause = baseline) | evidence)
    by enumerating, depth first, every root state and every noisy-OR leak and link firing (the
    structural-equation form), in the factual and the counterfactual world."""
    kb = m.kb
    relevant = set(evidence) | {effect, cause}
    stack = list(relevant)
    while stack:  # ancestors: nothing else can change the answer
        for p in kb.nodes[stack.pop()].parents:
            if p not in relevant:
                relevant.add(p)
                stack.append(p)
    order = [n for n in kb.topological_order() if n in relevant]
    totals = {"num": 0.0, "den": 0.0}

    def visit(i: int, w: float, f: dict, c: dict) -> None:
        if w == 0.0:
            return
        if i == len(order):
            totals["den"] += w
            if (f[cause] != kb.nodes[cause].states[0] and f[effect] == "yes"
                    and c[effect] == "no"):
                totals["num"] += w
            return
        n = order[i]
        node = kb.nodes[n]
        if node.model == "prior":
            for k, s in enumerate(node.states):
                if n in evidence and evidence[n] != s:
                    continue
                cs = node.states[0] if n == cause else s
                visit(i + 1, w * m.cpts[n][0][k], {**f, n: s}, {**c, n: cs})
        elif node.model == "noisy_or":
            bits = [("leak", node.leak[tuple(f[p] for p in node.leak_by)][1].value, None)]
            bits += [(p, d[1].value, s) for (p, s), d in node.links.items()]
            for firing in itertools.product((0, 1), repeat=len(bits)):
                wb = w
                f_on = c_on = False
                for (p, prob, s), b in zip(bits, firing, strict=True):
                    wb *= prob if b else 1.0 - prob
                    if b and (p == "leak" or f[p] == s):
                        f_on = True
                    if b and (p == "leak" or c[p] == s):
                        c_on = True
                fs = node.states[int(f_on)]
                if n in evidence and evidence[n] != fs:
                    continue
                cs = node.states[0] if n == cause else node.states[int(c_on)]
                visit(i + 1, wb, {**f, n: fs}, {**c, n: cs})
        else:  # other models are never on a cause -> effect path here: factual only
            idx = tuple(kb.nodes[p].states.index(f[p]) for p in node.parents)
            for k, s in enumerate(node.states):
                if n in evidence and evidence[n] != s:
                    continue
                visit(i + 1, w * m.cpts[n][0][idx][k], {**f, n: s}, {**c, n: s})

    visit(0, 1.0, {}, {})
    return totals["num"] / totals["den"]
