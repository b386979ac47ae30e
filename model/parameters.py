"""How sure, and which numbers matter: parameter uncertainty and one-way sensitivity.

Each parameter is sampled from a split logit-normal distribution whose median is its value and
whose range gives its tails, as the parameter's ``range_kind`` says: a 95% confidence interval
(``ci95``) gives the 2.5th and 97.5th percentiles, a 90% one (``ci90``) the 5th and 95th, and
both may be exceeded; a spread across studies or a judgement is read as the 5th-95th percentiles
of a distribution censored at the range's ends (values outside it are implausible). A zero-width
range is a fixed number. Samples run through the same compiled junction tree with a
leading batch axis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import check_range
from .display import describe_parameter
from .errors import EvidenceError, ImpossibleEvidenceError
from .evidence import Evidence, exactly_observed
from .graph import reachable

Z90 = 1.6448536269514722  # standard normal 95th percentile
Z_BY_KIND = {"ci95": 1.959963984540054, "ci90": Z90, "spread": Z90, "judgement": Z90}
BOUNDED_KINDS = ("spread", "judgement")  # ranges that are plausible bounds, not intervals
_EPS = 1e-9
MAX_SAMPLES = 100_000


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def sample_parameters(kb, n: int, seed: int = 0) -> np.ndarray:
    """(n, n_params) parameter samples; distributions are rescaled where they exceed 1."""
    v = np.array([p.value for p in kb.params])
    lo = np.array([p.low for p in kb.params])
    hi = np.array([p.high for p in kb.params])
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, len(v)))
    zq = np.array([Z_BY_KIND[p.range_kind] for p in kb.params])
    bounded = np.array([p.range_kind in BOUNDED_KINDS for p in kb.params])
    centre = _logit(v)
    s_lo = (centre - _logit(lo)) / zq
    s_hi = (_logit(hi) - centre) / zq
    x = centre + np.where(z < 0, s_lo, s_hi) * z
    samples = 1.0 / (1.0 + np.exp(-x))
    fixed = hi <= lo
    samples[:, fixed] = v[fixed]
    # plausible-range kinds are censored at their ends; confidence intervals may be exceeded
    samples = np.where(bounded, np.clip(samples, lo, hi), np.clip(samples, 0.0, 1.0))
    return _renormalise(kb, samples)


def _renormalise(kb, values: np.ndarray) -> np.ndarray:
    """Scale each distribution's non-baseline probabilities down where they sum above 1."""
    for group in distribution_groups(kb):
        total = values[:, group].sum(axis=1, keepdims=True)
        scale = np.where(total > 1.0, 1.0 / np.maximum(total, 1e-300), 1.0)
        values[:, group] *= scale
    return values


def distribution_groups(kb) -> list[list[int]]:
    """Parameter indices that form one distribution (they must sum to at most 1)."""
    groups = []
    for node in kb.nodes.values():
        dists = ([node.prior] if node.prior else []) + list(node.leak.values()) \
            + list(node.links.values()) + [r.dist for r in node.rows]
        groups += [[p.index for p in d.values()] for d in dists if len(d) > 1]
    return groups


def uncertainty(m, evidence: Evidence | None, samples: int = 1000, seed: int = 0,
                level: float = 0.9, chunk: int = 250) -> pd.DataFrame:
    """The differential with a ``level`` interval for each entry from parameter uncertainty.

    Parameters
    ----------
    m : TwitchModel
    evidence : mapping of node id to a state or a list of states.
    samples : number of parameter samples, an int in [1, 100000].
    seed : seed of the random generator, an int >= 0 (same seed, same intervals).
    level : the interval's probability, a float in (0, 1); 0.9 gives the 5th-95th percentiles.
    chunk : samples propagated per batch (memory versus speed), an int >= 1.

    Returns
    -------
    pandas.DataFrame
        The differential's columns (point values) plus ``low`` and ``high``, the interval ends.

    Raises
    ------
    ParameterError
        ``samples``, ``seed``, ``level`` or ``chunk`` out of range.
    EvidenceError, ImpossibleEvidenceError
        Bad evidence, or evidence impossible under some sampled parameters.
    """
    check_range("samples", samples, "uncertainty", kind=int, low=1, high=MAX_SAMPLES)
    check_range("seed", seed, "uncertainty", kind=int, low=0)
    check_range("level", level, "uncertainty", kind=float, low=0, high=1, closed="neither")
    check_range("chunk", chunk, "uncertainty", kind=int, low=1)
    ev = m.check_evidence(evidence)
    df = m.differential(ev)
    ids = list(df["id"])
    vals = sample_parameters(m.kb, samples, seed)
    draws = np.empty((samples, len(ids)))
    for start in range(0, samples, chunk):
        block = vals[start:start + chunk]
        res = m.query([ev], want=ids, values=block)
        if not res.possible.all():
            raise ImpossibleEvidenceError(ev)
        for j, nid in enumerate(ids):
            draws[start:start + chunk, j] = 1.0 - res.marginals[nid][:, 0]
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail], axis=0)
    df["low"] = low
    df["high"] = high
    return df


def sensitivity(m, evidence: Evidence | None, target: str, state: str | None = None,
                top: int | None = 15) -> pd.DataFrame:
    """One-way sensitivity of P(target = state | evidence) to each parameter over its range.

    Parameters
    ----------
    m : TwitchModel
    evidence : mapping of node id to a state or a list of states.
    target : a node not observed in a single state.
    state : a state of ``target``; default: "present" (any non-baseline state).
    top : keep the ``top`` parameters with the largest swing (an int >= 1), or None for all.

    Returns
    -------
    pandas.DataFrame
        One row per parameter: ``parameter, node, label, description, value, low, high,
        source, result_low, result_high, swing`` (the result with the parameter at each end of
        its range, everything else at its point value), sorted by ``swing``, descending. A
        parameter whose node cannot reach the target (d-separated given the evidence) has swing
        exactly zero.

    Raises
    ------
    ParameterError
        ``top`` out of range.
    EvidenceError
        Bad evidence, unknown target or state, or ``target`` observed in a single state.
    ImpossibleEvidenceError
        The evidence has probability zero.
    """
    check_range("top", top, "sensitivity", kind=int, low=1, allow_none=True)
    ev = m.check_evidence(evidence)
    node = m.check_node(target)
    if isinstance(ev.get(target), str):
        raise EvidenceError(f"'{target}' is in the evidence ({target}={ev[target]}); choose an "
                            "unobserved target")
    if state is not None and state not in node.states:
        raise EvidenceError(f"'{state}' is not a state of '{target}'; valid states: "
                            + ", ".join(node.states))
    exact = exactly_observed(ev)
    soft = set(ev) - exact
    base = m.posterior(ev, nodes=[target])[target]
    point = (1.0 - base[node.states[0]]) if state is None else base[state]
    relevant_nodes = {n for n in m.ids
                      if target in reachable(m.kb, n, exact, entering_from_parent=True,
                                             soft=soft)}
    params = [p for p in m.kb.params if p.node in relevant_nodes]
    results: dict[int, tuple[float, float]] = {}
    if params:
        n = len(params)
        vals = np.repeat(m.values, 2 * n, axis=0)
        for i, p in enumerate(params):
            vals[2 * i, p.index] = p.low
            vals[2 * i + 1, p.index] = p.high
        vals = _renormalise(m.kb, vals)
        out = np.empty(2 * n)
        for start in range(0, 2 * n, 250):
            block = vals[start:start + 250]
            res = m.query([ev], want=[target], values=block)
            marg = res.marginals[target]
            vals_t = (1.0 - marg[:, 0]) if state is None else marg[:, node.states.index(state)]
            out[start:start + len(block)] = np.where(res.possible, vals_t, np.nan)
        for i, p in enumerate(params):
            results[p.index] = (float(out[2 * i]), float(out[2 * i + 1]))
    rows = []
    for p in m.kb.params:
        r_lo, r_hi = results.get(p.index, (point, point))
        rows.append({"parameter": p.name, "node": p.node, "label": m.kb.nodes[p.node].label,
                     "description": describe_parameter(m, p),
                     "value": p.value, "low": p.low, "high": p.high, "source": p.source,
                     "result_low": r_lo, "result_high": r_hi,
                     "swing": abs(r_hi - r_lo) if np.isfinite(r_hi - r_lo) else np.inf})
    df = pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable")
    df = df.reset_index(drop=True)
    df.attrs["target"], df.attrs["state"], df.attrs["point"] = target, state, point
    return df.head(top) if top else df
