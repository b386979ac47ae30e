"""Why a diagnosis has its probability: each observation's likelihood ratio and log-odds change.

Observations are added one at a time in the order given. The k-th contribution is
log P(e_k | D, e_<k) - log P(e_k | not D, e_<k): by the chain rule, the prior log-odds plus the
contributions equal the posterior log-odds exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ImpossibleEvidenceError

WHY_COLUMNS = ["id", "state", "label", "likelihood_ratio", "log_odds_change",
               "probability_after"]


@dataclass
class Explanation:
    target: str
    prior: float
    posterior: float
    contributions: pd.DataFrame

    @property
    def prior_log_odds(self) -> float:
        return _logit(self.prior)

    @property
    def posterior_log_odds(self) -> float:
        return _logit(self.posterior)


def _logit(p: float) -> float:
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return math.log(p) - math.log1p(-p)


def why(m, evidence, target: str) -> Explanation:
    """Contribution of each observation to P(target present | evidence)."""
    ev = m.check_evidence(evidence)
    m.check_node(target)
    if target in ev:
        raise m.evidence_error(f"'{target}' is in the evidence; explain an unobserved node")
    items = list(ev.items())
    prefixes = [dict(items[:k]) for k in range(len(items) + 1)]
    res = m.query(prefixes, want=[target])
    if not res.possible[-1]:
        raise ImpossibleEvidenceError(ev)
    probs = 1.0 - res.marginals[target][:, 0]
    rows = []
    for k, (nid, state) in enumerate(items, start=1):
        change = _logit(float(probs[k])) - _logit(float(probs[k - 1]))
        if not math.isfinite(change) and np.isclose(probs[k], probs[k - 1]):
            change = 0.0  # certain before and after: this observation moved nothing
        rows.append({"id": nid, "state": state,
                     "label": f"{m.kb.nodes[nid].label}: {m.kb.nodes[nid].state_label(state)}",
                     "likelihood_ratio": math.exp(change) if change < 700 else math.inf,
                     "log_odds_change": change, "probability_after": float(probs[k])})
    df = pd.DataFrame(rows, columns=WHY_COLUMNS)
    return Explanation(target=target, prior=float(probs[0]), posterior=float(probs[-1]),
                       contributions=df)
