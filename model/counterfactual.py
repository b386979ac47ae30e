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

import numpy as np
import pandas as pd

from .errors import ImpossibleEvidenceError, TwitchDxError
from .graph import ancestors, descendants
from .inference import Among, Twin

CAUSE_ROLES = ("condition", "state", "exposure")
CAUSES_COLUMNS = ["id", "role", "label", "probability_present", "probability_causing"]


def twin_for(m, cause: str, effect: str) -> Twin:
    """The twin structure for do(cause = baseline): pairs on every path cause -> effect."""
    kb = m.kb
    pairs = frozenset(descendants(kb, cause) & (ancestors(kb, [effect]) | {effect}))
    for nid in pairs:
        node = kb.nodes[nid]
        if node.model != "noisy_or":
            raise TwitchDxError(
                f"counterfactual causes need noisy-OR links on every path from '{cause}' to "
                f"'{effect}', but '{nid}' uses model '{node.model}'")
    return Twin(cause=cause, effect=effect, pairs=pairs)


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
    if ev.get(effect) == m.kb.nodes[effect].states[0]:
        effect_absent = True  # no twitching to explain: nothing is causing it
    else:
        effect_absent = False
    cand = [n for n in m.ids if m.kb.nodes[n].role in CAUSE_ROLES]
    base = m.query([ev], want=[n for n in cand if n not in ev])
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
            present = float(1.0 - base.marginals[nid][0, 0])
        causing = 0.0
        if nid in upstream and present > 0.0 and not effect_absent:
            causing = _causing(m, nid, effect, ev, log_pe)
        rows.append({"id": nid, "role": node.role, "label": node.label,
                     "probability_present": present, "probability_causing": causing})
    df = pd.DataFrame(rows, columns=CAUSES_COLUMNS)
    return df.sort_values(["probability_causing", "probability_present"], ascending=False,
                          kind="stable").reset_index(drop=True)


def _causing(m, cause: str, effect: str, ev: dict[str, str], log_pe: float) -> float:
    node = m.kb.nodes[cause]
    element = {k: v for k, v in ev.items() if k != effect}
    present = tuple(node.states[1:])
    if cause in element:
        present = (element[cause],)
    element[cause] = Among(present)
    log_j, _ = m.inference.run([element], want=[], twin=twin_for(m, cause, effect))
    return float(np.clip(np.exp(log_j[0] - log_pe), 0.0, 1.0))
