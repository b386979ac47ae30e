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
                    idx[config] = table_row_for(node, assign)
                self._row_index[node.id] = idx

    def node_cpt(self, node: Node, values: np.ndarray) -> np.ndarray:
        kb = self.kb
        K = node.card
        B = values.shape[0]
        pcards = [kb.nodes[p].card for p in node.parents]
        if node.model == "prior":
            return dist_matrix(node.prior, K, values)
        if node.model == "table":
            rows = np.stack([dist_matrix(r.dist, K, values) for r in node.rows], axis=1)
            return rows[:, self._row_index[node.id]]
        # noisy-OR / noisy-MAX: multiply cumulative distributions of leak and active links
        F = np.ones((B, *pcards, K))
        nd = len(pcards)
        if node.leak_by:
            lcards = [kb.nodes[p].card for p in node.leak_by]
            leak = np.empty((B, *lcards, K))
            for key, dist in node.leak.items():
                idx = tuple(kb.nodes[p].states.index(s)
                            for p, s in zip(node.leak_by, key, strict=True))
                leak[(slice(None), *idx)] = _cdf(dist, K, values)
            axes = [node.parents.index(p) for p in node.leak_by]
            # reorder leak axes to parent order, then insert singleton axes for the others
            perm = [0] + [1 + axes.index(a) for a in sorted(axes)] + [len(axes) + 1]
            leak = leak.transpose(perm)
            shape = [B] + [pcards[a] if a in axes else 1 for a in range(nd)] + [K]
            F = F * leak.reshape(shape)
        else:
            F = F * _cdf(node.leak[()], K, values).reshape([B] + [1] * nd + [K])
        for a, parent in enumerate(node.parents):
            if parent in node.leak_by:
                continue
            G = np.ones((B, pcards[a], K))
            pstates = kb.nodes[parent].states
            for (lp, ls), dist in node.links.items():
                if lp == parent:
                    G[:, pstates.index(ls)] = _cdf(dist, K, values)
            shape = [B] + [pcards[a] if i == a else 1 for i in range(nd)] + [K]
            F = F * G.reshape(shape)
        P = np.diff(F, axis=-1, prepend=0.0)
        return np.clip(P, 0.0, 1.0)

    def build(self, values: np.ndarray) -> dict[str, np.ndarray]:
        """{node id: array (batch, *parent cards, card)} for a (batch, n_params) value array."""
        values = np.atleast_2d(np.asarray(values, dtype=float))
        return {nid: self.node_cpt(self.kb.nodes[nid], values) for nid in self.order}
