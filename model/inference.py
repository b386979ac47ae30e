"""Exact inference that exploits the noisy-OR/MAX structure (the compiled engine of TwitchDx).

Marrying all parents of every finding makes the junction tree of a QMR-like network far too wide
(cliques of ~10^8 entries here). Instead, as Quickscore and SMILE do:

- *core* variables are every node that is not a noisy finding (roots, states, conditions,
  mechanisms, table-model tests); noisy core nodes with three or more linked parents are
  factorised with an auxiliary variable (Diez & Galan 2003), so their parents are not married;
- a noisy finding observed at its baseline is a product of one-variable factors on its parents
  (P(F = baseline | x) = leak * prod_i link_i(x_i));
- a noisy finding observed in a non-baseline state gets an auxiliary variable joined to each
  parent separately, with a signed row selecting P(F <= k) - P(F <= k-1);
- an unobserved noisy finding is barren: its marginal comes from extra batch elements
  "F <= k" (again products of one-variable factors), in the same pass;
- a set observation "F in S" (likelihood evidence) is exact with the same factorisation:
  P(F in S | x) = sum over k in S of P(F = k | x), so the auxiliary row is the sum of the signed
  rows of S; a set of the lowest states is "F <= k" and needs no auxiliary variable.

A *plan* (junction tree + factor layout) depends only on which noisy findings are observed in a
non-baseline state; plans are compiled once and cached. The same plans, with pair-valued
variables, carry the twin networks of the counterfactual ranking.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from .canonical import CPTBuilder
from .engine import ByteLRU, JunctionTree, array_bytes, release_memory
from .knowledge import KnowledgeBase
from .limits import (
    COLUMN_CACHE_BYTES,
    MAX_BATCH_ENTRIES,
    MAX_PLAN_ENTRIES,
    MAX_TWIN_PLAN_ENTRIES,
    PLAN_CACHE_BYTES,
    LimitError,
)

PLAN_OVERHEAD_BYTES = 2**20  # per cached plan, besides its potentials
FACTORISE_MIN_LINKS = 3  # core noisy nodes with at least this many linked parents


@dataclass(frozen=True)
class Among:
    """A set observation: the node is in one of these states (likelihood evidence).

    On a core node it is an indicator over its states. On a noisy finding, P(F in S | parents)
    is a sum of the signed rows of the auxiliary-variable factorisation; a set of the lowest
    states ("F <= k") needs no auxiliary variable: it is a product of one-variable factors on
    the parents, which is also how barren findings get their marginals.
    """

    states: tuple[str, ...]


@dataclass(frozen=True)
class Gone:
    """Twin networks only: an effect in one of ``states`` in fact, and at its baseline state in
    the counterfactual world without the cause (the effect "would go away")."""

    states: tuple[str, ...]


# An engine evidence element: node id -> one state, or a set of states.
Element = dict[str, str | Among | Gone]


def state_indices(node, obs: str | Among | Gone | None) -> list[int]:
    """Indices of the states an observation allows (every state when unobserved)."""
    if obs is None:
        return list(range(node.card))
    if isinstance(obs, (Among, Gone)):
        return sorted(node.states.index(s) for s in obs.states)
    return [node.states.index(obs)]


def _prefix_top(node, obs: str | Among | Gone) -> int | None:
    """k when the observation is "F <= k" (its states are exactly the k+1 lowest), else None."""
    if isinstance(obs, Gone):
        return None
    idx = state_indices(node, obs)
    return idx[-1] if idx == list(range(len(idx))) else None


# signed matrices that turn CDF columns into probabilities
def _phi(K: int) -> np.ndarray:
    """(K, K): P(Y = y) = sum_c phi[y, c] * P(Y <= c)."""
    phi = np.eye(K)
    phi[np.arange(1, K), np.arange(K - 1)] = -1.0
    return phi


# Twin pairs (factual v, counterfactual v') indexed 2v + v'; columns: 1, S_f, S_c, S_both,
# where S are the probabilities that no link fires in the factual / counterfactual / either world.
PHI_PAIR = np.array([
    [0.0, 0.0, 0.0, 1.0],    # (0, 0): nothing fires in either world
    [0.0, 1.0, 0.0, -1.0],   # (0, 1)
    [0.0, 0.0, 1.0, -1.0],   # (1, 0)
    [1.0, -1.0, -1.0, 1.0],  # (1, 1)
])
FACTUAL_HALF = np.array([0, 0, 1, 1])


@dataclass
class Twin:
    """Counterfactual do(cause = baseline): nodes in ``pairs`` carry (factual, counterfactual).

    ``effect`` is a noisy finding observed with ``Gone`` in every element: its auxiliary
    variable's columns are P(F <= c in fact and F' <= 0), so the plan has the cardinalities of
    the plain plan except the pairs (one plan per cause and effect; one effect at a time keeps
    the cliques small).
    """

    cause: str
    effect: str
    pairs: frozenset[str]


@dataclass
class Plan:
    positive: frozenset[str]
    twin: Twin | None
    var_index: dict[tuple[str, str], int]  # ("node"|"aux", id) -> variable
    cards: list[int]
    builders: list  # per scope: (scope, fn(columns, cpts) -> array)
    junction_tree: JunctionTree
    cache: dict = field(default_factory=dict)


class Inference:
    """Compiled exact inference for one knowledge base (see the module docstring)."""

    def __init__(self, kb: KnowledgeBase, builder: CPTBuilder, values: np.ndarray):
        self.kb = kb
        self.builder = builder
        self.values = values
        self.ids = list(kb.nodes)
        self.noisy_findings = [n for n in self.ids if kb.nodes[n].role == "finding"
                               and kb.nodes[n].model in ("noisy_or", "noisy_max")]
        nf = set(self.noisy_findings)
        self.core = [n for n in self.ids if n not in nf]
        self.factorised = {
            n for n in self.core if kb.nodes[n].model in ("noisy_or", "noisy_max")
            and len(kb.nodes[n].parents) - len(kb.nodes[n].leak_by) >= FACTORISE_MIN_LINKS}
        # caches bounded in bytes (model.limits): a plan holds its clique potentials (8 bytes an
        # entry) plus ~1 MiB of Python structures (measured 0.9 MB: cliques, separators,
        # compiled contractions); a column set holds the CPT arrays of one parameter batch
        self._plans = ByteLRU(PLAN_CACHE_BYTES, lambda plan: 8 * plan.junction_tree.entries
                              + PLAN_OVERHEAD_BYTES)
        self._columns = ByteLRU(COLUMN_CACHE_BYTES, lambda hit: array_bytes(hit[1:]))
        # Streamlit sessions share one cached model across threads: the plan and column caches
        # are mutated during a query, so queries are serialised.
        self._lock = threading.RLock()
        self._pair_memo: dict = {}

    # -- parameter-dependent pieces ----------------------------------------------------------
    def columns(self, values: np.ndarray):
        """CPTs of core nodes and noisy columns of all noisy nodes, for a value batch."""
        key = id(values)
        hit = self._columns.get(key)
        if hit is not None and hit[0] is values:
            return hit[1], hit[2]
        cpts = {n: self.builder.node_cpt(self.kb.nodes[n], values)
                for n in self.core if n not in self.factorised}
        cols = {n: self.builder.noisy_columns(self.kb.nodes[n], values)
                for n in self.ids if self.kb.nodes[n].model in ("noisy_or", "noisy_max")}
        self._columns.put(key, (values, cpts, cols))
        return cpts, cols

    # -- plans -------------------------------------------------------------------------------
    def plan(self, positive: frozenset[str], twin: Twin | None = None) -> Plan:
        key = (positive, None if twin is None else (twin.cause, twin.effect))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._compile(positive, twin)
            self._check_size(plan)  # before any table is allocated
            self._plans.put(key, plan)
        return plan

    def _check_size(self, plan: Plan) -> None:
        entries = plan.junction_tree.entries
        name, limit = (("MAX_PLAN_ENTRIES", MAX_PLAN_ENTRIES) if plan.twin is None
                       else ("MAX_TWIN_PLAN_ENTRIES", MAX_TWIN_PLAN_ENTRIES))
        if entries <= limit:
            return
        found = [n for n in self.ids if n in plan.positive]
        shown = ", ".join(found[:6]) + (", ..." if len(found) > 6 else "")
        task = ("exact inference" if plan.twin is None else
                f"ranking '{plan.twin.cause}' as a cause of '{plan.twin.effect}'")
        raise LimitError(
            f"{len(found)} positive findings ({shown}) make {task} too large: {entries:,} table "
            f"entries, over the limit {name} = {limit:,} (see docs/limits.md); enter fewer "
            "findings as present")

    def _compile(self, positive: frozenset[str], twin: Twin | None) -> Plan:
        kb = self.kb
        pairs = twin.pairs if twin else frozenset()
        var: dict[tuple[str, str], int] = {}
        cards: list[int] = []

        def add(kind: str, nid: str, card: int) -> None:
            var[(kind, nid)] = len(cards)
            cards.append(card)

        for n in self.core:
            add("node", n, 4 if n in pairs else kb.nodes[n].card)
        aux_nodes = [n for n in self.ids if n in self.factorised or n in positive]
        for n in aux_nodes:
            add("aux", n, 4 if n in pairs else kb.nodes[n].card)

        builders = []
        for n in self.core:
            node = kb.nodes[n]
            if n in self.factorised or n in pairs:
                builders += self._noisy_builders(n, var, pairs, twin, core=True)
            else:
                builders.append(self._cpt_builder(n, var, pairs))
        for n in self.ids:  # model order: equal sets must give identical layouts
            if twin is not None and n == twin.effect:
                builders += self._effect_builders(n, var, pairs, twin)
            elif n in positive:
                builders += self._noisy_builders(n, var, pairs, twin, core=False)
        # leak strata of every noisy finding must share a clique (negative/barren findings put
        # a factor over them there)
        seen = {s for s, _ in builders}
        for n in self.noisy_findings:
            node = kb.nodes[n]
            if len(node.leak_by) > 1:
                scope = tuple(var[("node", p)] for p in node.parents if p in node.leak_by)
                if scope not in seen:
                    seen.add(scope)
                    builders.append((scope, None))
        scopes = [s for s, _ in builders]
        like = None
        if twin is not None:  # same graph as the plain plan, other cardinalities
            base = self.plan(positive)
            if base.junction_tree.scopes == scopes:
                like = base.junction_tree
        jt = JunctionTree(cards, scopes, like=like)
        return Plan(positive=positive, twin=twin, var_index=var, cards=cards,
                    builders=builders, junction_tree=jt)

    def _cpt_builder(self, n: str, var, pairs):
        node = self.kb.nodes[n]
        scope = tuple(var[("node", p)] for p in node.parents) + (var[("node", n)],)
        pair_axes = [1 + a for a, p in enumerate(node.parents) if p in pairs]

        def build(cpts, cols, n=n, pair_axes=pair_axes):
            cpt = cpts[n]
            for ax in pair_axes:  # a pair parent acts through its factual half
                cpt = np.take(cpt, FACTUAL_HALF, axis=ax)
            return cpt
        return scope, build

    def _noisy_builders(self, n: str, var, pairs, twin, core: bool):
        """Factors of a noisy node in factorised form (aux variable, signed phi)."""
        node = self.kb.nodes[n]
        K = node.card
        aux = var[("aux", n)] if ("aux", n) in var else None
        strata = [p for p in node.parents if p in node.leak_by]
        linked = [p for p in node.parents if p not in node.leak_by]
        is_pair = n in pairs
        out = []
        if aux is None:  # a pair node kept as a full table: build the pair CPT directly
            scope = tuple(var[("node", p)] for p in node.parents) + (var[("node", n)],)

            def build_cpt(cpts, cols, n=n):
                leak, links = self._pair_columns(n, cols, pairs, twin)
                t = np.einsum("...c,vc->...v", self._expand(n, leak, links, pairs), PHI_PAIR)
                return np.clip(t, 0.0, 1.0)
            return [(scope, build_cpt)]
        if core:
            phi = PHI_PAIR if is_pair else _phi(K)
            out.append(((var[("node", n)], aux), lambda cpts, cols, phi=phi: phi[None]))
        lscope = tuple(var[("node", p)] for p in strata) + (aux,)

        def build_leak(cpts, cols, n=n):
            if is_pair:
                return self._pair_columns(n, cols, pairs, twin)[0]
            return cols[n][0]
        out.append((lscope, build_leak))
        for p in linked:
            def build_link(cpts, cols, n=n, p=p):
                if is_pair:
                    return self._pair_columns(n, cols, pairs, twin)[1][p]
                G = cols[n][1][p]
                return np.take(G, FACTUAL_HALF, axis=1) if p in pairs else G
            out.append(((var[("node", p)], aux), build_link))
        return out

    def _effect_builders(self, n: str, var, pairs, twin):
        """Factors of a twin effect, columns P(F <= c in fact and F' <= 0). Each link's noise is
        shared by the two worlds when its parent is in the same state in both; a link of the
        cause is silent without it."""
        node = self.kb.nodes[n]
        K = node.card
        aux = var[("aux", n)]
        strata = [p for p in node.parents if p in node.leak_by]
        linked = [p for p in node.parents if p not in node.leak_by]

        def build_leak(cpts, cols, n=n):
            leak = cols[n][0]  # strata are roots' states: the same in both worlds
            return np.repeat(leak[..., :1], K, axis=-1)
        out = [(tuple(var[("node", p)] for p in strata) + (aux,), build_leak)]
        for p in linked:
            def build_link(cpts, cols, n=n, p=p):
                G = cols[n][1][p]  # (batch, parent card, K)
                if p in pairs:  # binary pair parent, index 2v + v'
                    first = np.take(G, FACTUAL_HALF, axis=1)
                    cf0 = np.take(G[..., :1], [0, 1, 0, 1], axis=1)  # P(Z' <= 0) at v'
                    same = np.array([True, False, False, True])[None, :, None]
                    return np.where(same, first[..., :1], first * cf0)
                if p == twin.cause:  # counterfactually at its baseline
                    out = G * G[:, :1, :1]
                    out[:, 0] = G[:, 0, :1]
                    return out
                return np.repeat(G[..., :1], K, axis=-1)
            out.append(((var[("node", p)], aux), build_link))
        return out

    def _pair_columns(self, n: str, cols, pairs, twin):
        """Leak and link columns (1, S_f, S_c, S_both) of a twin pair node (binary noisy-OR)."""
        key = (n, id(cols), twin.cause)
        hit = self._pair_memo.get(key)
        if hit is not None:
            return hit
        out = self._pair_columns_uncached(n, cols, pairs, twin)
        self._pair_memo[key] = out
        return out

    def _pair_columns_uncached(self, n: str, cols, pairs, twin):
        leak, links = cols[n]
        s_leak = leak[..., 0]
        one = np.ones_like(s_leak)
        pleak = np.stack([one, s_leak, s_leak, s_leak], axis=-1)
        plinks = {}
        for p, G in links.items():
            s = G[..., 0]  # (batch, parent card): no link fires at that parent state
            if p in pairs:
                sf, sc = s[:, FACTUAL_HALF], s[:, [0, 1, 0, 1]]
                both = np.where(np.array([0, 1, 1, 0]) == 1, sf * sc, sf)
                plinks[p] = np.stack([np.ones_like(sf), sf, sc, both], axis=-1)
            elif p == twin.cause:
                plinks[p] = np.stack([np.ones_like(s), s, np.ones_like(s), s], axis=-1)
            else:
                plinks[p] = np.stack([np.ones_like(s), s, s, s], axis=-1)
        return pleak, plinks

    def _expand(self, n, leak, links, pairs):
        """Full product over the parents: (batch, *parent cards, columns)."""
        node = self.kb.nodes[n]
        strata = [p for p in node.parents if p in node.leak_by]
        cards = [4 if p in pairs else self.kb.nodes[p].card for p in node.parents]
        B, C = leak.shape[0], leak.shape[-1]
        nd = len(node.parents)
        axes = [node.parents.index(p) for p in strata]
        t = np.ones((B, *cards, C)) * leak.reshape(
            [B] + [cards[a] if a in axes else 1 for a in range(nd)] + [C])
        for a, p in enumerate(node.parents):
            if p in links:
                t = t * links[p].reshape([B] + [cards[i] if i == a else 1 for i in range(nd)]
                                         + [C])
        return t

    # -- running -----------------------------------------------------------------------------
    def positive_set(self, element: Element) -> frozenset[str]:
        """Noisy findings of the element that need an auxiliary variable: every observation
        other than "F <= k" (the baseline alone is "F <= 0")."""
        nf = set(self.noisy_findings)
        return frozenset(n for n, s in element.items()
                         if n in nf and _prefix_top(self.kb.nodes[n], s) is None)

    def potentials(self, plan: Plan, values: np.ndarray):
        if values is self.values and "pots" in plan.cache:
            return plan.cache["pots"]
        cpts, cols = self.columns(values)
        self._pair_memo = {}  # pair columns are shared by a pair node's leak and link factors
        arrays = []
        for scope, fn in plan.builders:
            if fn is None:
                arrays.append(np.ones((1,) + tuple(plan.cards[v] for v in scope)))
            else:
                arrays.append(fn(cpts, cols))
        pots = plan.junction_tree.clique_potentials(arrays)
        if values is self.values:
            plan.cache["pots"] = pots
        return pots

    def evidence_factors(self, plan: Plan, elements: list[Element], values: np.ndarray):
        """Per-scope factor arrays (batch = elements or parameter samples) for the elements."""
        kb = self.kb
        cpts, cols = self.columns(values)
        B = max(len(elements), values.shape[0])
        pairs = plan.twin.pairs if plan.twin else frozenset()
        acc: dict[tuple[int, ...], np.ndarray] = {}

        def mul(scope: tuple[int, ...], b: int | None, arr: np.ndarray) -> None:
            """Multiply arr (batch or 1, *scope cards) into element b (None: all)."""
            cur = acc.get(scope)
            if cur is None:
                cur = np.ones((B,) + tuple(plan.cards[v] for v in scope))
                acc[scope] = cur
            if b is None:
                cur *= arr
            else:
                cur[b] *= arr[0] if arr.shape[0] == 1 else arr[b]

        single = len(elements) == 1
        effect = plan.twin.effect if plan.twin else None
        for b, element in enumerate(elements):
            tb = None if single else b
            for n in plan.positive:
                # every element gets a row on each auxiliary finding variable: the sum of the
                # signed rows of the states it allows, P(F in S) = sum_{k in S} P(F = k); an
                # unobserved finding allows every state (the row P(F <= top) = 1)
                node = kb.nodes[n]
                aux = plan.var_index[("aux", n)]
                obs = element.get(n)
                if (n == effect) != isinstance(obs, Gone):
                    raise ValueError(f"'{n}': a Gone observation needs a twin plan on it")
                row = _phi(node.card)[state_indices(node, obs)].sum(axis=0)
                mul((aux,), tb, row[None])
            for n, obs in element.items():
                node = kb.nodes[n]
                if n in plan.positive:
                    continue
                if ("node", n) in plan.var_index:  # a core variable: an indicator
                    v = plan.var_index[("node", n)]
                    ind = np.zeros(node.card)
                    ind[state_indices(node, obs)] = 1.0
                    if n in pairs:
                        ind = ind[FACTUAL_HALF]
                    mul((v,), tb, ind[None])
                    continue
                # a noisy finding at most at state k: one-variable factors on its parents
                k = _prefix_top(node, obs)
                if k is None:
                    raise ValueError(f"'{n}' needs an auxiliary variable the plan lacks")
                if k == node.card - 1:  # every state allowed: no information
                    continue
                leak, links = cols[n]
                strata = [p for p in node.parents if p in node.leak_by]
                lscope = tuple(plan.var_index[("node", p)] for p in strata)
                mul(lscope, tb, leak[..., k])
                for p, G in links.items():
                    g = G[..., k]
                    if p in pairs:
                        g = g[:, FACTUAL_HALF]
                    mul((plan.var_index[("node", p)],), tb, g)
        return list(acc.items())

    def run(self, elements: list[Element], values: np.ndarray | None = None,
            want: list[str] | None = None, twin: Twin | None = None):
        """Propagate elements on one plan (the union of their positive findings).

        Returns (log_evidence (batch,), {core node: (batch, card) marginals}).
        """
        with self._lock:
            return self._run_bounded(elements, values, want, twin)

    def _run_bounded(self, elements, values, want, twin):
        """``_run`` in chunks of the batch, so at most MAX_BATCH_ENTRIES clique-table entries
        are allocated at once (each chunk is exact; chunks of elements may even use smaller
        plans)."""
        vals = self.values if values is None else values
        batch = max(len(elements), vals.shape[0])
        entries = self.plan(self._positive(elements, twin), twin).junction_tree.entries
        step = max(1, MAX_BATCH_ENTRIES // entries)
        if batch <= step:
            out = self._run(elements, values, want, twin)
        else:
            if len(elements) > 1:
                parts = [self._run(elements[i:i + step], values, want, twin)
                         for i in range(0, batch, step)]
            else:
                parts = [self._run(elements, vals[i:i + step], want, twin)
                         for i in range(0, batch, step)]
            out = (np.concatenate([p[0] for p in parts]),
                   {n: np.concatenate([p[1][n] for p in parts]) for n in parts[0][1]})
        if entries * min(batch, step) >= 2**21:  # a big query: give its memory back
            release_memory()
        return out

    def _positive(self, elements, twin) -> frozenset[str]:
        """The plan's positive findings: the union over the elements (and a twin's effect)."""
        positive = frozenset().union(*(self.positive_set(e) for e in elements))
        if twin is not None:
            positive = positive | {twin.effect}
        return positive

    def _run(self, elements, values, want, twin):
        values = self.values if values is None else values
        if len(elements) > 1 and values.shape[0] > 1:
            raise ValueError("batch either evidence elements or parameter samples, not both")
        plan = self.plan(self._positive(elements, twin), twin)
        pots = self.potentials(plan, values)
        factors = self.evidence_factors(plan, elements, values)
        want_core = [n for n in (want if want is not None else self.core)
                     if ("node", n) in plan.var_index]
        res = plan.junction_tree.propagate(
            pots, factors, [plan.var_index[("node", n)] for n in want_core])
        return res.log_evidence, {n: res.marginals[plan.var_index[("node", n)]]
                                  for n in want_core}
