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

from .errors import EvidenceError, ImpossibleEvidenceError
from .evidence import Evidence, format_observation

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


def why(m, evidence: Evidence | None, target: str) -> Explanation:
    """Contribution of each observation to P(target present | evidence).

    Parameters
    ----------
    m : TwitchModel
    evidence : mapping of node id to a state or a list of states, in the order to explain them
        (a set observation "one of these" contributes its likelihood ratio
        P(node in set | target present, earlier) / P(node in set | target absent, earlier)).
    target : a node not observed in a single state.

    Returns
    -------
    Explanation
        ``prior`` and ``posterior`` P(target present) and ``contributions``, a DataFrame with
        columns ``id, state, label, likelihood_ratio, log_odds_change, probability_after`` (one
        row per observation, in order; ``state`` is the text form, ``a|b`` for a set). The prior
        log-odds plus the changes equal the posterior log-odds exactly (chain rule).

    Raises
    ------
    EvidenceError
        Unknown node or state, or ``target`` is observed in a single state.
    ImpossibleEvidenceError
        The evidence has probability zero.
    """
    ev = m.check_evidence(evidence)
    m.check_node(target)
    if isinstance(ev.get(target), str):
        raise EvidenceError(f"'{target}' is in the evidence ({target}={ev[target]}); explain an "
                            "unobserved node")
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
        obs_node = m.kb.nodes[nid]
        shown = (obs_node.state_label(state) if isinstance(state, str)
                 else " or ".join(obs_node.state_label(s) for s in state))
        rows.append({"id": nid, "state": format_observation(state),
                     "label": f"{obs_node.label}: {shown}",
                     "likelihood_ratio": math.exp(change) if change < 700 else math.inf,
                     "log_odds_change": change, "probability_after": float(probs[k])})
    df = pd.DataFrame(rows, columns=WHY_COLUMNS)
    return Explanation(target=target, prior=float(probs[0]), posterior=float(probs[-1]),
                       contributions=df)
