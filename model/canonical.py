"""Expand the canonical models of priors/ (prior, noisy-OR, noisy-MAX, table) into CPT arrays.

Arrays have axes ``(batch, *parent_states, child_state)``: the batch axis holds alternative
parameter sets (the point values, or samples for the uncertainty analysis).
"""

from __future__ import annotations

import itertools

import numpy as np

from .knowledge import Dist, KnowledgeBase, Node, table_row_for


def point_values(kb: KnowledgeBase) -> np.ndarray:
    """The parameter vector of the knowledge base's point values, shape (1, n_params)."""
    return np.array([[p.value for p in kb.params]], dtype=float)


def dist_matrix(dist: Dist, card: int, values: np.ndarray) -> np.ndarray:
    """A distribution given by its non-baseline states -> (batch, card); baseline takes the rest."""
    q = np.zeros((values.shape[0], card))
    for k, p in dist.items():
        q[:, k] = values[:, p.index]
    q[:, 0] = 1.0 - q[:, 1:].sum(axis=1)
    return q


def _cdf(dist: Dist, card: int, values: np.ndarray) -> np.ndarray:
    c = np.cumsum(dist_matrix(dist, card, values), axis=1)
    c[:, -1] = 1.0  # exact, so each CPT row sums to one
    return np.clip(c, 0.0, 1.0)


class CPTBuilder:
    """Pre-computes the index work for one knowledge base; ``build`` then maps parameter vectors to
    CPT arrays for every node (vectorised over the batch of parameter vectors)."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.order = kb.topological_order()
        self._row_index: dict[str, np.ndarray] = {}
        for node in kb.nodes.values():
            if node.model == "table":
                cards = [kb.nodes[p].card for p in node.parents]
                idx = np.empty(cards, dtype=np.intp)
                for config in itertools.product(*(range(c) for c in cards)):
                    assign = {p: kb.nodes[p].states[s]
                              for p, s in zip(node.parents, config, strict=True)}
                    row = table_row_for(node, assign)
                    assert row is not None  # the loader checked that rows cover every case
                    idx[config] = row
                self._row_index[node.id] = idx

    def node_cpt(self, node: Node, values: np.ndarray) -> np.ndarray:
        kb = self.kb
        K = node.card
        B = values.shape[0]
        pcards = [kb.nodes[p].card for p in node.parents]
        if node.model == "prior":
            assert node.prior is not None  # the loader requires it
            return dist_matrix(node.prior, K, values)
        if node.model == "table":
            rows = np.stack([dist_matrix(r.dist, K, values) for r in node.rows], axis=1)
            return rows[:, self._row_index[node.id]]
        leak, links = self.noisy_columns(node, values)
        # noisy-OR / noisy-MAX: P(child <= s | parents) = leak CDF x product of link CDFs
        nd = len(pcards)
        F = np.ones((B, *pcards, K))
        axes = [node.parents.index(p) for p in node.leak_by]
        shape = [B] + [pcards[a] if a in axes else 1 for a in range(nd)] + [K]
        F = F * leak.reshape(shape)
        for a, parent in enumerate(node.parents):
            if parent in links:
                shape = [B] + [pcards[a] if i == a else 1 for i in range(nd)] + [K]
                F = F * links[parent].reshape(shape)
        P = np.diff(F, axis=-1, prepend=0.0)
        return np.clip(P, 0.0, 1.0)

    def noisy_columns(self, node: Node, values: np.ndarray
                      ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The factorised form of a noisy-OR/MAX node (Diez & Galan 2003).

        Returns the leak CDF, shape (batch, *leak_by cards in parent order, card), and per linked
        parent its link CDF, shape (batch, parent card, card) with ones at the baseline state:
        P(child <= s | parents) = leak[strata, s] * prod_p links[p][x_p, s].
        """
        kb = self.kb
        K = node.card
        B = values.shape[0]
        strata = [p for p in node.parents if p in node.leak_by]  # parent order
        lcards = [kb.nodes[p].card for p in strata]
        leak = np.empty((B, *lcards, K))
        for key, dist in node.leak.items():
            assign = dict(zip(node.leak_by, key, strict=True))
            idx = tuple(kb.nodes[p].states.index(assign[p]) for p in strata)
            leak[(slice(None), *idx)] = _cdf(dist, K, values)  # type: ignore[index]
        links: dict[str, np.ndarray] = {}
        for parent in node.parents:
            if parent in node.leak_by:
                continue
            pstates = kb.nodes[parent].states
            G = np.ones((B, len(pstates), K))
            for (lp, ls), dist in node.links.items():
                if lp == parent:
                    G[:, pstates.index(ls)] = _cdf(dist, K, values)
            links[parent] = G
        return leak, links

    def build(self, values: np.ndarray) -> dict[str, np.ndarray]:
        """{node id: array (batch, *parent cards, card)} for a (batch, n_params) value array."""
        values = np.atleast_2d(np.asarray(values, dtype=float))
        return {nid: self.node_cpt(self.kb.nodes[nid], values) for nid in self.order}
