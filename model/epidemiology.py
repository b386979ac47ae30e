"""The model's own epidemiology: implied prevalences checked against the published ones.

A prior-predictive check. Every condition, state and exposure has one or more *targets* in
``priors/targets.yaml``: a published population prevalence, overall or by age band and sex, with
its source and the range the model must fall in. The model's implied prevalence in a stratum is
the exact marginal P(node in the target's states | age and/or sex = stratum) with no other
evidence; ``all`` is the adult-population marginal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import KnowledgeBaseError

if TYPE_CHECKING:  # pragma: no cover
    from .api import TwitchModel

TARGET_FIELDS = {"node", "states", "what", "source", "note", "strata"}
STRATUM_FIELDS = {"value", "range", "range_kind", "note"}
ROLES_WITH_TARGETS = ("condition", "state", "exposure")
COLUMNS = ["target", "node", "states", "stratum", "model", "value", "low", "high", "in_range",
           "source", "what"]


@dataclass(frozen=True)
class Target:
    """One published prevalence in one stratum."""

    id: str
    node: str
    states: tuple[str, ...]
    stratum: str  # "all", an age state, a sex state, or "age/sex"
    value: float
    low: float
    high: float
    source: str
    what: str
    file: str


def _stratum_evidence(stratum: str, age_states: tuple[str, ...], sex_states: tuple[str, ...]
                      ) -> dict[str, str] | None:
    if stratum == "all":
        return {}
    if "/" in stratum:
        age, _, sex = stratum.partition("/")
        if age in age_states and sex in sex_states:
            return {"age": age, "sex": sex}
        return None
    if stratum in age_states:
        return {"age": stratum}
    if stratum in sex_states:
        return {"sex": stratum}
    return None


def read_targets(m: TwitchModel) -> list[Target]:
    """Validate the knowledge base's targets and flatten them to one row per stratum.

    Raises
    ------
    KnowledgeBaseError
        A target names an unknown node, state, stratum or source, or a value outside [0, 1]
        or its range; the message names the file, the target and the field.
    """
    kb = m.kb
    ages, sexes = kb.nodes["age"].states, kb.nodes["sex"].states
    out: list[Target] = []
    for tid, (fname, entry) in kb.targets.items():
        def fail(msg: str, fld: str, tid: str = str(tid), fname: str = fname) -> None:
            raise KnowledgeBaseError(msg, file=fname, node=f"target {tid}", field=fld)

        if not isinstance(entry, dict):
            fail("a target must be a mapping with 'strata', 'source' and 'what'", "targets")
        extra = set(entry) - TARGET_FIELDS
        if extra:
            fail(f"unknown field(s) {sorted(map(str, extra))}; allowed: "
                 f"{sorted(TARGET_FIELDS)}", sorted(map(str, extra))[0])
        node_id = str(entry.get("node", tid))
        node = kb.nodes.get(node_id)
        if node is None:
            fail(f"unknown node '{node_id}'", "node")
        assert node is not None
        states = entry.get("states", list(node.states[1:]))
        if (not isinstance(states, list) or not states
                or any(s not in node.states for s in states)):
            fail(f"'states' must be a list of states of '{node_id}' {list(node.states)}; got "
                 f"{states!r}", "states")
        source = str(entry.get("source") or "")
        if not source:
            fail("missing 'source': a source key, or 'expert' with a 'note'", "source")
        if source == "expert" and not str(entry.get("note") or "").strip():
            fail("an expert target needs a 'note' saying where the figure comes from", "note")
        if source != "expert" and source not in kb.sources:
            fail(f"unknown source '{source}'", "source")
        strata = entry.get("strata")
        if not isinstance(strata, dict) or not strata:
            fail("'strata' must map 'all', an age band, a sex or 'age/sex' to "
                 "{value, range}", "strata")
        assert isinstance(strata, dict)
        for key, spec in strata.items():
            fld = f"strata.{key}"
            if _stratum_evidence(str(key), ages, sexes) is None:
                fail(f"unknown stratum '{key}'; use 'all', one of {list(ages)}, one of "
                     f"{list(sexes)}, or AGE/SEX such as '{ages[-1]}/{sexes[0]}'", fld)
            if not isinstance(spec, dict) or set(spec) - STRATUM_FIELDS or "value" not in spec:
                fail("expected {value: P, range: [LOW, HIGH]}", fld)
            v, rng = spec["value"], spec.get("range")
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
                fail(f"value {v!r} is not a probability in [0, 1]", fld)
            if (not isinstance(rng, list) or len(rng) != 2
                    or any(isinstance(r, bool) or not isinstance(r, int | float) for r in rng)
                    or not 0 <= rng[0] <= v <= rng[1] <= 1):
                fail(f"range {rng!r} must be [LOW, HIGH] with 0 <= LOW <= value <= HIGH <= 1",
                     fld)
            out.append(Target(id=str(tid), node=node_id, states=tuple(map(str, states)),
                              stratum=str(key), value=float(v), low=float(rng[0]),
                              high=float(rng[1]), source=source,
                              what=str(entry.get("what") or ""), file=fname))
    return out


def untargeted_nodes(m: TwitchModel, targets: list[Target] | None = None) -> list[str]:
    """Conditions, states and exposures that no target covers."""
    targets = read_targets(m) if targets is None else targets
    covered = {t.node for t in targets}
    return [n for n in m.nodes_by_role(*ROLES_WITH_TARGETS) if n not in covered]


def epidemiology(m: TwitchModel) -> pd.DataFrame:
    """The model's implied prevalence beside the published one, per target and stratum.

    Returns
    -------
    pandas.DataFrame
        One row per target and stratum: ``target, node, states, stratum, model, value, low,
        high, in_range, source, what``; ``model`` is the model's exact marginal in the stratum.
    """
    targets = read_targets(m)
    if not targets:
        return pd.DataFrame(columns=COLUMNS)
    ages, sexes = m.kb.nodes["age"].states, m.kb.nodes["sex"].states
    strata = sorted({t.stratum for t in targets})
    evidence = [_stratum_evidence(s, ages, sexes) or {} for s in strata]
    nodes = sorted({t.node for t in targets})
    # context nodes in a stratum's evidence have no marginal: read them off the evidence
    want = [n for n in nodes if n not in ("age", "sex")]
    res = m.query(evidence, want=want)
    rows: list[dict[str, Any]] = []
    for t in targets:
        b = strata.index(t.stratum)
        node = m.kb.nodes[t.node]
        idx = [node.states.index(s) for s in t.states]
        if t.node in res.marginals:
            p = float(np.sum(res.marginals[t.node][b, idx]))
        else:  # a context node: the stratum fixes it, or its prior applies
            given = evidence[b].get(t.node)
            p = (float(given in t.states) if given is not None
                 else float(sum(m.prior[t.node][s] for s in t.states)))
        rows.append({"target": t.id, "node": t.node, "states": "|".join(t.states),
                     "stratum": t.stratum, "model": p, "value": t.value, "low": t.low,
                     "high": t.high, "in_range": bool(t.low - 1e-12 <= p <= t.high + 1e-12),
                     "source": t.source, "what": t.what})
    return pd.DataFrame(rows, columns=COLUMNS)
