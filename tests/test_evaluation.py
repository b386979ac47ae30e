"""Evaluation on the sourced teaching cases: loading and validation, the ranking rules (hit@1,
hit@3, MRR, Wilson intervals), the report, the CLI, and each case's safety bounds."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from model.cases import DEFAULT_CASES, CaseError, load_cases
from model.cases.check_cases import spoilers
from model.cli import main
from model.evaluate import (
    ANCHORS,
    CASE_COLUMNS,
    abnormal_findings,
    check_bounds,
    evaluate,
    wilson_interval,
)
from model.knowledge import load_catalog

from .helpers import full_model

CASES = load_cases()
BOUNDED = [c for c in CASES if c["bounds"]]
# The likely-causes ranking runs a twin-network query per cause, seconds per case: the report
# tests use a few cases of different kinds; benchmarks/evaluate.py runs them all.
REPORT_IDS = ["benzodiazepine_withdrawal_twitches", "thyrotoxic_hypokalaemia_cramps",
              "older_man_routine_bloods_low_potassium", "optometrist_body_jerks_at_bedtime"]


@pytest.fixture(scope="module")
def report():
    return evaluate(full_model(), [c for c in CASES if c["id"] in REPORT_IDS])


# -- the cases file ----------------------------------------------------------------------------

def test_at_least_sixty_sourced_cases():
    assert len(CASES) >= 60
    assert len({c["id"] for c in CASES}) == len(CASES)
    for c in CASES:
        assert c["source"]["citation"].strip(), c["id"]
        assert c["source_diagnosis"].strip(), c["id"]
        assert c["evidence"] and c["diagnosis"] in c["top3"], c["id"]


def test_every_v2_node_is_used_by_a_case():
    """Vocabulary v2: every new cause is a case's diagnosis, every new finding is in evidence."""
    used = {k for c in CASES for k in c["evidence"]}
    diagnoses = {c["diagnosis"] for c in CASES}
    for cause in ("cervical_myelopathy", "parkinsons_disease", "hypnic_jerks", "myoclonus",
                  "hyperventilation"):
        assert cause in diagnoses, cause
    for node in ("recent_infection", "head_injury", "weakness_onset", "fasciculations_on_exam",
                 "myoclonic_jerks", "jerks_falling_asleep", "rippling_twitch",
                 "tingling_lips_hands", "hand_spasm", "unsteady_gait", "slowness_of_movement"):
        assert node in used, node
    onsets = {c["evidence"].get("weakness_onset") for c in CASES}
    assert {"gradual", "over_days", "sudden"} <= onsets
    assert any(isinstance(v, list) for c in CASES for v in c["evidence"].values())


def test_titles_and_summaries_do_not_name_the_answer():
    labels = {n.id: n.label for n in full_model().nodes.values()}
    found = {c["id"]: spoilers(c, labels[c["diagnosis"]]) for c in CASES}
    assert not {k: v for k, v in found.items() if v}


def test_spoiler_check_finds_a_named_answer():
    case = {"diagnosis": "isaacs_syndrome", "evidence": {"fasciculations": "yes"},
            "title": "A man with twitching", "summary": "EMG confirmed neuromyotonia."}
    assert spoilers(case, "Isaacs syndrome (neuromyotonia)") == ["neuromyotonia"]
    case["evidence"]["isaacs_syndrome"] = "yes"  # a stated cause cannot be hidden
    assert spoilers(case, "Isaacs syndrome (neuromyotonia)") == []


def test_every_condition_has_a_case():
    conditions = {n for n, spec in load_catalog().items() if spec["role"] == "condition"}
    assert conditions <= {c["diagnosis"] for c in CASES}


def test_cases_match_the_model_vocabulary():
    m = full_model()
    assert load_cases(vocabulary=m) == CASES
    for c in CASES:
        m.check_evidence(c["evidence"])


def test_cases_are_package_data():
    assert DEFAULT_CASES.name == "teaching_cases.yaml" and DEFAULT_CASES.exists()
    assert DEFAULT_CASES.parent.name == "cases"


GOOD = """\
cases:
  - id: demo_case
    title: "A demo"
    source: {citation: "Someone 2020", url: "https://example.org"}
    summary: "A short summary."
    evidence: {fasciculations: "yes", weakness: "none"}
    diagnosis: benign_fasciculation_syndrome
    source_diagnosis: "Benign fasciculations."
    also_acceptable: [stress_anxiety]
    top3: [benign_fasciculation_syndrome, stress_anxiety, caffeine_intake]
    bounds: {als: {max: 0.01}}
"""


@pytest.mark.parametrize("old, new, message", [
    ('fasciculations: "yes"', 'fasiculations: "yes"',
     "unknown node 'fasiculations' (did you mean 'fasciculations'?)"),
    ('weakness: "none"', 'weakness: "severe"', "'severe' is not a state of 'weakness'"),
    ('weakness: "none"', "weakness: 3", "must be a quoted string"),
    ('weakness: "none"', 'weakness: ["mild_stable", "severe"]',
     "'severe' is not a state of 'weakness'"),
    ('weakness: "none"', 'weakness: ["progressive"]', "two or more distinct states"),
    ('weakness: "none"', 'weakness: ["progressive", "progressive"]', "two or more distinct"),
    ('weakness: "none"', 'weakness: ["none", "mild_stable", "progressive"]',
     "lists every state"),
    ('    source_diagnosis: "Benign fasciculations."\n', "",
     "field 'source_diagnosis': missing"),
    ("diagnosis: benign_fasciculation_syndrome", "diagnosis: emg", "'emg' is a finding"),
    ("also_acceptable: [stress_anxiety]", "also_acceptable: [stres_anxiety]",
     "unknown node 'stres_anxiety'"),
    ("top3: [benign_fasciculation_syndrome,", "top3: [als,", "must include the diagnosis"),
    ("top3: [benign_fasciculation_syndrome, stress_anxiety, caffeine_intake]",
     "top3: [benign_fasciculation_syndrome, stress_anxiety]", "three distinct ids"),
    ("{als: {max: 0.01}}", "{als: {max: 1.5}}", "must be a number in [0, 1]"),
    ("{als: {max: 0.01}}", "{als: {below: 0.01}}", "{max: x}, {min: x} or both"),
    ("id: demo_case", "id: Demo Case", "snake_case"),
    ('    summary: "A short summary."\n', "", "field 'summary': missing"),
    ("    bounds:", "    colour: red\n    bounds:", "field 'colour': unknown field"),
])
def test_load_cases_names_the_case_and_the_field(tmp_path, old, new, message):
    assert old in GOOD
    path = tmp_path / "cases.yaml"
    path.write_text(GOOD.replace(old, new), encoding="utf-8")
    with pytest.raises(CaseError) as err:
        load_cases(path)
    assert message in str(err.value)
    assert "cases.yaml: case #1" in str(err.value)


def test_load_cases_rejects_duplicates_and_bad_files(tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text(GOOD + GOOD.split("cases:\n", 1)[1], encoding="utf-8")
    with pytest.raises(CaseError, match="duplicate id"):
        load_cases(path)
    path.write_text("cases: [\n", encoding="utf-8")
    with pytest.raises(CaseError, match="not valid YAML"):
        load_cases(path)
    path.write_text("- a\n", encoding="utf-8")
    with pytest.raises(CaseError, match="'cases' list"):
        load_cases(path)
    with pytest.raises(CaseError, match="cannot read"):
        load_cases(tmp_path / "missing.yaml")
    path.write_text(GOOD, encoding="utf-8")
    case = load_cases(path)[0]
    assert case["bounds"] == {"als": {"max": 0.01}} and case["notes"] == ""
    path.write_text(GOOD.replace('weakness: "none"', 'weakness: ["mild_stable", "progressive"]')
                    .replace("    bounds:", '    notes: "weakness present"\n    bounds:'),
                    encoding="utf-8")
    case = load_cases(path)[0]
    assert case["evidence"]["weakness"] == ["mild_stable", "progressive"]
    assert case["notes"] == "weakness present"


# -- the scoring rules, on a stub model with fixed rankings ------------------------------------

def _stub(causes: list[tuple[str, float]], differential: list[tuple[str, float]],
          present: dict | None = None):
    """A model whose causes and differential rankings are given, in the order given; every node
    binary; ``fasciculations`` and ``x`` are findings, the rest conditions. ``present`` gives
    P(present) per cause (default: the score)."""
    ids = {i for i, _ in causes + differential} | {"fasciculations", "x"}
    nodes = {i: SimpleNamespace(id=i, states=("no", "yes"),
                                role="finding" if i in ("fasciculations", "x") else "condition")
             for i in ids}

    def ranked(rows, col):
        return pd.DataFrame({"id": [i for i, _ in rows], "role": "condition",
                             col: [p for _, p in rows],
                             "probability_present": [(present or {}).get(i, p) for i, p in rows]})
    post = {i: {"no": 0.5, "yes": 0.5} for i in ids}
    return SimpleNamespace(
        nodes=nodes,
        posterior=lambda ev, nodes=None: {i: d for i, d in post.items()
                                          if i not in ev and (nodes is None or i in nodes)},
        present_probability=lambda i, d: 1 - d["no"],
        causes=lambda ev: ranked(causes, "expected_disablement"),
        differential=lambda ev: ranked(differential, "probability"),
        diagnoses=lambda ev: ranked(differential, "probability"),  # all stub nodes: conditions
    )


def _case(cid, diagnosis, also=(), twitching=True, bounds=None):
    ev = {"fasciculations": "yes"} if twitching else {"x": "no"}
    return {"id": cid, "evidence": ev, "diagnosis": diagnosis, "also_acceptable": list(also),
            "top3": [diagnosis, "b", "c"], "bounds": bounds or {}}


def test_hit_rules_rank_and_mrr_on_a_stub():
    m = _stub(causes=[("a", 0.5), ("b", 0.3), ("c", 0.1), ("d", 0.05)],
              differential=[("d", 0.9), ("c", 0.8), ("b", 0.7), ("a", 0.6)])
    cases = [
        _case("first", "a"),                        # causes: rank 1
        _case("alternative", "c", also=["a"]),      # an acceptable alternative is first
        _case("third", "c"),                        # rank 3: top-3 only
        _case("fourth", "d"),                       # rank 4: a miss
        _case("no_twitch", "d", twitching=False),   # ranked by the differential: rank 1
    ]
    r = evaluate(m, cases)
    df = r.cases.set_index("id")
    assert list(df["rank"]) == [1, 1, 3, 4, 1]
    assert list(df["diagnosis_rank"]) == [1, 3, 3, 4, 1]
    assert list(df["ranking"]) == ["causes"] * 4 + ["differential"]
    assert list(df["top1_hit"]) == [True, True, False, False, True]
    assert list(df["top3_hit"]) == [True, True, True, False, True]
    assert df.loc["fourth", "first"] == "a" and df.loc["fourth", "p_expected"] == 0.05
    assert df.loc["alternative", "p_expected"] == 0.1  # the diagnosis's own P(present)
    assert df.loc["fourth", "score_first"] == 0.5 and df.loc["fourth", "score_expected"] == 0.05
    s = r.summary
    assert (s["n"], s["top1_hits"], s["top3_hits"]) == (5, 3, 4)
    assert s["mrr"] == pytest.approx((1 + 1 + 1 / 3 + 1 / 4 + 1) / 5)
    assert s["top1_ci"] == wilson_interval(3, 5)
    assert s["top1_diagnosis_only"] == pytest.approx(2 / 5)
    assert list(r.misses["id"]) == ["third", "fourth"]
    forced = evaluate(m, cases, ranking="differential").cases
    assert list(forced["rank"]) == [4, 2, 2, 1, 1]


def test_causes_keep_the_order_m_causes_returns():
    """The evaluation ranks by whatever m.causes sorts by: it never re-sorts the rows."""
    m = _stub(causes=[("b", 0.2), ("a", 0.9), ("c", 0.1)], differential=[("a", 0.9)],
              present={"b": 0.3, "a": 0.95, "c": 0.2})
    row = evaluate(m, [_case("order", "a")]).cases.iloc[0]
    assert (row["first"], row["rank"]) == ("b", 2)
    assert (row["score_first"], row["p_first"], row["p_expected"]) == (0.2, 0.3, 0.95)
    r = evaluate(m, [_case("order", "a")])
    assert r.summary["causes_score"] == "expected_disablement"


def test_a_case_over_the_engine_size_limit_is_ranked_by_the_differential_and_says_so():
    from model.limits import LimitError

    m = _stub(causes=[("a", 0.5)], differential=[("b", 0.9), ("a", 0.5)])

    def too_large(ev):
        raise LimitError("too large")
    m.causes = too_large
    r = evaluate(m, [_case("big", "a")])
    row = r.cases.iloc[0]
    assert (row["ranking"], row["first"], row["rank"]) == ("differential", "b", 2)
    assert "size limit" in row["note"] and r.summary["causes_over_limit"] == 1
    assert "causes over size limit" in r.cases_table()


def test_auto_ranking_needs_an_abnormal_finding():
    m = _stub(causes=[("a", 0.5)], differential=[("a", 0.5)])
    assert abnormal_findings(m, {"fasciculations": "yes", "x": "no"}) == ["fasciculations"]
    assert abnormal_findings(m, {"x": ["no", "yes"]}) == []  # could be normal
    row = evaluate(m, [_case("normal", "a", twitching=False)]).cases.iloc[0]
    assert row["ranking"] == "differential"


def test_bounds_use_p_present_and_observed_nodes():
    m = _stub(causes=[("a", 0.5)], differential=[("a", 0.5)])
    case = _case("b", "a", bounds={"a": {"max": 0.4, "min": 0.1},
                                   "fasciculations": {"min": 1.0}})
    got = {(b["node"], b["kind"]): (b["value"], b["ok"]) for b in check_bounds(m, case)}
    assert got == {("a", "max"): (0.5, False), ("a", "min"): (0.5, True),
                   ("fasciculations", "min"): (1.0, True)}
    row = evaluate(m, [case]).cases.iloc[0]
    assert not row["bounds_ok"] and row["bounds_failed"] == ["a <= 0.4 (got 0.5)"]
    # set-valued evidence: settled when it excludes the normal state, else from the posterior
    case = _case("c", "a", bounds={"x": {"max": 1.0}})
    case["evidence"]["x"] = ["no", "yes"]
    assert check_bounds(m, case)[0]["value"] == 0.5


def test_wilson_interval_reference_values():
    # reference values (Wilson 1927; e.g. Newcombe 1998, Stat Med 17:857, table I)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


# -- the report on the real model -------------------------------------------------------------

def test_report_is_consistent(report):
    s, df = report.summary, report.cases
    assert list(df.columns) == CASE_COLUMNS
    assert s["n"] == len(df) == len(REPORT_IDS)
    assert 0 <= s["top1"] <= s["top3"] <= 1
    for key in ("top1", "top3"):
        low, high = s[f"{key}_ci"]
        assert low <= s[key] <= high
    assert 0 < s["mrr"] <= 1 and s["mrr"] >= s["top1"]
    assert s["ranked_by"]["causes"] + s["ranked_by"]["differential"] == s["n"]
    assert (df["top1_hit"] == (df["rank"] == 1)).all()
    assert s["causes_score"] == "expected_disablement"
    assert set(report.misses["id"]) == set(df.loc[~df["top1_hit"], "id"])
    for r in report.misses.itertuples():
        case = next(c for c in CASES if c["id"] == r.id)
        assert r.first not in [case["diagnosis"], *case["also_acceptable"]]
    assert df["p_expected"].between(0, 1).all() and df["p_first"].between(0, 1).all()
    assert (df["score_first"] >= df["score_expected"]).all()
    assert report.calibration["n"].sum() == s["n"]


def test_report_ranks_exposures_the_patient_reports(report):
    """The causes ranking includes observed exposures: a stated cause can come first."""
    row = report.cases.set_index("id").loc["benzodiazepine_withdrawal_twitches"]
    assert row["ranking"] == "causes" and row["p_expected"] == 1.0
    assert "benzodiazepine_withdrawal" in list(report.rankings[row.name]["id"])


def test_report_json_and_markdown(report):
    payload = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert payload["summary"]["n"] == len(REPORT_IDS)
    assert payload["anchors"] == ANCHORS
    md = report.to_markdown()
    assert "| TwitchDx, teaching cases |" in md and "34.0%" in md and "84.3%" in md
    assert all(i in md for i in REPORT_IDS)
    assert "Missed at first place" in report.text()


# -- the command line (two cases, to keep it quick) ---------------------------------------------

def _two_cases(tmp_path):
    text = DEFAULT_CASES.read_text(encoding="utf-8")
    head, rest = text.split("cases:\n", 1)
    blocks = rest.split("\n  - id: ")
    path = tmp_path / "two.yaml"
    path.write_text("cases:\n" + "\n  - id: ".join(blocks[:3]) + "\n", encoding="utf-8")
    assert len(load_cases(path)) == 2
    return path


def test_cli_evaluate(tmp_path, capsys):
    path = _two_cases(tmp_path)
    assert main(["evaluate", "--json", "--cases", str(path)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["summary"]["n"] == 2
    assert {"top1", "top1_ci", "top3", "top3_ci", "mrr"} <= set(payload["summary"])
    assert len(payload["cases"]) == 2 and "misses" in payload and "calibration" in payload
    # the text and markdown outputs with the quick ranking: this tests the command, not the model
    assert main(["evaluate", "--ranking", "differential", "--cases", str(path)]) == 0
    out = capsys.readouterr().out
    assert "top-1" in out and "MRR" in out and "Physicians" in out
    assert main(["evaluate", "--markdown", "--ranking", "differential", "--cases", str(path)]) == 0
    assert "| TwitchDx, teaching cases | 2 |" in capsys.readouterr().out


def test_cli_evaluate_errors(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace('weakness: "none"', 'weakness: "severe"'), encoding="utf-8")
    assert main(["evaluate", "--cases", str(bad)]) == 2
    assert "'severe' is not a state of 'weakness'" in capsys.readouterr().err
    assert main(["evaluate", "--ranking", "best"]) == 2
    assert main(["evaluate", "age=65_plus"]) == 2
    assert "unexpected arguments" in capsys.readouterr().err


# -- safety bounds: one test per case ------------------------------------------------------------

def _bound_params():
    for c in BOUNDED:
        yield pytest.param(c, id=c["id"])


@pytest.mark.parametrize("case", list(_bound_params()))
def test_case_bounds(case):
    results = check_bounds(full_model(), case)
    assert results
    failed = [f"P({b['node']} present) = {b['value']:.3g}, "
              f"{'at most' if b['kind'] == 'max' else 'at least'} {b['limit']:g} expected"
              for b in results if not b["ok"]]
    assert not failed, f"{case['id']}: " + "; ".join(failed)
