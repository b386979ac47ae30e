"""Likely causes: expected disablement (Richens, Lee & Johri, Nat Commun 2020;11:3923).

For a candidate cause C, the counterfactual question is "had C been at its baseline (absent),
which of the observed abnormal findings would have gone away?". Two numbers per cause:

- ``expected_disablement``: the expected number of the presentation's abnormal findings that
  would go away without C, sum over findings F of P(F at baseline under do(C = baseline) |
  evidence). This is Richens et al.'s ranking score; ``causes`` sorts by it.
- ``twitching_would_stop``: P(C present, the twitching present, and it would be absent under
  do(C = baseline) | evidence), the same counterfactual for the twitching alone (the ``effect``,
  default ``fasciculations``); with the twitching unobserved it is the joint probability.

Computed exactly with a twin network. The noisy-OR/MAX links make the exogenous noise explicit:
each link (and the leak) fires independently, and the factual and counterfactual worlds share
those firings. Every node on a path from the cause to a finding gets a pair state (factual,
counterfactual); its pair CPT follows in closed form from the noisy-OR parameters:

    P(V=0, V'=0) = (1-leak) * prod over links firing in either world (1 - link)
    P(V=0, V'=1) = P(V=0) - P(0, 0),   P(V=1, V'=0) = P(V'=0) - P(0, 0).

A noisy-MAX finding F observed at level k "goes away" when F' is at its baseline:
P(F = k, F' = 0) = P(F <= k, F' <= 0) - P(F <= k-1, F' <= 0), where each link's level is shared
by both worlds when its parent is in the same state in both.

Which findings count: every finding observed outside its baseline state (a set observation
counts when the set leaves out the baseline, e.g. weakness mild or progressive) whose model is
noisy-OR or noisy-MAX. Findings with a table model (tests such as EMG) have no exogenous-noise
form, so "would it go away" is not defined by the model for them; they are left out (see
:func:`abnormal_findings`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import check_choice
from .errors import ImpossibleEvidenceError, TwitchDxError
from .evidence import CheckedEvidence, Evidence, Observation
from .graph import ancestors, descendants
from .inference import Among, Gone, Twin

CAUSE_ROLES = ("condition", "state", "exposure")
CAUSES_COLUMNS = ["id", "role", "label", "probability_present", "expected_disablement",
                  "twitching_would_stop"]
DEFAULT_EFFECT = "fasciculations"


def twin_for(m, cause: str, effect: str) -> Twin:
    """The twin structure for do(cause = baseline): pairs on every path cause -> effect."""
    kb = m.kb
    effects = {effect}
    pairs = frozenset(descendants(kb, cause) & ancestors(kb, effects)) - effects
    for nid in pairs:
        node = kb.nodes[nid]
        if node.model != "noisy_or" or node.card != 2:
            raise TwitchDxError(
                f"counterfactual causes need binary noisy-OR nodes on every path from "
                f"'{cause}' to the findings, but '{nid}' uses model '{node.model}'")
    moved = pairs | {cause}
    for nid in pairs | effects:
        node = kb.nodes[nid]
        if not m.is_noisy_finding(nid) and nid in effects:
            raise TwitchDxError(f"'{nid}' is not a noisy-OR/MAX finding: no counterfactual")
        if moved & set(node.leak_by):
            raise TwitchDxError(f"'{nid}' has its leak stratified by '{cause}' or a node it "
                                "moves: the counterfactual leak is not defined")
    return Twin(cause=cause, effect=effect, pairs=pairs)


def abnormal_findings(m, evidence: Evidence | None) -> dict[str, tuple[str, ...]]:
    """The findings that expected disablement counts: ``{finding: observed states}``.

    Every finding observed outside its baseline state (a set of states counts if it leaves out
    the baseline) with a noisy-OR/MAX model, in model order.
    """
    ev = m.check_evidence(evidence)
    out: dict[str, tuple[str, ...]] = {}
    for nid, obs in ev.items():
        node = m.kb.nodes[nid]
        states = (obs,) if isinstance(obs, str) else obs
        if node.role == "finding" and m.is_noisy_finding(nid) and node.states[0] not in states:
            out[nid] = states
    return out


def causes(m, evidence: Evidence | None, effect: str = DEFAULT_EFFECT) -> pd.DataFrame:
    """Rank conditions, states and exposures by expected disablement.

    Parameters
    ----------
    m : TwitchModel
    evidence : mapping of node id to a state or a list of states.
    effect : the finding of the ``twitching_would_stop`` column, a noisy-OR/MAX finding
        (default ``fasciculations``, the twitching).

    Returns
    -------
    pandas.DataFrame
        One row per condition, state and exposure, columns:

        - ``id, role, label``;
        - ``probability_present``: P(present | evidence) (1 or 0 when observed);
        - ``expected_disablement``: the expected number of the presentation's abnormal findings
          (see :func:`abnormal_findings`) that would go away had it been absent; between 0 and
          the number of those findings;
        - ``twitching_would_stop``: P(present, the twitching present, and it would not be there
          without it | evidence) ("would the twitching stop without it?"); never above
          ``probability_present``.

        Sorted by ``expected_disablement``, then ``twitching_would_stop``, then
        ``probability_present`` (descending; ties keep model order).

    Raises
    ------
    ParameterError
        ``effect`` is not a noisy-OR/MAX finding.
    EvidenceError, ImpossibleEvidenceError
        Bad or impossible evidence.
    """
    noisy = [n for n in m.ids if m.is_noisy_finding(n)]
    check_choice("effect", effect, noisy, "causes")
    ev = m.check_evidence(evidence)
    kb = m.kb
    cand = [n for n in m.ids if kb.nodes[n].role in CAUSE_ROLES]
    base = m.query([ev], want=[n for n in cand if not isinstance(ev.get(n), str)])
    if not base.possible[0]:
        raise ImpossibleEvidenceError(ev)
    log_pe = float(base.log_evidence[0])
    abnormal = abnormal_findings(m, ev)
    eff_node = kb.nodes[effect]
    obs = ev.get(effect)
    allowed = eff_node.states if obs is None else (obs,) if isinstance(obs, str) else obs
    effect_states = tuple(s for s in allowed if s != eff_node.states[0])
    upstream = {f: ancestors(kb, [f]) for f in {*abnormal, effect}}
    rows = []
    for nid in cand:
        node = kb.nodes[nid]
        if isinstance(ev.get(nid), str):
            present = 0.0 if ev[nid] == node.states[0] else 1.0
        else:
            present = float(1.0 - base.marginals[nid][0, 0])
        disabled, stop = 0.0, 0.0
        if present > 0.0:
            disabled, stop = _disablement(m, nid, ev, abnormal, effect, effect_states,
                                          upstream, log_pe)
        rows.append({"id": nid, "role": node.role, "label": node.label,
                     "probability_present": present, "expected_disablement": disabled,
                     "twitching_would_stop": stop})
    df = pd.DataFrame(rows, columns=CAUSES_COLUMNS)
    return df.sort_values(["expected_disablement", "twitching_would_stop", "probability_present"],
                          ascending=False, kind="stable").reset_index(drop=True)


def _disablement(m, cause: str, ev: CheckedEvidence, abnormal: dict[str, tuple[str, ...]],
                 effect: str, effect_states: tuple[str, ...], upstream: dict[str, set[str]],
                 log_pe: float) -> tuple[float, float]:
    """(expected disablement, P(cause present, effect in fact, gone without it) | ev)."""
    node = m.kb.nodes[cause]
    counted = [f for f in abnormal if cause in upstream[f]]
    ask_effect = bool(effect_states) and cause in upstream[effect]
    if not counted and not ask_effect:
        return 0.0, 0.0
    obs = ev.get(cause)
    allowed = node.states if obs is None else (obs,) if isinstance(obs, str) else obs
    present = tuple(s for s in allowed if s != node.states[0])
    element: dict[str, Observation | Among | Gone] = dict(ev)
    element[cause] = present[0] if len(present) == 1 else Among(present)
    asks = {f: abnormal[f] for f in counted}
    if ask_effect and effect not in abnormal:
        asks[effect] = effect_states
    gone: dict[str, float] = {}
    for f, states in asks.items():  # one plan per (cause, finding): see inference.Twin
        log_j = m.twin_query([{**element, f: Gone(states)}], twin_for(m, cause, f))
        with np.errstate(over="ignore"):
            gone[f] = float(np.clip(np.exp(log_j[0] - log_pe), 0.0, 1.0))
    disabled = sum(gone[f] for f in counted)
    return disabled, gone[effect] if ask_effect else 0.0
