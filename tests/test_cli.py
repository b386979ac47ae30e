"""The twitchdx command line: JSON shapes, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from model.cli import main

from .helpers import ROOT


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
    (["posterior"], "posterior needs a NODE"),
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
