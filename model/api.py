"""The public model object: load a knowledge base, query posteriors and the differential."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .canonical import CPTBuilder, point_values
from .errors import EvidenceError, ImpossibleEvidenceError, ParameterError
from .evidence import CheckedEvidence, Evidence, Observation, exactly_observed
from .inference import Among, Element, Inference, Twin
from .knowledge import KnowledgeBase, Node, load_knowledge_base


@dataclass
class QueryResult:
    """The result of :meth:`TwitchModel.query`."""

    log_evidence: np.ndarray  # (batch,): log P(evidence); -inf where impossible
    marginals: dict[str, np.ndarray]  # node -> (batch, card)

    @property
    def possible(self) -> np.ndarray:
        """(batch,) True where the evidence has non-zero probability."""
        return np.isfinite(self.log_evidence)


DIAGNOSIS_ROLES = ("condition", "state")
DIFFERENTIAL_COLUMNS = ["id", "role", "label", "probability", "prior", "serious"]


def _element(ev: Mapping[str, Observation | Among]) -> Element:
    """Engine form of checked evidence: a set of states becomes an ``Among``."""
    return {k: Among(v) if isinstance(v, tuple) else v for k, v in ev.items()}


class TwitchModel:
    """A built TwitchDx model.

    Use :func:`model.load` to create one. The pgmpy network is in :attr:`network`; queries run on
    a compiled junction tree that gives the same exact posteriors.

    Evidence is a mapping ``{node id: state}``; a value may also be a list, tuple or set of
    states meaning "one of these" (likelihood evidence), e.g.
    ``{"weakness": ["mild_stable", "progressive"]}``: weakness present, progression unknown.
    """

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.ids: list[str] = list(kb.nodes)
        self._builder = CPTBuilder(kb)
        #: the parameter vector of the point values, shape (1, n_params) (see ``kb.params``)
        self.values = point_values(kb)
        self._inference = Inference(kb, self._builder, self.values)
        self._inference.plan(frozenset())  # compile the no-positive-finding plan up front
        self._noisy = frozenset(self._inference.noisy_findings)

    @cached_property
    def cpts(self) -> dict[str, np.ndarray]:
        """Full CPT arrays (batch of 1) of every node, as given to pgmpy."""
        return self._builder.build(self.values)

    # -- structure --------------------------------------------------------------------------
    @cached_property
    def network(self):
        """The pgmpy ``DiscreteBayesianNetwork`` (built on first use; it passes check_model).

        Needs pgmpy: ``pip install 'twitchdx[interchange]'``.
        """
        try:
            from .network import build_network
        except ModuleNotFoundError as exc:
            if exc.name != "pgmpy" and not str(exc.name).startswith("pgmpy."):
                raise
            raise ModuleNotFoundError(
                "m.network needs pgmpy, which the base install leaves out; install it with "
                "pip install 'twitchdx[interchange]'", name="pgmpy") from exc

        return build_network(self.kb, self.cpts)

    @property
    def nodes(self) -> dict[str, Node]:
        """Every node, by id, in model order."""
        return self.kb.nodes

    def nodes_by_role(self, *roles: str) -> list[str]:
        """Ids of the nodes with one of these roles, in model order."""
        return [n for n in self.ids if self.kb.nodes[n].role in roles]

    def serious_ids(self) -> list[str]:
        """Conditions and states flagged serious (red in the differential): what "any serious
        condition" means for the ``serious`` goal of :meth:`next_tests` and :meth:`interview`."""
        return [n for n in self.nodes_by_role("condition", "state") if self.kb.nodes[n].serious]

    def is_noisy_finding(self, node_id: str) -> bool:
        """True for a finding with a noisy-OR/MAX model (a structural model with link noise)."""
        return node_id in self._noisy

    # -- evidence ----------------------------------------------------------------------------
    def check_node(self, node_id: str) -> Node:
        """The node with this id, or an EvidenceError that lists the valid ids."""
        node = self.kb.nodes.get(node_id) if isinstance(node_id, str) else None
        if node is None:
            close = difflib.get_close_matches(str(node_id), self.ids, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise EvidenceError(f"unknown node {node_id!r}{hint}; valid nodes: "
                                + ", ".join(self.ids))
        return node

    def check_evidence(self, evidence: Evidence | None) -> CheckedEvidence:
        """Validate evidence; return it as a plain dict in a canonical form.

        Parameters
        ----------
        evidence : mapping of node id to a state, or to a list/tuple/set of states meaning
            "one of these", e.g. ``{"fasciculations": "yes", "weakness": ["mild_stable",
            "progressive"]}``.

        Returns
        -------
        dict
            ``{node id: state}`` or ``{node id: (state, ...)}``: a set becomes a tuple of two or
            more states in the node's state order (duplicates removed); a one-state set becomes
            that state; a set of every state of the node says nothing and is left out.

        Raises
        ------
        EvidenceError
            For an unknown node or state, or an empty set; the message lists the valid ones.
        """
        if evidence is None:
            return {}
        if not isinstance(evidence, Mapping):
            raise EvidenceError("evidence must be a mapping {node id: state}, e.g. "
                                "{'fasciculations': 'yes'}")
        out: CheckedEvidence = {}
        for node_id, value in evidence.items():
            node = self.check_node(node_id)
            obs = self._check_observation(node_id, node, value)
            if obs is not None:
                out[node_id] = obs
        return out

    @staticmethod
    def _check_observation(node_id: str, node: Node, value) -> Observation | None:
        valid = ", ".join(node.states)
        if isinstance(value, str):
            if value not in node.states:
                hint = (f"; for one of several states give a list, e.g. "
                        f"{value.split('|')}" if "|" in value else "")
                raise EvidenceError(f"{value!r} is not a state of '{node_id}'; valid states: "
                                    f"{valid}{hint}")
            return value
        if isinstance(value, (list, tuple, set, frozenset)):
            states = list(value)
            if not states:
                raise EvidenceError(f"the set of states for '{node_id}' is empty, so it allows "
                                    f"nothing; give one or more of: {valid}")
            for s in states:
                if isinstance(s, bool) or not isinstance(s, str):
                    raise EvidenceError(f"states of '{node_id}' must be strings, from: {valid}; "
                                        f"got {s!r}")
                if s not in node.states:
                    raise EvidenceError(f"{s!r} is not a state of '{node_id}'; valid states: "
                                        + valid)
            chosen = tuple(s for s in node.states if s in set(states))
            if len(chosen) == 1:
                return chosen[0]
            if len(chosen) == node.card:
                return None  # "any state" is no evidence
            return chosen
        raise EvidenceError(f"state of '{node_id}' must be a string, one of {list(node.states)}, "
                            f"or a list of them; got {value!r}")

    def query(self, evidence_sets: Iterable[Evidence], want: Iterable[str] | None = None,
              values: np.ndarray | None = None) -> QueryResult:
        """Batched exact inference: many evidence sets (or many parameter sets) in one pass.

        Parameters
        ----------
        evidence_sets : iterable of evidence mappings (as for :meth:`posterior`).
        want : node ids whose marginals are needed (default: every node; ``[]`` gives
            P(evidence) only, the cheapest query).
        values : optional array (samples, n_params) of parameter vectors (see
            ``kb.params``); then give exactly one evidence set.

        Returns
        -------
        QueryResult
            ``log_evidence`` (batch,) and ``marginals`` {node: (batch, card)}. A node observed in
            one state gets a point mass; where the evidence is impossible the log evidence is
            ``-inf`` and the marginals are NaN.
        """
        sets = [self.check_evidence(e) for e in evidence_sets]
        if not sets:
            raise ParameterError("The 'evidence_sets' parameter of query must hold at least one "
                                 "evidence mapping. Got none instead.")
        want = list(self.ids) if want is None else [self.check_node(n).id for n in want]
        if values is not None:
            values = np.asarray(values, dtype=float)
            if values.ndim != 2 or values.shape[1] != self.values.shape[1]:
                raise ParameterError(
                    f"The 'values' parameter of query must be an array of shape (samples, "
                    f"{self.values.shape[1]}). Got shape {values.shape} instead.")
            if len(sets) > 1 and values.shape[0] > 1:
                raise ParameterError("The 'values' parameter of query takes several parameter "
                                     "samples only with one evidence set.")
        return self._query([_element(e) for e in sets], want, values)

    def _query(self, elements: list[Element], want: list[str], values: np.ndarray | None
               ) -> QueryResult:
        inf = self._inference
        core_want = [n for n in want if n not in self._noisy]
        nf_want = [n for n in want if n in self._noisy]
        # a noisy finding's marginal: cumulative probabilities P(F in S and F <= k, e) from
        # "F <= k" elements (products of one-variable factors), in the same plan
        extras: list[Element] = []
        owners: list[tuple[int, str, int]] = []
        fixed: list[tuple[int, str, int, float]] = []
        for b, e in enumerate(elements):
            for f in nf_want:
                node = self.kb.nodes[f]
                obs = e.get(f)
                if isinstance(obs, str):
                    continue
                allowed = node.states if obs is None else obs.states
                for k in range(node.card - 1):
                    below = tuple(s for s in allowed if node.states.index(s) <= k)
                    if not below or len(below) == len(allowed):
                        fixed.append((b, f, k, 0.0 if not below else 1.0))
                        continue
                    extras.append({**e, f: below[0] if len(below) == 1 else Among(below)})
                    owners.append((b, f, k))
        log_e, marg = inf.run(elements, values, core_want)
        n = log_e.shape[0]
        marginals: dict[str, np.ndarray] = dict(marg)
        if nf_want:
            cdf = {f: np.ones((n, self.kb.nodes[f].card)) for f in nf_want}
            for b, f, k, v in fixed:
                cdf[f][b, k] = v
            if extras:
                log_x, _ = inf.run(extras, values, [])
                with np.errstate(invalid="ignore", over="ignore"):
                    for (b, f, k), lx in zip(owners, log_x, strict=True):
                        cdf[f][b, k] = np.exp(lx - log_e[b]) if np.isfinite(log_e[b]) else np.nan
            for f in nf_want:
                p = np.clip(np.diff(cdf[f], axis=1, prepend=0.0), 0.0, None)
                z = p.sum(axis=1, keepdims=True)
                with np.errstate(invalid="ignore"):
                    marginals[f] = np.where(np.isfinite(log_e)[:, None], p / z, np.nan)
        for b, e in enumerate(elements):  # nodes observed in one state: a point mass
            for f, s in e.items():
                if f in marginals and isinstance(s, str):
                    row = np.zeros(self.kb.nodes[f].card)
                    row[self.kb.nodes[f].states.index(s)] = 1.0
                    marginals[f][b] = row
        return QueryResult(log_evidence=log_e, marginals=marginals)

    def twin_query(self, evidence_sets: list[dict[str, Observation | Among]], twin: Twin,
                   values: np.ndarray | None = None) -> np.ndarray:
        """log P of checked evidence sets in a twin network (see :mod:`model.counterfactual`,
        which builds ``twin`` and the sets; a ``Gone`` value marks an effect that is present in
        fact and at baseline without the cause)."""
        log_e, _ = self._inference.run([_element(e) for e in evidence_sets], values, [], twin)
        return log_e

    def posterior(self, evidence: Evidence | None = None,
                  nodes: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
        """Exact posterior of every node not observed in a single state.

        Parameters
        ----------
        evidence : mapping of node id to a state or a list of states (see
            :meth:`check_evidence`), e.g. ``{"fasciculations": "yes"}``.
        nodes : node ids to return (default: all). Asking only for the nodes you read is
            faster: an unobserved finding's posterior costs an extra pass per state.

        Returns
        -------
        dict
            ``{node id: {state: probability}}`` in model order, for every node (of ``nodes``)
            not observed in one state (a node observed as a set of states gets its posterior
            over that set).

        Raises
        ------
        EvidenceError
            Unknown node or state, or an unknown id in ``nodes``.
        ImpossibleEvidenceError
            The evidence has probability zero under the model.
        """
        ev = self.check_evidence(evidence)
        exact = exactly_observed(ev)
        if nodes is None:
            chosen = set(self.ids)
        else:
            if isinstance(nodes, str):
                nodes = [nodes]
            for n in nodes:
                self.check_node(n)
            chosen = set(nodes)
        want = [n for n in self.ids if n not in exact and n in chosen]
        result = self._query([_element(ev)], want, None)
        if not result.possible[0]:
            raise ImpossibleEvidenceError(ev)
        return {nid: dict(zip(self.kb.nodes[nid].states,
                              map(float, result.marginals[nid][0]), strict=True))
                for nid in want}

    def probability_of_evidence(self, evidence: Evidence | None = None) -> float:
        """P(evidence) under the model.

        Parameters
        ----------
        evidence : mapping of node id to a state or a list of states.

        Returns
        -------
        float
            The probability; 0.0 for impossible evidence (never an error).
        """
        ev = self.check_evidence(evidence)
        return float(np.exp(self._query([_element(ev)], [], None).log_evidence[0]))

    @cached_property
    def prior(self) -> dict[str, dict[str, float]]:
        """Marginal of every node with no evidence."""
        return self.posterior({})

    # -- the differential --------------------------------------------------------------------
    def differential_ids(self, evidence: Evidence | None = None) -> list[str]:
        """Conditions, states and exposures not observed in a single state: the entries of the
        differential."""
        exact = exactly_observed(self.check_evidence(evidence))
        return [n for n in self.ids
                if self.kb.nodes[n].role in ("condition", "state", "exposure") and n not in exact]

    def present_probability(self, node_id: str, dist: Mapping[str, float]) -> float:
        """P(node is not in its baseline state), from a distribution over its states."""
        return float(1.0 - dist[self.kb.nodes[node_id].states[0]])

    def differential(self, evidence: Evidence | None = None) -> pd.DataFrame:
        """The ranked differential.

        Every condition and state ranked by P(present | evidence), plus each exposure not
        observed in a single state (probability of its non-baseline states), with its prior
        beside it.

        Parameters
        ----------
        evidence : mapping of node id to a state or a list of states (see
            :meth:`check_evidence`).

        Returns
        -------
        pandas.DataFrame
            Columns ``id, role, label, probability, prior, serious``, sorted by probability,
            descending.

        Raises
        ------
        EvidenceError, ImpossibleEvidenceError
            As for :meth:`posterior`.
        """
        ev = self.check_evidence(evidence)
        ids = self.differential_ids(ev)
        post = self.posterior(ev, nodes=ids)
        rows = []
        for nid in ids:
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

    def causes(self, evidence: Evidence | None = None, effect: str = "fasciculations"
               ) -> pd.DataFrame:
        """Likely causes, ranked by expected disablement (Richens et al. 2020).

        Parameters
        ----------
        evidence : mapping of node id to a state or a list of states.
        effect : the finding of the ``twitching_would_stop`` column (default: the twitching).

        Returns
        -------
        pandas.DataFrame
            Columns ``id, role, label, probability_present, expected_disablement,
            twitching_would_stop``: ``expected_disablement`` is the expected number of the
            presentation's abnormal findings that would go away without the cause (the
            ranking); ``twitching_would_stop`` is P(present, and the twitching would not be
            there without it). Sorted by ``expected_disablement``, descending. See
            :func:`model.counterfactual.causes`.

        Raises
        ------
        ParameterError
            ``effect`` is not a noisy-OR/MAX finding.
        EvidenceError, ImpossibleEvidenceError
            Bad or impossible evidence.
        """
        from .counterfactual import causes

        return causes(self, evidence, effect)

    def why(self, evidence: Evidence | None, target: str):
        """Each observation's likelihood ratio and log-odds change for ``target``.

        Parameters
        ----------
        evidence : mapping of node id to a state or a list of states, in the order to explain.
        target : a node not observed in a single state.

        Returns
        -------
        model.explain.Explanation
            ``prior``, ``posterior`` and ``contributions`` (``id, state, label,
            likelihood_ratio, log_odds_change, probability_after``); the prior log-odds plus the
            changes equal the posterior log-odds. See :func:`model.explain.why`.

        Raises
        ------
        EvidenceError, ImpossibleEvidenceError
            Bad, impossible evidence, or ``target`` observed in a single state.
        """
        from .explain import why

        return why(self, evidence, target)

    def next_tests(self, evidence: Evidence | None = None, objective: str = "entropy",
                   sort_by: str = "information_gain") -> pd.DataFrame:
        """Findings not yet pinned down, ranked by expected information gain.

        Parameters
        ----------
        evidence : mapping of node id to a state or a list of states.
        objective : ``"entropy"`` (every condition and state) or ``"serious"`` (any serious
            condition).
        sort_by : ``"information_gain"`` or ``"gain_per_cost"``.

        Returns
        -------
        pandas.DataFrame
            Columns ``id, label, cost, cost_tier, information_gain, gain_per_cost`` (bits), see
            :func:`model.information.next_tests`.

        Raises
        ------
        ParameterError
            Unknown ``objective`` or ``sort_by``.
        EvidenceError, ImpossibleEvidenceError
            Bad or impossible evidence.
        """
        from .information import next_tests

        return next_tests(self, evidence, objective, sort_by)

    def test_outcomes(self, evidence: Evidence | None, finding: str, top: int = 5
                      ) -> pd.DataFrame:
        """How the top of the differential would move under each outcome of ``finding``.

        Parameters
        ----------
        evidence : mapping of node id to a state or a list of states.
        finding : a node not observed in a single state.
        top : how many of the current top diagnoses to follow (an int >= 1).

        Returns
        -------
        pandas.DataFrame
            Columns ``outcome, outcome_label, outcome_probability, id, label, probability,
            now``, see :func:`model.information.test_outcomes`.

        Raises
        ------
        ParameterError
            ``top`` out of range.
        EvidenceError, ImpossibleEvidenceError
            Bad or impossible evidence, or ``finding`` already observed in one state.
        """
        from .information import test_outcomes

        return test_outcomes(self, evidence, finding, top)

    def uncertainty(self, evidence: Evidence | None = None, samples: int = 1000, seed: int = 0,
                    level: float = 0.9) -> pd.DataFrame:
        """The differential with intervals from sampling every parameter within its range.

        Parameters
        ----------
        evidence : mapping of node id to a state or a list of states.
        samples : number of parameter samples, an int in [1, 100000].
        seed : random seed, an int >= 0.
        level : interval probability, a float in (0, 1).

        Returns
        -------
        pandas.DataFrame
            The differential's columns plus ``low`` and ``high``, see
            :func:`model.parameters.uncertainty`.

        Raises
        ------
        ParameterError
            ``samples``, ``seed`` or ``level`` out of range.
        EvidenceError, ImpossibleEvidenceError
            Bad or impossible evidence.
        """
        from .parameters import uncertainty

        return uncertainty(self, evidence, samples, seed, level)

    def sensitivity(self, evidence: Evidence | None, target: str, state: str | None = None,
                    top: int | None = 15) -> pd.DataFrame:
        """Parameters whose range moves P(target | evidence) most (tornado data).

        Parameters
        ----------
        evidence : mapping of node id to a state or a list of states.
        target : a node not observed in a single state.
        state : a state of ``target``; default: present (any non-baseline state).
        top : how many parameters to keep (an int >= 1), or None for all.

        Returns
        -------
        pandas.DataFrame
            One row per parameter with ``result_low``, ``result_high`` and ``swing``, sorted
            by swing, see :func:`model.parameters.sensitivity`.

        Raises
        ------
        ParameterError
            ``top`` out of range.
        EvidenceError, ImpossibleEvidenceError
            Bad or impossible evidence, unknown target or state.
        """
        from .parameters import sensitivity

        return sensitivity(self, evidence, target, state, top)

    # -- teaching (interview, naive vs exact, predict first) -----------------------------------
    def interview(self, evidence: Evidence | None = None, *, goal: str = "entropy",
                  skipped: Sequence[str] = (), asked: int | None = None,
                  cost_aware: bool = True):
        """The next step of a guided interview: the question worth most, or a stop.

        Parameters
        ----------
        evidence : the answers so far (age, sex and the complaint included).
        goal : ``"entropy"`` (narrow the whole differential) or ``"serious"``.
        skipped : findings answered "don't know" (never asked again).
        asked : questions asked so far, for the question limit (default: the findings in the
            evidence plus the skipped ones).
        cost_aware : rank questions by information gain per cost tier.

        Returns
        -------
        model.interview.InterviewStep
            ``question`` (id, label, gain, the entries it separates, the differential under
            each answer) or None, ``stop`` and the stop rule's ``reason``.
        """
        from .interview import interview

        return interview(self, evidence, goal=goal, skipped=skipped, asked=asked,
                         cost_aware=cost_aware)

    def interview_efficiency(self, path: Sequence[tuple[str, object]],
                             start: Evidence | None = None, *, goal: str = "entropy",
                             cost_aware: bool = True) -> pd.DataFrame:
        """Score a path of answers against the greedy best question at each step (see
        :func:`model.interview.efficiency`); ``df.attrs["score"]`` is the mean ratio."""
        from .interview import efficiency

        return efficiency(self, path, start, goal=goal, cost_aware=cost_aware)

    def naive_vs_exact(self, evidence: Evidence | None, target: str) -> pd.DataFrame:
        """What multiplying stand-alone likelihood ratios (a Fagan nomogram) gives for
        ``target``, beside the exact posterior, and why they differ finding by finding (see
        :func:`model.naive.naive_vs_exact`)."""
        from .naive import naive_vs_exact

        return naive_vs_exact(self, evidence, target)

    def score_prediction(self, evidence: Evidence | None, stated: Mapping[str, float]
                         ) -> pd.DataFrame:
        """Score a learner's probabilities for some entries against the exact posterior
        (Brier and log score in ``df.attrs``; see :mod:`model.scoring`)."""
        from .scoring import score_against_model

        return score_against_model(self, evidence, stated)


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
