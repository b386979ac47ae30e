"""What to ask or test next: expected information gain of each unobserved finding.

Two objectives: ``entropy`` — the expected fall in the summed binary entropies of every condition
and state (each term is a mutual information, so the sum is never negative); ``serious`` — the
expected fall in the entropy of "any serious condition present".

All candidate outcomes are answered in one batched pass: a noisy finding's outcomes come from
"F <= k" elements (differences of cumulative probabilities), a table test's from its states.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ImpossibleEvidenceError
from .graph import reachable
from .inference import AtMost

COST_TIERS = {"question": 1, "examination": 2, "blood_test": 3, "specialist_test": 4}
NEXT_COLUMNS = ["id", "label", "cost", "cost_tier", "information_gain", "gain_per_cost"]
OBJECTIVES = ("entropy", "serious")


def _h(p: np.ndarray) -> np.ndarray:
    """Binary entropy in bits, elementwise."""
    p = np.clip(p, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -(p * np.log2(p)) - ((1 - p) * np.log2(1 - p))
    return np.nan_to_num(t, nan=0.0)


def outcomes(m, ev: dict[str, str], findings: list[str], want: list[str],
             extra: dict[str, str] | None = None):
    """For each finding and state: P(state | ev) and P(want present | ev, state).

    Returns ({finding: (card,) probabilities}, {finding: (card, len(want)) posteriors},
    log P(ev [, extra])). With ``extra`` (more evidence, e.g. "no serious condition"),
    probabilities are joint with it: P(state, extra | ev).
    """
    extra = extra or {}
    base_ev = {**ev, **extra}
    elements, owners = [base_ev], [None]
    noisy = m._noisy
    for f in findings:
        node = m.kb.nodes[f]
        if f in noisy:
            for k in range(node.card - 1):
                elements.append({**base_ev, f: AtMost(node.states[k])})
                owners.append((f, k))
        else:
            for k, s in enumerate(node.states):
                elements.append({**base_ev, f: s})
                owners.append((f, k))
    res = m.query(elements, want=want)
    ref = m.query([ev], want=[])
    if not ref.possible[0]:
        raise ImpossibleEvidenceError(ev)
    log_ref = ref.log_evidence[0]
    with np.errstate(over="ignore", invalid="ignore"):
        w = np.exp(res.log_evidence - log_ref)  # P(element | ev)
    present = np.stack([1.0 - res.marginals[t][:, 0] for t in want], axis=1) if want else \
        np.zeros((len(elements), 0))
    joint = w[:, None] * present  # P(element, want present | ev)
    p_out: dict[str, np.ndarray] = {}
    post: dict[str, np.ndarray] = {}
    rows_by_f: dict[str, dict[int, int]] = {}
    for i, o in enumerate(owners):
        if o is not None:
            rows_by_f.setdefault(o[0], {})[o[1]] = i
    for f in findings:
        node = m.kb.nodes[f]
        rows = rows_by_f.get(f, {})
        if f in noisy:  # cumulative -> point probabilities
            cw = np.array([w[rows[k]] for k in range(node.card - 1)] + [w[0]])
            cj = np.stack([joint[rows[k]] for k in range(node.card - 1)] + [joint[0]])
            pw = np.diff(cw, prepend=0.0)
            pj = np.diff(cj, axis=0, prepend=np.zeros((1, cj.shape[1])))
        else:
            pw = np.array([w[rows[k]] for k in range(node.card)])
            pj = np.stack([joint[rows[k]] for k in range(node.card)])
        pw = np.clip(pw, 0.0, None)
        with np.errstate(invalid="ignore", divide="ignore"):
            pp = np.where(pw[:, None] > 0, pj / np.where(pw[:, None] > 0, pw[:, None], 1), 0.0)
        p_out[f] = pw
        post[f] = np.clip(pp, 0.0, 1.0)
    return p_out, post, res.log_evidence[0] - log_ref


def next_tests(m, evidence, objective: str = "entropy", sort_by: str = "information_gain"
               ) -> pd.DataFrame:
    """Rank unobserved findings by expected information gain (bits)."""
    if objective not in OBJECTIVES:
        raise m.evidence_error(f"objective '{objective}' is not one of {list(OBJECTIVES)}")
    if sort_by not in ("information_gain", "gain_per_cost"):
        raise m.evidence_error("sort_by must be 'information_gain' or 'gain_per_cost'")
    ev = m.check_evidence(evidence)
    targets = [n for n in m.ids if m.kb.nodes[n].role in ("condition", "state") and n not in ev]
    serious = [n for n in m.ids if m.kb.nodes[n].role == "condition" and m.kb.nodes[n].serious
               and n not in ev]
    candidates = [n for n in m.ids if m.kb.nodes[n].role == "finding" and n not in ev]
    relevant_to = set(targets) if objective == "entropy" else set(serious)
    # a finding d-separated from every target given the evidence carries no information
    live = [f for f in candidates if reachable(m.kb, f, ev) & relevant_to]
    gains = dict.fromkeys(candidates, 0.0)
    if live:
        if objective == "entropy":
            p_out, post, _ = outcomes(m, ev, live, targets)
            now = m.query([ev], want=targets)
            h_now = float(sum(_h(1 - now.marginals[t][0, 0]) for t in targets))
            for f in live:
                h_after = _h(post[f]).sum(axis=1)
                gains[f] = float(h_now - np.sum(p_out[f] * h_after))
        else:
            none = {s: m.kb.nodes[s].states[0] for s in serious}
            p_out, _, _ = outcomes(m, ev, live, [])
            p_none_joint, _, log_none = outcomes(m, ev, live, [], extra=none)
            h_now = float(_h(np.array(np.exp(log_none))))
            for f in live:
                with np.errstate(invalid="ignore", divide="ignore"):
                    cond = np.where(p_out[f] > 0, p_none_joint[f] / np.where(
                        p_out[f] > 0, p_out[f], 1.0), 0.0)
                gains[f] = float(h_now - np.sum(p_out[f] * _h(cond)))
        for f in live:  # a mutual information is >= 0; clear rounding noise only
            if -1e-9 < gains[f] < 0.0:
                gains[f] = 0.0
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
    """How the top diagnoses (conditions and states of the differential) would move under each
    outcome of ``finding``."""
    ev = m.check_evidence(evidence)
    node = m.check_node(finding)
    if finding in ev:
        raise m.evidence_error(f"'{finding}' is already observed")
    now = m.diagnoses(ev)
    ids = list(now["id"].head(top))
    current = dict(zip(now["id"], now["probability"], strict=True))
    p_out, post, _ = outcomes(m, ev, [finding], ids)
    rows = []
    for k, s in enumerate(node.states):
        if p_out[finding][k] <= 0.0:
            continue
        for j, nid in enumerate(ids):
            rows.append({"outcome": s, "outcome_label": node.state_label(s),
                         "outcome_probability": float(p_out[finding][k]), "id": nid,
                         "label": m.kb.nodes[nid].label,
                         "probability": float(post[finding][k, j]), "now": float(current[nid])})
    return pd.DataFrame(rows)
