"""Load and validate the knowledge base in priors/ (YAML files of nodes, parameters and sources).

Nothing is built from a knowledge base that fails a check: every error names the file, the node
and the field, and says what is allowed.
"""

from __future__ import annotations

import difflib
import io
import itertools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from .errors import KnowledgeBaseError
from .limits import MAX_PRIORS_FILE_BYTES, MAX_PRIORS_FILES, MAX_PRIORS_TOTAL_BYTES
from .safe_yaml import YAMLInputError, decode, parse, round_trip_loader
from .storage import read_texts

ROLES = ("context", "exposure", "state", "condition", "mechanism", "finding")
MODELS = ("prior", "noisy_or", "noisy_max", "table")
COSTS = ("question", "examination", "blood_test", "specialist_test")
NODE_FIELDS = {
    "label", "description", "role", "states", "state_labels", "parents", "model", "serious",
    "cost", "red_flags", "prior", "leak", "leak_by", "links", "rows", "note",
}
PARAM_FIELDS = {"value", "range", "range_kind", "source", "note"}
# What a parameter's range is (read by the uncertainty sampler): a 95% or 90% confidence
# interval from the source, the spread of estimates across studies or strata, or a judgement.
RANGE_KINDS = ("ci95", "ci90", "spread", "judgement")
MAX_CPT_ENTRIES = 8192  # v2: twitching has 12 causes (2^13 entries), still small for pgmpy/pyAgrum
EXPERT = "expert"

PACKAGE_DIR = Path(__file__).resolve().parent


def _default_priors() -> Path:
    """The priors folder ``load()`` reads when given none.

    An installed wheel ships the project's ``priors/`` as package data ``model/priors``
    (pyproject's ``package-dir`` maps it); a checkout or editable install reads the top-level
    ``priors/`` itself, the files modellers edit.
    """
    shipped = resources.files(__package__) / "priors"
    if shipped.is_dir():
        return Path(str(shipped))
    return PACKAGE_DIR.parent / "priors"


DEFAULT_PRIORS = _default_priors()
CATALOG_PATH = Path(str(resources.files(__package__) / "catalog.yaml"))


@dataclass
class Param:
    """One number of the knowledge base, with its range and source."""

    index: int
    value: float
    low: float
    high: float
    source: str
    note: str | None
    node: str
    path: tuple[str, ...]  # where it sits inside the node, e.g. ("links", "diabetes", "yes")
    file: str
    range_kind: str = "judgement"

    @property
    def name(self) -> str:
        return ".".join((self.node, *self.path))


# A distribution over a node's states, given by its non-baseline states: state index -> Param.
Dist = dict[int, Param]


@dataclass
class Row:
    when: dict[str, str]
    dist: Dist
    note: str | None = None


@dataclass
class Node:
    id: str
    label: str
    description: str
    role: str
    states: tuple[str, ...]
    parents: tuple[str, ...]
    model: str
    file: str
    state_labels: dict[str, str] = field(default_factory=dict)
    serious: bool = False
    cost: str | None = None
    red_flags: dict[str, str] = field(default_factory=dict)
    prior: Dist | None = None
    leak_by: tuple[str, ...] = ()
    leak: dict[tuple[str, ...], Dist] = field(default_factory=dict)
    links: dict[tuple[str, str], Dist] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    note: str | None = None

    @property
    def card(self) -> int:
        return len(self.states)

    def state_label(self, state: str) -> str:
        return self.state_labels.get(state, state.replace("_", " "))

    @property
    def group(self) -> str:
        """Where a clinician would look for this item on an intake form."""
        if self.role == "context":
            return "Patient"
        if self.role == "exposure":
            if self.id.startswith("med_") or self.id == "benzodiazepine_withdrawal":
                return "Medications"
            return "Lifestyle and exposures"
        if self.role == "finding":
            if self.id == "fasciculations" or self.id.startswith("twitch_"):
                return "The twitching"
            if self.cost in ("blood_test", "specialist_test"):
                return "Tests"
            return "Other symptoms and signs"
        return {"state": "States", "condition": "Conditions"}.get(self.role, "Mechanisms")


@dataclass
class KnowledgeBase:
    """The validated contents of a priors folder."""

    directory: Path
    nodes: dict[str, Node]
    sources: dict[str, dict[str, str]]
    params: list[Param]
    # published prevalences to check the model against (raw; validated by model.epidemiology)
    targets: dict[str, Any] = field(default_factory=dict)

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def children(self, node_id: str) -> list[str]:
        return [n.id for n in self.nodes.values() if node_id in n.parents]

    def topological_order(self) -> list[str]:
        return _topological(self.nodes)


def yaml_loader() -> YAML:
    """The round-trip YAML 1.2 reader used everywhere (keeps comments and layout for editing),
    with the nesting and alias caps of :mod:`model.safe_yaml`."""
    return round_trip_loader()


# --------------------------------------------------------------------------- loading


def load_knowledge_base(directory: str | Path | None = None, *, check_catalog: bool = True,
                        documents: dict[str, Any] | None = None) -> KnowledgeBase:
    """Read and validate every ``*.yaml`` file of a priors folder.

    ``documents`` (file name -> parsed YAML) replaces reading the files; the editing API uses it to
    validate a change before anything is written.
    """
    directory = Path(directory) if directory is not None else DEFAULT_PRIORS
    if documents is None:
        if not directory.is_dir():
            raise KnowledgeBaseError(f"priors folder not found: {directory}")
        documents = read_documents(directory)
    if not documents:
        raise KnowledgeBaseError(f"no *.yaml files in {directory}")

    raw_nodes: dict[str, tuple[str, Any]] = {}
    sources: dict[str, dict[str, str]] = {}
    targets: dict[str, Any] = {}
    for fname, doc in documents.items():
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise KnowledgeBaseError("the top level must be a mapping with keys 'nodes' and/or "
                                     "'sources'", file=fname)
        # 'targets' (published prevalences, priors/targets.yaml) is read by model.epidemiology
        extra = set(doc) - {"nodes", "sources", "targets"}
        if extra:
            raise KnowledgeBaseError(f"unknown top-level key(s) {sorted(map(str, extra))}; "
                                     "allowed: 'nodes', 'sources', 'targets'", file=fname)
        for key, entry in (doc.get("targets") or {}).items():
            if key in targets:
                raise KnowledgeBaseError(f"target '{key}' is defined twice", file=fname,
                                         field="targets")
            targets[key] = (fname, entry)
        for key, entry in (doc.get("sources") or {}).items():
            _check_source(fname, key, entry)
            record = {"citation": str(entry["citation"]).strip()}
            if entry.get("url"):
                record["url"] = str(entry["url"]).strip()
            if key in sources and sources[key] != record:
                raise KnowledgeBaseError(f"source '{key}' is defined twice with different text",
                                         file=fname, field="sources")
            sources[key] = record
        for node_id, entry in (doc.get("nodes") or {}).items():
            if not isinstance(node_id, str):
                raise KnowledgeBaseError(f"node id {node_id!r} must be a string", file=fname)
            if node_id in raw_nodes:
                raise KnowledgeBaseError(
                    f"node defined twice (also in {raw_nodes[node_id][0]})", file=fname,
                    node=node_id)
            raw_nodes[node_id] = (fname, entry)

    if EXPERT in sources:
        raise KnowledgeBaseError("'expert' is reserved for expert estimates; rename the source",
                                 field="sources")

    # order nodes by role (context, exposures, states, conditions, mechanisms, findings), keeping
    # file order within a role, so listings read the way a clinician takes a history
    rank = {r: i for i, r in enumerate(ROLES)}
    raw_nodes = dict(sorted(raw_nodes.items(), key=lambda kv: rank.get(
        str(kv[1][1].get("role")) if isinstance(kv[1][1], dict) else "", len(ROLES))))
    builder = _Builder(raw_nodes, sources)
    nodes = builder.build()
    kb = KnowledgeBase(directory=directory, nodes=nodes, sources=sources, params=builder.params,
                       targets=targets)
    _topological(nodes)  # raises on a cycle
    for node in nodes.values():
        size = node.card
        for p in node.parents:
            size *= nodes[p].card
        if size > MAX_CPT_ENTRIES:
            raise KnowledgeBaseError(
                f"its table would have {size} entries (limit {MAX_CPT_ENTRIES}); group causes "
                "under a latent mechanism node to reduce its parents", file=node.file,
                node=node.id, field="parents")
    if check_catalog:
        check_against_catalog(kb)
    return kb


def read_documents(directory: Path) -> dict[str, Any]:
    """Parse every ``*.yaml`` file of a priors folder within the limits of :mod:`model.limits`.

    Every problem (not a regular file, too large, not UTF-8, not YAML, too deep, an alias bomb)
    is a one-line :class:`KnowledgeBaseError` naming the file. A save interrupted after its
    commit point is seen complete (see :mod:`model.storage`), so a set is never half read.
    """
    return {name: parse_document(name, data)
            for name, data in read_priors_bytes(directory).items()}


def read_priors_bytes(directory: Path) -> dict[str, bytes]:
    """The bytes of every ``*.yaml`` file, size-checked before reading, under a shared lock."""
    paths = sorted(directory.glob("*.yaml"))
    if len(paths) > MAX_PRIORS_FILES:
        raise KnowledgeBaseError(f"{len(paths)} *.yaml files in the priors folder; the limit is "
                                 f"MAX_PRIORS_FILES = {MAX_PRIORS_FILES}")
    total = 0
    for path in paths:
        if path.is_symlink() and not path.exists():
            raise KnowledgeBaseError("a symbolic link to a missing file; remove it",
                                     file=path.name)
        if not path.is_file():
            raise KnowledgeBaseError("not a regular file (a directory?); remove or rename it: "
                                     "every *.yaml in the priors folder is read", file=path.name)
        total += _check_size(path.name, path.stat().st_size)
    if total > MAX_PRIORS_TOTAL_BYTES:
        raise KnowledgeBaseError(f"the priors files hold {total:,} bytes together; the limit "
                                 f"is MAX_PRIORS_TOTAL_BYTES = {MAX_PRIORS_TOTAL_BYTES:,}")

    def read(path: Path) -> bytes:
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_PRIORS_FILE_BYTES + 1)  # a file growing meanwhile stays capped
        except OSError as exc:
            raise KnowledgeBaseError(f"cannot be read: {exc.strerror or exc}",
                                     file=path.name) from None
        _check_size(path.name, len(data))
        return data

    return read_texts(directory, [p.name for p in paths], read)


def parse_document(name: str, data: bytes) -> Any:
    """One priors file's bytes as a round-trip YAML document; one-line errors naming it."""
    try:
        return parse(yaml_loader(), decode(data, name), name)
    except YAMLInputError as exc:
        raise KnowledgeBaseError(exc.problem, file=name) from None


def _check_size(name: str, size: int) -> int:
    if size > MAX_PRIORS_FILE_BYTES:
        raise KnowledgeBaseError(f"{size:,} bytes is over the limit MAX_PRIORS_FILE_BYTES = "
                                 f"{MAX_PRIORS_FILE_BYTES:,}; split it into smaller files",
                                 file=name)
    return size


def load_catalog() -> dict[str, dict[str, Any]]:
    """The minimum vocabulary: {node id: {"role": ..., "states": [...]}} in catalog order."""
    doc = yaml_loader().load(CATALOG_PATH.read_text(encoding="utf-8"))
    catalog: dict[str, dict[str, Any]] = {}
    for role, entries in doc.items():
        for node_id, spec in entries.items():
            catalog[node_id] = {"role": role, "states": [str(s) for s in spec["states"]]}
    return catalog


def check_against_catalog(kb: KnowledgeBase) -> None:
    for node_id, spec in load_catalog().items():
        node = kb.nodes.get(node_id)
        if node is None:
            raise KnowledgeBaseError(
                f"catalog node '{node_id}' ({spec['role']}) is missing; every catalog id must "
                "exist with exactly its states")
        if list(node.states) != spec["states"]:
            raise KnowledgeBaseError(
                f"states {list(node.states)} differ from the catalog's {spec['states']} "
                "(same names, same order)", file=node.file, node=node_id, field="states")
        if node.role != spec["role"]:
            raise KnowledgeBaseError(f"role '{node.role}' differs from the catalog's "
                                     f"'{spec['role']}'", file=node.file, node=node_id,
                                     field="role")


def _check_source(fname: str, key: Any, entry: Any) -> None:
    if not isinstance(key, str):
        raise KnowledgeBaseError(f"source key {key!r} must be a string", file=fname,
                                 field="sources")
    if not isinstance(entry, dict) or not str(entry.get("citation") or "").strip():
        raise KnowledgeBaseError(
            f"source '{key}' needs a 'citation' (authors, year, title, journal) and optionally "
            "a 'url'", file=fname, field=f"sources.{key}")


def _topological(nodes: dict[str, Node]) -> list[str]:
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for start in nodes:
        if state.get(start) == 2:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            nid, i = stack.pop()
            if i == 0:
                state[nid] = 1
                path.append(nid)
            parents = nodes[nid].parents
            if i < len(parents):
                stack.append((nid, i + 1))
                p = parents[i]
                if state.get(p) == 1:
                    cycle = path[path.index(p):] + [p]
                    # path runs child -> parent; print it in causal (parent -> child) direction
                    names = " -> ".join(reversed(cycle))
                    raise KnowledgeBaseError(f"the network has a cycle: {names}; a Bayesian "
                                             "network must be acyclic", file=nodes[nid].file,
                                             node=nid, field="parents")
                if state.get(p) != 2:
                    stack.append((p, 0))
            else:
                state[nid] = 2
                path.pop()
                order.append(nid)
    return order


class _Builder:
    """Turns raw YAML node entries into validated Node objects and a flat parameter list."""

    def __init__(self, raw: dict[str, tuple[str, Any]], sources: dict[str, dict[str, str]]):
        self.raw = raw
        self.sources = sources
        self.params: list[Param] = []
        self.states: dict[str, tuple[str, ...]] = {}

    def build(self) -> dict[str, Node]:
        # States first: parents' states are needed to check links, tables and strata.
        for nid, (fname, entry) in self.raw.items():
            if not isinstance(entry, dict):
                raise KnowledgeBaseError("a node must be a mapping of fields", file=fname,
                                         node=nid)
            self.states[nid] = self._states(fname, nid, entry)
        return {nid: self._node(nid, fname, entry) for nid, (fname, entry) in self.raw.items()}

    # -- helpers -------------------------------------------------------------------------
    def _err(self, msg: str, fname: str, nid: str, fld: str) -> KnowledgeBaseError:
        return KnowledgeBaseError(msg, file=fname, node=nid, field=fld)

    def _string(self, value: Any, fname: str, nid: str, fld: str, what: str) -> str:
        if isinstance(value, bool):
            raise self._err(
                f"{what} {value!r} is a boolean, not a string: quote it (\"yes\"/\"no\"); a YAML "
                "1.1 reader turns a bare yes/no into true/false", fname, nid, fld)
        if not isinstance(value, str):
            raise self._err(f"{what} {value!r} must be a quoted string", fname, nid, fld)
        return value

    def _states(self, fname: str, nid: str, entry: dict) -> tuple[str, ...]:
        states = entry.get("states")
        if not isinstance(states, list) or len(states) < 2:
            raise self._err("'states' must be a list of at least two quoted strings", fname,
                            nid, "states")
        out = tuple(self._string(s, fname, nid, "states", "state") for s in states)
        if len(set(out)) != len(out):
            raise self._err(f"duplicate state in {list(out)}", fname, nid, "states")
        return out

    def _state_of(self, parent: str, state: Any, fname: str, nid: str, fld: str) -> str:
        state = self._string(state, fname, nid, fld, "state")
        if state not in self.states[parent]:
            raise self._err(f"'{state}' is not a state of '{parent}'; its states are "
                            f"{list(self.states[parent])}", fname, nid, fld)
        return state

    def _param(self, value: Any, fname: str, nid: str, path: tuple[str, ...]) -> Param:
        fld = ".".join(path)
        if not isinstance(value, dict) or "value" not in value:
            raise self._err("expected a parameter {value: P, range: [LOW, HIGH], source: KEY}",
                            fname, nid, fld)
        extra = set(value) - PARAM_FIELDS
        if extra:
            raise self._err(f"unknown parameter field(s) {sorted(map(str, extra))}; allowed: "
                            f"{sorted(PARAM_FIELDS)}", fname, nid, fld)
        v = value["value"]
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0.0 <= v <= 1.0:
            raise self._err(f"value {v!r} is not a probability: it must be a number in [0, 1]",
                            fname, nid, fld)
        rng = value.get("range")
        if (not isinstance(rng, list) or len(rng) != 2
                or any(isinstance(r, bool) or not isinstance(r, int | float) for r in rng)):
            raise self._err("'range' must be [LOW, HIGH], two numbers in [0, 1]", fname, nid,
                            fld)
        low, high = float(rng[0]), float(rng[1])
        if not 0.0 <= low <= high <= 1.0:
            raise self._err(f"range [{low}, {high}] must satisfy 0 <= LOW <= HIGH <= 1", fname,
                            nid, fld)
        if not low <= v <= high:
            raise self._err(f"range [{low}, {high}] excludes its value {v}", fname, nid, fld)
        kind = value.get("range_kind", "judgement")
        if kind not in RANGE_KINDS:
            raise self._err(f"range_kind {kind!r} is not one of {list(RANGE_KINDS)} "
                            "(ci95/ci90: a confidence interval from the source; spread: "
                            "across studies or strata; judgement: a plausible range)",
                            fname, nid, fld)
        src = value.get("source")
        if not src:
            raise self._err("missing 'source': cite a key of sources.yaml, or write 'expert' "
                            "with a 'note' saying why", fname, nid, fld)
        src = str(src)
        note = value.get("note")
        if src == EXPERT:
            if not str(note or "").strip():
                raise self._err("an expert estimate needs a 'note' saying why the literature "
                                "has no figure and how the value was reached", fname, nid, fld)
        elif src not in self.sources:
            close = difflib.get_close_matches(src, self.sources, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise self._err(f"unknown source '{src}'{hint}; add it to sources.yaml or use "
                            "'expert' with a note", fname, nid, fld)
        p = Param(index=len(self.params), value=float(v), low=low, high=high, source=src,
                  note=str(note).strip() if note else None, node=nid, path=path, file=fname,
                  range_kind=str(kind))
        self.params.append(p)
        return p

    def _dist(self, value: Any, fname: str, nid: str, path: tuple[str, ...]) -> Dist:
        states = self.states[nid]
        fld = ".".join(path)
        if len(states) == 2 and isinstance(value, dict) and "value" in value:
            return {1: self._param(value, fname, nid, path)}
        if not isinstance(value, dict) or "value" in value and len(states) > 2:
            want = ("a parameter (the probability of '" + states[1] + "')" if len(states) == 2
                    else f"a mapping from non-baseline states {list(states[1:])} to parameters")
            raise self._err(f"expected {want}", fname, nid, fld)
        dist: Dist = {}
        for state, param in value.items():
            state = self._string(state, fname, nid, fld, "state")
            if state not in states:
                raise self._err(f"undeclared state '{state}'; the states are {list(states)}",
                                fname, nid, fld)
            if state == states[0]:
                raise self._err(f"'{state}' is the baseline state: it takes the remainder, so "
                                f"give only {list(states[1:])}", fname, nid, fld)
            dist[states.index(state)] = self._param(param, fname, nid, (*path, state))
        total = sum(p.value for p in dist.values())
        if total > 1.0 + 1e-9:
            raise self._err(f"probabilities sum to {total:.6g} > 1", fname, nid, fld)
        return dist

    def _node(self, nid: str, fname: str, entry: dict) -> Node:
        extra = set(entry) - NODE_FIELDS
        if extra:
            raise self._err(f"unknown field(s) {sorted(map(str, extra))}; allowed: "
                            f"{sorted(NODE_FIELDS)}", fname, nid, sorted(map(str, extra))[0])
        for req in ("label", "description", "role", "parents", "model"):
            if req not in entry:
                raise self._err("required field missing", fname, nid, req)
        role = entry["role"]
        if role not in ROLES:
            raise self._err(f"role '{role}' is not one of {list(ROLES)}", fname, nid, "role")
        model = entry["model"]
        if model not in MODELS:
            raise self._err(f"model '{model}' is not one of {list(MODELS)}", fname, nid, "model")
        parents_raw = entry["parents"]
        if not isinstance(parents_raw, list):
            raise self._err("'parents' must be a list ([] for a root)", fname, nid, "parents")
        parents: list[str] = []
        for p in parents_raw:
            p = self._string(p, fname, nid, "parents", "parent")
            if p not in self.raw:
                close = difflib.get_close_matches(p, self.raw, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise self._err(f"unknown parent '{p}'{hint}: no node has this id", fname, nid,
                                "parents")
            if p in parents or p == nid:
                raise self._err(f"parent '{p}' listed twice or is the node itself", fname, nid,
                                "parents")
            parents.append(p)
        states = self.states[nid]
        node = Node(id=nid, label=str(entry["label"]), description=str(entry["description"]),
                    role=role, states=states, parents=tuple(parents), model=model, file=fname,
                    note=str(entry["note"]) if entry.get("note") else None)
        if "serious" in entry:
            if not isinstance(entry["serious"], bool):
                raise self._err("'serious' must be true or false", fname, nid, "serious")
            node.serious = entry["serious"]
        if "cost" in entry:
            if entry["cost"] not in COSTS:
                raise self._err(f"cost '{entry['cost']}' is not one of {list(COSTS)}", fname,
                                nid, "cost")
            node.cost = entry["cost"]
        for key in ("state_labels", "red_flags"):
            value = entry.get(key) or {}
            if not isinstance(value, dict):
                raise self._err("must be a mapping from state to text", fname, nid, key)
            for state, text in value.items():
                state = self._string(state, fname, nid, key, "state")
                if state not in states:
                    raise self._err(f"undeclared state '{state}'; the states are "
                                    f"{list(states)}", fname, nid, key)
                getattr(node, key)[state] = str(text)

        if model == "prior":
            self._model_prior(node, entry)
        elif model in ("noisy_or", "noisy_max"):
            self._model_noisy(node, entry)
        else:
            self._model_table(node, entry)
        return node

    def _forbid(self, node: Node, entry: dict, fields: tuple[str, ...]) -> None:
        for f in fields:
            if f in entry:
                raise self._err(f"'{f}' does not belong to model '{node.model}'", node.file,
                                node.id, f)

    def _model_prior(self, node: Node, entry: dict) -> None:
        self._forbid(node, entry, ("leak", "leak_by", "links", "rows"))
        if node.parents:
            raise self._err("a 'prior' node is a root: its parents must be []", node.file,
                            node.id, "parents")
        if "prior" not in entry:
            raise self._err("required field missing", node.file, node.id, "prior")
        node.prior = self._dist(entry["prior"], node.file, node.id, ("prior",))

    def _model_noisy(self, node: Node, entry: dict) -> None:
        self._forbid(node, entry, ("prior", "rows"))
        f, nid = node.file, node.id
        if node.model == "noisy_or" and len(node.states) != 2:
            raise self._err(f"noisy_or needs a binary node; {list(node.states)} has "
                            f"{len(node.states)} states: use noisy_max", f, nid, "model")
        leak_by = entry.get("leak_by") or []
        if not isinstance(leak_by, list):
            raise self._err("'leak_by' must be a list of parents", f, nid, "leak_by")
        for p in leak_by:
            if p not in node.parents:
                raise self._err(f"'{p}' stratifies the leak but is not in parents", f, nid,
                                "leak_by")
        node.leak_by = tuple(leak_by)
        if "leak" not in entry:
            raise self._err("required field missing", f, nid, "leak")
        node.leak = self._strata(node, entry["leak"], list(node.leak_by), ())
        links = entry.get("links") or {}
        if not isinstance(links, dict):
            raise self._err("'links' must map parent -> {parent_state: distribution}", f, nid,
                            "links")
        for parent, per_state in links.items():
            if parent not in node.parents:
                raise self._err(f"link from '{parent}', which is not in parents "
                                f"{list(node.parents)}", f, nid, f"links.{parent}")
            if parent in node.leak_by:
                raise self._err(f"'{parent}' stratifies the leak; it cannot also have links",
                                f, nid, f"links.{parent}")
            if not isinstance(per_state, dict) or "value" in per_state:
                raise self._err(f"expected {{parent_state: distribution}}, e.g. "
                                f"{{\"{self.states[parent][-1]}\": {{value: ...}}}}", f, nid,
                                f"links.{parent}")
            for pstate, dist in per_state.items():
                pstate = self._state_of(parent, pstate, f, nid, f"links.{parent}")
                if pstate == self.states[parent][0]:
                    raise self._err(f"'{pstate}' is the baseline state of '{parent}': a "
                                    "baseline has no effect and takes no link", f, nid,
                                    f"links.{parent}")
                node.links[(parent, pstate)] = self._dist(dist, f, nid,
                                                          ("links", parent, pstate))
        used = set(node.leak_by) | {p for p, _ in node.links}
        for p in node.parents:
            if p not in used:
                raise self._err(f"parent '{p}' has no link and does not stratify the leak: "
                                "remove it or give it a link", f, nid, "parents")

    def _strata(self, node: Node, value: Any, by: list[str], prefix: tuple[str, ...]
                ) -> dict[tuple[str, ...], Dist]:
        path = ("leak", *prefix)
        if not by:
            return {prefix: self._dist(value, node.file, node.id, path)}
        parent = by[0]
        if not isinstance(value, dict) or "value" in value:
            raise self._err(f"the leak is stratified by '{parent}': give one entry per state "
                            f"{list(self.states[parent])}", node.file, node.id, ".".join(path))
        keys = [self._string(k, node.file, node.id, ".".join(path), "state") for k in value]
        missing = [s for s in self.states[parent] if s not in keys]
        unknown = [k for k in keys if k not in self.states[parent]]
        if missing or unknown:
            raise self._err(f"stratum by '{parent}' must give exactly its states "
                            f"{list(self.states[parent])} (missing {missing}, unknown "
                            f"{unknown})", node.file, node.id, ".".join(path))
        out: dict[tuple[str, ...], Dist] = {}
        for s in self.states[parent]:
            out.update(self._strata(node, value[s], by[1:], (*prefix, s)))
        return out

    def _model_table(self, node: Node, entry: dict) -> None:
        self._forbid(node, entry, ("prior", "leak", "leak_by", "links"))
        f, nid = node.file, node.id
        rows = entry.get("rows")
        if not isinstance(rows, list) or not rows:
            raise self._err("a table needs 'rows': a list of {when: {...}, p: distribution}",
                            f, nid, "rows")
        for i, row in enumerate(rows):
            fld = f"rows[{i}]"
            if not isinstance(row, dict) or "p" not in row or "when" not in row:
                raise self._err("each row needs 'when' (a mapping, {} for any) and 'p'", f, nid,
                                fld)
            when_raw = row["when"] or {}
            when: dict[str, str] = {}
            for parent, state in when_raw.items():
                if parent not in node.parents:
                    raise self._err(f"'{parent}' is not in parents {list(node.parents)}", f,
                                    nid, f"{fld}.when")
                when[parent] = self._state_of(parent, state, f, nid, f"{fld}.when")
            dist = self._dist(row["p"], f, nid, ("rows", str(i)))
            node.rows.append(Row(when=when, dist=dist,
                                 note=str(row["note"]) if row.get("note") else None))
        # The table's size first: the coverage walk below visits every parent configuration.
        size = len(self.states[nid])
        for p in node.parents:
            size *= len(self.states[p])
        if size > MAX_CPT_ENTRIES:
            raise self._err(f"its table would have {size} entries (limit {MAX_CPT_ENTRIES}); "
                            "group causes under a latent mechanism node to reduce its parents",
                            f, nid, "parents")
        # Coverage and reachability, in first-match order.
        used = set()
        for config in itertools.product(*(self.states[p] for p in node.parents)):
            assign = dict(zip(node.parents, config, strict=True))
            idx = table_row_for(node, assign)
            if idx is None:
                shown = ", ".join(f"{k}={v}" for k, v in assign.items())
                raise self._err(f"no row covers the parent configuration {shown}; add a row "
                                "(a final `when: {}` row covers everything left)", f, nid,
                                "rows")
            used.add(idx)
        for i in range(len(node.rows)):
            if i not in used:
                raise self._err(f"row {i} is never used: the rows above it already cover every "
                                "configuration it matches", f, nid, f"rows[{i}]")
        for p in node.parents:
            if not any(p in r.when for r in node.rows):
                raise self._err(f"parent '{p}' is named in no row; remove it from parents", f,
                                nid, "parents")


def table_row_for(node: Node, assignment: dict[str, str]) -> int | None:
    for i, row in enumerate(node.rows):
        if all(assignment[p] == s for p, s in row.when.items()):
            return i
    return None


def dump_yaml(doc: Any) -> str:
    buf = io.StringIO()
    yaml_loader().dump(doc, buf)
    return buf.getvalue()
