"""Build the pgmpy DiscreteBayesianNetwork (the reference representation) from CPT arrays."""

from __future__ import annotations

import numpy as np
from pgmpy.factors.discrete import TabularCPD
from pgmpy.models import DiscreteBayesianNetwork

from .knowledge import KnowledgeBase


def to_tabular_cpd(kb: KnowledgeBase, node_id: str, cpt: np.ndarray) -> TabularCPD:
    """One node's CPT array (*parent cards, card) as a pgmpy TabularCPD with named states."""
    node = kb.nodes[node_id]
    parents = list(node.parents)
    pcards = [kb.nodes[p].card for p in parents]
    # pgmpy: rows = child states, columns = parent configurations, last parent fastest
    values = np.asarray(cpt).reshape(-1, node.card).T
    names = {node_id: list(node.states), **{p: list(kb.nodes[p].states) for p in parents}}
    return TabularCPD(node_id, node.card, values, evidence=parents or None,
                      evidence_card=pcards or None, state_names=names)


def build_network(kb: KnowledgeBase, cpts: dict[str, np.ndarray]) -> DiscreteBayesianNetwork:
    """The network for one parameter set (``cpts`` arrays with a batch axis of length 1)."""
    net = DiscreteBayesianNetwork()
    net.add_nodes_from(kb.nodes)
    net.add_edges_from((p, n.id) for n in kb.nodes.values() for p in n.parents)
    net.add_cpds(*(to_tabular_cpd(kb, nid, cpts[nid][0]) for nid in kb.nodes))
    net.check_model()
    return net
