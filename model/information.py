"""What to ask or test next: expected information gain of each unobserved finding.

Two objectives: ``entropy`` — the expected fall in the summed binary entropies of every condition
and state (each term is a mutual information, so the sum is never negative); ``serious`` — the
expected fall in the entropy of "any serious condition present".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ImpossibleEvidenceError
from .graph import reachable

COST_TIERS = {"question": 1, "examination": 2, "blood_test": 3, "specialist_test": 4}
NEXT_COLUMNS = ["id", "label", "cost", "cost_tier", "information_gain", "gain_per_cost"]
OBJECTIVES = ("entropy", "serious")


def _h(p: np.ndarray) -> np.ndarray:
    """Binary entropy in bits, elementwise."""
    p = np.clip(p, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -(p * np.log2(p)) - ((1 - p) * np.log2(1 - p))
    return np.nan_to_num(t, nan=0.0)


def next_tests(m, evidence, objective: str = "entropy", sort_by: str = "information_gain"
               ) -> pd.DataFrame:
    """Rank unobserved findings by expected information gain (bits)."""
    if objective not in OBJECTIVES:
        raise m.evidence_error(f"objective '{objective}' is not one of {list(OBJECTIVES)}")
    if sort_by not in ("information_gain", "gain_per_cost"):
        raise m.evidence_error("sort_by must be 'information_gain' or 'gain_per_cost'")
    ev = m.check_evidence(evidence)
    targets = [n for n in m.ids if m.kb.nodes[n].role in ("condition", "state") and n not in ev]
    serious = [n for n in m.ids
               if m.kb.nodes[n].role == "condition" and m.kb.nodes[n].serious]
    candidates = [n for n in m.ids if m.kb.nodes[n].role == "finding" and n not in ev]
    relevant_to = set(targets) if objective == "entropy" else set(serious)
    sets, owners = [], []
    gains = dict.fromkeys(candidates, 0.0)
    for f in candidates:
        # a finding d-separated from every target given the evidence carries no information
        if not (reachable(m.kb, f, ev) & relevant_to):
            continue
        for s in m.kb.nodes[f].states:
            sets.append({**ev, f: s})
            owners.append(f)
    base = m.propagate([ev], want=targets)
    if not base.possible[0]:
        raise ImpossibleEvidenceError(ev)
    if sets:
        if objective == "entropy":
            res = m.propagate(sets, want=targets)
            h_now = sum(_h(1 - base.marginals[m.index[t]][0, 0]) for t in targets)
            h_after = sum(_h(1 - res.marginals[m.index[t]][:, 0]) for t in targets)
        else:
            none = {s: m.kb.nodes[s].states[0] for s in serious if s not in ev}
            with_none = m.propagate([{**e, **none} for e in sets], want=[])
            res = m.propagate(sets, want=[])
            base_none = m.propagate([{**ev, **none}], want=[])
            p_none_now = np.exp(base_none.log_evidence[0] - base.log_evidence[0])
            h_now = float(_h(np.array(p_none_now)))
            with np.errstate(invalid="ignore"):
                p_none = np.exp(with_none.log_evidence - res.log_evidence)
            h_after = _h(np.nan_to_num(p_none))
        p_outcome = np.exp(res.log_evidence - base.log_evidence[0])
        owners_arr = np.array(owners)
        for f in dict.fromkeys(owners):
            mask = owners_arr == f
            gain = float(h_now - np.sum(p_outcome[mask] * np.asarray(h_after)[mask]))
            gains[f] = 0.0 if -1e-9 < gain < 0.0 else gain
    rows = []
    for f in candidates:
        node = m.kb.nodes[f]
        tier = COST_TIERS.get(node.cost or "question", 1)
        rows.append({"id": f, "label": node.label, "cost": node.cost or "question",
                     "cost_tier": tier, "information_gain": gains[f],
                     "gain_per_cost": gains[f] / tier})
    df = pd.DataFrame(rows, columns=NEXT_COLUMNS)
    return df.sort_values(sort_by, ascending=False, kind="stable").reset_index(drop=True)


def test_outcomes(m, evidence, finding: str, top: int = 5) -> pd.DataFrame:
    """How the top entries of the differential would move under each outcome of ``finding``."""
    ev = m.check_evidence(evidence)
    node = m.check_node(finding)
    if finding in ev:
        raise m.evidence_error(f"'{finding}' is already observed")
    now = m.differential(ev)
    ids = list(now["id"].head(top))
    current = dict(zip(now["id"], now["probability"], strict=True))
    sets = [{**ev, finding: s} for s in node.states]
    res = m.propagate(sets, want=ids)
    base = m.propagate([ev], want=[])
    rows = []
    for b, s in enumerate(node.states):
        p_out = float(np.exp(res.log_evidence[b] - base.log_evidence[0]))
        if p_out <= 0.0:
            continue
        for nid in ids:
            rows.append({"outcome": s, "outcome_label": node.state_label(s),
                         "outcome_probability": p_out, "id": nid,
                         "label": m.kb.nodes[nid].label,
                         "probability": float(1 - res.marginals[m.index[nid]][b, 0]),
                         "now": float(current[nid])})
    return pd.DataFrame(rows)
