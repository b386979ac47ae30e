"""`twitchdx epidemiology` and `twitchdx audit` on the command line."""

from __future__ import annotations

import json

from model.cli import main


def test_epidemiology_json_matches_the_api(capsys):
    from model.epidemiology import epidemiology

    from .helpers import full_model

    assert main(["epidemiology", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    df = epidemiology(full_model())
    assert payload["strata"] == len(df) and payload["in_range"] == int(df["in_range"].sum())
    assert payload["untargeted"] == []
    first = payload["rows"][0]
    assert {"node", "stratum", "model", "value", "low", "high", "in_range", "source"} <= set(first)


def test_epidemiology_text_lists_model_beside_published(capsys):
    assert main(["epidemiology"]) == 0
    out = capsys.readouterr().out
    assert "published" in out and "strata in range" in out


def test_audit_rejects_stray_evidence_in_one_line(capsys):
    assert main(["audit", "fasciculations=yes"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "fasciculations=yes" in err
