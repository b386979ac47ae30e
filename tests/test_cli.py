"""The twitchdx command line: JSON shapes, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

import model
from model.cli import main

from .helpers import ROOT, SMALL_KB, full_model

_MODELS: dict[tuple, model.TwitchModel] = {}


@pytest.fixture(autouse=True)
def _one_model_per_folder(monkeypatch):
    """Commands here build each priors folder's model once (the subprocess tests below load it
    the real way); keeps this file fast."""
    import model.api

    real = model.api.load

    def load(path=None, **kw):
        key = (str(path) if path is not None else None, tuple(sorted(kw.items())))
        if key not in _MODELS:
            _MODELS[key] = real(path, **kw)
        return _MODELS[key]
    monkeypatch.setattr(model.api, "load", load)


def _run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_nodes_json(capsys):
    code, out, _ = _run(capsys, "nodes", "--json")
    assert code == 0
    nodes = json.loads(out)["nodes"]
    first = nodes[0]
    assert set(first) == {"id", "role", "label", "states"}
    assert {"als", "fasciculations", "emg"} <= {n["id"] for n in nodes}


def test_diagnose_json_is_sorted_and_complete(capsys):
    code, out, _ = _run(capsys, "diagnose", "fasciculations=yes", "weakness=progressive",
                        "--json")
    assert code == 0
    data = json.loads(out)
    assert data["evidence"] == {"fasciculations": "yes", "weakness": "progressive"}
    diff = data["differential"]
    assert set(diff[0]) == {"id", "role", "label", "probability", "prior", "serious"}
    probs = [d["probability"] for d in diff]
    assert probs == sorted(probs, reverse=True)
    assert all(0 <= p <= 1 for p in probs)


def test_posterior_json(capsys):
    code, out, _ = _run(capsys, "posterior", "als", "fasciculations=yes", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["node"] == "als"
    assert set(data["distribution"]) == {"no", "yes"}
    assert sum(data["distribution"].values()) == pytest.approx(1.0)


@pytest.mark.parametrize("args,message", [
    (["diagnose", "fasciculation=yes"], "unknown node 'fasciculation'"),
    (["diagnose", "weakness=severe"], "'severe' is not a state of 'weakness'; valid states"),
    (["diagnose", "weakness"], "must be ID=STATE"),
    (["posterior", "alz", "fasciculations=yes"], "unknown node 'alz'"),
    (["posterior"], "posterior: needs a NODE"),
    (["posterior", "fasciculations=yes"], "needs a NODE before the evidence"),
    (["why"], "why: needs a TARGET"),
    (["diagnose", "=yes"], "has no ID before '='"),
    (["diagnose", "weakness="], "has an empty state"),
    (["diagnose", "weakness=none|"], "has an empty state"),
    (["diagnose", "weakness=none|none"], "repeats a state"),
    (["frobnicate"], "invalid choice"),
    ([], "give a command"),
])
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    code, out, err = _run(capsys, *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_console_script_and_module_entry_point():
    r = subprocess.run([sys.executable, "-m", "model", "diagnose", "fasciculations=yes",
                        "twitch_eyelid=yes", "--json"], cwd=ROOT, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["differential"]
    r = subprocess.run([sys.executable, "-m", "model", "diagnose", "weakness=maybe"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [
    ["causes", "fasciculations=yes", "caffeine_intake=high"],
    ["why", "als", "fasciculations=yes", "weakness=progressive"],
    ["next-test", "fasciculations=yes"],
    ["uncertainty", "fasciculations=yes", "--samples", "50"],
    ["sensitivity", "als", "fasciculations=yes", "--top", "5"],
])
def test_reasoning_commands_emit_json(capsys, args):
    code, out, err = _run(capsys, *args, "--json")
    assert code == 0, err
    json.loads(out)


# ------------------------------------------------------------ every path: help, one-line errors

def _one_line_2(code: int, err: str) -> str:
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def test_help_of_the_program_and_every_command(capsys):
    from model.cli import commands

    code, out, err = _run(capsys, "--help")
    assert code == 0 and not err
    names = [c.name for c in commands()]
    assert len(set(names)) == len(names)
    for name in names:
        assert name in out
        code, sub, err = _run(capsys, name, "--help")
        assert code == 0 and not err, (name, err)
        assert sub.startswith(f"usage: twitchdx {name}"), name


def test_console_script_help_does_not_crash():
    """S3-1: a '%' in a help string crashed argparse's help formatter."""
    r = subprocess.run([sys.executable, "-m", "model", "uncertainty", "--help"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "90% intervals" in r.stdout


def test_conflicting_repeated_evidence_is_an_error(capsys):
    """S3-3: the duplicate check ran before stripping, so the last state won."""
    code, _, err = _run(capsys, "diagnose", "fasciculations=yes", " fasciculations=no")
    assert "'fasciculations' is given twice" in _one_line_2(code, err)


@pytest.mark.parametrize("args", [
    ["nodes", "fasciculations=yes"],
    ["validate", "priors", "fasciculations=yes"],
    ["evaluate", "age=65_plus"],
    ["export", "x.bif", "age=65_plus"],
])
def test_stray_evidence_is_an_error(capsys, args):
    """S3-7: nodes and validate ignored ID=STATE words."""
    code, _, err = _run(capsys, *args)
    assert "unexpected arguments" in _one_line_2(code, err)


@pytest.mark.parametrize("args,message", [
    (["validate", "--priors", ""], "--priors: the path is empty"),
    (["diagnose", "--priors", " ", "fasciculations=yes"], "--priors: the path is empty"),
    (["validate", ""], "the path is empty"),
    (["evaluate", "--cases", ""], "the path is empty"),
    (["uncertainty", "--seed", "-1"], "--seed: -1 must be 0 or more"),
    (["uncertainty", "--samples", "0"], "--samples: 0 must be at least 1"),
    (["uncertainty", "--samples", "many"], "--samples: 'many' is not a whole number"),
    (["uncertainty", "--level", "1.5"], "--level: 1.5 must be between 0 and 1"),
    (["diagnose", "--top", "0"], "--top: 0 must be at least 1"),
    (["next-test", "--objective", "fun"], "invalid choice: 'fun'"),
])
def test_bad_option_values_exit_2_with_one_line(capsys, args, message):
    """S3-5 (--seed -1 gave a traceback) and S3-7 (--priors '' read the current folder)."""
    code, _, err = _run(capsys, *args)
    assert message in _one_line_2(code, err)


def test_huge_samples_is_refused_in_one_line(capsys):
    """S3-4: --samples 1000000 ran out of memory with a traceback."""
    code, _, err = _run(capsys, "uncertainty", "fasciculations=yes", "--samples", "100000000")
    assert "samples" in _one_line_2(code, err)


def test_validate_checks_the_folder_it_is_given(capsys, tmp_path):
    """S3-2: validate PATH ignored PATH and reported the project's priors as valid."""
    code, _, err = _run(capsys, "validate", str(tmp_path / "nowhere"))
    assert "priors folder not found" in _one_line_2(code, err)

    broken = tmp_path / "broken"
    shutil.copytree(ROOT / "priors", broken)
    path = broken / "findings.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\n  fasciculations:\n" in text
    path.write_text(text.replace("\n  fasciculations:\n", "\n  fasciculations:\n    bogus: 1\n", 1),
                    encoding="utf-8")
    code, _, err = _run(capsys, "validate", str(broken))
    assert "findings.yaml" in _one_line_2(code, err) and "bogus" in err

    code, out, err = _run(capsys, "validate", str(SMALL_KB), "--no-catalog", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["folder"] == str(SMALL_KB)
    assert data["nodes"] == len(model.load(SMALL_KB, check_catalog=False).nodes)

    code, _, err = _run(capsys, "validate", str(SMALL_KB), "--priors", str(ROOT / "priors"))
    assert "two folders given" in _one_line_2(code, err)


@pytest.mark.parametrize("content", [b"\xff\xfe\x00binary\x00", b"cases: [unclosed\n  - a: b\n",
                                     "cases: []\n".encode("utf-16")])
def test_evaluate_with_a_broken_cases_file_says_one_line(capsys, tmp_path, content):
    """S3-6: a binary file gave a UnicodeDecodeError traceback, bad YAML an 8-line message."""
    path = tmp_path / "cases.yaml"
    path.write_bytes(content)
    code, _, err = _run(capsys, "evaluate", "--cases", str(path))
    _one_line_2(code, err)


def test_evaluate_with_a_folder_as_cases_file_says_one_line(capsys, tmp_path):
    code, _, err = _run(capsys, "evaluate", "--cases", str(tmp_path))
    _one_line_2(code, err)


def test_set_valued_evidence_is_passed_as_a_list(capsys):
    """ID=A|B means 'one of these states'; the CLI passes the list to the model unchanged."""
    code, out, err = _run(capsys, "diagnose", "fasciculations=yes", "weakness=none|mild_stable",
                          "--json")
    assert code == 0, err
    data = json.loads(out)
    ev = {"fasciculations": "yes", "weakness": ["none", "mild_stable"]}
    assert data["evidence"] == ev
    expected = full_model().differential(ev)
    got = {d["id"]: d["probability"] for d in data["differential"]}
    assert got == pytest.approx(dict(zip(expected["id"], expected["probability"], strict=True)), abs=1e-12)


def test_a_command_is_one_declared_function(capsys):
    """A new command needs only a declaration; nothing registers itself on import."""
    from model.cli import EVIDENCE, build_parser, command, commands

    seen = []

    @command("echo", "print the evidence", EVIDENCE)
    def echo(args) -> None:
        seen.append(args.evidence)

    before = [c.name for c in commands()]
    parser = build_parser([echo])
    args = parser.parse_args(["echo", "a=b|c"])
    for arg in echo.arguments:
        arg.finish(args, echo)
    echo(args)
    assert seen == [{"a": ["b", "c"]}]
    assert [c.name for c in commands()] == before and "echo" not in before


# ------------------------------------------------------------ fuzzed argument lists

FAST = ["nodes", "diagnose", "posterior", "why"]
WORDS = ["als", "fasciculations", "weakness", "twitch_eyelid", "age", "nope", "", " ", "%s",
         "%", "=", "|", "yes", "no", "progressive", "none", "65_plus", "é", "x" * 300]
FLAGS = ["--top", "--json", "--priors", "--seed", "--samples", "--level", "--help", "-h", "--",
         "-1", "0", "3", "1e9", "nan", "abc", "--bogus"]


def _token():
    from hypothesis import strategies as st

    word = st.sampled_from(WORDS)
    pair = st.builds(lambda k, v, sep: f"{k}{sep}{v}", word,
                     st.lists(word, min_size=1, max_size=3).map("|".join),
                     st.sampled_from(["=", "==", " = "]))
    return st.one_of(word, pair, st.sampled_from(FLAGS))


def test_fuzzed_arguments_exit_0_or_2_with_one_line(capsys):
    """Whatever the argument list, the CLI answers (0) or says one line (2): never a
    traceback, never another status."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    codes: list[int] = []

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(FAST), st.lists(_token(), max_size=5))
    def check(cmd, rest):
        code = main([cmd, *rest])
        out = capsys.readouterr()
        codes.append(code)
        assert code in (0, 2), (cmd, rest, out.err)
        if code == 2:
            assert len(out.err.strip().splitlines()) == 1, (cmd, rest, out.err)
            assert "Traceback" not in out.err

    check()
    assert len(codes) >= 50 and {0, 2} <= set(codes), codes  # it ran, and both outcomes occur
