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


def _allowed(evidence: dict, n: str, s: str) -> bool:
    """Whether state s of node n agrees with the evidence (a state or a collection of them)."""
    if n not in evidence:
        return True
    v = evidence[n]
    return s == v if isinstance(v, str) else s in v


def assert_posterior_matches_brute_force(m: model.TwitchModel, ev: dict) -> dict | None:
    """P(evidence) and every posterior equal brute-force enumeration (1e-9 / 1e-12); impossible
    evidence raises ImpossibleEvidenceError. Returns the posterior (None when impossible)."""
    import math

    import pytest

    pe, ref = brute_force_posterior(m, ev)
    assert m.probability_of_evidence(ev) == pytest.approx(pe, rel=1e-9, abs=1e-15)
    if pe == 0:
        with pytest.raises(model.ImpossibleEvidenceError):
            m.posterior(ev)
        return None
    post = m.posterior(ev)
    for n, dist in post.items():
        assert math.isclose(sum(dist.values()), 1.0, abs_tol=1e-12)
        np.testing.assert_allclose(list(dist.values()), ref[n], atol=1e-12, err_msg=n)
    return post


def brute_force_posterior(m: model.TwitchModel, evidence: dict
                          ) -> tuple[float, dict[str, np.ndarray]]:
    """P(evidence) and every marginal, by building the full joint table from the CPTs. Evidence
    values may be a state or a list of states ("one of these")."""
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
            mask = np.array([_allowed(evidence, n, s) for s in m.kb.nodes[n].states], float)
            joint = joint * mask.reshape([-1 if j == i else 1 for j in range(len(ids))])
    pe = float(joint.sum())
    margs = {}
    for i, n in enumerate(ids):
        axes = tuple(j for j in range(len(ids)) if j != i)
        margs[n] = joint.sum(axis=axes) / pe if pe > 0 else None
    return pe, margs


def brute_force_gone(m: model.TwitchModel, evidence: dict, cause: str,
                     effects: dict[str, tuple[str, ...]]) -> dict[str, float]:
    """For each effect F with factual states S: P(cause present, F in S, F at its baseline under
    do(cause = baseline) | evidence), by enumerating, depth first, every root state and every
    noisy-OR/MAX leak and link outcome (the structural-equation form: each link draws a level,
    the node takes the maximum), in the factual and the counterfactual world."""
    kb = m.kb
    relevant = set(evidence) | set(effects) | {cause}
    stack = list(relevant)
    while stack:  # ancestors: nothing else can change the answer
        for p in kb.nodes[stack.pop()].parents:
            if p not in relevant:
                relevant.add(p)
                stack.append(p)
    order = [n for n in kb.topological_order() if n in relevant]
    num = dict.fromkeys(effects, 0.0)
    den = [0.0]

    def levels(dist, card):
        probs = [0.0] * card
        for k, p in dist.items():
            probs[k] = p.value
        probs[0] = 1.0 - sum(probs[1:])
        return probs

    def visit(i: int, w: float, f: dict, c: dict) -> None:
        if w == 0.0:
            return
        if i == len(order):
            den[0] += w
            if f[cause] != kb.nodes[cause].states[0]:
                for e, states in effects.items():
                    if f[e] in states and c[e] == kb.nodes[e].states[0]:
                        num[e] += w
            return
        n = order[i]
        node = kb.nodes[n]
        if node.model == "prior":
            for k, s in enumerate(node.states):
                if not _allowed(evidence, n, s):
                    continue
                cs = node.states[0] if n == cause else s
                visit(i + 1, w * m.cpts[n][0][k], {**f, n: s}, {**c, n: cs})
        elif node.model in ("noisy_or", "noisy_max"):
            K = node.card
            bits = [(None, None, levels(node.leak[tuple(f[p] for p in node.leak_by)], K))]
            bits += [(p, s, levels(d, K)) for (p, s), d in node.links.items()]
            # enumerate this node's link outcomes locally, then branch on its (factual,
            # counterfactual) pair of states: the same sum, far fewer branches
            pair: dict[tuple[int, int], float] = {}
            for draw in itertools.product(range(K), repeat=len(bits)):
                wb = 1.0
                f_lv = c_lv = 0
                for (p, s, probs), z in zip(bits, draw, strict=True):
                    wb *= probs[z]
                    if p is None or f[p] == s:
                        f_lv = max(f_lv, z)
                    if p is None or c[p] == s:
                        c_lv = max(c_lv, z)
                pair[(f_lv, c_lv)] = pair.get((f_lv, c_lv), 0.0) + wb
            for (f_lv, c_lv), wb in pair.items():
                fs = node.states[f_lv]
                if wb == 0.0 or not _allowed(evidence, n, fs):
                    continue
                cs = node.states[0] if n == cause else node.states[c_lv]
                visit(i + 1, w * wb, {**f, n: fs}, {**c, n: cs})
        else:  # a table has no exogenous form: only ever factual here (never on a path)
            idx = tuple(kb.nodes[p].states.index(f[p]) for p in node.parents)
            for k, s in enumerate(node.states):
                if not _allowed(evidence, n, s):
                    continue
                visit(i + 1, w * m.cpts[n][0][idx][k], {**f, n: s}, {**c, n: s})

    visit(0, 1.0, {}, {})
    return {e: num[e] / den[0] for e in effects}


def brute_force_causing(m: model.TwitchModel, evidence: dict, cause: str,
                        effect: str) -> float:
    """P(cause present, effect present, effect would be absent under do(cause = baseline) |
    evidence) (see :func:`brute_force_gone`)."""
    node = m.kb.nodes[effect]
    obs = evidence.get(effect)
    allowed = node.states if obs is None else [obs] if isinstance(obs, str) else obs
    states = tuple(s for s in allowed if s != node.states[0])
    if not states:
        return 0.0
    return brute_force_gone(m, evidence, cause, {effect: states})[effect]


def brute_force_disablement(m: model.TwitchModel, evidence: dict, cause: str) -> float:
    """Expected number of the observed abnormal noisy findings that would go away without the
    cause, by brute-force twin enumeration."""
    effects = {}
    for n, v in evidence.items():
        node = m.kb.nodes[n]
        states = (v,) if isinstance(v, str) else tuple(v)
        if (node.role == "finding" and node.model in ("noisy_or", "noisy_max")
                and node.states[0] not in states):
            effects[n] = states
    if not effects:
        return 0.0
    return sum(brute_force_gone(m, evidence, cause, effects).values())
