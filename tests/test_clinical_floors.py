"""Clinical floors (not the evaluation): base rates and red flags move the differential."""

from __future__ import annotations

import pytest

from .helpers import full_model

FLOORS = {
    "tired_student_eyelid": dict(
        age="18_to_39", caffeine_intake="high", sleep_deprivation="yes", fasciculations="yes",
        twitch_eyelid="yes", twitch_duration="days", weakness="none"),
    "als_classic": dict(
        age="65_plus", sex="male", fasciculations="yes", twitch_arms_hands="yes",
        twitch_legs_calves="yes", twitch_duration="months", weakness="progressive",
        muscle_atrophy="yes", brisk_reflexes="yes", emg="denervation"),
    "diabetic_neuropathy": dict(
        diabetes="yes", fasciculations="yes", twitch_legs_calves="yes", numbness_tingling="yes",
        reduced_reflexes="yes"),
    "hemifacial_spasm": dict(
        age="40_to_64", sex="female", fasciculations="yes", twitch_face_one_side="yes",
        twitch_eyelid="yes", twitch_duration="months"),
    "organophosphate": dict(
        pesticide_exposure="yes", fasciculations="yes", cholinergic_signs="yes",
        excessive_sweating="yes"),
    "diuretic_hypokalemia": dict(
        med_diuretic="yes", serum_potassium="low", muscle_cramps="yes", fasciculations="yes"),
}


def _first_diagnosis(ev):
    """First-ranked condition or state of the differential (exposures are context here)."""
    df = full_model().differential(ev)
    return df[df["role"].isin(["condition", "state"])].iloc[0]["id"], df


def test_twitch_alone_leaves_serious_causes_rare():
    post = full_model().posterior(FLOORS["tired_student_eyelid"])
    assert post["als"]["yes"] < 0.001
    assert post["multiple_sclerosis"]["yes"] < 0.01


def test_red_flags_raise_als_steeply():
    m = full_model()
    ev = FLOORS["als_classic"]
    first, df = _first_diagnosis(ev)
    assert first == "als"
    assert m.posterior(ev)["als"]["yes"] > 0.5
    assert df.iloc[0]["id"] == "als"  # first in the whole differential, exposures included


@pytest.mark.parametrize("case,expected", [
    ("diabetic_neuropathy", "peripheral_neuropathy"),
    ("hemifacial_spasm", "hemifacial_spasm"),
    ("organophosphate", "organophosphate_poisoning"),
    ("diuretic_hypokalemia", "hypokalemia"),
])
def test_floor_cases_rank_the_expected_cause_first(case, expected):
    first, _ = _first_diagnosis(FLOORS[case])
    assert first == expected


def test_each_red_flag_alone_raises_serious_causes():
    """Weakness, wasting, brisk reflexes, bulbar signs or EMG denervation must each raise ALS
    well above a twitch alone."""
    m = full_model()
    base = {"age": "40_to_64", "fasciculations": "yes"}
    p0 = m.posterior(base)["als"]["yes"]
    for flag, state in [("weakness", "progressive"), ("muscle_atrophy", "yes"),
                        ("brisk_reflexes", "yes"), ("slurred_speech", "yes"),
                        ("swallowing_difficulty", "yes"), ("emg", "denervation"),
                        ("twitch_tongue", "yes")]:
        p = m.posterior({**base, flag: state})["als"]["yes"]
        assert p > 3 * p0, (flag, p, p0)


def test_normal_exam_and_emg_keep_als_below_half_a_percent():
    ev = {"age": "40_to_64", "sex": "male", "fasciculations": "yes", "twitch_legs_calves": "yes",
          "twitch_duration": "months", "weakness": "none", "muscle_atrophy": "no",
          "brisk_reflexes": "no", "emg": "fasciculations_only", "stress_anxiety": "high"}
    assert full_model().posterior(ev)["als"]["yes"] < 0.005
