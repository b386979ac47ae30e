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


# -- issue 10 §5: clinical sense from the numbers alone -----------------------------------------
# Thresholds, not posteriors: each test states the clinical rule and checks the model's ranking
# or probability against it. Nothing here is tuned to the current numbers.

# Known gaps, measured on this knowledge base and kept visible (strict: an xpass fails the run).
GAP_B = ("with weakness mild and stable ALS is 9th-13th (0.5-0.8%), with its course unknown "
         "5th-6th (2-3.5%), behind myelopathy (17-29%), MS (10-16%) and hyperthyroidism "
         "(11-14%): MS is ~45x as common as ALS at 40-64, reported twitching is ~0.27 without "
         "disease against 0.55 in ALS, and ALS's link to mild, stable weakness is 0.15 (judged; "
         "progressive 0.73, Raymond 2019); see docs/evaluation.md")
GAP_GBS = ("without ascending weakness or reduced reflexes, GBS is not first: at 40-64 MS (0.48%) "
           "is ~4,000x as common as GBS in its acute phase (1.2 per million, the window its links "
           "describe); infection, worsening weakness and onset over days leave MS 24%, GBS 3.6%, "
           "and with tingling MS 31%, GBS 7.6%; what separates them clinically is history the "
           "vocabulary lacks (known MS); see docs/evaluation.md")
GAP_FLUID = ("fluid loss reaches cramps and twitching only through dehydration (a dehydrated person "
             "gains ~0.08 in cramps, ~0.05 in twitching); tired muscles add 0.3 and 0.15 and rank "
             "first. The literature agrees: exercise cramps track fatigue, not hydration "
             "(Schwellnus 2004, 2011; Hoffman 2015), and fluid removal in dialysis brings cramps in "
             "5-10% of sessions; see docs/evaluation.md")

#: Lifestyle factors and the benign "tired muscles" state: at their base rate when not asked.
LIFESTYLE = ("stress_anxiety", "caffeine_intake", "sleep_deprivation", "strenuous_exercise",
             "fluid_loss", "nicotine_use", "poor_diet", "alcohol_excess", "eye_irritation",
             "muscle_fatigue")

OBSERVED_CAUSES = {
    # a stated exposure that explains the findings
    "caffeine_intake": {"age": "18_to_39", "caffeine_intake": "high", "fasciculations": "yes",
                        "twitch_eyelid": "yes", "twitch_duration": "days"},
    "eye_irritation": {"age": "40_to_64", "eye_irritation": "yes", "fasciculations": "yes",
                       "twitch_eyelid": "yes"},
    "fluid_loss": {"age": "18_to_39", "fluid_loss": "yes", "fasciculations": "yes",
                   "muscle_cramps": "yes", "twitch_legs_calves": "yes"},
    "med_stimulant": {"age": "18_to_39", "med_stimulant": "yes", "fasciculations": "yes",
                      "twitch_widespread": "yes", "weakness": "none"},
    # a test result that defines a state
    "b12_deficiency": {"age": "40_to_64", "fasciculations": "yes", "numbness_tingling": "yes",
                       "b12_level": "low"},
    "hypomagnesemia": {"age": "65_plus", "fasciculations": "yes", "muscle_cramps": "yes",
                       "serum_magnesium": "low"},
    "hypokalemia": {"age": "40_to_64", "fasciculations": "yes", "muscle_cramps": "yes",
                    "serum_potassium": "low"},
}


@pytest.mark.parametrize("cause", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=GAP_FLUID)) if c == "fluid_loss"
    else c for c in OBSERVED_CAUSES])
def test_observed_cause_outranks_unobserved_lifestyle_factors(cause):
    """§5(a): an observed cause that explains the findings (a stated exposure, or a test result
    that defines a state) comes before every lifestyle factor left at its base rate, in the
    likely-causes ranking (m.causes order)."""
    ev = OBSERVED_CAUSES[cause]
    ids = list(full_model().causes(ev)["id"])
    ahead = [f for f in LIFESTYLE if f not in ev and f != cause and f in ids
             and ids.index(f) < ids.index(cause)]
    assert not ahead, f"{cause} ranked {ids.index(cause) + 1}, behind {ahead}: {ids[:6]}"


def _ranked_diagnoses(ev):
    """Conditions and states in the headline diagnostic ranking: expected disablement over the
    presentation's abnormal findings (Richens et al.; m.causes order). Ranking by P(present)
    would put common states at their base rate (vitamin D deficiency ~24%, tired muscles ~19%)
    above any rare disease whatever the findings, which is not what a differential means."""
    c = full_model().causes(ev)
    return list(c[c["role"].isin(["condition", "state"])]["id"])


def _top3(ev):
    return _ranked_diagnoses(ev)[:3]




@pytest.mark.parametrize("age", ["40_to_64", "65_plus"])
@pytest.mark.parametrize("weakness", [
    pytest.param("mild_stable", id="mild", marks=pytest.mark.xfail(strict=True, reason=GAP_B)),
    pytest.param("progressive", id="progressive"),
    pytest.param(("mild_stable", "progressive"), id="course_unknown",
                 marks=pytest.mark.xfail(strict=True, reason=GAP_B))])
def test_weakness_with_upper_motor_neuron_sign_puts_als_and_myelopathy_in_top3(age, weakness):
    """§5(b): twitching with any objective weakness (mild, progressive, or present with its
    course unknown) plus an upper-motor-neuron sign (brisk reflexes, the vocabulary's only pure
    one) in an adult over 40 puts ALS and cervical myelopathy in the top three diagnoses."""
    ev = {"age": age, "fasciculations": "yes", "brisk_reflexes": "yes",
          "weakness": list(weakness) if isinstance(weakness, tuple) else weakness}
    top = _top3(ev)
    assert "als" in top and "cervical_myelopathy" in top, top


@pytest.mark.parametrize("extra", [
    pytest.param({}, id="alone", marks=pytest.mark.xfail(strict=True, reason=GAP_GBS)),
    pytest.param({"ascending_weakness": "yes"}, id="ascending"),
    pytest.param({"ascending_weakness": "yes", "reduced_reflexes": "yes"},
                 id="ascending_areflexic"),
    pytest.param({"reduced_reflexes": "yes"}, id="reduced_reflexes"),
    pytest.param({"numbness_tingling": "yes"}, id="tingling",
                 marks=pytest.mark.xfail(strict=True, reason=GAP_GBS))])
def test_weakness_over_days_after_infection_puts_guillain_barre_first(extra):
    """§5(c): weakness coming on over days after an infection puts Guillain-Barré first."""
    ev = {"age": "40_to_64", "recent_infection": "yes", "weakness": "progressive",
          "weakness_onset": "over_days", **extra}
    ranked = _ranked_diagnoses(ev)
    assert ranked[0] == "guillain_barre", ranked[:3]


#: Older patients' vascular risk factors, for the TIA rules.
VASCULAR = pytest.mark.parametrize("vascular", [{"diabetes": "yes"}, {"nicotine_use": "yes"},
                                                {"diabetes": "yes", "nicotine_use": "yes"}],
                                   ids=["diabetes", "smoking", "both"])


@VASCULAR
def test_sudden_transient_one_sided_symptoms_put_tia_high_in_older_vascular_patient(vascular):
    """§5(c): sudden, transient one-sided symptoms in an older patient with a vascular risk
    factor put TIA among the top three diagnoses."""
    ev = {"age": "65_plus", "transient_one_sided_deficit": "yes", "weakness_onset": "sudden",
          **vascular}
    top = _top3(ev)
    assert "transient_ischemic_attack" in top, top


@VASCULAR
def test_tia_stays_uncertain_while_mimics_are_common(vascular):
    """High, not certain: TIA clinics find a mimic (migraine aura, seizure, functional episode)
    in at least 27% of referrals (the best positive predictive value across 19 studies is 72.5%,
    Kandiyali 2017; 60% TIA or minor stroke in 5,997 clinic patients, Graham 2019), so a history
    of a sudden, transient one-sided deficit alone may not make TIA more than 90% likely."""
    ev = {"age": "65_plus", "transient_one_sided_deficit": "yes", "weakness_onset": "sudden",
          **vascular}
    p = full_model().posterior(ev, nodes=["transient_ischemic_attack"])
    assert 0.3 < p["transient_ischemic_attack"]["yes"] < 0.9, p


NORMAL_EXAM = {"weakness": "none", "muscle_atrophy": "no", "brisk_reflexes": "no",
               "reduced_reflexes": "no", "slurred_speech": "no", "swallowing_difficulty": "no",
               "numbness_tingling": "no", "unsteady_gait": "no", "fasciculations_on_exam": "no"}
NORMAL_TESTS = {"serum_potassium": "normal", "serum_magnesium": "normal",
                "serum_calcium": "normal", "b12_level": "normal", "tsh": "normal",
                "creatine_kinase": "normal", "nerve_conduction": "normal",
                "emg": "fasciculations_only"}


def _serious_above_floor(ev: dict, floor: float, base_multiple: float) -> dict:
    """Serious conditions and states whose P(present | ev) exceeds
    max(floor, base_multiple x P(present | age alone))."""
    m = full_model()
    post, prior = m.posterior(ev), m.posterior({"age": ev["age"]})
    out = {}
    for node in m.nodes.values():
        if not node.serious or node.id in ev:
            continue
        p = m.present_probability(node.id, post[node.id])
        base = m.present_probability(node.id, prior[node.id])
        if p > max(floor, base_multiple * base):
            out[node.id] = (round(p, 5), round(base, 5))
    return out


@pytest.mark.parametrize("age", ["18_to_39", "40_to_64", "65_plus"])
def test_twitching_alone_keeps_serious_conditions_below_their_floor(age):
    """§5(d), twitching alone. The floor of a serious condition or state: 1% (rare), or twice its
    base rate at that age if that is higher (a state such as low potassium is common at any
    age). Twitching alone - noticed by most healthy people - must not lift any above it."""
    assert not _serious_above_floor({"age": age, "fasciculations": "yes"}, 0.01, 2.0)


@pytest.mark.parametrize("age", ["18_to_39", "40_to_64", "65_plus"])
def test_normal_examination_keeps_serious_conditions_below_their_floor(age):
    """§5(d), twitching with a normal examination: the same floor as twitching alone (1%, or
    twice the base rate at that age); the examination cannot test a blood level, so it is not
    asked to push a common state below its base rate."""
    ev = {"age": age, "fasciculations": "yes", **NORMAL_EXAM}
    assert not _serious_above_floor(ev, 0.01, 2.0)


@pytest.mark.parametrize("age", ["18_to_39", "40_to_64", "65_plus"])
def test_normal_examination_and_tests_keep_serious_conditions_below_their_floor(age):
    """§5(d), twitching with a normal examination and normal tests (electrolytes, B12, thyroid,
    CK, nerve conduction, EMG with fasciculations only). The floor: 0.5%, or the condition's
    base rate at that age if higher - a normal work-up must leave no serious condition more
    likely than it was before the patient walked in."""
    ev = {"age": age, "fasciculations": "yes", **NORMAL_EXAM, **NORMAL_TESTS}
    assert not _serious_above_floor(ev, 0.005, 1.0)
