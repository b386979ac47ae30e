"""Likely causes: the probability that a cause is present *and* the twitching would not be there
without it (expected disablement; Richens, Lee & Johri, Nat Commun 2020;11:3923).

Computed exactly with a twin network. The noisy-OR links make the exogenous noise explicit: each
link (and the leak) fires independently, and the factual and counterfactual worlds share those
firings. Every node on a path from the cause to the effect gets a pair state (factual,
counterfactual); its pair CPT follows in closed form from the noisy-OR parameters:

    P(V=0, V'=0) = (1-leak) * prod over links firing in either world (1 - link)
    P(V=0, V'=1) = P(V=0) - P(0, 0),   P(V=1, V'=0) = P(V'=0) - P(0, 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .engine import JunctionTree
from .errors import ImpossibleEvidenceError, TwitchDxError
from .graph import ancestors, descendants

CAUSE_ROLES = ("condition", "state", "exposure")
CAUSES_COLUMNS = ["id", "role", "label", "probability_present", "probability_causing"]


@dataclass
class TwinNetwork:
    cause: str
    pairs: set[str]  # nodes with a (factual, counterfactual) pair state: index 2*v + v'
    junction_tree: JunctionTree
    potentials: list[np.ndarray]


def _survival(m, node, parent: str, values: np.ndarray) -> np.ndarray:
    """(batch, parent card): product of (1 - link) for the link each parent state fires."""
    pstates = m.kb.nodes[parent].states
    s = np.ones((values.shape[0], len(pstates)))
    for (lp, ls), dist in node.links.items():
        if lp == parent:
            s[:, pstates.index(ls)] = 1.0 - values[:, dist[1].index]
    return s


def build_twin(m, cause: str, effect: str) -> TwinNetwork:
    """The twin network for do(cause = baseline) in the counterfactual world."""
    kb = m.kb
    pairs = (descendants(kb, cause) & (ancestors(kb, [effect]) | {effect}))
    for nid in pairs:
        node = kb.nodes[nid]
        if node.model != "noisy_or":
            raise TwitchDxError(
                f"counterfactual causes need noisy-OR links on every path from '{cause}' to "
                f"'{effect}', but '{nid}' uses model '{node.model}'")
    values = m.values
    cards = [4 if n in pairs else kb.nodes[n].card for n in m.ids]
    factors = []
    for nid in m.ids:
        node = kb.nodes[nid]
        cpt = m.cpts[nid]
        if nid not in pairs:
            # a factual node: a pair parent acts through its factual half (pair index // 2)
            for a, p in enumerate(node.parents):
                if p in pairs:
                    cpt = np.take(cpt, [0, 0, 1, 1], axis=1 + a)
            factors.append(cpt)
            continue
        # pair CPT of a binary noisy-OR node
        nd = len(node.parents)
        pcards = [4 if p in pairs else kb.nodes[p].card for p in node.parents]
        if node.leak_by:
            lcards = [kb.nodes[p].card for p in node.leak_by]
            leak = np.empty((1, *lcards))
            for key, dist in node.leak.items():
                idx = tuple(kb.nodes[p].states.index(s)
                            for p, s in zip(node.leak_by, key, strict=True))
                leak[(0, *idx)] = 1.0 - values[0, dist[1].index]
            axes = [node.parents.index(p) for p in node.leak_by]
            perm = [0] + [1 + axes.index(a) for a in sorted(axes)]
            leak = leak.transpose(perm).reshape(
                [1] + [pcards[a] if a in axes else 1 for a in range(nd)])
        else:
            leak = np.full([1] + [1] * nd, 1.0 - values[0, node.leak[()][1].index])
        q_f = q_c = q_both = leak
        for a, p in enumerate(node.parents):
            if p in node.leak_by:
                continue
            s = _survival(m, node, p, values)[0]
            if p in pairs:  # pair parent: factual u = t // 2, counterfactual u' = t % 2
                sf, sc = s[[0, 0, 1, 1]], s[[0, 1, 0, 1]]
                sb = np.where(np.array([0, 1, 1, 0]) == 1, sf * sc, sf)  # fires in either world
            elif p == cause:  # factual state as is; counterfactual at baseline (fires nothing)
                sf, sc, sb = s, np.ones_like(s), s
            else:
                sf = sc = sb = s
            shape = [1] + [pcards[a] if i == a else 1 for i in range(nd)]
            q_f = q_f * sf.reshape(shape)
            q_c = q_c * sc.reshape(shape)
            q_both = q_both * sb.reshape(shape)
        full = [1, *pcards]
        q_f, q_c, q_both = (np.broadcast_to(x, full) for x in (q_f, q_c, q_both))
        pair = np.stack([q_both, q_f - q_both, q_c - q_both, 1.0 - q_f - q_c + q_both], axis=-1)
        factors.append(np.clip(pair, 0.0, 1.0))
    jt = JunctionTree(cards, m.junction_tree.scopes, like=m.junction_tree)
    return TwinNetwork(cause=cause, pairs=pairs, junction_tree=jt,
                       potentials=jt.clique_potentials(factors))


def causes(m, evidence, effect: str = "fasciculations") -> pd.DataFrame:
    """Rank conditions, states and exposures by P(present and the effect would vanish without it).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, role, label, probability_present, probability_causing``, sorted by
        ``probability_causing`` (descending).
    """
    ev = m.check_evidence(evidence)
    m.check_node(effect)
    base = m.propagate([ev])
    if not base.possible[0]:
        raise ImpossibleEvidenceError(ev)
    log_pe = base.log_evidence[0]
    upstream = ancestors(m.kb, [effect])
    rows = []
    for nid in m.ids:
        node = m.kb.nodes[nid]
        if node.role not in CAUSE_ROLES:
            continue
        if nid in ev:
            present = 0.0 if ev[nid] == node.states[0] else 1.0
        else:
            present = float(1.0 - base.marginals[m.index[nid]][0, 0])
        causing = 0.0
        if nid in upstream and present > 0.0:
            causing = _causing(m, nid, effect, ev, log_pe)
        rows.append({"id": nid, "role": node.role, "label": node.label,
                     "probability_present": present, "probability_causing": causing})
    df = pd.DataFrame(rows, columns=CAUSES_COLUMNS)
    return df.sort_values(["probability_causing", "probability_present"], ascending=False,
                          kind="stable").reset_index(drop=True)


def twin(m, cause: str, effect: str) -> TwinNetwork:
    cache = m.__dict__.setdefault("_twins", {})
    key = (cause, effect)
    if key not in cache:
        cache[key] = build_twin(m, cause, effect)
    return cache[key]


def _causing(m, cause: str, effect: str, ev: dict[str, str], log_pe: float) -> float:
    tw = twin(m, cause, effect)
    kb = m.kb
    lik: dict[int, np.ndarray] = {}
    for nid, state in ev.items():
        s = kb.nodes[nid].states.index(state)
        if nid in tw.pairs:
            v = np.zeros((1, 4))
            v[0, 2 * s: 2 * s + 2] = 1.0  # factual half observed, counterfactual free
        else:
            v = np.zeros((1, kb.nodes[nid].card))
            v[0, s] = 1.0
        lik[m.index[nid]] = v
    # the cause present (not baseline) in the factual world
    i = m.index[cause]
    present = np.ones((1, kb.nodes[cause].card))
    present[0, 0] = 0.0
    lik[i] = lik.get(i, 1.0) * present
    # the effect present in fact (yes = 1) and absent in the counterfactual world: pair (1, 0)
    j = m.index[effect]
    yes = kb.nodes[effect].states.index("yes") if "yes" in kb.nodes[effect].states else 1
    gone = np.zeros((1, 4))
    gone[0, 2 * yes + 0] = 1.0
    lik[j] = lik.get(j, 1.0) * gone
    res = tw.junction_tree.propagate(tw.potentials, lik, want=[])
    return float(np.clip(np.exp(res.log_evidence[0] - log_pe), 0.0, 1.0))
