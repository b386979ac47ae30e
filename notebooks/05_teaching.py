# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. Teaching with TwitchDx
#
# Three things a teacher can do with the model's exact arithmetic, each one call of the API:
#
# 1. a **guided interview** (`m.interview`): one question at a time, chosen by expected
#    information gain per cost, with its rationale and a stated stop rule, and an efficiency
#    score for any path of questions (`m.interview_efficiency`);
# 2. **predict first** (`m.score_prediction`): the learner commits probabilities, then sees
#    the exact posterior with Brier and log scores;
# 3. **naive versus exact** (`m.naive_vs_exact`): what multiplying stand-alone likelihood
#    ratios (a Fagan nomogram) gives, beside the network, and why they differ.
#
# It ends with the model's own epidemiology (`model.epidemiology`), the check a modeller runs
# after changing a number. *A teaching aid, not a diagnostic device.*

# %%
import os
import sys
from pathlib import Path

import pandas as pd

try:
    import model
except ImportError:  # a fresh clone without `pip install -e .`: use the repository
    sys.path.insert(0, str(Path.cwd().resolve().parent))
    import model
from model.edit import scratch_copy
from model.epidemiology import epidemiology
from model.scoring import calibration

pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 60)

PRIORS = Path(os.environ.get("TWITCHDX_PRIORS") or scratch_copy())
print("priors folder:", PRIORS)
m = model.load(PRIORS)

# %% [markdown]
# ## 1. A guided interview
#
# The complaint: twitching in the calves, a 28-year-old man. The interview proposes one
# question; here we answer it as the model itself finds most likely (a plausible patient) and
# ask for the next, until the stop rule says enough.

# %%
evidence = {"age": "18_to_39", "sex": "male", "fasciculations": "yes",
            "twitch_legs_calves": "yes"}
start = dict(evidence)
path = []
for _ in range(6):
    step = m.interview(evidence)
    if step.stop:
        break
    q = step.question
    answer = max(m.posterior(evidence)[q.id].items(), key=lambda kv: kv[1])[0]
    print(f"ask {q.label!r} ({q.information_gain:.3f} bits; separates "
          f"{', '.join(q.separates)}) -> {answer}")
    path.append((q.id, answer))
    evidence[q.id] = answer
print("stop:", step.stop, "-", step.reason)
print(step.top.head(5)[["label", "probability", "prior"]].to_string(index=False))

# %% [markdown]
# **Why this question?** Each proposed question carries the differential under each of its
# answers (`step.question.outcomes`). **How efficient was a path?** At every step, the gain
# of the question asked over the best on offer; 1 means the greedy best every time. A student
# who starts with an EMG pays for it:

# %%
greedy = m.interview_efficiency(path, start)
student = m.interview_efficiency([("emg", "normal"), ("weakness", "none")], start)
print("greedy path:", round(greedy.attrs["score"], 2), " student path:",
      round(student.attrs["score"], 2))
print(student[["step", "id", "answer", "gain", "best_id", "best_gain", "ratio"]])

# %% [markdown]
# ## 2. Predict first
#
# Before seeing the answer, a learner writes down probabilities for a few entries. Scores are
# against the exact posterior: Brier (mean squared difference) and the log score (mean
# Kullback-Leibler divergence in bits); both are zero for a perfect forecast.

# %%
case = {"age": "65_plus", "sex": "male", "fasciculations": "yes", "weakness": "progressive",
        "muscle_atrophy": "yes", "brisk_reflexes": "yes"}
stated = {"als": 0.8, "cervical_myelopathy": 0.05, "peripheral_neuropathy": 0.1}
score = m.score_prediction(case, stated)
print(score[["label", "stated", "exact", "verdict"]].to_string(index=False))
print(f"Brier {score.attrs['brier']:.3f}   log score {score.attrs['log_score']:.3f} bits")
print(calibration(list(zip(score["stated"], score["exact"], strict=True)), bins=5))

# %% [markdown]
# ## 3. Naive versus exact
#
# A Fagan nomogram multiplies the pre-test odds by each finding's stand-alone likelihood
# ratio. Weakness, wasting and brisk reflexes share causes, so the product counts the same
# evidence more than once; the network does not.

# %%
naive = m.naive_vs_exact(case, "als")
print(f"pre-test {naive.attrs['pretest']:.4%}, naive {naive.attrs['naive']:.1%}, "
      f"exact {naive.attrs['exact']:.1%}")
print(naive[["label", "standalone_lr", "conditional_lr", "relation", "closest_other"]]
      .to_string(index=False))

# %% [markdown]
# **The picture of the shift.** The network around ALS, every node drawn with its probability
# of being present before any evidence and now, filled by how far its odds moved (green less
# likely, orange more; the legend sits under the picture). Paste the DOT into any Graphviz
# viewer, or `graphviz.Source(dot)` in Jupyter; the explorer's Teach page draws the same.

# %%
from model.present.network import network_dot, shift_colour  # noqa: E402

post = m.posterior(case)
shift = {n: (m.present_probability(n, m.prior[n]), m.present_probability(n, post[n]))
         for n in post if m.nodes[n].role != "context"}
dot = network_dot(m, "als", case, ["als"], shift=shift)
print(f"ALS: {shift['als'][0]:.5f} -> {shift['als'][1]:.3f}, fill {shift_colour(*shift['als'])}")
assert "Change since before any evidence" in dot

# %% [markdown]
# ## 4. The model's own epidemiology
#
# Every condition, state and exposure has a published prevalence in `priors/targets.yaml`; the
# model's implied prevalence in each age band and sex must fall in its range. Run this after
# changing a number.

# %%
epi = epidemiology(m)
print(f"{int(epi['in_range'].sum())} of {len(epi)} strata in range")
print(epi[~epi["in_range"]][["node", "stratum", "model", "value", "low", "high", "source"]])
