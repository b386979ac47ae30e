"""The CLI on the reliability review's inputs that reach the model's limits and the loader's caps
(the CLI's own argument fuzz is in tests/test_cli.py): exit 2 and ONE line, never a traceback,
never a memory blow-up. Test names carry the review's ids.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

import model
from model.cli import main
from model.knowledge import DEFAULT_PRIORS


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_2(code: int, err: str) -> str:
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def positives() -> list[str]:
    m = model.load()
    return [f"{f}={m.kb.nodes[f].states[-1]}" for f in m._inference.noisy_findings[:30]]


@pytest.mark.parametrize("command", ["posterior als", "diagnose", "why als", "next-test"])
def test_S2_1_thirty_positive_findings_exit_2_naming_the_limit(capsys, positives, command):
    err = one_line_2(*run(capsys, *command.split(), *positives)[::2])
    assert "30 positive findings" in err and "MAX_PLAN_ENTRIES" in err


@pytest.mark.parametrize("breakage", ["utf-16", "directory", "alias bomb", "deep nesting"])
def test_S1_validate_a_broken_folder_exits_2_with_one_line(capsys, tmp_path, breakage):
    folder = tmp_path / "priors"
    shutil.copytree(DEFAULT_PRIORS, folder)
    path = folder / "findings.yaml"
    if breakage == "utf-16":
        path.write_bytes(path.read_text().encode("utf-16"))
    elif breakage == "directory":
        (folder / "x.yaml").mkdir()
    else:
        snippet = ("[&a [x, x, x, x, x, x, x, x, x, x], " + ", ".join(
            f"&b{i} [" + ", ".join(["*a" if i == 0 else f"*b{i - 1}"] * 10) + "]"
            for i in range(8)) + "]") if breakage == "alias bomb" else "[" * 3000 + "]" * 3000
        text = path.read_text()
        path.write_text(text.replace("\n  fasciculations:\n",
                                     f"\n  fasciculations:\n    note: {snippet}\n", 1))
    err = one_line_2(*run(capsys, "validate", "--priors", str(folder))[::2])
    assert "findings.yaml" in err or "x.yaml" in err


def test_S3_6_evaluate_with_a_binary_cases_file_exits_2_with_one_line(capsys):
    one_line_2(*run(capsys, "evaluate", "--cases", str(Path(sys.executable).resolve()))[::2])
