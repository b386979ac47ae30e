"""Which numbers carry the answers: parameter influence summed over the teaching cases.

For every teaching case whose expected answer is not itself entered as evidence, the one-way
sensitivity of P(answer present | the case's evidence) to each parameter over its range (the
tornado of :func:`model.parameters.sensitivity`) gives a swing; a parameter's *influence* is its
swing summed over the cases. The list, with each parameter's source, is what a reviewer checks
first; the share of the total influence carried by ``expert`` numbers says how much of the
model's behaviour on the cases rests on judgement rather than on cited figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .api import TwitchModel

COLUMNS = ["parameter", "node", "source", "value", "low", "high", "influence", "share",
           "cases"]


@dataclass
class AuditReport:
    """Parameters ranked by influence on the teaching cases' answers."""

    table: pd.DataFrame  # one row per parameter with non-zero influence, most influential first
    cases_used: list[str]
    cases_skipped: list[str]  # the answer is in the evidence: its probability is not inferred

    @property
    def expert_share(self) -> float:
        """Share of the total influence carried by ``expert`` parameters (0 when none moves)."""
        total = float(self.table["influence"].sum())
        if total <= 0:
            return 0.0
        return float(self.table.loc[self.table["source"] == "expert", "influence"].sum() / total)


def audit(m: TwitchModel, cases: Sequence[dict] | None = None) -> AuditReport:
    """Rank the parameters by their summed influence on the teaching cases' answers.

    Parameters
    ----------
    m : TwitchModel
    cases : teaching cases (default: the project's, :func:`model.cases.load_cases`).

    Returns
    -------
    AuditReport
        ``table`` with columns ``parameter, node, source, value, low, high, influence, share,
        cases`` (influence = summed absolute swing of P(answer) in probability points; share of
        the total; number of cases the parameter moves), and the cases used and skipped.
    """
    if cases is None:
        from .cases import load_cases

        cases = load_cases(vocabulary=m)
    influence = np.zeros(len(m.kb.params))
    moved = np.zeros(len(m.kb.params), dtype=int)
    used, skipped = [], []
    for case in cases:
        answer = case["diagnosis"]
        if answer in case["evidence"]:
            skipped.append(case["id"])
            continue
        tornado = m.sensitivity(case["evidence"], answer, top=None)
        swing = (tornado["result_high"] - tornado["result_low"]).abs().to_numpy()
        idx = [m.kb.params.index(p) for p in _params_by_name(m, tornado["parameter"])]
        influence[idx] += swing
        moved[idx] += swing > 1e-12
        used.append(case["id"])
    total = influence.sum()
    rows = [{"parameter": p.name, "node": p.node, "source": p.source, "value": p.value,
             "low": p.low, "high": p.high, "influence": float(influence[i]),
             "share": float(influence[i] / total) if total > 0 else 0.0,
             "cases": int(moved[i])}
            for i, p in enumerate(m.kb.params) if influence[i] > 0]
    table = pd.DataFrame(rows, columns=COLUMNS).sort_values(
        "influence", ascending=False, kind="stable").reset_index(drop=True)
    return AuditReport(table=table, cases_used=used, cases_skipped=skipped)


def _params_by_name(m: TwitchModel, names: pd.Series) -> list:
    by_name = {p.name: p for p in m.kb.params}
    return [by_name[n] for n in names]
