"""A guided interview: one question, examination or test at a time, chosen by information gain.

Each step ranks every finding not yet answered (nor skipped with "don't know") by its expected
information gain (:func:`model.information.next_tests`) about the chosen goal — the whole
differential (``entropy``) or "any serious condition" (``serious``) — divided by its cost tier
(question 1, examination 2, blood test 3, specialist test 4) when ``cost_aware``. The best is
asked next, with its rationale: the entries it separates most and the differential under each
answer.

Stop rule (stated, and returned with the reason): stop when

1. the top diagnosis is settled — its probability at least ``settle`` (default 0.9), or, for the
   ``serious`` goal, P(any serious condition) at most ``1 - settle`` or at least ``settle``; or
2. no remaining question is worth its cost — the best gain per cost tier is below ``min_gain``
   bits (default 0.02); or
3. ``max_questions`` have been asked (default 20), or nothing is left to ask.

Efficiency of a path: at each step, the expected gain of the question that was asked divided by
the best expected gain on offer at that step; the score is their mean (1 = always the greedy
best question). It needs only the path's own evidence, so it scores any interview, guided or
not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._validation import check_choice, check_range
from .evidence import Evidence

if TYPE_CHECKING:  # pragma: no cover
    from .api import TwitchModel

GOALS = ("entropy", "serious")
SETTLE = 0.9
MIN_GAIN = 0.02
MAX_QUESTIONS = 20


@dataclass
class Question:
    """The next question and why it was chosen."""

    id: str
    label: str
    cost: str
    information_gain: float  # expected bits about the goal
    gain_per_cost: float
    separates: list[str]  # labels of the entries whose probability it moves most
    outcomes: pd.DataFrame  # the differential under each answer (see test_outcomes)


@dataclass
class InterviewStep:
    """One step of an interview: the next question (or none) and whether to stop."""

    question: Question | None
    stop: bool
    reason: str
    asked: int  # questions answered so far (including "don't know" answers skipped)
    top: pd.DataFrame  # the current diagnoses, most probable first
    serious_probability: float  # P(any serious condition | evidence)
    alternatives: pd.DataFrame = field(default_factory=pd.DataFrame)  # the ranking it chose from


def _serious_probability(m: TwitchModel, ev: Mapping[str, Any]) -> float:
    """P(at least one serious condition or state | evidence)."""
    serious = [n for n in m.serious_ids() if n not in ev]
    if not serious:
        return 0.0
    none = {n: m.nodes[n].states[0] for n in serious}
    p_ev = m.probability_of_evidence(ev)
    p_none = m.probability_of_evidence({**ev, **none})
    return float(1.0 - p_none / p_ev) if p_ev > 0 else float("nan")


def interview(m: TwitchModel, evidence: Evidence | None = None, *, goal: str = "entropy",
              skipped: Sequence[str] = (), asked: int | None = None, cost_aware: bool = True,
              settle: float = SETTLE, min_gain: float = MIN_GAIN,
              max_questions: int = MAX_QUESTIONS) -> InterviewStep:
    """The next step of a guided interview (see the module docstring for the stop rule).

    Parameters
    ----------
    m : TwitchModel
    evidence : the answers so far (context such as age and sex included); a list of states
        means "one of these" (e.g. weakness present, progression unknown).
    goal : ``"entropy"`` (narrow the whole differential) or ``"serious"`` (rule serious
        disease in or out).
    skipped : findings answered "don't know": never asked again.
    asked : questions asked so far (default: the number of findings in the evidence plus the
        skipped ones), for the ``max_questions`` rule.
    cost_aware : rank by gain per cost tier (True) or by gain alone.
    settle, min_gain, max_questions : the stop rule's thresholds.

    Returns
    -------
    InterviewStep
        ``question`` (None when stopping), ``stop``, ``reason``, the current ``top``
        diagnoses, ``serious_probability`` and the ranked ``alternatives``.
    """
    check_choice("goal", goal, GOALS, "interview")
    check_range("settle", settle, "interview", low=0.5, high=1.0)
    check_range("min_gain", min_gain, "interview", low=0.0)
    check_range("max_questions", max_questions, "interview", kind=int, low=1)
    ev = m.check_evidence(evidence)
    skipped = [m.check_node(s).id for s in skipped]
    if asked is None:
        asked = sum(1 for n in ev if m.nodes[n].role == "finding") + len(skipped)
    top = m.diagnoses(ev)
    serious_p = _serious_probability(m, ev)
    step = InterviewStep(question=None, stop=True, reason="", asked=asked, top=top,
                         serious_probability=serious_p)
    if goal == "serious" and not (1 - settle < serious_p < settle):
        step.reason = (f"settled: P(any serious condition) is {serious_p:.1%}, "
                       f"{'below' if serious_p <= 1 - settle else 'above'} the stop threshold")
        return step
    if goal == "entropy" and len(top) and top.iloc[0]["probability"] >= settle:
        step.reason = (f"settled: {top.iloc[0]['label']} has probability "
                       f"{top.iloc[0]['probability']:.1%} (threshold {settle:.0%})")
        return step
    if asked >= max_questions:
        step.reason = f"stopped after {asked} questions (the limit is {max_questions})"
        return step
    ranked = m.next_tests(ev, objective=goal,
                          sort_by="gain_per_cost" if cost_aware else "information_gain")
    ranked = ranked[~ranked["id"].isin(skipped)].reset_index(drop=True)
    step.alternatives = ranked
    if ranked.empty:
        step.reason = "nothing left to ask"
        return step
    best = ranked.iloc[0]
    score = best["gain_per_cost"] if cost_aware else best["information_gain"]
    if score < min_gain:
        step.reason = (f"no remaining question is worth its cost: the best, "
                       f"{best['label']}, would gain {score:.3f} bits"
                       f"{' per cost tier' if cost_aware else ''} (threshold {min_gain})")
        return step
    # every diagnosis under every answer; keep the ones the answer moves most (serious ones
    # only for the serious goal) and the current top three
    outcomes = m.test_outcomes(ev, best["id"], top=len(top))
    if goal == "serious":
        outcomes = outcomes[outcomes["id"].map(lambda n: m.nodes[n].serious)]
    moved = (outcomes.assign(shift=(outcomes["probability"] - outcomes["now"]).abs()
                             * outcomes["outcome_probability"])
             .groupby("id")["shift"].sum().sort_values(ascending=False))
    keep = list(moved.index[:3]) + [n for n in top["id"].head(3) if n not in moved.index[:3]]
    step.question = Question(
        id=str(best["id"]), label=str(best["label"]), cost=str(best["cost"]),
        information_gain=float(best["information_gain"]),
        gain_per_cost=float(best["gain_per_cost"]),
        separates=[m.nodes[n].label for n in moved.index[:3]],
        outcomes=outcomes[outcomes["id"].isin(keep)].reset_index(drop=True))
    step.stop = False
    about = "the whole differential" if goal == "entropy" else "any serious condition"
    step.reason = (f"{best['label']} is worth most: {best['information_gain']:.3f} bits "
                   f"expected about {about}")
    return step


def efficiency(m: TwitchModel, path: Sequence[tuple[str, Any]],
               start: Evidence | None = None, *, goal: str = "entropy",
               cost_aware: bool = True) -> pd.DataFrame:
    """Score a path of answers against the greedy best question at each step.

    Parameters
    ----------
    m : TwitchModel
    path : ``[(finding id, answer), ...]`` in the order asked; an answer of ``None`` means
        "don't know" (the question counts, gains nothing and is not asked again).
    start : the evidence before the first question (e.g. age, sex, the complaint).
    goal, cost_aware : as for :func:`interview`.

    Returns
    -------
    pandas.DataFrame
        One row per step: ``step, id, answer, gain, best_id, best_gain, ratio``; ``gain`` is
        the expected gain (per cost tier when ``cost_aware``) of the question asked, ``best``
        that of the greedy choice; ``ratio`` their quotient (1 = greedy). ``df.attrs["score"]``
        is the mean ratio.
    """
    check_choice("goal", goal, GOALS, "efficiency")
    ev: dict[str, Any] = dict(m.check_evidence(start))
    skipped: list[str] = []
    key = "gain_per_cost" if cost_aware else "information_gain"
    rows = []
    for i, (fid, answer) in enumerate(path, start=1):
        m.check_node(fid)
        ranked = m.next_tests(ev, objective=goal, sort_by=key)
        ranked = ranked[~ranked["id"].isin(skipped)]
        best = ranked.iloc[0] if len(ranked) else None
        mine = ranked[ranked["id"] == fid]
        gain = float(mine.iloc[0][key]) if len(mine) else 0.0
        best_gain = float(best[key]) if best is not None else 0.0
        rows.append({"step": i, "id": fid, "answer": answer, "gain": gain,
                     "best_id": None if best is None else str(best["id"]),
                     "best_gain": best_gain,
                     "ratio": gain / best_gain if best_gain > 0 else 1.0})
        if answer is None:
            skipped.append(fid)
        else:
            ev[fid] = answer
            m.check_evidence(ev)
    df = pd.DataFrame(rows, columns=["step", "id", "answer", "gain", "best_id", "best_gain",
                                     "ratio"])
    df.attrs["score"] = float(np.mean(df["ratio"])) if len(df) else 1.0
    return df
