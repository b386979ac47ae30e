"""Edit the knowledge base in priors/ from Python: change a parameter, add a source, a link or a
node; every change is validated at once and saved atomically, keeping the files' layout.

>>> from model.edit import Editor
>>> ed = Editor("priors")
>>> ed.set_parameter("peripheral_neuropathy", ("links", "diabetes", "yes"), value=0.3,
...                  range=[0.24, 0.39], source="sun2020")
>>> print(ed.diff())          # a unified diff of the pending change, as `git diff` will show it
>>> ed.save()                 # validate, then write only the changed files (temp file + rename)

Each editing method runs the same checks as :func:`model.load` on the edited knowledge base and,
if they fail, undoes the change and raises the loader's :class:`model.KnowledgeBaseError` (naming
the file, the node and the field): a failed edit never reaches the files. The editor works on the
round-trip YAML documents, so comments, key order, quoting and one-line parameters survive, and a
diff shows only the lines that changed. New parameters are written as one-line flow mappings
``{value: ..., range: [...], source: ..., note: "..."}`` like the existing ones.
"""

from __future__ import annotations

import difflib
import io
import math
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Mapping
from decimal import Decimal
from numbers import Real
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from . import storage
from .errors import KnowledgeBaseError
from .knowledge import (
    DEFAULT_PRIORS,
    PACKAGE_DIR,
    KnowledgeBase,
    Param,
    load_knowledge_base,
    parse_document,
    read_priors_bytes,
    yaml_loader,
)

__all__ = ["Editor", "scratch_copy"]

# Block-indentation styles tried when reading a file; the first that reproduces the file byte for
# byte is used to write it back (priors/ uses the first: lists of rows indented under their key).
_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (2, 4, 0), (4, 4, 0))
_PARAM_ORDER = ("value", "range", "range_kind", "source", "note")


def scratch_copy(source: str | Path | None = None, prefix: str = "twitchdx-priors-") -> Path:
    """A fresh temporary copy of a priors folder (default: the project's ``priors/``).

    Notebooks and tests edit the copy, so the real files never change by accident.
    """
    source = Path(source) if source is not None else DEFAULT_PRIORS
    if not source.is_dir():
        raise KnowledgeBaseError(f"priors folder not found: {source}")
    target = Path(tempfile.mkdtemp(prefix=prefix)) / "priors"
    shutil.copytree(source, target)
    return target


class Editor:
    """Pending edits to one priors folder.

    Parameters
    ----------
    priors_dir : the folder to edit (default: the project's ``priors/``).
    check_catalog : also require the catalog vocabulary (as :func:`model.load` does); turn off
        for small test or teaching networks.

    Nothing is written until :meth:`save`. Every editing method validates the whole knowledge
    base immediately; an invalid change is rolled back and raises :class:`KnowledgeBaseError`.
    """

    def __init__(self, priors_dir: str | Path | None = None, *, check_catalog: bool = True):
        if priors_dir is None and DEFAULT_PRIORS.parent == PACKAGE_DIR:
            # an installed wheel: its priors are package data, replaced by the next upgrade
            raise KnowledgeBaseError(
                f"Editor() needs a priors folder here: this installed copy's priors "
                f"({DEFAULT_PRIORS}) are package data that the next upgrade overwrites. Copy "
                "them and edit the copy: shutil.copytree(model.knowledge.DEFAULT_PRIORS, "
                "'my-priors'); Editor('my-priors') (or work in a clone of the project)")
        self.directory = Path(priors_dir) if priors_dir is not None else DEFAULT_PRIORS
        self.check_catalog = check_catalog
        if not self.directory.is_dir():
            raise KnowledgeBaseError(f"priors folder not found: {self.directory}")
        self._disk: dict[str, str] = {}  # file name -> text as read (or last saved)
        self._yaml: dict[str, YAML] = {}  # file name -> the dumper that reproduces its layout
        # file name -> (its lines on disk, the same lines as the dumper writes them) for a file
        # whose spacing the dumper cannot reproduce (e.g. aligned values); see text()
        self._layout: dict[str, tuple[list[str], list[str]]] = {}
        self.documents: dict[str, Any] = {}
        storage.recover(self.directory)  # finish or drop a save a crash interrupted
        for name, data in read_priors_bytes(self.directory).items():
            doc = parse_document(name, data)
            text = data.decode("utf-8")
            self._disk[name] = text
            self.documents[name] = doc
            self._yaml[name] = _matching_dumper(name, text, doc)
            self._remember_layout(name, text)
        self.kb: KnowledgeBase = self.validate()

    # ------------------------------------------------------------------ reading
    def validate(self) -> KnowledgeBase:
        """Run every loader check on the edited documents; return the knowledge base."""
        kb = load_knowledge_base(self.directory, check_catalog=self.check_catalog,
                                 documents=self.documents)
        self.kb = kb
        return kb

    def model(self):
        """A :class:`model.TwitchModel` built from the edited (not necessarily saved) state."""
        from .api import TwitchModel

        return TwitchModel(self.validate())

    def parameter(self, node: str, path: Iterable[str] | str) -> Param:
        """The current :class:`Param` at ``path`` inside ``node`` (as in ``Param.path``)."""
        path = _as_path(path)
        for p in self.kb.params:
            if p.node == node and p.path == path:
                return p
        raise self._no_parameter(node, path)

    def node_file(self, node: str) -> str:
        """The file that defines ``node``."""
        for fname, doc in self.documents.items():
            nodes = doc.get("nodes") if isinstance(doc, Mapping) else None
            if isinstance(nodes, Mapping) and node in nodes:
                return fname
        ids = [n for d in self.documents.values() if isinstance(d, Mapping)
               for n in (d.get("nodes") or {})]
        close = difflib.get_close_matches(str(node), ids, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise KnowledgeBaseError(f"unknown node '{node}'{hint}: no node has this id")

    def source_file(self, key: str) -> str | None:
        """The file that defines source ``key`` (None if no file does)."""
        for fname, doc in self.documents.items():
            if isinstance(doc, Mapping) and key in (doc.get("sources") or {}):
                return fname
        return None

    def text(self, file: str) -> str:
        """The text ``file`` would have if saved now.

        Lines the edits did not touch keep their exact text on disk, even where the YAML writer
        would space them differently (aligned values); an edited line is written in its style.
        """
        out = _dump(self._yaml.get(file) or _default_dumper(), self.documents[file])
        layout = self._layout.get(file)
        if layout is None:
            return out
        disk, dumped = layout
        new = out.splitlines(keepends=True)
        merged: list[str] = []
        ops = difflib.SequenceMatcher(a=dumped, b=new, autojunk=False).get_opcodes()
        for tag, i1, i2, j1, j2 in ops:
            merged += disk[i1:i2] if tag == "equal" else new[j1:j2]
        return "".join(merged)

    def changed_files(self) -> list[str]:
        """Files whose text differs from what is on disk (what :meth:`save` would write)."""
        return [f for f in self.documents if self.text(f) != self._disk.get(f)]

    def diff(self, context: int = 3) -> str:
        """Unified diff (``git diff`` style) of every pending change; empty if none."""
        out: list[str] = []
        for fname in self.changed_files():
            old = self._disk.get(fname)
            out += difflib.unified_diff(
                (old or "").splitlines(keepends=True), self.text(fname).splitlines(keepends=True),
                fromfile=f"a/{fname}" if old is not None else "/dev/null",
                tofile=f"b/{fname}", n=context)
        return "".join(out)

    # ------------------------------------------------------------------ editing
    def set_parameter(self, node: str, path: Iterable[str] | str, value: Any = None,
                      range: Any = None, source: Any = None, note: Any = None,
                      range_kind: Any = None) -> Param:
        """Change a parameter's ``value``, ``range``, ``range_kind``, ``source`` and/or ``note``.

        ``path`` is the parameter's place inside the node, as in ``Param.path``: e.g.
        ``("links", "diabetes", "yes")``, ``("leak", "65_plus", "male")``, ``("prior",)`` for a
        binary prior, ``("prior", "high")``, ``("rows", "0", "denervation")``; a dotted string
        ``"links.diabetes.yes"`` also works. Fields left out (None) keep their value;
        ``note=""`` removes the note. A state the distribution omits (probability 0) can be given a
        parameter by passing ``value``, ``range`` and ``source``.

        Returns the new :class:`Param`. Raises :class:`KnowledgeBaseError` (and changes nothing)
        if the result fails any loader check.
        """
        path = _as_path(path)
        fname = self.node_file(node)
        with self._transaction(fname):
            container, key = self._locate(fname, node, path)
            if key in container:
                param = container[key]
                if not isinstance(param, CommentedMap) or "value" not in param:
                    raise self._no_parameter(node, path)
            else:
                if value is None or range is None or source is None:
                    raise self._no_parameter(
                        node, path, "; to give an omitted state a probability pass value, range "
                        "and source")
                param = _flow_map({})
                container[_quoted(key)] = param
            old_keys = list(param)
            if value is not None:
                param["value"] = _number(value)
            if range is not None:
                _set_range(param, range)
            if range_kind is not None:
                param["range_kind"] = range_kind
            if source is not None:
                param["source"] = source
            if note == "":
                param.pop("note", None)
            elif note is not None:
                param["note"] = _quoted(note)
            _order_param(param, old_keys)
        return self.parameter(node, path)

    def add_source(self, key: str, citation: str, url: str | None = None, *,
                   file: str | None = None) -> None:
        """Add a publication to the bibliography.

        ``file`` defaults to the first file that already has a ``sources`` section. Adding a key
        that exists with the same text does nothing; with different text it is an error.
        """
        existing = self.source_file(key)
        if existing is not None:
            entry = self.documents[existing]["sources"][key]
            same = (str(entry.get("citation", "")).strip() == str(citation).strip()
                    and str(entry.get("url") or "").strip() == str(url or "").strip())
            if same:
                return
            raise KnowledgeBaseError(f"source '{key}' already exists with different text; "
                                     "change it there or choose another key", file=existing,
                                     field=f"sources.{key}")
        if file is None:
            file = next((f for f, d in self.documents.items()
                         if isinstance(d, Mapping) and "sources" in d), "sources.yaml")
        with self._transaction(file):
            doc = self._document(file)
            if doc.get("sources") is None:
                doc["sources"] = CommentedMap()
            entry = CommentedMap()
            entry["citation"] = _quoted(citation)
            if url:
                entry["url"] = url
            doc["sources"][key] = entry

    def add_link(self, node: str, parent: str, parent_state: str, value: Any, range: Any,
                 source: Any, note: Any = None) -> list[Param]:
        """Make ``parent`` a cause of ``node`` (a noisy-OR / noisy-MAX link) and list it in
        ``parents``.

        For a binary node ``value`` is the probability of its second state when this cause alone
        is present, ``range`` is ``[low, high]`` and ``source`` a key (or ``"expert"`` with a
        ``note``). For a node with more states give ``value`` and ``range`` as mappings from
        non-baseline state to number / ``[low, high]`` (``source`` and ``note`` may be one value
        for all or such a mapping). Returns the new parameters.
        """
        fname = self.node_file(node)
        with self._transaction(fname):
            entry = self.documents[fname]["nodes"][node]
            if not isinstance(entry, CommentedMap):
                raise KnowledgeBaseError("a node must be a mapping of fields", file=fname,
                                         node=node)
            parents = entry.get("parents")
            if not isinstance(parents, list):
                parents = _flow_seq([])
                entry["parents"] = parents
            if parent not in parents:
                parents.append(parent)
            links = entry.get("links")
            if links is None:
                links = CommentedMap()
                after = list(entry).index("leak") + 1 if "leak" in entry else len(entry)
                entry.insert(after, "links", links)
            if not isinstance(links, CommentedMap):
                raise KnowledgeBaseError("'links' must map parent -> {parent_state: "
                                         "distribution}", file=fname, node=node, field="links")
            per_state = links.get(parent)
            if per_state is None:
                per_state = _flow_map({})
                links[parent] = per_state
            if not isinstance(per_state, CommentedMap) or "value" in per_state:
                raise KnowledgeBaseError("expected {parent_state: distribution}", file=fname,
                                         node=node, field=f"links.{parent}")
            if parent_state in per_state:
                raise KnowledgeBaseError(
                    f"'{node}' already has a link from {parent}={parent_state}; change it with "
                    "set_parameter", file=fname, node=node, field=f"links.{parent}")
            states = entry.get("states")
            if isinstance(value, Mapping) or (isinstance(states, list) and len(states) > 2):
                dist = self._multistate(fname, node, parent, value, range, source, note)
                if per_state.fa.flow_style():  # a block distribution cannot sit in a flow map
                    per_state.fa.set_block_style()
                per_state[_quoted(parent_state)] = dist
            else:
                per_state[_quoted(parent_state)] = _param(
                    {"value": value, "range": range, "source": source, "note": note})
        link_path = ("links", parent, parent_state)
        return [p for p in self.kb.params if p.node == node and p.path[:3] == link_path]

    def add_node(self, file: str, node_id: str, fields: Mapping[str, Any]) -> None:
        """Add a node to ``file`` (created if missing), fields as in priors/README.md.

        Plain Python values are written in the files' style: states quoted, lists of states and
        parents on one line, each parameter a one-line mapping. Connect the node to others with
        :meth:`add_link` (as a parent) or by listing its parents in ``fields``.
        """
        if not isinstance(node_id, str) or not node_id:
            raise KnowledgeBaseError(f"node id {node_id!r} must be a non-empty string", file=file)
        try:
            existing = self.node_file(node_id)
        except KnowledgeBaseError:
            existing = None
        if existing is not None:
            raise KnowledgeBaseError("a node with this id already exists", file=existing,
                                     node=node_id)
        if not isinstance(fields, Mapping):
            raise KnowledgeBaseError("a node must be a mapping of fields", file=file,
                                     node=node_id)
        with self._transaction(file):
            doc = self._document(file)
            if doc.get("nodes") is None:
                doc["nodes"] = CommentedMap()
            nodes = doc["nodes"]
            nodes[node_id] = _styled_node(fields)
            if len(nodes) > 1:
                nodes.yaml_set_comment_before_after_key(node_id, before="\n")

    # ------------------------------------------------------------------ saving
    def save(self) -> list[Path]:
        """Validate, then write every changed file as one atomic set; return the paths written.

        All changed files land together or not at all, even if the process is killed midway
        (temporary files, a journal renamed into place as the commit point, recovery by the next
        :class:`Editor`; see :mod:`model.storage`). Another process's save is locked out while
        this one checks and writes, and a file changed on disk since this editor read it is
        refused with an error, never overwritten. If validation fails nothing is written.
        """
        self.validate()
        changed = self.changed_files()
        if not changed:
            return []
        new = {f: self.text(f) for f in changed}
        storage.write_set(
            self.directory, {f: t.encode("utf-8") for f, t in new.items()},
            {f: None if self._disk.get(f) is None else self._disk[f].encode("utf-8")
             for f in changed})
        self._disk.update(new)
        for f, t in new.items():
            self._remember_layout(f, t)
        return [self.directory / f for f in changed]

    # ------------------------------------------------------------------ internals
    def _remember_layout(self, fname: str, text: str) -> None:
        dumped = _dump(self._yaml.get(fname) or _default_dumper(), self.documents[fname])
        if dumped != text and _same_but_spacing(text, dumped):
            self._layout[fname] = (text.splitlines(keepends=True),
                                   dumped.splitlines(keepends=True))
        else:
            self._layout.pop(fname, None)

    def _transaction(self, fname: str) -> _Transaction:
        return _Transaction(self, fname)

    def _document(self, fname: str) -> CommentedMap:
        if not isinstance(fname, str) or not fname.endswith(".yaml") or Path(fname).name != fname:
            raise KnowledgeBaseError(f"'{fname}' is not a file name ending in .yaml inside the "
                                     "priors folder")
        doc = self.documents.get(fname)
        if doc is None:
            doc = CommentedMap()
            self.documents[fname] = doc
            self.documents = dict(sorted(self.documents.items()))
            self._yaml.setdefault(fname, _default_dumper())
        if not isinstance(doc, CommentedMap):
            raise KnowledgeBaseError("the top level must be a mapping with keys 'nodes' and/or "
                                     "'sources'", file=fname)
        return doc

    def _locate(self, fname: str, node: str, path: tuple[str, ...]) -> tuple[CommentedMap, str]:
        """The mapping that holds the parameter at ``path`` and its key there."""
        if not path:
            raise self._no_parameter(node, path)
        here: Any = self.documents[fname]["nodes"][node]
        steps = list(path)
        if steps[0] == "rows":
            rows = here.get("rows") if isinstance(here, Mapping) else None
            if len(steps) < 2 or not isinstance(rows, list) or not steps[1].isdigit() \
                    or int(steps[1]) >= len(rows) or not isinstance(rows[int(steps[1])], Mapping):
                raise self._no_parameter(node, path)
            here, steps = rows[int(steps[1])], ["p", *steps[2:]]
        for step in steps[:-1]:
            if not isinstance(here, Mapping) or step not in here or "value" in here:
                raise self._no_parameter(node, path)
            here = here[step]
        if not isinstance(here, CommentedMap) or "value" in here:
            raise self._no_parameter(node, path)
        return here, steps[-1]

    def _no_parameter(self, node: str, path: tuple[str, ...], extra: str = ""
                      ) -> KnowledgeBaseError:
        known = [".".join(p.path) for p in self.kb.params if p.node == node]
        shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
        dotted = ".".join(path)
        close = difflib.get_close_matches(dotted, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        if path[:1] == ("links",) and len(path) >= 2 and not any(
                k.startswith(f"links.{path[1]}.") for k in known):
            extra = extra or f"; to add a link from '{path[1]}' use add_link"
        return KnowledgeBaseError(f"no parameter at '{dotted}'{hint}{extra}; its parameters: "
                                  f"{shown or 'none'}", file=self._file_of(node), node=node,
                                  field=dotted or None)

    def _file_of(self, node: str) -> str | None:
        try:
            return self.node_file(node)
        except KnowledgeBaseError:
            return None

    def _multistate(self, fname: str, node: str, parent: str, value: Any, range: Any,
                    source: Any, note: Any) -> CommentedMap:
        if not isinstance(value, Mapping) or not isinstance(range, Mapping):
            raise KnowledgeBaseError(
                "this node has more than two states: give value and range as mappings from "
                "non-baseline state to a number and to [low, high]", file=fname, node=node,
                field=f"links.{parent}")
        dist = CommentedMap()
        for state, v in value.items():
            dist[_quoted(state)] = _param({
                "value": v, "range": range.get(state),
                "source": source.get(state) if isinstance(source, Mapping) else source,
                "note": note.get(state) if isinstance(note, Mapping) else note})
        return dist


class _Transaction:
    """Validate after an edit; on any error restore the edited file's document as it was."""

    def __init__(self, editor: Editor, fname: str):
        self.editor, self.fname = editor, fname

    def __enter__(self) -> None:
        ed = self.editor
        self.existed = self.fname in ed.documents
        self.snapshot = ed.text(self.fname) if self.existed else None

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:
        ed = self.editor
        if exc_type is None:
            try:
                ed.validate()
                return False
            except KnowledgeBaseError:
                self._restore()
                raise
        self._restore()
        return False

    def _restore(self) -> None:
        ed = self.editor
        if self.existed:
            ed.documents[self.fname] = yaml_loader().load(self.snapshot)
        else:
            ed.documents.pop(self.fname, None)
            ed._yaml.pop(self.fname, None)
        ed.validate()


# ---------------------------------------------------------------------- YAML styling helpers


def _as_path(path: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(path, str):
        return tuple(path.split("."))
    return tuple(str(p) for p in path)


def _number(value: Any) -> Any:
    """A probability as the files write it: plain decimal digits, never an exponent."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return value  # left for the validator to reject with the loader's message
    value = float(value)
    if not math.isfinite(value):
        return value
    return yaml_loader().load(format(Decimal(repr(value)), "f"))


def _quoted(text: Any) -> Any:
    return DoubleQuotedScalarString(text) if isinstance(text, str) else text


def _flow_seq(items: Iterable[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _flow_map(items: Mapping[str, Any]) -> CommentedMap:
    out = CommentedMap(items)
    out.fa.set_flow_style()
    return out


def _set_range(param: CommentedMap, rng: Any) -> None:
    if isinstance(rng, list | tuple) and len(rng) == 2:
        old = param.get("range")
        if isinstance(old, CommentedSeq) and len(old) == 2:  # keep the list's style in place
            old[0], old[1] = _number(rng[0]), _number(rng[1])
            return
        param["range"] = _flow_seq(_number(r) for r in rng)
    else:
        param["range"] = rng  # left for the validator to reject


def _order_param(param: CommentedMap, old_keys: list[str]) -> None:
    """Place keys new to ``param`` in the order value, range, range_kind, source, note; keys
    that were there keep their place (so an edit never moves text it did not change)."""
    for key in [k for k in param if k not in old_keys]:
        value = param.pop(key)
        keys = list(param)
        pos = len(keys)
        if key in _PARAM_ORDER:
            rank = _PARAM_ORDER.index(key)
            before = [i for i, k in enumerate(keys)
                      if k in _PARAM_ORDER and _PARAM_ORDER.index(k) < rank]
            pos = before[-1] + 1 if before else 0
        param.insert(pos, key, value)


def _param(spec: Mapping[str, Any]) -> Any:
    """A one-line parameter ``{value: ..., range: [...], source: ..., note: "..."}``."""
    if not isinstance(spec, Mapping):
        return spec
    out = _flow_map({})
    for key in (*_PARAM_ORDER, *(k for k in spec if k not in _PARAM_ORDER)):
        if key not in spec or (key == "note" and spec[key] is None):
            continue
        v = spec[key]
        if key == "value":
            v = _number(v)
        elif key == "range":
            v = _flow_seq(_number(r) for r in v) if isinstance(v, list | tuple) else v
        elif key == "note":
            v = _quoted(v)
        out[key] = v
    return out


def _dist(value: Any) -> Any:
    """A parameter, or a (possibly nested, for a stratified leak) mapping of them."""
    if isinstance(value, Mapping) and "value" in value:
        return _param(value)
    if isinstance(value, Mapping):
        out = CommentedMap()
        for k, v in value.items():
            out[_quoted(k)] = _dist(v)
        return out
    return value


def _styled_node(fields: Mapping[str, Any]) -> CommentedMap:
    out = CommentedMap()
    for key, value in fields.items():
        if key == "states" and isinstance(value, list | tuple):
            value = _flow_seq(_quoted(s) for s in value)
        elif key in ("parents", "leak_by") and isinstance(value, list | tuple):
            value = _flow_seq(value)
        elif key in ("state_labels", "red_flags") and isinstance(value, Mapping):
            value = _flow_map({_quoted(k): _quoted(v) for k, v in value.items()})
        elif key == "note":
            value = _quoted(value)
        elif key in ("prior", "leak"):
            value = _dist(value)
        elif key == "links" and isinstance(value, Mapping):
            links = CommentedMap()
            for parent, per_state in value.items():
                if isinstance(per_state, Mapping) and "value" not in per_state:
                    styled = {_quoted(s): _dist(d) for s, d in per_state.items()}
                    one_line = all(isinstance(d, Mapping) and "value" in d
                                   for d in per_state.values())
                    per_state = _flow_map(styled) if one_line else CommentedMap(styled)
                links[parent] = per_state
            value = links
        elif key == "rows" and isinstance(value, list | tuple):
            rows = CommentedSeq()
            for row in value:
                if isinstance(row, Mapping):
                    styled = CommentedMap()
                    for k, v in row.items():
                        if k == "when" and isinstance(v, Mapping):
                            v = _flow_map({p: _quoted(s) for p, s in v.items()})
                        elif k == "note":
                            v = _quoted(v)
                        elif k == "p":
                            v = _dist(v)
                        styled[k] = v
                    row = styled
                rows.append(row)
            value = rows
        elif isinstance(value, list | tuple):
            value = _flow_seq(value)
        out[key] = value
    return out


# ---------------------------------------------------------------------- dumping


def _dumper(mapping: int, sequence: int, offset: int, explicit_start: bool = False) -> YAML:
    y = yaml_loader()
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    y.explicit_start = explicit_start
    return y


def _default_dumper() -> YAML:
    return _dumper(*_INDENTS[0])


def _dump(y: YAML, doc: Any) -> str:
    buf = io.StringIO()
    y.dump(doc, buf)
    return buf.getvalue()


def _matching_dumper(fname: str, text: str, doc: Any) -> YAML:
    """The dumper that writes ``doc`` back as exactly ``text``; else one that differs only in
    spacing inside lines (the editor then keeps the file's own lines, see Editor.text); else the
    closest, with a warning that saving this file would also change its layout."""
    explicit = text.lstrip().startswith("---")
    best, best_cost, spacing = None, None, None
    for indent in _INDENTS:
        y = _dumper(*indent, explicit_start=explicit)
        out = _dump(y, doc)
        if out == text:
            return y
        if spacing is None and _same_but_spacing(text, out):
            spacing = y
        cost = sum(1 for line in difflib.ndiff(text.splitlines(), out.splitlines())
                   if line[:1] in "+-")
        if best_cost is None or cost < best_cost:
            best, best_cost = y, cost
    if spacing is not None:
        return spacing
    assert best is not None and best_cost is not None  # _INDENTS is never empty
    warnings.warn(f"{fname}: its layout cannot be reproduced exactly; saving an edit to it would "
                  f"also re-indent about {best_cost // 2} line(s)", stacklevel=3)
    return best


def _same_but_spacing(a: str, b: str) -> bool:
    """Same lines, differing at most in runs of spaces inside a line (e.g. aligned values)."""
    la, lb = a.splitlines(), b.splitlines()
    return len(la) == len(lb) and all(x.split() == y.split() for x, y in zip(la, lb, strict=True))
