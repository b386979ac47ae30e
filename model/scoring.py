"""Predict first: score a learner's probabilities (or ranking) against the exact posterior.

Scores compare the learner's forecast q with the model's exact probability p for the same
entries (not with a 0/1 outcome: the "truth" here is what the evidence implies):

- Brier: mean of (q - p)^2 — zero for a perfect forecast, and proper (its expectation under p is
  smallest at q = p);
- log score: mean binary Kullback-Leibler divergence KL(p || q) in bits — zero for a perfect
  forecast, proper; a learner's 0 or 1 is clipped to [1e-4, 1 - 1e-4] first so that one certain
  miss does not make the score infinite (the clip is reported);
- for a ranking: Kendall's tau between the learner's order and the model's, over the entries
  ranked.

:func:`calibration` bins (learner, model) pairs collected across cases for a calibration
picture: in each bin of stated probability, the mean stated and the mean exact probability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._validation import check_range
from .errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from .api import TwitchModel

CLIP = 1e-4
COLUMNS = ["id", "label", "stated", "exact", "difference", "verdict"]


def _kl_bits(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(p > 0, p * np.log2(p / q), 0.0)
        b = np.where(p < 1, (1 - p) * np.log2((1 - p) / (1 - q)), 0.0)
    return a + b


def score_probabilities(stated: Mapping[str, float], exact: Mapping[str, float],
                        labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Score stated probabilities against exact ones, entry by entry.

    Parameters
    ----------
    stated : ``{entry id: the learner's probability}``, each in [0, 1].
    exact : ``{entry id: the model's probability}`` for at least those entries.
    labels : optional plain names for the entries.

    Returns
    -------
    pandas.DataFrame
        ``id, label, stated, exact, difference, verdict`` (``over``, ``under`` or ``close``:
        within 5 points or a factor of 1.5); ``df.attrs`` holds ``brier``, ``log_score`` (bits)
        and ``clipped`` (entries whose 0 or 1 was clipped for the log score).

    Raises
    ------
    ParameterError
        A stated probability outside [0, 1], or an entry without an exact probability.
    """
    if not stated:
        raise ParameterError("The 'stated' parameter of score_probabilities must hold at least "
                             "one entry. Got none instead.")
    rows, qs, ps, clipped = [], [], [], []
    for entry, q in stated.items():
        check_range(f"stated[{entry!r}]", q, "score_probabilities", low=0.0, high=1.0)
        if entry not in exact:
            raise ParameterError(f"The entry {entry!r} has no exact probability to score "
                                 "against.")
        p = float(exact[entry])
        q = float(q)
        close = abs(q - p) <= 0.05 or (min(p, q) > 0 and max(p, q) / min(p, q) <= 1.5)
        rows.append({"id": entry, "label": (labels or {}).get(entry, entry), "stated": q,
                     "exact": p, "difference": q - p,
                     "verdict": "close" if close else "over" if q > p else "under"})
        if q < CLIP or q > 1 - CLIP:
            clipped.append(entry)
        qs.append(min(max(q, CLIP), 1 - CLIP))
        ps.append(p)
    q_arr, p_arr = np.array(qs), np.array(ps)
    df = pd.DataFrame(rows, columns=COLUMNS)
    df.attrs.update(brier=float(np.mean((df["stated"].to_numpy() - p_arr) ** 2)),
                    log_score=float(np.mean(_kl_bits(p_arr, q_arr))), clipped=clipped)
    return df


def score_ranking(ranking: Sequence[str], exact: Mapping[str, float]) -> float:
    """Kendall's tau (-1 to 1) between a learner's ranking (most likely first) and the order of
    the exact probabilities of the same entries (ties in the exact values count as agreement)."""
    if len(ranking) < 2 or len(set(ranking)) != len(ranking):
        raise ParameterError("The 'ranking' parameter of score_ranking must list at least two "
                             f"distinct entries. Got {list(ranking)!r} instead.")
    missing = [r for r in ranking if r not in exact]
    if missing:
        raise ParameterError(f"No exact probability for {missing!r}.")
    concordant = discordant = 0
    for i in range(len(ranking)):
        for j in range(i + 1, len(ranking)):
            d = exact[ranking[i]] - exact[ranking[j]]  # learner says i above j
            if d > 0:
                concordant += 1
            elif d < 0:
                discordant += 1
            else:
                concordant += 1
    pairs = len(ranking) * (len(ranking) - 1) / 2
    return (concordant - discordant) / pairs


def score_against_model(m: TwitchModel, evidence, stated: Mapping[str, float]) -> pd.DataFrame:
    """:func:`score_probabilities` against the model's exact P(present | evidence)."""
    post = m.posterior(evidence, nodes=list(stated))  # checks every entry is a node
    exact = {}
    for entry in stated:
        if entry not in post:
            raise ParameterError(f"{entry!r} is in the evidence; predict an unobserved entry.")
        exact[entry] = m.present_probability(entry, post[entry])
    return score_probabilities(stated, exact, {e: m.nodes[e].label for e in stated})


def calibration(pairs: Sequence[tuple[float, float]], bins: int = 5) -> pd.DataFrame:
    """Bin (stated, exact) pairs by stated probability: ``bin, n, mean_stated, mean_exact``."""
    if not pairs:
        return pd.DataFrame(columns=["bin", "n", "mean_stated", "mean_exact"])
    arr = np.array(pairs, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(arr[:, 0], edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        sel = arr[idx == b]
        if len(sel):
            rows.append({"bin": f"{edges[b]:.0%}-{edges[b + 1]:.0%}", "n": len(sel),
                         "mean_stated": float(sel[:, 0].mean()),
                         "mean_exact": float(sel[:, 1].mean())})
    return pd.DataFrame(rows, columns=["bin", "n", "mean_stated", "mean_exact"])
