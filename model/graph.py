"""Graph questions on the network: ancestors, descendants and d-separation (Bayes ball)."""

from __future__ import annotations

from collections.abc import Iterable

from .knowledge import KnowledgeBase


def ancestors(kb: KnowledgeBase, nodes: Iterable[str]) -> set[str]:
    out: set[str] = set()
    stack = list(nodes)
    while stack:
        for p in kb.nodes[stack.pop()].parents:
            if p not in out:
                out.add(p)
                stack.append(p)
    return out


def descendants(kb: KnowledgeBase, node: str) -> set[str]:
    children: dict[str, list[str]] = {n: [] for n in kb.nodes}
    for n in kb.nodes.values():
        for p in n.parents:
            children[p].append(n.id)
    out: set[str] = set()
    stack = [node]
    while stack:
        for c in children[stack.pop()]:
            if c not in out:
                out.add(c)
                stack.append(c)
    return out


def reachable(kb: KnowledgeBase, start: str, observed: Iterable[str], *,
              entering_from_parent: bool = False, soft: Iterable[str] = ()) -> set[str]:
    """Nodes with an active trail from ``start`` given ``observed`` (Koller & Friedman, Alg. 3.1).

    With ``entering_from_parent`` the trail starts by entering ``start`` from a (virtual) parent:
    that is the reach of a parameter of ``start``'s CPT. ``soft`` nodes carry likelihood evidence
    (a set of states): they do not block trails, but, like a node with an observed virtual child,
    they activate the v-structures above them.
    """
    z = set(observed)
    soft_z = set(soft) - z
    anc_z = z | soft_z | ancestors(kb, z | soft_z)
    children: dict[str, list[str]] = {n: [] for n in kb.nodes}
    for n in kb.nodes.values():
        for p in n.parents:
            children[p].append(n.id)
    todo = [(start, "down" if entering_from_parent else "up")]
    seen: set[tuple[str, str]] = set()
    out: set[str] = set()
    while todo:
        y, d = todo.pop()
        if (y, d) in seen:
            continue
        seen.add((y, d))
        if y not in z:
            out.add(y)
        if d == "up" and y not in z:
            todo += [(p, "up") for p in kb.nodes[y].parents]
            todo += [(c, "down") for c in children[y]]
        elif d == "down":
            if y not in z:
                todo += [(c, "down") for c in children[y]]
            if y in anc_z:
                todo += [(p, "up") for p in kb.nodes[y].parents]
    return out
