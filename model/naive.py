"""Naive versus exact: what a Fagan-nomogram user would get, and why the network differs.

A Fagan nomogram (or any "multiply the likelihood ratios" calculator) starts from a pre-test
probability and multiplies the odds by each finding's *stand-alone* likelihood ratio,
LR_k = P(e_k | D) / P(e_k | not D), as if the findings were independent given the diagnosis.
Here the pre-test probability is P(D | context) (age and sex, when given) and each stand-alone LR
is computed from the network with the context alone. The exact posterior is the network's.

Why they differ, finding by finding: the LR of e_k *given all the other observations*,
P(e_k | D, rest) / P(e_k | not D, rest). Where it is nearer 1 than the stand-alone LR the finding
overlaps with others (they share a cause, so the product counts the same evidence twice); where
it moves against the stand-alone LR another observation explains it away (an entered cause, or a
finding that a different diagnosis explains better). On a network where the findings are
independent given D, the two coincide and the naive product is exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import EvidenceError, ImpossibleEvidenceError
from .evidence import Evidence

if TYPE_CHECKING:  # pragma: no cover
    from .api import TwitchModel

COLUMNS = ["id", "label", "state", "standalone_lr", "conditional_lr", "relation",
           "closest_other"]
CONTEXT_ROLES = ("context",)


def _odds(p: float) -> float:
    return p / (1 - p) if p < 1 else float("inf")


def _prob(odds: float) -> float:
    return 1.0 if np.isinf(odds) else odds / (1 + odds)


def _p_present(m: TwitchModel, sets: list[dict], target: str) -> np.ndarray:
    res = m.query(sets, want=[target])
    if not res.possible.all():
        bad = sets[int(np.argmin(res.possible))]
        raise ImpossibleEvidenceError(bad)
    return 1.0 - res.marginals[target][:, 0]


def naive_vs_exact(m: TwitchModel, evidence: Evidence | None, target: str) -> pd.DataFrame:
    """Compare the naive likelihood-ratio product with the exact posterior of ``target``.

    Parameters
    ----------
    m : TwitchModel
    evidence : the observations; context nodes (age, sex) set the pre-test probability.
    target : a condition or state not in the evidence.

    Returns
    -------
    pandas.DataFrame
        One row per non-context observation: ``id, label, state, standalone_lr,
        conditional_lr, relation, closest_other``. ``relation`` is ``independent`` (the two
        LRs agree), ``overlaps`` (weaker given the others, same direction: the product counts
        shared evidence twice), ``explained away`` (reversed, or under a quarter of its
        stand-alone strength in log-odds) or ``strengthened``; ``closest_other`` names the
        observation whose removal brings the conditional LR closest to the stand-alone one.
        ``df.attrs`` holds ``pretest``, ``naive`` and ``exact`` probabilities.

    Raises
    ------
    EvidenceError
        ``target`` is in the evidence or unknown; bad evidence.
    ImpossibleEvidenceError
        The evidence has probability zero.
    """
    ev = m.check_evidence(evidence)
    node = m.check_node(target)
    if target in ev:
        raise EvidenceError(f"'{target}' is in the evidence; choose an unobserved target")
    context = {k: v for k, v in ev.items() if m.nodes[k].role in CONTEXT_ROLES}
    findings = [k for k in ev if k not in context]
    sets: list[dict] = [dict(context), dict(ev)]
    for k in findings:
        sets.append({**context, k: ev[k]})  # stand-alone (with context)
        sets.append({j: v for j, v in ev.items() if j != k})  # all but k
    for k in findings:  # all but k and one other j: which j shapes k's conditional LR
        for j in findings:
            if j != k:
                sets.append({i: v for i, v in ev.items() if i not in (j, k)})
                sets.append({i: v for i, v in ev.items() if i != j})
    p = _p_present(m, sets, node.id)
    pre, exact = float(p[0]), float(p[1])
    naive_odds = _odds(pre)
    rows = []
    pos = 2
    stand, cond = {}, {}
    for k in findings:
        alone, without = float(p[pos]), float(p[pos + 1])
        pos += 2
        stand[k] = _odds(alone) / _odds(pre) if _odds(pre) > 0 else float("nan")
        cond[k] = _odds(exact) / _odds(without) if _odds(without) > 0 else float("nan")
        naive_odds *= stand[k]
    pair: dict[tuple[str, str], float] = {}
    for k in findings:
        for j in findings:
            if j != k:
                without_jk, without_j = float(p[pos]), float(p[pos + 1])
                pos += 2
                pair[(k, j)] = (_odds(without_j) / _odds(without_jk)
                                if _odds(without_jk) > 0 else float("nan"))
    for k in findings:
        s, c = stand[k], cond[k]
        ls, lc = np.log(s), np.log(c)
        if np.isclose(ls, lc, atol=0.01):
            relation = "independent"
        elif ls * lc < 0 or abs(lc) < 0.25 * abs(ls):
            relation = "explained away"  # the other observations account for this finding
        elif abs(lc) < abs(ls):
            relation = "overlaps"  # it shares a cause with other findings: counted twice
        else:
            relation = "strengthened"
        # the other observation whose removal brings k's LR closest to its stand-alone value
        others = [(abs(np.log(pair[(k, j)]) - ls), j) for j in findings if j != k
                  and np.isfinite(pair[(k, j)]) and pair[(k, j)] > 0]
        closest = min(others)[1] if others and relation != "independent" else None
        obs = ev[k]
        rows.append({"id": k, "label": m.nodes[k].label,
                     "state": obs if isinstance(obs, str) else "|".join(obs),
                     "standalone_lr": s, "conditional_lr": c, "relation": relation,
                     "closest_other": closest})
    df = pd.DataFrame(rows, columns=COLUMNS)
    df.attrs.update(pretest=pre, naive=_prob(naive_odds), exact=exact, target=node.id)
    return df
