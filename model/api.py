"""The public model object: load a knowledge base, query posteriors and the differential."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .canonical import CPTBuilder, point_values
from .errors import EvidenceError, ImpossibleEvidenceError
from .inference import AtMost, Inference
from .knowledge import KnowledgeBase, Node, load_knowledge_base


@dataclass
class QueryResult:
    log_evidence: np.ndarray  # (batch,): log P(evidence); -inf where impossible
    marginals: dict[str, np.ndarray]  # node -> (batch, card)

    @property
    def possible(self) -> np.ndarray:
        """(batch,) True where the evidence has non-zero probability."""
        return np.isfinite(self.log_evidence)


DIAGNOSIS_ROLES = ("condition", "state")
DIFFERENTIAL_COLUMNS = ["id", "role", "label", "probability", "prior", "serious"]
Evidence = Mapping[str, str]


class TwitchModel:
    """A built TwitchDx model.

    Use :func:`model.load` to create one. The pgmpy network is in :attr:`network`; queries run on
    a compiled junction tree that gives the same exact posteriors.
    """

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.ids: list[str] = list(kb.nodes)
        self.builder = CPTBuilder(kb)
        self.values = point_values(kb)
        self.inference = Inference(kb, self.builder, self.values)
        self.inference.plan(frozenset())  # compile the no-positive-finding plan up front

    @cached_property
    def cpts(self) -> dict[str, np.ndarray]:
        """Full CPT arrays (batch of 1) of every node, as given to pgmpy."""
        return self.builder.build(self.values)

    @cached_property
    def _noisy(self) -> set[str]:
        return set(self.inference.noisy_findings)

    # -- structure --------------------------------------------------------------------------
    @cached_property
    def network(self):
        """The pgmpy ``DiscreteBayesianNetwork`` (built on first use; it passes check_model)."""
        from .network import build_network

        return build_network(self.kb, self.cpts)

    @property
    def nodes(self) -> dict[str, Node]:
        return self.kb.nodes

    def nodes_by_role(self, *roles: str) -> list[str]:
        return [n for n in self.ids if self.kb.nodes[n].role in roles]

    # -- evidence ----------------------------------------------------------------------------
    def check_node(self, node_id: str) -> Node:
        """The node with this id, or an EvidenceError that lists the valid ids."""
        node = self.kb.nodes.get(node_id) if isinstance(node_id, str) else None
        if node is None:
            close = difflib.get_close_matches(str(node_id), self.ids, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise EvidenceError(f"unknown node '{node_id}'{hint}; valid nodes: "
                                + ", ".join(self.ids))
        return node

    def check_evidence(self, evidence: Evidence | None) -> dict[str, str]:
        """Validate evidence ``{node id: state}``; return it as a plain dict.

        Raises
        ------
        EvidenceError
            For an unknown node or state; the message lists the valid ones.
        """
        if evidence is None:
            return {}
        if not isinstance(evidence, Mapping):
            raise EvidenceError("evidence must be a mapping {node id: state}, e.g. "
                                "{'fasciculations': 'yes'}")
        out: dict[str, str] = {}
        for node_id, state in evidence.items():
            node = self.check_node(node_id)
            if isinstance(state, bool) or not isinstance(state, str):
                raise EvidenceError(f"state of '{node_id}' must be a string, one of "
                                    f"{list(node.states)}; got {state!r}")
            if state not in node.states:
                raise EvidenceError(f"'{state}' is not a state of '{node_id}'; valid states: "
                                    + ", ".join(node.states))
            out[node_id] = state
        return out

    def query(self, evidence_sets: list[dict], want: Iterable[str] | None = None,
              values: np.ndarray | None = None) -> QueryResult:
        """Batched exact inference for already-checked evidence sets (one compiled plan).

        ``want`` lists the nodes whose marginals are needed (default: all). Unobserved noisy
        findings get their marginals from extra "F <= k" elements in the same plan.
        ``values`` is an optional (samples, n_params) parameter batch (then one evidence set).
        """
        inf = self.inference
        want = list(self.ids) if want is None else list(want)
        core_want = [n for n in want if n not in self._noisy]
        nf_want = [n for n in want if n in self._noisy]
        extras, owners = [], []
        for b, e in enumerate(evidence_sets):
            for f in nf_want:
                if f in e:
                    continue
                for k in range(self.kb.nodes[f].card - 1):
                    extras.append({**e, f: AtMost(self.kb.nodes[f].states[k])})
                    owners.append((b, f, k))
        # one plan for all: the union of the positive findings
        log_e, marg = inf.run(list(evidence_sets), values, core_want)
        n = log_e.shape[0]
        marginals: dict[str, np.ndarray] = dict(marg)
        if extras:
            log_x, _ = inf.run(extras, values, [])
            cdf = {f: np.ones((n, self.kb.nodes[f].card)) for f in nf_want}
            with np.errstate(invalid="ignore", over="ignore"):
                for (b, f, k), lx in zip(owners, log_x, strict=True):
                    cdf[f][b, k] = np.exp(lx - log_e[b]) if np.isfinite(log_e[b]) else np.nan
            for f in nf_want:
                p = np.clip(np.diff(cdf[f], axis=1, prepend=0.0), 0.0, None)
                z = p.sum(axis=1, keepdims=True)
                with np.errstate(invalid="ignore"):
                    marginals[f] = p / z
        for b, e in enumerate(evidence_sets):  # observed nodes: a point mass
            for f, s in e.items():
                if f in marginals and isinstance(s, str):
                    row = np.zeros(self.kb.nodes[f].card)
                    row[self.kb.nodes[f].states.index(s)] = 1.0
                    marginals[f][b] = row
        return QueryResult(log_evidence=log_e, marginals=marginals)

    def posterior(self, evidence: Evidence | None = None) -> dict[str, dict[str, float]]:
        """Exact posterior of every node not in the evidence.

        Parameters
        ----------
        evidence : mapping of node id to state, e.g. ``{"fasciculations": "yes"}``.

        Returns
        -------
        dict
            ``{node id: {state: probability}}`` for every unobserved node, in model order.

        Raises
        ------
        EvidenceError
            Unknown node or state.
        ImpossibleEvidenceError
            The evidence has probability zero under the model.
        """
        ev = self.check_evidence(evidence)
        want = [n for n in self.ids if n not in ev]
        result = self.query([ev], want)
        if not result.possible[0]:
            raise ImpossibleEvidenceError(ev)
        return {nid: dict(zip(self.kb.nodes[nid].states,
                              map(float, result.marginals[nid][0]), strict=True))
                for nid in want}

    def probability_of_evidence(self, evidence: Evidence | None = None) -> float:
        """P(evidence) under the model (0.0 for impossible evidence)."""
        ev = self.check_evidence(evidence)
        return float(np.exp(self.query([ev], want=[]).log_evidence[0]))

    @cached_property
    def prior(self) -> dict[str, dict[str, float]]:
        """Marginal of every node with no evidence."""
        return self.posterior({})

    # -- the differential --------------------------------------------------------------------
    def differential_ids(self, evidence: Evidence | None = None) -> list[str]:
        """Conditions, states and unobserved exposures: the entries of the differential."""
        ev = evidence or {}
        return [n for n in self.ids
                if self.kb.nodes[n].role in ("condition", "state", "exposure") and n not in ev]

    def present_probability(self, node_id: str, dist: Mapping[str, float]) -> float:
        """P(node is not in its baseline state), from a distribution over its states."""
        return float(1.0 - dist[self.kb.nodes[node_id].states[0]])

    def differential(self, evidence: Evidence | None = None) -> pd.DataFrame:
        """The ranked differential.

        Every condition and state ranked by P(present | evidence), plus each exposure not in the
        evidence (probability of its non-baseline states), with its prior beside it.

        Returns
        -------
        pandas.DataFrame
            Columns ``id, role, label, probability, prior, serious``, sorted by probability,
            descending.
        """
        post = self.posterior(evidence)
        ev = self.check_evidence(evidence)
        rows = []
        for nid in self.differential_ids(ev):
            node = self.kb.nodes[nid]
            rows.append({
                "id": nid, "role": node.role, "label": node.label,
                "probability": self.present_probability(nid, post[nid]),
                "prior": self.present_probability(nid, self.prior[nid]),
                "serious": bool(node.serious),
            })
        df = pd.DataFrame(rows, columns=DIFFERENTIAL_COLUMNS)
        return df.sort_values("probability", ascending=False, kind="stable").reset_index(
            drop=True)

    def diagnoses(self, evidence: Evidence | None = None) -> pd.DataFrame:
        """The differential's conditions and states only (unobserved exposures, which sit at
        about their population frequency, left out); same columns and order."""
        df = self.differential(evidence)
        return df[df["role"].isin(DIAGNOSIS_ROLES)].reset_index(drop=True)


    # -- reasoning (each delegates to the module that holds it) ---------------------------------
    def evidence_error(self, message: str) -> EvidenceError:
        return EvidenceError(message)

    def causes(self, evidence: Evidence | None = None, effect: str = "fasciculations"
               ) -> pd.DataFrame:
        """Likely causes of the twitching: P(present) and P(present and the twitching would not
        be there without it), exact counterfactuals on the noisy-OR links (see
        :mod:`model.counterfactual`). Sorted by ``probability_causing``."""
        from .counterfactual import causes

        return causes(self, evidence, effect)

    def why(self, evidence: Evidence | None, target: str):
        """Each observation's likelihood ratio and log-odds change for ``target`` (see
        :mod:`model.explain`); prior log-odds plus the changes equal the posterior log-odds."""
        from .explain import why

        return why(self, evidence, target)

    def next_tests(self, evidence: Evidence | None = None, objective: str = "entropy",
                   sort_by: str = "information_gain") -> pd.DataFrame:
        """Unobserved findings ranked by expected information gain (see
        :mod:`model.information`)."""
        from .information import next_tests

        return next_tests(self, evidence, objective, sort_by)

    def test_outcomes(self, evidence: Evidence | None, finding: str, top: int = 5
                      ) -> pd.DataFrame:
        """How the top of the differential would move under each outcome of ``finding``."""
        from .information import test_outcomes

        return test_outcomes(self, evidence, finding, top)

    def uncertainty(self, evidence: Evidence | None = None, samples: int = 1000, seed: int = 0,
                    level: float = 0.9) -> pd.DataFrame:
        """The differential with intervals from sampling every parameter within its range."""
        from .parameters import uncertainty

        return uncertainty(self, evidence, samples, seed, level)

    def sensitivity(self, evidence: Evidence | None, target: str, state: str | None = None,
                    top: int | None = 15) -> pd.DataFrame:
        """Parameters whose range moves P(target | evidence) most (tornado data)."""
        from .parameters import sensitivity

        return sensitivity(self, evidence, target, state, top)


def load(path: str | Path | None = None, *, check_catalog: bool = True) -> TwitchModel:
    """Load, validate and build a knowledge base.

    Parameters
    ----------
    path : folder of priors YAML files; default: the project's ``priors/``.
    check_catalog : require every node of the catalog vocabulary (turn off for small teaching
        or test networks).

    Returns
    -------
    TwitchModel

    Raises
    ------
    KnowledgeBaseError
        The knowledge base is malformed; the message names the file, node and field.
    """
    return TwitchModel(load_knowledge_base(path, check_catalog=check_catalog))
