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
# # 4. Evaluation on the teaching cases
#
# Did an edit make the model better or worse? This notebook runs every teaching case through
# the model (`model.evaluate.evaluate`): is the expected diagnosis ranked first (top-1), in the
# first three (top-3), and how much probability does the model give to what it ranks first
# compared with how often that is right (calibration)? It compares the result with a
# **baseline**: by default the knowledge base of the last git commit.
#
# **Which folders?** The model is read from `TWITCHDX_PRIORS` (default: a fresh temporary copy
# of `priors/`, i.e. your working tree); the baseline from `TWITCHDX_BASELINE` (default: the
# `priors/` of git `HEAD`; `none` for no comparison).

# %%
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

try:
    import model
except ImportError:  # a fresh clone without `pip install -e .`: use the repository
    sys.path.insert(0, str(Path.cwd().resolve().parent))
    import model
from model.edit import scratch_copy
from model.evaluate import ANCHORS, evaluate
from model.knowledge import DEFAULT_PRIORS

pd.set_option("display.width", 160)

PRIORS = Path(os.environ.get("TWITCHDX_PRIORS") or scratch_copy())
print("priors folder:", PRIORS)


def committed_priors() -> Path | None:
    """The priors/ of git HEAD in a temporary folder, or None outside a git checkout."""
    root = DEFAULT_PRIORS.parent
    try:
        listing = subprocess.run(["git", "-C", str(root), "ls-tree", "--name-only", "HEAD",
                                  "priors/"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    names = [n for n in listing.stdout.split() if n.endswith(".yaml")]
    if not names:
        return None
    folder = Path(tempfile.mkdtemp(prefix="twitchdx-baseline-")) / "priors"
    folder.mkdir()
    for name in names:
        text = subprocess.run(["git", "-C", str(root), "show", f"HEAD:{name}"],
                              capture_output=True, check=True).stdout
        (folder / Path(name).name).write_bytes(text)
    return folder


baseline_setting = os.environ.get("TWITCHDX_BASELINE", "")
if baseline_setting.lower() == "none":
    BASELINE = None
elif baseline_setting:
    BASELINE = Path(baseline_setting)
else:
    BASELINE = committed_priors()
print("baseline folder:", BASELINE)

# %% [markdown]
# ## Run the evaluation

# %%
m = model.load(PRIORS)
report = evaluate(m)
print(report.text())


# %%
def same_files(a: Path, b: Path) -> bool:
    def read(d: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(d.glob("*.yaml"))}
    return read(a) == read(b)


base_report = None
if BASELINE is not None:
    if same_files(PRIORS, BASELINE):
        print("the baseline knowledge base is identical: nothing has changed")
        base_report = report
    else:
        try:
            base_report = evaluate(model.load(BASELINE))
        except model.TwitchDxError as exc:  # e.g. a baseline from before a format change
            print(f"the baseline cannot be evaluated ({exc}); no comparison")

# %% [markdown]
# ## Better or worse?

# %%
s = report.summary
rows = [("top-1", "top1", "top1_hits"), ("top-3", "top3", "top3_hits"), ("MRR", "mrr", None)]
verdict = []
for name, key, hits in rows:
    now = s[key]
    line = {"measure": name, "now": now}
    if hits:
        line["now"] = f"{s[hits]}/{s['n']} ({now:.1%})"
    if base_report is not None:
        b = base_report.summary
        line["baseline"] = f"{b[hits]}/{b['n']} ({b[key]:.1%})" if hits else b[key]
        change = now - b[key]
        line["change"] = ("better" if change > 1e-12 else "worse" if change < -1e-12
                          else "same")
    verdict.append(line)
print(pd.DataFrame(verdict).to_string(index=False, float_format=lambda x: f"{x:.3f}"))

if base_report is not None:
    ranks = report.cases[["id", "diagnosis", "rank", "first", "p_expected"]].merge(
        base_report.cases[["id", "rank", "first", "p_expected"]], on="id", how="outer",
        suffixes=("", "_baseline"))
    moved = ranks[(ranks["rank"].fillna(-1) != ranks["rank_baseline"].fillna(-1))
                  | (ranks["first"] != ranks["first_baseline"])]
    print(f"\nCases whose ranking changed: {len(moved)}")
    if len(moved):
        print(moved.to_string(index=False, float_format=lambda x: f"{x:.3g}"))

# %% [markdown]
# ## Plots
#
# Left: top-1 and top-3 accuracy with 95% intervals (Wilson), beside the published vignette
# studies of symptom checkers and physicians (different cases: a rough yardstick, not a
# head-to-head comparison). Middle: calibration, the score of the model's first-ranked cause
# against how often that cause is right (a calibrated model sits on the diagonal). Right: the
# rank of the expected diagnosis in every case.

# %%
reports = [("now", report)]
if base_report is not None and base_report is not report:
    reports.insert(0, ("baseline", base_report))
acc = pd.DataFrame([
    {"who": f"TwitchDx {name}", "metric": metric, "value": rep.summary[metric],
     "low": rep.summary[f"{metric}_ci"][0], "high": rep.summary[f"{metric}_ci"][1]}
    for name, rep in reports for metric in ("top1", "top3")])
anchors = pd.DataFrame([{"who": a["who"], "metric": k, "value": a[k]}
                        for a in ANCHORS for k in ("top1", "top3")])
x_metric = alt.X("metric:N", title=None)
accuracy = alt.layer(
    alt.Chart(acc).mark_bar().encode(x=x_metric, xOffset="who:N", y=alt.Y(
        "value:Q", title="fraction of cases", scale=alt.Scale(domain=[0, 1])), color="who:N"),
    alt.Chart(acc).mark_errorbar().encode(x=x_metric, xOffset="who:N", y="low:Q", y2="high:Q"),
    alt.Chart(anchors).mark_tick(thickness=2, size=40, color="#111827").encode(
        x=x_metric, y="value:Q", tooltip=["who:N", "value:Q"]),
).properties(title=f"{s['n']} teaching cases (ticks: published vignette studies)", width=220)

cal = report.calibration[report.calibration["n"] > 0]
calibration = alt.layer(
    alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]})).mark_line(
        strokeDash=[4, 3], color="#9ca3af").encode(x="x:Q", y="y:Q"),
    alt.Chart(cal).mark_circle(color="#1d4ed8").encode(
        x=alt.X("mean_p_first:Q", title="mean score of the first-ranked cause",
                scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("top1_accuracy:Q", title="top-1 accuracy in the bin",
                scale=alt.Scale(domain=[0, 1])),
        size="n:Q", tooltip=["bin:N", "n:Q"]),
).properties(title="Calibration", width=220)

df = report.cases.reset_index(drop=True)
n_ranked = max(len(r) for r in report.rankings.values())
df = df.assign(shown_rank=df["rank"].astype("float").fillna(n_ranked + 1),
               result=np.where(df["top1_hit"], "first",
                               np.where(df["top3_hit"], "top 3", "lower")))
ranks = alt.Chart(df).mark_circle(size=50).encode(
    x=alt.X("shown_rank:Q", scale=alt.Scale(type="log"),
            title="rank of the expected diagnosis (log scale)"),
    y=alt.Y("id:N", sort=None, title=None, axis=alt.Axis(labelLimit=0, labelFontSize=8)),
    color=alt.Color("result:N", scale=alt.Scale(domain=["first", "top 3", "lower"],
                                                range=["#2a9d8f", "#eab308", "#c2410c"])),
).properties(title="Every case", width=260)
chart = alt.hconcat(accuracy, calibration, ranks).resolve_scale(color="independent")
chart.to_dict()  # checks the specification
chart  # noqa: B018  (a notebook shows its last expression)

# %% [markdown]
# ## Safety bounds
#
# Where the answer is clinically clear, a case sets limits on posteriors (e.g. P(ALS) below
# 0.001 for the tired student with an eyelid twitch). Any violation is listed here.

# %%
failures = report.bound_failures
print(f"{s['cases_with_bounds']} cases with bounds, {len(failures)} violated")
if len(failures):
    print(failures.to_string(index=False))
