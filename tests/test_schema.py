"""The JSON Schema of the priors files (model/schema/priors.schema.json): every priors file
references it and validates; broken files fail it, as they fail the loader; its vocabulary is
the loader's."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from model import KnowledgeBaseError
from model.epidemiology import TARGET_FIELDS
from model.knowledge import (
    COSTS,
    MODELS,
    NODE_FIELDS,
    PARAM_FIELDS,
    RANGE_KINDS,
    ROLES,
    load_knowledge_base,
)

from .helpers import ROOT, SMALL_KB

SCHEMA_PATH = ROOT / "model" / "schema" / "priors.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)
PRIORS = sorted((ROOT / "priors").glob("*.yaml"))
DATA = sorted((ROOT / "tests" / "data").glob("*/*.yaml"))
MODELINE = "# yaml-language-server: $schema=../model/schema/priors.schema.json"


def _load(path: Path):
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _errors(doc) -> list[str]:
    """Every error, with the reasons under a oneOf/anyOf (what an editor shows on hover)."""
    out: list[str] = []

    def walk(errors) -> None:
        for e in errors:
            out.append("/".join(map(str, e.absolute_path)) + ": " + e.message)
            walk(e.context or [])
    walk(VALIDATOR.iter_errors(doc))
    return out


def test_the_schema_is_valid_json_schema():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", PRIORS + DATA, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_priors_file_validates(path):
    assert _errors(_load(path)) == []


@pytest.mark.parametrize("path", PRIORS, ids=lambda p: p.name)
def test_every_priors_file_points_editors_at_the_schema(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == MODELINE, f"{path.name}: first line should be {MODELINE!r}"
    target = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert target == SCHEMA_PATH.resolve()


def test_the_vocabulary_is_the_loaders():
    defs = SCHEMA["$defs"]
    node = defs["node"]["properties"]
    assert set(node) == NODE_FIELDS
    assert node["role"]["enum"] == list(ROLES)
    assert node["model"]["enum"] == list(MODELS)
    assert node["cost"]["enum"] == list(COSTS)
    assert set(defs["parameter"]["properties"]) == PARAM_FIELDS
    assert defs["range_kind"]["enum"] == list(RANGE_KINDS)
    assert set(defs["target"]["properties"]) == TARGET_FIELDS


# ------------------------------------------------------------ broken files fail

def _node(doc, model: str) -> dict:
    return next(n for n in doc["nodes"].values() if n["model"] == model)


def _param(doc) -> dict:
    return _node(doc, "noisy_or")["links"]["stress"]["yes"]


Mutation = Callable[[dict], None]
MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "misspelt node field": (lambda d: d["nodes"]["stress"].update(lable="Stress"), "lable"),
    "missing label": (lambda d: d["nodes"]["stress"].pop("label"), "label"),
    "unknown role": (lambda d: d["nodes"]["stress"].update(role="disease"), "disease"),
    "unknown model": (lambda d: d["nodes"]["stress"].update(model="noisy_and"), "noisy_and"),
    "boolean states": (lambda d: d["nodes"]["stress"].update(states=[False, True]), "False"),
    "probability above 1": (lambda d: _param(d).update(value=1.5), "1.5"),
    "boolean probability": (lambda d: _param(d).update(value=True), "True"),
    "range of three numbers": (lambda d: _param(d).update(range=[0.1, 0.2, 0.3]), "range"),
    "unknown range_kind": (lambda d: _param(d).update(range_kind="ci99"), "ci99"),
    "parameter without source": (lambda d: _param(d).pop("source"), "source"),
    "expert without note": (lambda d: _param(d).update(source="expert"), "note"),
    "unknown parameter field": (lambda d: _param(d).update(citation="x"), "citation"),
    "source without citation": (lambda d: d["sources"]["textbook"].pop("citation"), "citation"),
    "prior node with a leak": (lambda d: d["nodes"]["stress"].update(
        leak={"value": 0.1, "range": [0, 0.2], "source": "textbook"}), "leak"),
    "table without rows": (lambda d: _node(d, "table").pop("rows"), "rows"),
    "noisy_or with three states": (lambda d: _node(d, "noisy_or").update(
        states=["no", "mild", "yes"]), "states"),
    "unknown top-level key": (lambda d: d.update(node={}), "node"),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_a_broken_file_fails_the_schema_and_the_loader(name):
    mutate, word = MUTATIONS[name]
    good = _load(SMALL_KB / "network.yaml")
    assert _errors(good) == []
    bad = copy.deepcopy(good)
    mutate(bad)
    errors = _errors(bad)
    assert errors, f"the schema accepts: {name}"
    assert any(word in e for e in errors), errors
    # the loader refuses it too: the schema is an early, editor-side view of the same rules
    with pytest.raises(KnowledgeBaseError):
        load_knowledge_base(SMALL_KB, check_catalog=False, documents={"network.yaml": bad})


def test_the_cli_prints_the_schema(capsys):
    from model.cli import main

    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == SCHEMA
    assert main(["schema", "--path"]) == 0
    assert Path(capsys.readouterr().out.strip()).resolve() == SCHEMA_PATH.resolve()
