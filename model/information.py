"""What to ask or test next: expected information gain of each finding not yet pinned down.

Two objectives: ``entropy`` — the expected fall in the summed binary entropies of every condition
and state (each term is a mutual information, so the sum is never negative); ``serious`` — the
expected fall in the entropy of "any serious condition or state present"
(:meth:`TwitchModel.serious_ids`).

All candidate outcomes are answered in one batched pass, as cumulative set observations
"F in S and F <= k" (for an unobserved noisy finding these are "F <= k": products of one-variable
factors, no new auxiliary variable); outcome probabilities are their differences. A finding
observed as a set of states (e.g. weakness present, progression unknown) stays a candidate: its
outcomes are the states of that set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import check_choice, check_range
from .errors import EvidenceError, ImpossibleEvidenceError
from .evidence import CheckedEvidence, Evidence, Observation, exactly_observed
from .graph import reachable

COST_TIERS = {"question": 1, "examination": 2, "blood_test": 3, "specialist_test": 4}
NEXT_COLUMNS = ["id", "label", "cost", "cost_tier", "information_gain", "gain_per_cost"]
OBJECTIVES = ("entropy", "serious")
SORT_KEYS = ("information_gain", "gain_per_cost")
OUTCOME_COLUMNS = ["outcome", "outcome_label", "outcome_probability", "id", "label",
                   "probability", "now"]


def _h(p: np.ndarray) -> np.ndarray:
    """Binary entropy in bits, elementwise."""
    p = np.clip(p, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -(p * np.log2(p)) - ((1 - p) * np.log2(1 - p))
    return np.nan_to_num(t, nan=0.0)


def _allowed(m, ev: CheckedEvidence, f: str) -> tuple[str, ...]:
    obs = ev.get(f)
    states = m.kb.nodes[f].states
    return states if obs is None else (obs,) if isinstance(obs, str) else obs


def outcomes(m, ev: CheckedEvidence, findings: list[str], want: list[str],
             extra: CheckedEvidence | None = None):
    """For each finding and state: P(state | ev) and P(want present | ev, state).

    Returns ({finding: (card,) probabilities}, {finding: (card, len(want)) posteriors},
    log P(ev [, extra]) - log P(ev)). With ``extra`` (more evidence, e.g. "no serious condition"),
    probabilities are joint with it: P(state, extra | ev). States outside a finding's observed
    set get probability 0.
    """
    extra = extra or {}
    base_ev = {**ev, **extra}
    elements: list[dict[str, Observation]] = [base_ev]
    owners: list[tuple[str, int] | None] = [None]
    fixed: dict[tuple[str, int], int] = {}  # (finding, k) -> element row (0: the base)
    for f in findings:
        node = m.kb.nodes[f]
        allowed = _allowed(m, ev, f)
        for k in range(node.card):
            below = tuple(s for s in allowed if node.states.index(s) <= k)
            if not below:
                fixed[(f, k)] = -1  # cumulative probability 0
            elif len(below) == len(allowed):
                fixed[(f, k)] = 0
            else:
                elements.append({**base_ev, f: below[0] if len(below) == 1 else below})
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
    present = np.nan_to_num(present)  # impossible elements have weight 0
    joint = w[:, None] * present  # P(element, want present | ev)
    rows_by_f: dict[tuple[str, int], int] = dict(fixed)
    for i, o in enumerate(owners):
        if o is not None:
            rows_by_f[o] = i
    p_out: dict[str, np.ndarray] = {}
    post: dict[str, np.ndarray] = {}
    zero_j = np.zeros(joint.shape[1])
    for f in findings:
        node = m.kb.nodes[f]
        idx = [rows_by_f[(f, k)] for k in range(node.card)]
        cw = np.array([0.0 if i < 0 else w[i] for i in idx])
        cj = np.stack([zero_j if i < 0 else joint[i] for i in idx])
        pw = np.clip(np.diff(cw, prepend=0.0), 0.0, None)  # cumulative -> point probabilities
        pj = np.diff(cj, axis=0, prepend=np.zeros((1, cj.shape[1])))
        with np.errstate(invalid="ignore", divide="ignore"):
            pp = np.where(pw[:, None] > 0, pj / np.where(pw[:, None] > 0, pw[:, None], 1), 0.0)
        p_out[f] = pw
        post[f] = np.clip(pp, 0.0, 1.0)
    return p_out, post, res.log_evidence[0] - log_ref


def candidate_findings(m, ev: CheckedEvidence) -> list[str]:
    """Findings not observed in a single state (a set-observed finding can still be refined)."""
    exact = exactly_observed(ev)
    return [n for n in m.ids if m.kb.nodes[n].role == "finding" and n not in exact]


def next_tests(m, evidence: Evidence | None, objective: str = "entropy",
               sort_by: str = "information_gain") -> pd.DataFrame:
    """Rank the findings not yet pinned down by expected information gain.

    Parameters
    ----------
    m : TwitchModel
    evidence : mapping of node id to a state or a list of states.
    objective : ``"entropy"`` (summed uncertainty of every condition and state) or
        ``"serious"`` (uncertainty of "any serious condition or state present", see
        :meth:`TwitchModel.serious_ids`).
    sort_by : ``"information_gain"`` or ``"gain_per_cost"`` (gain divided by the cost tier,
        1 = question ... 4 = specialist test).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, label, cost, cost_tier, information_gain, gain_per_cost`` (gains in bits,
        never negative), one row per finding not observed in a single state, sorted by
        ``sort_by``, descending. A finding observed as a set is ranked on resolving that set.

    Raises
    ------
    ParameterError
        Unknown objective or sort key.
    EvidenceError, ImpossibleEvidenceError
        Bad or impossible evidence.
    """
    check_choice("objective", objective, OBJECTIVES, "next_tests")
    check_choice("sort_by", sort_by, SORT_KEYS, "next_tests")
    ev = m.check_evidence(evidence)
    exact = exactly_observed(ev)
    soft = set(ev) - exact
    targets = [n for n in m.ids if m.kb.nodes[n].role in ("condition", "state")
               and n not in exact]
    serious = [n for n in m.serious_ids() if n not in exact]
    candidates = candidate_findings(m, ev)
    relevant_to = set(targets) if objective == "entropy" else set(serious)
    # a finding d-separated from every target given the evidence carries no information
    live = [f for f in candidates
            if reachable(m.kb, f, exact, soft=soft - {f}) & relevant_to]
    gains = dict.fromkeys(candidates, 0.0)
    if live:
        if objective == "entropy":
            p_out, post, _ = outcomes(m, ev, live, targets)
            now = m.query([ev], want=targets)
            if not now.possible[0]:
                raise ImpossibleEvidenceError(ev)
            h_now = float(sum(_h(1 - now.marginals[t][0, 0]) for t in targets))
            for f in live:
                h_after = _h(post[f]).sum(axis=1)
                gains[f] = float(h_now - np.sum(p_out[f] * h_after))
        elif serious:
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


def test_outcomes(m, evidence: Evidence | None, finding: str, top: int = 5) -> pd.DataFrame:
    """How the top diagnoses would move under each possible outcome of ``finding``.

    Parameters
    ----------
    m : TwitchModel
    evidence : mapping of node id to a state or a list of states.
    finding : a node not observed in a single state (if it is observed as a set, its outcomes
        are the states of that set).
    top : how many of the current top diagnoses (conditions and states) to follow, >= 1.

    Returns
    -------
    pandas.DataFrame
        One row per (possible outcome, diagnosis): ``outcome, outcome_label,
        outcome_probability`` (P(outcome | evidence)), ``id, label``, ``probability`` (after
        that outcome) and ``now`` (before). Outcomes with probability 0 are left out.

    Raises
    ------
    ParameterError
        ``top`` is not a positive int.
    EvidenceError
        Unknown node, or ``finding`` is already observed in a single state.
    """
    check_range("top", top, "test_outcomes", kind=int, low=1)
    ev = m.check_evidence(evidence)
    node = m.check_node(finding)
    if isinstance(ev.get(finding), str):
        raise EvidenceError(f"'{finding}' is already observed ({finding}={ev[finding]}); "
                            "choose a finding not yet observed")
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
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
