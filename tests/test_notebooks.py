"""The modellers' notebooks (notebooks/*.py, jupytext percent format) run top to bottom as
scripts, on a temporary copy of priors/, and never touch the real files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PRIORS = ROOT / "priors"
SCRIPTS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
WRITES = {"02_edit_a_prior.py"}  # the only notebook that saves to its priors folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}


def run_notebook(script: Path, env_extra: dict[str, str], tmp_path: Path,
                 drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TWITCHDX_") and k not in drop}
    env.update({"MPLBACKEND": "Agg", "HF_HUB_OFFLINE": "1", "PYTHONHASHSEED": "0",
                "TMPDIR": str(tmp_path), "MPLCONFIGDIR": str(tmp_path / "mpl")})
    env.update(env_extra)
    # cwd = notebooks/, as when a modeller opens the notebook in Jupyter
    return subprocess.run([sys.executable, script.name], cwd=NOTEBOOKS, env=env,
                          capture_output=True, text=True, timeout=580)


def test_the_issue_notebooks_exist():
    names = [p.name for p in SCRIPTS]
    for prefix in ("01_tour", "02_edit_a_prior", "03_sensitivity_uncertainty", "04_evaluation"):
        assert f"{prefix}.py" in names, names


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_notebook_runs_on_a_copy(script, tmp_path):
    copy = tmp_path / "priors"
    shutil.copytree(PRIORS, copy)
    real, start = snapshot(PRIORS), snapshot(copy)
    # the evaluation notebook compares with a baseline: the same copy (one evaluation)
    env = {"TWITCHDX_PRIORS": str(copy), "TWITCHDX_BASELINE": str(copy)}
    proc = run_notebook(script, env, tmp_path)
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr}"
    assert f"priors folder: {copy}" in proc.stdout
    assert snapshot(PRIORS) == real, f"{script.name} changed the real priors/"
    if script.name in WRITES:
        assert snapshot(copy) != start, f"{script.name} should save its edit to the copy"
    else:
        assert snapshot(copy) == start, f"{script.name} should only read the priors"


def test_edit_notebook_defaults_to_its_own_copy(tmp_path):
    """Without TWITCHDX_PRIORS the notebook makes (and edits) a temporary copy."""
    script = NOTEBOOKS / "02_edit_a_prior.py"
    real = snapshot(PRIORS)
    proc = run_notebook(script, {}, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    copies = list(tmp_path.glob("twitchdx-priors-*/priors"))
    assert len(copies) == 1, copies
    assert f"priors folder: {copies[0]}" in proc.stdout
    assert snapshot(copies[0]) != real  # the edit went to the copy ...
    assert snapshot(PRIORS) == real  # ... and not to the real files


def test_edit_notebook_refuses_the_real_priors(tmp_path):
    real = snapshot(PRIORS)
    proc = run_notebook(NOTEBOOKS / "02_edit_a_prior.py", {"TWITCHDX_PRIORS": str(PRIORS)},
                        tmp_path)
    assert proc.returncode != 0
    assert "would change the real priors/" in proc.stderr
    assert snapshot(PRIORS) == real


def test_notebooks_are_percent_scripts_paired_with_ipynb():
    for script in SCRIPTS:
        text = script.read_text()
        assert "formats: ipynb,py:percent" in text, script.name
        assert "# %%" in text, script.name
        nb = jupytext.read(script)
        assert nb.cells[0].cell_type == "markdown", f"{script.name} should open with a title"


# ------------------------------------------------------------------ jupytext pair check
# notebooks/*.py (py:percent) are the source; *.ipynb are local, git-ignored views that
# `jupytext --sync` keeps paired. CI has no .ipynb, so what it can check is that every script
# survives the trip to .ipynb and back unchanged: then a paired notebook shows exactly the
# committed cells, and pairing never rewrites the script.

def round_trip(text: str) -> str:
    """py:percent text -> .ipynb JSON -> py:percent text, as `jupytext --sync` does."""
    ipynb = jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="ipynb")
    return jupytext.writes(jupytext.reads(ipynb, fmt="ipynb"), fmt="py:percent")


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_every_notebook_survives_the_ipynb_round_trip(script):
    text = script.read_text(encoding="utf-8")
    assert round_trip(text) == text, (
        f"{script.name} changes on the way through .ipynb (a markdown line without '# ', "
        f"or spacing jupytext rewrites): run `jupytext --to ipynb notebooks/{script.name}` "
        f"then `jupytext --to py:percent notebooks/{script.stem}.ipynb` and review the diff")


def test_round_trip_check_catches_a_lossy_script():
    text = SCRIPTS[0].read_text(encoding="utf-8")
    assert round_trip(text) == text
    lossy = text.replace("# %% [markdown]\n", "# %% [markdown]\nnot a comment\n", 1)
    assert lossy != text and round_trip(lossy) != lossy
    typo = text.replace("\n# %%\n", "\n#%%\n", 1)
    assert typo != text and round_trip(typo) != typo


def cells(path: Path) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source) for c in jupytext.read(path).cells]


def unsynced(folder: Path) -> list[str]:
    """Paired notebooks whose .ipynb and .py differ (cell types and sources)."""
    problems = []
    for ipynb in sorted(folder.glob("*.ipynb")):
        script = ipynb.with_suffix(".py")
        if not script.exists():
            problems.append(f"{ipynb.name}: no {script.name} (commit the .py; .ipynb are "
                            "gitignored)")
        elif cells(ipynb) != cells(script):
            problems.append(f"{ipynb.name} and {script.name} differ: run `jupytext --sync "
                            f"notebooks/{script.name}`")
    return problems


def test_local_ipynb_are_in_sync():
    """A developer's own paired .ipynb (none in a fresh clone or CI: then this says so)."""
    if not list(NOTEBOOKS.glob("*.ipynb")):
        pytest.skip("no local notebooks/*.ipynb to compare (they are git-ignored; the "
                    "round-trip test above covers CI)")
    assert unsynced(NOTEBOOKS) == []


def test_pair_check_detects_an_edited_script(tmp_path):
    script = tmp_path / "x.py"
    shutil.copy(SCRIPTS[0], script)
    jupytext.write(jupytext.read(script), tmp_path / "x.ipynb")
    assert unsynced(tmp_path) == []
    script.write_text(script.read_text() + "\n# %%\nprint('a new cell')\n")
    assert unsynced(tmp_path) == ["x.ipynb and x.py differ: run `jupytext --sync "
                                  "notebooks/x.py`"]
    (tmp_path / "y.ipynb").write_bytes((tmp_path / "x.ipynb").read_bytes())
    assert any(p.startswith("y.ipynb: no y.py") for p in unsynced(tmp_path))
