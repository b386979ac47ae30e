"""The distribution installs anywhere: the built wheel, in a fresh venv outside the checkout, with
only the core dependencies, reads its shipped priors and teaching cases and answers queries.

Builds sdist then wheel (``uv build``: the wheel is built from the sdist, so both must carry the
data), installs it with ``uv pip install`` (dependencies from the uv cache, ``--offline``, else
from PyPI) and runs the console script and a Python query from a directory that is not the
checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from uv import find_uv_bin

import model

from .helpers import ROOT

pytestmark = pytest.mark.slow

EVIDENCE = {"fasciculations": "yes", "twitch_eyelid": "yes"}

QUERY = f"""
import json, model
from model.cases import DEFAULT_CASES, load_cases
from model.knowledge import CATALOG_PATH, DEFAULT_PRIORS
m = model.load()
df = m.differential({EVIDENCE!r})
print(json.dumps({{"file": model.__file__, "priors": str(DEFAULT_PRIORS),
                  "catalog": str(CATALOG_PATH), "cases_file": str(DEFAULT_CASES),
                  "cases": len(load_cases(vocabulary=m)),
                  "differential": dict(zip(df["id"], df["probability"]))}}))
"""


def _run(cmd: list, cwd: Path, env: dict[str, str], timeout: float = 300):
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _uv(args: list, cwd: Path, env: dict[str, str]):
    """uv from its cache when it can (no network needed), else with the index."""
    uv = find_uv_bin()
    r = _run([uv, "--offline", *args], cwd, env)
    return r if r.returncode == 0 else _run([uv, *args], cwd, env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv, work dir, env): the wheel installed with its core dependencies only."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT")
           and not k.startswith("TWITCHDX_")}
    env["UV_COMPILE_BYTECODE"] = "1"
    priors = {p.name: p.read_bytes() for p in (ROOT / "priors").glob("*.yaml")}
    r = _uv(["build", "--out-dir", tmp / "dist", ROOT], tmp, env)
    assert r.returncode == 0, r.stderr[-3000:]
    (wheel,) = (tmp / "dist").glob("*.whl")
    venv = tmp / "venv"
    r = _uv(["venv", "--python", sys.executable, venv], tmp, env)
    assert r.returncode == 0, r.stderr[-3000:]
    r = _uv(["pip", "install", "--python", venv / "bin" / "python", wheel], tmp, env)
    assert r.returncode == 0, r.stderr[-3000:]
    work = tmp / "elsewhere"  # not the checkout: nothing can be found through the cwd
    work.mkdir()
    return {"venv": venv, "work": work, "env": env, "wheel": wheel, "priors": priors}


def test_wheel_carries_every_module_and_data_file(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    package = ROOT / "model"
    wanted = {p.relative_to(ROOT).as_posix() for p in package.rglob("*.py")
              if "__pycache__" not in p.parts}
    wanted |= {f"model/priors/{p.name}" for p in (ROOT / "priors").glob("*.yaml")}
    wanted |= {"model/catalog.yaml", "model/cases/teaching_cases.yaml", "model/py.typed"}
    wanted |= {p.relative_to(ROOT).as_posix() for p in (package / "schema").glob("*.json")}
    missing = sorted(wanted - names)
    assert not missing, ("missing from the wheel (add new subpackages to [tool.setuptools] "
                         f"packages in pyproject.toml): {missing}")


def test_console_script_diagnoses_from_site_packages(installed):
    exe = installed["venv"] / "bin" / "twitchdx"
    r = _run([exe, "diagnose", "fasciculations=yes"], installed["work"], installed["env"])
    assert r.returncode == 0, r.stderr
    assert "not a diagnostic device" in r.stdout
    r = _run([exe, "validate"], installed["work"], installed["env"])
    assert r.returncode == 0 and r.stdout.startswith("valid:"), r.stdout + r.stderr
    r = _run([exe, "schema", "--path"], installed["work"], installed["env"])
    assert r.returncode == 0 and r.stdout.startswith(str(installed["venv"])), r.stdout + r.stderr
    assert json.loads(Path(r.stdout.strip()).read_text())["title"] == "TwitchDx priors file"


def test_python_query_matches_the_checkout(installed):
    py = installed["venv"] / "bin" / "python"
    r = _run([py, "-c", QUERY], installed["work"], installed["env"])
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout)
    site = str(installed["venv"])
    for key in ("file", "priors", "catalog", "cases_file"):
        assert out[key].startswith(site), f"{key} read from {out[key]}, not the installed wheel"
    assert out["cases"] > 0
    shipped = {p.name: p.read_bytes() for p in Path(out["priors"]).glob("*.yaml")}
    assert shipped == installed["priors"], "the wheel's priors differ from the checkout's"
    here = model.load(out["priors"]).differential(EVIDENCE)  # the checkout's code, same files
    assert out["differential"] == pytest.approx(dict(zip(here["id"], here["probability"], strict=True)),
                                                abs=1e-12)


def test_core_install_is_light_and_extras_are_named(installed):
    """The core install has no app or pgmpy; a command that needs pgmpy says which extra."""
    py = installed["venv"] / "bin" / "python"
    probe = ("import importlib.util as u; print([m for m in ('streamlit', 'pgmpy', 'scipy', "
             "'matplotlib') if u.find_spec(m)])")
    r = _run([py, "-c", probe], installed["work"], installed["env"])
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stdout + r.stderr
    exe = installed["venv"] / "bin" / "twitchdx"
    r = _run([exe, "export", installed["work"] / "net.bif"], installed["work"], installed["env"])
    assert r.returncode == 2, r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "twitchdx[interchange]" in r.stderr
    probe = ("import model\ntry:\n    model.load().network\nexcept ModuleNotFoundError as e:\n"
             "    print(e)")
    r = _run([py, "-c", probe], installed["work"], installed["env"])
    assert r.returncode == 0 and "twitchdx[interchange]" in r.stdout, r.stdout + r.stderr


def test_editor_refuses_the_installed_package_data(installed):
    """Editing an installed copy's priors would be lost at the next upgrade: Editor() says to
    copy them first, and edits the copy."""
    py = installed["venv"] / "bin" / "python"
    probe = ("import shutil, model, model.knowledge\nfrom model.edit import Editor\n"
             "try:\n    Editor()\nexcept model.KnowledgeBaseError as e:\n    print(e)\n"
             "shutil.copytree(model.knowledge.DEFAULT_PRIORS, 'my-priors')\n"
             "print('copy', len(Editor('my-priors').kb.nodes))")
    r = _run([py, "-c", probe], installed["work"], installed["env"])
    assert r.returncode == 0, r.stderr[-3000:]
    assert "package data" in r.stdout and "copytree" in r.stdout, r.stdout
    assert r.stdout.strip().splitlines()[-1].startswith("copy "), r.stdout

