"""Evaluation of the model against the sourced teaching cases (``model/cases``).

Definitions (also in docs/evaluation.md):

* **Ranking.** With ``ranking="auto"`` (the default) a case with at least one abnormal finding
  (a finding observed outside its first, normal state) is ranked by the *likely causes* in the
  order :meth:`TwitchModel.causes` returns them; the evaluation does not re-sort. That order is
  the API's: expected disablement (Richens et al. 2020), the expected number of the
  presentation's abnormal findings that would go away without the cause (column
  ``expected_disablement``; an older API's ``probability_causing`` is used if that column is
  absent). It includes observed exposures, so a patient's stated caffeine excess can come first.
  A case with no abnormal finding has nothing for the causes to explain and is ranked by the
  diagnoses of the differential (:meth:`TwitchModel.diagnoses`: conditions and states by
  P(present); unobserved exposures, at about their population frequency, are left out).
  ``"causes"`` or ``"differential"`` force one ranking for every case.
* **Acceptable answers.** The case's ``diagnosis`` and its ``also_acceptable`` ids.
* **rank** = the 1-based position, in the model's ranking, of the best-placed acceptable
  answer (missing if none is ranked); ``diagnosis_rank`` is the position of the ``diagnosis``
  itself, and ``top1_diagnosis_only`` the fraction of cases where it comes first.
  **hit@1** = rank is 1, i.e. the model's first-ranked cause is the diagnosis or an acceptable
  alternative. **hit@3** = rank <= 3.
* **top-1 / top-3** = the fraction of cases with hit@1 / hit@3, with 95% Wilson score
  intervals. **MRR** = mean of 1/rank (0 when not ranked).
* **Scores and calibration.** ``score_first`` / ``score_expected`` are the ranking scores of
  the model's first-ranked cause and of the case's ``diagnosis`` (expected disablement, or
  P(present) for the differential); ``p_first`` / ``p_expected`` are their probabilities of
  being present given the evidence (1 if observed). The calibration table bins the cases by
  ``p_first`` and gives the top-1 accuracy in each bin: how often the first-ranked cause is
  right when the model says it is present with that probability.
* **Bounds.** Each ``bounds: {node: {max: x} | {min: x}}`` is checked on P(node not in its
  baseline state | evidence) (0 or 1 if the node is observed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

import numpy as np
import pandas as pd

from .display import format_probability
from .errors import TwitchDxError

Z95 = 1.959963984540054  # two-sided 95% standard-normal quantile
RANKINGS = ("auto", "causes", "differential")
CALIBRATION_BINS = (0.0, 0.1, 0.25, 0.5, 1.0)

CASE_COLUMNS = ["id", "diagnosis", "ranking", "rank", "diagnosis_rank", "first", "score_first",
                "p_first", "score_expected", "p_expected", "top1_hit", "top3_hit",
                "model_top3", "top3_agreement", "bounds_ok", "bounds_failed", "note"]
#: Columns of ``m.causes`` that may hold its ranking score, newest API first.
CAUSE_SCORES = ("expected_disablement", "probability_causing")

#: Published vignette anchors (Semigran et al. 2015, 2016; see shared/reference/anchors.md §2).
ANCHORS: list[dict[str, Any]] = [
    {"who": "Symptom checkers (23 apps) on vignettes, Semigran 2015/2016", "cases": 45,
     "top1": 0.340, "top3": 0.512,
     "source": "Semigran HL, Linder JA, Gidengil C, Mehrotra A. BMJ 2015;351:h3480 (top-1); "
               "Semigran HL, Levine DM, Nundy S, Mehrotra A. JAMA Intern Med "
               "2016;176(12):1860-1861 (top-3)"},
    {"who": "Physicians (234) on the same vignettes, Semigran 2016", "cases": 45,
     "top1": 0.721, "top3": 0.843,
     "source": "Semigran HL, Levine DM, Nundy S, Mehrotra A. JAMA Intern Med "
               "2016;176(12):1860-1861"},
]


def wilson_interval(hits: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``hits / n`` (95% by default)."""
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= hits <= n:
        raise ValueError(f"hits must lie in [0, n], got {hits} of {n}")
    p = hits / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _baseline_excluded(m, node_id: str, observed) -> bool:
    """Whether an observation (a state or a list of states) rules out the node's first state."""
    states = observed if isinstance(observed, list | tuple) else [observed]
    return m.nodes[node_id].states[0] not in states


def _present(m, node_id: str, evidence: dict, post: dict) -> float:
    """P(node not in its first state | evidence); 0 or 1 when the evidence settles it."""
    if node_id in evidence:
        observed = evidence[node_id]
        if _baseline_excluded(m, node_id, observed):
            return 1.0
        if not isinstance(observed, list | tuple):
            return 0.0
        if node_id not in post:  # "one of these states", the normal one included
            rest = m.posterior({k: v for k, v in evidence.items() if k != node_id},
                               nodes=[node_id])[node_id]
            base = m.nodes[node_id].states[0]
            return float(sum(rest[s] for s in observed if s != base)
                         / sum(rest[s] for s in observed))
    return m.present_probability(node_id, post[node_id])


def abnormal_findings(m, evidence: dict) -> list[str]:
    """Findings observed outside their first (normal) state, in evidence order."""
    return [k for k, v in evidence.items()
            if getattr(m.nodes[k], "role", "finding") == "finding" and _baseline_excluded(m, k, v)]


def check_bounds(m, case: dict, posterior: dict | None = None) -> list[dict]:
    """Every bound of a case: ``node, kind ("max"/"min"), limit, value, ok``.

    ``value`` is P(node not in its baseline state | the case's evidence).
    """
    ev = case["evidence"]
    post = (m.posterior(ev, nodes=list(case.get("bounds", {}))) if posterior is None
            else posterior)
    out = []
    for node_id, limits in case.get("bounds", {}).items():
        value = _present(m, node_id, ev, post)
        for kind, limit in limits.items():
            ok = value <= limit if kind == "max" else value >= limit
            out.append({"node": node_id, "kind": kind, "limit": float(limit),
                        "value": float(value), "ok": bool(ok)})
    return out


def rank_causes(m, case: dict, ranking: str = "auto") -> tuple[str, pd.DataFrame]:
    """The ranking used for a case: ``(name, DataFrame id, score, present)`` sorted best first.

    ``name`` is ``"causes"`` or ``"differential"`` (see the module docstring for ``auto``).
    The causes keep the order ``m.causes`` returns.
    """
    if ranking not in RANKINGS:
        raise TwitchDxError(f"ranking must be one of {', '.join(RANKINGS)}; got '{ranking}'")
    ev = case["evidence"]
    if ranking == "auto":
        ranking = "causes" if abnormal_findings(m, ev) and hasattr(m, "causes") \
            else "differential"
    if ranking == "causes":
        df = m.causes(ev)
        col = next((c for c in CAUSE_SCORES if c in df.columns), None)
        if col is None:
            raise TwitchDxError("m.causes() returned none of the score columns "
                                + ", ".join(CAUSE_SCORES))
        out = pd.DataFrame({"id": df["id"], "score": df[col],
                            "present": df["probability_present"]})
    else:
        df = m.diagnoses(ev)
        out = pd.DataFrame({"id": df["id"], "score": df["probability"],
                            "present": df["probability"]})
    out = out.reset_index(drop=True)
    out.attrs["score"] = col if ranking == "causes" else "probability"
    return ranking, out


@dataclass
class EvaluationReport:
    """The result of :func:`evaluate`.

    ``summary``: n, top1, top1_ci, top3, top3_ci, mrr (and counts, calibration figures);
    ``cases``: one row per case (columns :data:`CASE_COLUMNS`); ``misses``: the cases not
    ranked first; ``calibration``: top-1 accuracy by the first-ranked cause's score;
    ``rankings``: the full ranking used for each case id.
    """

    summary: dict
    cases: pd.DataFrame
    calibration: pd.DataFrame
    rankings: dict[str, pd.DataFrame] = field(repr=False, default_factory=dict)

    @property
    def misses(self) -> pd.DataFrame:
        """Cases whose first-ranked cause is not acceptable, with what came first instead."""
        cols = ["id", "diagnosis", "ranking", "rank", "first", "score_first", "p_first",
                "score_expected", "p_expected", "model_top3"]
        return self.cases.loc[~self.cases["top1_hit"], cols].reset_index(drop=True)

    @property
    def bound_failures(self) -> pd.DataFrame:
        return self.cases.loc[~self.cases["bounds_ok"], ["id", "bounds_failed"]].reset_index(
            drop=True)

    def to_dict(self) -> dict:
        """JSON-ready: summary, anchors, cases, misses, calibration."""
        def records(df: pd.DataFrame) -> list[dict]:
            out = []
            for rec in df.to_dict(orient="records"):
                clean = {}
                for k, v in rec.items():
                    if v is pd.NA or (isinstance(v, float) and not math.isfinite(v)):
                        v = None
                    elif isinstance(v, np.generic):
                        v = v.item()
                    clean[k] = v
                out.append(clean)
            return out
        return {"summary": self.summary, "anchors": ANCHORS,
                "cases": records(self.cases), "misses": records(self.misses),
                "calibration": records(self.calibration)}

    # -- text and markdown ------------------------------------------------------------------
    def figures_table(self) -> str:
        """Markdown table: TwitchDx next to the published vignette anchors."""
        s = self.summary

        def pct(x: float) -> str:
            return f"{100 * x:.1f}%"

        def ci(c) -> str:
            return f"{pct(c[0])}–{pct(c[1])}"
        lines = ["| | cases | top-1 (95% CI) | top-3 (95% CI) | MRR |", "|---|---|---|---|---|",
                 f"| TwitchDx, teaching cases | {s['n']} | {pct(s['top1'])} ({ci(s['top1_ci'])}) "
                 f"| {pct(s['top3'])} ({ci(s['top3_ci'])}) | {s['mrr']:.3f} |"]
        for a in ANCHORS:
            lines.append(f"| {a['who']} | {a['cases']} | {pct(a['top1'])} | "
                         f"{pct(a['top3'])} | — |")
        return "\n".join(lines)

    def cases_table(self) -> str:
        """Markdown table, one row per case."""
        lines = ["| case | expected | ranking | rank | model's first (score; P present) "
                 "| expected: score | expected: P(present) | top-1 | top-3 | bounds |",
                 "|---|---|---|---|---|---|---|---|---|---|"]
        for r in self.cases.itertuples():
            rank = "—" if pd.isna(r.rank) else str(int(r.rank))
            if not pd.isna(r.rank) and r.diagnosis_rank != r.rank:
                rank += f" (diagnosis {int(r.diagnosis_rank)})"
            bounds = "ok" if r.bounds_ok else "FAIL: " + "; ".join(r.bounds_failed)
            used = r.ranking + (" (causes over size limit)" if r.note else "")
            lines.append(
                f"| {r.id} | {r.diagnosis} | {used} | {rank} | {r.first} "
                f"({_score(r.ranking, r.score_first)}; {format_probability(r.p_first)}) | "
                f"{_score(r.ranking, r.score_expected)} | "
                f"{format_probability(r.p_expected)} | {'yes' if r.top1_hit else 'no'} | "
                f"{'yes' if r.top3_hit else 'no'} | {bounds} |")
        return "\n".join(lines)

    def calibration_table(self) -> str:
        lines = ["| P(present) of the model's first cause | cases | mean | top-1 accuracy |",
                 "|---|---|---|---|"]
        for r in self.calibration.itertuples():
            acc = "—" if r.n == 0 else f"{100 * r.top1_accuracy:.0f}%"
            mean = "—" if r.n == 0 else format_probability(r.mean_p_first)
            lines.append(f"| {r.bin} | {r.n} | {mean} | {acc} |")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        return "\n\n".join([self.figures_table(), self.cases_table(), self.calibration_table()])

    def text(self) -> str:
        s = self.summary

        def pct(x: float) -> str:
            return f"{100 * x:5.1f}%"
        out = [f"TwitchDx on {s['n']} teaching cases (ranking: {s['ranking']}; "
               f"{s['ranked_by']['causes']} by likely causes in m.causes() order "
               f"[{s['causes_score'] or 'not used'}], "
               f"{s['ranked_by']['differential']} by the differential's diagnoses, "
               f"{s['causes_over_limit']} of them because m.causes was over the size limit)",
               f"  top-1  {pct(s['top1'])}  (95% CI {pct(s['top1_ci'][0]).strip()}–"
               f"{pct(s['top1_ci'][1]).strip()})  {s['top1_hits']}/{s['n']}",
               f"  top-3  {pct(s['top3'])}  (95% CI {pct(s['top3_ci'][0]).strip()}–"
               f"{pct(s['top3_ci'][1]).strip()})  {s['top3_hits']}/{s['n']}",
               f"  MRR    {s['mrr']:.3f}",
               f"  top-1 counting the diagnosis only (not also_acceptable) "
               f"{pct(s['top1_diagnosis_only']).strip()}",
               "Published anchors (45 vignettes):"]
        for a in ANCHORS:
            out.append(f"  {a['who']:<60} top-1 {pct(a['top1'])}  top-3 {pct(a['top3'])}")
        misses = self.misses
        out.append(f"\nMissed at first place ({len(misses)}):")
        for r in misses.itertuples():
            rank = "not ranked" if pd.isna(r.rank) else f"rank {int(r.rank)}"
            out.append(f"  {r.id:<46} expected {r.diagnosis} ({rank}, "
                       f"{_score(r.ranking, r.score_expected)}, P present "
                       f"{format_probability(r.p_expected)}); first: {r.first} "
                       f"({_score(r.ranking, r.score_first)}, P present "
                       f"{format_probability(r.p_first)})")
        out.append("\nCalibration (P(present) of the expected cause, per case):")
        out.append(f"  mean {format_probability(s['mean_p_expected'])}, median "
                   f"{format_probability(s['median_p_expected'])}; of the model's first-ranked "
                   f"cause: mean {format_probability(s['mean_p_first'])}")
        for r in self.calibration.itertuples():
            acc = "—" if r.n == 0 else f"{100 * r.top1_accuracy:.0f}% correct"
            out.append(f"  first cause P(present) {r.bin:<12} {r.n:>3} cases  {acc}")
        out.append("")
        shown = self.cases[["id", "diagnosis", "rank", "first", "p_expected", "top1_hit",
                            "top3_hit", "bounds_ok"]].copy()
        shown["p_expected"] = shown["p_expected"].map(format_probability)
        shown["rank"] = shown["rank"].astype(object).where(shown["rank"].notna(), "—")
        out.append(shown.to_string(index=False))
        failures = self.bound_failures
        if len(failures):
            out.append("\nSafety bounds violated:")
            for r in failures.itertuples():
                out.append(f"  {r.id}: " + "; ".join(r.bounds_failed))
        return "\n".join(out)


def _over_limit(exc: Exception) -> bool:
    """Whether an error is the engine's plan-size limit (model.limits.LimitError)."""
    try:
        from .limits import LimitError
    except ImportError:  # an engine without size limits
        return False
    return isinstance(exc, LimitError)


def _score(ranking: str, x: float) -> str:
    """A ranking score as text: expected disablement is a count (3 significant figures),
    P(present) a probability."""
    return f"{x:.3g}" if ranking == "causes" else format_probability(x)


def evaluate(m, cases: Sequence[dict] | None = None, ranking: str = "auto") -> EvaluationReport:
    """Run every teaching case through the model.

    Parameters
    ----------
    m : a :class:`model.TwitchModel`.
    cases : cases as returned by :func:`model.cases.load_cases`; default: the package's
        teaching cases, validated against ``m``.
    ranking : ``"auto"`` (likely causes when the case has an abnormal finding, else the
        differential's diagnoses), ``"causes"`` or ``"differential"``.

    Returns
    -------
    EvaluationReport
    """
    if ranking not in RANKINGS:
        raise TwitchDxError(f"ranking must be one of {', '.join(RANKINGS)}; got '{ranking}'")
    if cases is None:
        from .cases import load_cases

        cases = load_cases(vocabulary=m)
    if not cases:
        raise TwitchDxError("no cases to evaluate")
    rows, rankings = [], {}
    causes_score = None
    for case in cases:
        ev = case["evidence"]
        note = ""
        try:
            post = m.posterior(ev, nodes=list(case.get("bounds", {})))
            try:
                used, ranked = rank_causes(m, case, ranking)
            except TwitchDxError as exc:
                if not _over_limit(exc):
                    raise
                # the twin network is over the engine's size limit: say so, rank by the
                # differential rather than drop the case
                used, ranked = rank_causes(m, case, "differential")
                note = "causes over the size limit; ranked by the differential"
            if used == "causes":
                causes_score = ranked.attrs["score"]
        except TwitchDxError as exc:
            raise TwitchDxError(f"case '{case['id']}': {exc}") from exc
        rankings[case["id"]] = ranked
        ids = list(ranked["id"])
        acceptable = [case["diagnosis"], *case.get("also_acceptable", [])]
        positions = [ids.index(a) + 1 for a in acceptable if a in ids]
        rank = min(positions) if positions else pd.NA
        diag_rank = ids.index(case["diagnosis"]) + 1 if case["diagnosis"] in ids else pd.NA
        score = dict(zip(ranked["id"], ranked["score"], strict=True))
        diag = case["diagnosis"]
        bounds = check_bounds(m, case, post)
        failed = [f"{b['node']} {'<=' if b['kind'] == 'max' else '>='} {b['limit']:g} "
                  f"(got {b['value']:.3g})" for b in bounds if not b["ok"]]
        model_top3 = ids[:3]
        present = dict(zip(ranked["id"], ranked["present"], strict=True))
        rows.append({
            "id": case["id"], "diagnosis": diag, "ranking": used, "rank": rank,
            "diagnosis_rank": diag_rank,
            "first": ids[0], "score_first": float(ranked["score"].iloc[0]),
            "p_first": float(ranked["present"].iloc[0]),
            "score_expected": float(score.get(diag, 0.0)),
            "p_expected": float(present[diag]) if diag in present
            else _present(m, diag, ev, post),
            "top1_hit": rank is not pd.NA and rank == 1,
            "top3_hit": rank is not pd.NA and rank <= 3,
            "model_top3": model_top3,
            "top3_agreement": len(set(model_top3) & set(case["top3"])),
            "bounds_ok": not failed, "bounds_failed": failed, "note": note,
        })
    df = pd.DataFrame(rows, columns=CASE_COLUMNS)
    df["rank"] = df["rank"].astype("Int64")
    df["diagnosis_rank"] = df["diagnosis_rank"].astype("Int64")
    k1d = int((df["diagnosis_rank"] == 1).sum())
    n = len(df)
    k1, k3 = int(df["top1_hit"].sum()), int(df["top3_hit"].sum())
    rr = [0.0 if pd.isna(r) else 1.0 / int(r) for r in df["rank"]]
    summary = {
        "n": n, "ranking": ranking,
        "ranked_by": {"causes": int((df["ranking"] == "causes").sum()),
                      "differential": int((df["ranking"] == "differential").sum())},
        "top1": k1 / n, "top1_ci": wilson_interval(k1, n), "top1_hits": k1,
        "top3": k3 / n, "top3_ci": wilson_interval(k3, n), "top3_hits": k3,
        "mrr": float(np.mean(rr)),
        "top1_diagnosis_only": k1d / n, "top1_diagnosis_only_ci": wilson_interval(k1d, n),
        "mean_top3_agreement": float(df["top3_agreement"].mean()),
        "mean_p_expected": float(df["p_expected"].mean()),
        "median_p_expected": float(median(df["p_expected"])),
        "mean_p_first": float(df["p_first"].mean()),
        "causes_score": causes_score,
        "causes_over_limit": int((df["note"] != "").sum()),
        "cases_with_bounds": sum(1 for c in cases if c.get("bounds")),
        "bounds_failed": int((~df["bounds_ok"]).sum()),
    }
    return EvaluationReport(summary=summary, cases=df, calibration=_calibration(df),
                            rankings=rankings)


def _calibration(df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    edges = CALIBRATION_BINS
    for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        last = i == len(edges) - 2
        sel = (df["p_first"] >= lo) & ((df["p_first"] <= hi) if last else (df["p_first"] < hi))
        sub = df[sel]
        rows.append({"bin": f"[{lo:g}, {hi:g}{']' if last else ')'}", "n": int(len(sub)),
                     "mean_p_first": float(sub["p_first"].mean()) if len(sub) else float("nan"),
                     "top1_accuracy": float(sub["top1_hit"].mean()) if len(sub)
                     else float("nan")})
    return pd.DataFrame(rows, columns=["bin", "n", "mean_p_first", "top1_accuracy"])
