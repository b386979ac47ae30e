"""Teaching cases: sourced presentations with the causes a good clinician would rank first.

>>> from model.cases import load_cases
>>> cases = load_cases()
>>> cases[0]["id"], cases[0]["diagnosis"]

Each case is a dict with ``id, title, source {citation, url}, summary, notes, evidence {node:
state or [states]}, diagnosis, source_diagnosis, also_acceptable [ids], top3 [ids], bounds {node:
{"max"|"min": x}}`` (see README.md in this folder). ``title`` and ``summary`` describe the
presentation only; the answer is in ``diagnosis`` and the source's own words in
``source_diagnosis``. A list of states is set-valued evidence: "one of these".
:func:`load_cases` checks every id and state against the model vocabulary (the catalog, or a
given model) and raises :class:`CaseError` naming the case and the field.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ..errors import TwitchDxError

CASES_DIR = Path(__file__).resolve().parent
DEFAULT_CASES = CASES_DIR / "teaching_cases.yaml"
CAUSE_ROLES = ("condition", "state", "exposure")
REQUIRED = ("id", "title", "source", "summary", "evidence", "diagnosis", "source_diagnosis",
            "top3")
OPTIONAL = ("also_acceptable", "bounds", "notes")
BOUND_KINDS = ("min", "max")
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")

__all__ = ["CASES_DIR", "DEFAULT_CASES", "CaseError", "load_cases"]


class CaseError(TwitchDxError):
    """A teaching-case file is malformed: the message names the file, the case and the field."""


def _vocabulary(vocabulary) -> dict[str, dict[str, Any]]:
    """{node id: {"role": ..., "states": [...]}} from a model, a mapping, or the catalog."""
    if vocabulary is None:
        from ..knowledge import load_catalog

        return load_catalog()
    nodes = getattr(vocabulary, "nodes", None)
    if nodes is not None and not isinstance(vocabulary, Mapping):  # a TwitchModel
        return {n.id: {"role": n.role, "states": list(n.states)} for n in nodes.values()}
    return {k: {"role": v["role"], "states": list(v["states"])} for k, v in vocabulary.items()}


def load_cases(path: str | Path | None = None, *, vocabulary=None) -> list[dict]:
    """Load and validate teaching cases.

    Parameters
    ----------
    path : a cases YAML file; default: the package's ``teaching_cases.yaml``.
    vocabulary : a :class:`model.TwitchModel` (or ``{id: {"role", "states"}}``) to check ids
        and states against; default: ``model/catalog.yaml``.

    Returns
    -------
    list of dict
        One dict per case, in file order, with plain Python values; ``also_acceptable``
        defaults to ``[]``, ``bounds`` to ``{}`` and ``notes`` to ``""``; a set-valued
        observation is a list of two or more distinct states in the file's order.

    Raises
    ------
    CaseError
        Unreadable file, missing field, unknown node or state, a diagnosis that is not a
        condition, state or exposure, duplicate ids, or a bound outside [0, 1].
    """
    path = Path(path) if path is not None else DEFAULT_CASES
    where = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseError(f"{where}: cannot read the cases file: {exc.strerror or exc}") from None
    try:
        doc = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        raise CaseError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(doc, Mapping) or not isinstance(doc.get("cases"), list):
        raise CaseError(f"{where}: expected a mapping with a 'cases' list at the top level")
    vocab = _vocabulary(vocabulary)
    out: list[dict] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(doc["cases"], start=1):
        case = _check_case(raw, i, where, vocab)
        if case["id"] in seen:
            raise CaseError(f"{where}: case #{i} '{case['id']}': duplicate id (also case "
                            f"#{seen[case['id']]}); ids must be unique")
        seen[case["id"]] = i
        out.append(case)
    if not out:
        raise CaseError(f"{where}: the 'cases' list is empty")
    return out


def _unknown(node_id: Any, vocab: Mapping) -> str:
    close = difflib.get_close_matches(str(node_id), list(vocab), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown node '{node_id}'{hint}"


def _check_case(raw: Any, i: int, where: str, vocab: Mapping) -> dict:
    if not isinstance(raw, Mapping):
        raise CaseError(f"{where}: case #{i} must be a mapping of fields, got {type(raw).__name__}")
    cid = raw.get("id")
    label = f"{where}: case #{i}" + (f" '{cid}'" if isinstance(cid, str) else "")

    def fail(field: str, message: str):
        raise CaseError(f"{label}, field '{field}': {message}")

    for field in REQUIRED:
        if field not in raw:
            fail(field, "missing (every case needs " + ", ".join(REQUIRED) + ")")
    extra = set(raw) - set(REQUIRED) - set(OPTIONAL)
    if extra:
        fail(sorted(extra)[0], "unknown field; allowed: " + ", ".join(REQUIRED + OPTIONAL))
    if not isinstance(cid, str) or not ID_RE.match(cid):
        fail("id", f"must be a snake_case string, got {cid!r}")
    for field in ("title", "summary", "source_diagnosis"):
        if not isinstance(raw[field], str) or not raw[field].strip():
            fail(field, "must be a non-empty string")
    notes = raw.get("notes", "")
    if not isinstance(notes, str):
        fail("notes", "must be a string")
    source = raw["source"]
    if not isinstance(source, Mapping) or not isinstance(source.get("citation"), str):
        fail("source", "must be a mapping with a 'citation' string (and a 'url')")

    evidence = raw["evidence"]
    if not isinstance(evidence, Mapping) or not evidence:
        fail("evidence", "must be a non-empty mapping {node id: state}")
    ev: dict[str, str | list[str]] = {}
    for node_id, state in evidence.items():
        if node_id not in vocab:
            fail("evidence", _unknown(node_id, vocab))
        states = vocab[node_id]["states"]
        # a list means "one of these states" (set-valued evidence)
        values = state if isinstance(state, list) else [state]
        if isinstance(state, list) and (len(state) < 2 or len(set(map(str, state))) != len(state)):
            fail("evidence", f"a list of states for '{node_id}' must hold two or more distinct "
                 f"states, got {state!r}")
        for value in values:
            if not isinstance(value, str):
                fail("evidence", f"state of '{node_id}' must be a quoted string, one of "
                     f"{states}; got {value!r}")
            if value not in states:
                fail("evidence", f"'{value}' is not a state of '{node_id}'; valid states: "
                     + ", ".join(states))
        if isinstance(state, list) and len(state) == len(states):
            fail("evidence", f"'{node_id}' lists every state, which says nothing; leave it out")
        ev[str(node_id)] = list(values) if isinstance(state, list) else state

    def cause(field: str, node_id: Any) -> str:
        if not isinstance(node_id, str) or node_id not in vocab:
            fail(field, _unknown(node_id, vocab))
        role = vocab[node_id]["role"]
        if role not in CAUSE_ROLES:
            fail(field, f"'{node_id}' is a {role}; causes must be a "
                 + ", ".join(CAUSE_ROLES))
        return node_id

    diagnosis = cause("diagnosis", raw["diagnosis"])
    also = raw.get("also_acceptable") or []
    if not isinstance(also, list):
        fail("also_acceptable", "must be a list of ids (may be [])")
    also = [cause("also_acceptable", a) for a in also]
    if diagnosis in also:
        fail("also_acceptable", f"repeats the diagnosis '{diagnosis}'")
    top3 = raw["top3"]
    if not isinstance(top3, list) or len(top3) != 3 or len(set(map(str, top3))) != 3:
        fail("top3", f"must list three distinct ids, got {top3!r}")
    top3 = [cause("top3", a) for a in top3]
    if diagnosis not in top3:
        fail("top3", f"must include the diagnosis '{diagnosis}'")

    bounds_raw = raw.get("bounds") or {}
    if not isinstance(bounds_raw, Mapping):
        fail("bounds", "must be a mapping {node id: {max: x} or {min: x}}")
    bounds: dict[str, dict[str, float]] = {}
    for node_id, spec in bounds_raw.items():
        if node_id not in vocab:
            fail("bounds", _unknown(node_id, vocab))
        if not isinstance(spec, Mapping) or not spec or set(spec) - set(BOUND_KINDS):
            fail("bounds", f"'{node_id}' must be {{max: x}}, {{min: x}} or both, got {spec!r}")
        limits: dict[str, float] = {}
        for kind, x in spec.items():
            if isinstance(x, bool) or not isinstance(x, int | float) or not 0.0 <= x <= 1.0:
                fail("bounds", f"{kind} of '{node_id}' must be a number in [0, 1], got {x!r}")
            limits[kind] = float(x)
        if limits.get("min", 0.0) > limits.get("max", 1.0):
            fail("bounds", f"min of '{node_id}' exceeds its max")
        bounds[str(node_id)] = limits

    return {
        "id": cid,
        "title": raw["title"].strip(),
        "source": {"citation": source["citation"], "url": source.get("url")},
        "summary": " ".join(raw["summary"].split()),
        "notes": " ".join(notes.split()),
        "evidence": ev,
        "diagnosis": diagnosis,
        "source_diagnosis": " ".join(raw["source_diagnosis"].split()),
        "also_acceptable": also,
        "top3": top3,
        "bounds": bounds,
    }
