"""A compiled exact inference engine: a junction tree built once per network structure, then
evidence sets (and parameter sets) answered with batched numpy/opt_einsum contractions.

All arrays carry a leading batch axis, so many evidence sets or many parameter samples are
propagated in one pass. Results equal pgmpy's VariableElimination to rounding (see tests).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import math
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import opt_einsum as oe

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class Propagation:
    """The result of one batched propagation."""

    marginals: list[np.ndarray]  # per variable: (batch, card), normalised posteriors
    log_evidence: np.ndarray  # (batch,): log P(evidence); -inf where the evidence is impossible


class JunctionTree:
    """Junction tree over variables ``0..n-1`` with cardinalities ``cards``.

    ``scopes[i]`` is the tuple of variables of factor ``i``, in the axis order of its array
    (for a CPT: parents then child).
    """

    def __init__(self, cards: Sequence[int], scopes: Sequence[Sequence[int]],
                 like: JunctionTree | None = None):
        self.cards = list(cards)
        self.scopes = [tuple(s) for s in scopes]
        n = len(self.cards)
        self.symbols = [oe.get_symbol(i) for i in range(n)]
        self.batch_symbol = oe.get_symbol(n)  # a symbol no variable uses
        self.cliques: list[tuple[int, ...]]
        self.edges: list
        self.parent: list[int]
        self.order: list[int]
        if like is not None:
            # Same graph, other cardinalities (e.g. a twin network): reuse the triangulation.
            if like.scopes != self.scopes:
                raise ValueError("a junction tree can only be reused for the same factor scopes")
            self.cliques, self.edges = like.cliques, like.edges
            self.parent, self.order = like.parent, like.order
        else:
            adj: list[set[int]] = [set() for _ in range(n)]
            for scope in self.scopes:
                for a in scope:
                    adj[a].update(b for b in scope if b != a)
            self.cliques = self._triangulate(adj)
            self.edges, self.parent, self.order = self._tree()
        self.sizes = [self._size(c) for c in self.cliques]
        self.entries = sum(self.sizes)  # clique-table entries of one batch element
        members: list[list[int]] = [[] for _ in range(n)]  # cliques of each variable
        for c, cl in enumerate(self.cliques):
            for v in cl:
                members[v].append(c)
        clique_sets = [set(cl) for cl in self.cliques]
        # each factor goes to the smallest clique that contains its scope
        self.assign: list[list[int]] = [[] for _ in self.cliques]
        for f, scope in enumerate(self.scopes):
            cands = members[scope[0]] if scope else range(len(self.cliques))
            c = min((c for c in cands if clique_sets[c].issuperset(scope)),
                    key=self.sizes.__getitem__)
            self.assign[c].append(f)
        # each variable is read from (and its evidence entered in) its smallest clique
        self.home = [min(members[v], key=self.sizes.__getitem__) for v in range(n)]
        self.neighbours: list[list[int]] = [[] for _ in self.cliques]
        for a, b in self.edges:
            self.neighbours[a].append(b)
            self.neighbours[b].append(a)
        self.sep = {}
        for a, b in self.edges:
            s = tuple(sorted(set(self.cliques[a]) & set(self.cliques[b])))
            self.sep[(a, b)] = self.sep[(b, a)] = s
        self._expr: dict = {}
        self._homes: dict[tuple[int, ...], int] = {}

    # -- compilation -----------------------------------------------------------------------
    def _size(self, clique: Sequence[int]) -> int:
        return math.prod(self.cards[v] for v in clique)

    def _triangulate(self, adj: list[set[int]]) -> list[tuple[int, ...]]:
        adj = [set(a) for a in adj]
        logc = [math.log(c) for c in self.cards]
        remaining = set(range(len(adj)))
        cliques: list[set[int]] = []

        def cost(v: int) -> tuple[int, float, int]:  # greedy min-fill, then min weight
            nb = adj[v] & remaining
            fill = sum(1 for a in nb for b in nb if a < b and b not in adj[a])
            return fill, logc[v] + sum(logc[u] for u in nb), v

        # a vertex's cost changes only when its neighbourhood does: keep the others
        costs = {v: cost(v) for v in remaining}
        while remaining:
            v = min(remaining, key=costs.__getitem__)
            nb = adj[v] & remaining
            for a in nb:
                adj[a].update(nb - {a})
            clique = nb | {v}
            if not any(clique <= c for c in cliques):
                cliques.append(clique)
            remaining.remove(v)
            del costs[v]
            stale = set(nb)
            for a in nb:
                stale |= adj[a]
            for u in stale & remaining:
                costs[u] = cost(u)
        cliques = [c for c in cliques if not any(c < d for d in cliques)]
        return [tuple(sorted(c)) for c in cliques]

    def _tree(self) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        m = len(self.cliques)
        pairs = sorted(((len(set(self.cliques[a]) & set(self.cliques[b])), a, b)
                        for a in range(m) for b in range(a + 1, m)), reverse=True)
        comp = list(range(m))

        def find(x: int) -> int:
            while comp[x] != x:
                comp[x] = comp[comp[x]]
                x = comp[x]
            return x

        edges = []
        for _w, a, b in pairs:  # maximum spanning tree on separator size (Kruskal)
            ra, rb = find(a), find(b)
            if ra != rb:
                comp[ra] = rb
                edges.append((a, b))
        # root at the largest clique; breadth-first order gives collect (reversed) / distribute
        root = max(range(m), key=lambda c: self._size(self.cliques[c]))
        nbrs: list[list[int]] = [[] for _ in range(m)]
        for a, b in edges:
            nbrs[a].append(b)
            nbrs[b].append(a)
        parent = [-1] * m
        order: list[int] = []
        seen: set[int] = set()

        def grow(start: int) -> None:
            """Breadth-first over the unseen cliques reachable from ``start``."""
            seen.add(start)
            queue = [start]
            for c in queue:
                for d in nbrs[c]:
                    if d not in seen:
                        seen.add(d)
                        parent[d] = c
                        queue.append(d)
            order.extend(queue)

        grow(root)
        # a forest (disconnected network) -> link components through empty separators
        for c in range(m):
            if c not in seen:
                parent[c] = root
                edges.append((root, c))
                grow(c)
        return edges, parent, order

    # -- numerics --------------------------------------------------------------------------
    def _sub(self, vars_: Sequence[int]) -> str:
        return self.batch_symbol + "".join(self.symbols[v] for v in vars_)

    def _contract(self, key, inputs: list[tuple[tuple[int, ...], np.ndarray]],
                  out_vars: tuple[int, ...]) -> np.ndarray:
        shapes = tuple(a.shape for _, a in inputs)
        ck = (key, shapes)
        fn = self._expr.get(ck)
        if fn is None:
            work = max(math.prod(s) for s in shapes) * len(inputs)
            if work < 50_000:
                # small: one C loop over the clique, no path search to amortise. np.einsum
                # takes ASCII letters only, so relabel the few variables of this contraction.
                local: dict[int, str] = {}
                for vs, _ in inputs:
                    for v in vs:
                        local.setdefault(v, _LETTERS[len(local) + 1])
                eq = ",".join("a" + "".join(local[v] for v in vs) for vs, _ in inputs)
                eq += "->a" + "".join(local[v] for v in out_vars)
                fn = functools.partial(np.einsum, eq)
            else:
                eq = ",".join(self._sub(v) for v, _ in inputs) + "->" + self._sub(out_vars)
                fn = oe.contract_expression(eq, *shapes, optimize="greedy")
            self._expr[ck] = fn
        return fn(*(a for _, a in inputs))

    def home_of(self, scope: tuple[int, ...]) -> int:
        """The smallest clique containing ``scope`` (every compiled scope has one)."""
        c = self._homes.get(scope)
        if c is None:
            cands = [c for c, cl in enumerate(self.cliques) if set(scope) <= set(cl)]
            if not cands:
                raise ValueError(f"no clique contains the scope {scope}; compile it in")
            c = min(cands, key=self.sizes.__getitem__)
            self._homes[scope] = c
        return c

    def clique_potentials(self, factors: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Multiply the factors (each (batch, *scope cards)) into clique potentials."""
        batch = max(f.shape[0] for f in factors)
        pots = []
        for c, clique in enumerate(self.cliques):
            inputs = [(self.scopes[f], factors[f]) for f in self.assign[c]]
            covered = {v for f in self.assign[c] for v in self.scopes[f]}
            for v in clique:
                if v not in covered:
                    inputs.append(((v,), np.ones((1, self.cards[v]))))
            if not inputs:
                pots.append(np.ones((1,)))
                continue
            pot = self._contract(("pot", c), inputs, clique)
            if pot.shape[0] != batch:
                pot = np.broadcast_to(pot, (batch, *pot.shape[1:]))
            pots.append(pot)
        return pots

    def propagate(self, potentials: Sequence[np.ndarray],
                  factors: Sequence[tuple[tuple[int, ...], np.ndarray]] = (),
                  want: Sequence[int] | None = None) -> Propagation:
        """Multiply extra ``factors`` (scope, (batch, *cards)) into the cliques, then collect and
        distribute. Factors may be signed (the factorised noisy-OR/MAX uses -1 entries), so
        messages are scaled by their largest magnitude rather than their sum.

        ``want`` limits which marginals are computed (default: all; [] gives P(evidence) only).
        """
        batch = max([p.shape[0] for p in potentials] + [a.shape[0] for _, a in factors])
        pots = list(potentials)
        for scope, arr in factors:
            c = self.home_of(scope)
            clique = self.cliques[c]
            order = sorted(range(len(scope)), key=lambda i: clique.index(scope[i]))
            arr = arr.transpose([0] + [1 + i for i in order])
            present = sorted(scope, key=clique.index)
            shape = [arr.shape[0]] + [self.cards[u] if u in present else 1 for u in clique]
            pots[c] = pots[c] * arr.reshape(shape)
        pots = [p if p.shape[0] == batch else np.broadcast_to(p, (batch, *p.shape[1:]))
                for p in pots]

        msgs: dict[tuple[int, int], np.ndarray] = {}
        log_z = np.zeros(batch)
        for c in reversed(self.order):  # collect: children before parents
            p = self.parent[c]
            if p < 0:
                continue
            inputs = [(self.cliques[c], pots[c])]
            inputs += [(self.sep[(d, c)], msgs[(d, c)]) for d in self.neighbours[c] if d != p]
            m = self._contract(("msg", c, p), inputs, self.sep[(c, p)])
            z = np.abs(m).reshape(batch, -1).max(axis=1)
            msgs[(c, p)] = m / np.where(z > 0, z, 1.0).reshape((batch,) + (1,) * (m.ndim - 1))
            with np.errstate(divide="ignore"):
                log_z += np.log(z)
        want = range(len(self.cards)) if want is None else list(want)
        root = self.order[0]
        need = {self.home[v] for v in want} | {root}
        # distribute only down the paths from the root to the cliques whose beliefs are read:
        # a query for a few nodes does not pay for the whole tree
        down = set()
        for c in need:
            while self.parent[c] >= 0 and c not in down:
                down.add(c)
                c = self.parent[c]
        for c in self.order if want else ():  # distribute: parents before children
            for d in self.neighbours[c]:
                if self.parent[d] != c or d not in down:
                    continue
                inputs = [(self.cliques[c], pots[c])]
                inputs += [(self.sep[(e, c)], msgs[(e, c)])
                           for e in self.neighbours[c] if e != d]
                m = self._contract(("msg", c, d), inputs, self.sep[(c, d)])
                z = np.abs(m).reshape(batch, -1).max(axis=1)
                msgs[(c, d)] = m / np.where(z > 0, z, 1.0).reshape((batch,) + (1,) * (m.ndim - 1))

        beliefs = {}
        for c in need:
            inputs = [(self.cliques[c], pots[c])]
            inputs += [(self.sep[(e, c)], msgs[(e, c)]) for e in self.neighbours[c]]
            beliefs[c] = self._contract(("bel", c), inputs, self.cliques[c])
        flat = beliefs[root].reshape(batch, -1)
        zr = flat.sum(axis=1)
        # With signed factors an impossible observation can leave rounding noise instead of an
        # exact zero: treat a total that cancels below 1e-12 of its magnitude as zero.
        scale = np.abs(flat).sum(axis=1)
        possible = (zr > 0) & (zr > 1e-12 * scale)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_evidence = np.where(possible, log_z + np.log(np.where(possible, zr, 1.0)),
                                    -np.inf)

        marginals: list[np.ndarray | None] = [None] * len(self.cards)
        for v in want:
            c = self.home[v]
            clique = self.cliques[c]
            axes = tuple(1 + i for i, u in enumerate(clique) if u != v)
            m = beliefs[c].sum(axis=axes) if axes else beliefs[c]
            m = np.clip(m, 0.0, None)  # exact values are >= 0; remove signed rounding noise
            z = m.sum(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                marginals[v] = np.where(z > 0, m / np.where(z > 0, z, 1.0), np.nan)
        # only the wanted variables are filled; callers read nothing else
        return Propagation(marginals=marginals, log_evidence=log_evidence)  # type: ignore[arg-type]


class ByteLRU:
    """A least-recently-used cache bounded by the bytes its values hold, not by their count.

    ``size(value)`` gives a value's bytes when it is stored; a value larger than the whole budget
    is not kept. Not thread-safe by itself (the inference lock serialises its users).
    """

    def __init__(self, budget: int, size: Callable[[Any], int]):
        self.budget, self.size = budget, size
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.nbytes = 0

    def get(self, key: Hashable) -> Any:
        hit = self._items.get(key)
        if hit is None:
            return None
        self._items.move_to_end(key)
        return hit[0]

    def put(self, key: Hashable, value: Any) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.nbytes -= old[1]
        nbytes = self.size(value)
        if nbytes > self.budget:
            return
        while self._items and self.nbytes + nbytes > self.budget:
            _, (_, freed) = self._items.popitem(last=False)
            self.nbytes -= freed
        self._items[key] = (value, nbytes)
        self.nbytes += nbytes

    def clear(self) -> None:
        self._items.clear()
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._items)


def array_bytes(obj: Any) -> int:
    """Bytes of the numpy arrays inside nested dicts, lists and tuples; a view counts the array
    that owns its memory, once however many views share it."""
    seen: dict[int, int] = {}

    def walk(o: Any) -> None:
        if isinstance(o, np.ndarray):
            while isinstance(o.base, np.ndarray):
                o = o.base
            seen[id(o)] = o.nbytes
        elif isinstance(o, dict):
            for v in o.values():
                walk(v)
        elif isinstance(o, list | tuple):
            for v in o:
                walk(v)

    walk(obj)
    return sum(seen.values())


_LIBC: ctypes.CDLL | None | bool = None  # False: no malloc_trim here


def release_memory() -> None:
    """Hand freed heap memory back to the operating system (glibc keeps freed blocks below its
    mmap threshold, so a server's RSS would stay at its largest query's peak). No-op elsewhere."""
    global _LIBC
    try:
        if _LIBC is None:
            _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        if _LIBC is not False:
            _LIBC.malloc_trim(0)  # type: ignore[union-attr]
    except (OSError, AttributeError):
        _LIBC = False
