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

import matplotlib.pyplot as plt
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
fig, axes = plt.subplots(1, 3, figsize=(16, 5.5), gridspec_kw={"width_ratios": [1, 1, 1.4]})

ax = axes[0]
reports = [("now", report, "#4e79a7")]
if base_report is not None and base_report is not report:
    reports.insert(0, ("baseline", base_report, "0.6"))
width = 0.8 / len(reports)
for i, (name, rep, colour) in enumerate(reports):
    values = [rep.summary["top1"], rep.summary["top3"]]
    cis = [rep.summary["top1_ci"], rep.summary["top3_ci"]]
    x = np.arange(2) + (i - (len(reports) - 1) / 2) * width
    err = [[v - lo for v, (lo, _) in zip(values, cis, strict=True)],
           [hi - v for v, (_, hi) in zip(values, cis, strict=True)]]
    ax.bar(x, values, width, yerr=err, capsize=4, color=colour, label=f"TwitchDx {name}")
for anchor, style in zip(ANCHORS, ["--", ":"], strict=False):
    for j, key in enumerate(["top1", "top3"]):
        ax.hlines(anchor[key], j - 0.45, j + 0.45, colors="0.2", linestyles=style,
                  label=anchor["who"] if j == 0 else None)
ax.set_xticks([0, 1])
ax.set_xticklabels(["top-1", "top-3"])
ax.set_ylim(0, 1.3)
ax.set_yticks(np.linspace(0, 1, 6))
ax.set_ylabel("fraction of cases")
ax.set_title(f"{s['n']} teaching cases")
ax.legend(fontsize=7, loc="upper left")

ax = axes[1]
cal = report.calibration[report.calibration["n"] > 0]
ax.plot([0, 1], [0, 1], color="0.7", linestyle="--", linewidth=1)
ax.scatter(cal["mean_p_first"], cal["top1_accuracy"], s=40 + 20 * cal["n"], color="#4e79a7",
           zorder=3)
for r in cal.itertuples():
    ax.annotate(f"{r.bin}\nn={r.n}", (r.mean_p_first, r.top1_accuracy), fontsize=7,
                xytext=(6, -4), textcoords="offset points")
ax.set_xlim(0, 1)
ax.set_ylim(0, 1.05)
ax.set_xlabel("mean score of the model's first-ranked cause")
ax.set_ylabel("top-1 accuracy in the bin")
ax.set_title("Calibration")

ax = axes[2]
df = report.cases.reset_index(drop=True)
y = np.arange(len(df))
n_ranked = max(len(r) for r in report.rankings.values())
rank = df["rank"].astype("float").fillna(n_ranked + 1)
colours = np.where(df["top1_hit"], "#59a14f", np.where(df["top3_hit"], "#edc948", "#e15759"))
ax.scatter(rank, y, color=colours, zorder=3)
if base_report is not None and base_report is not report:
    base = base_report.cases.set_index("id").reindex(df["id"])
    ax.scatter(base["rank"].astype("float").fillna(n_ranked + 1), y, facecolors="none",
               edgecolors="0.4", zorder=2, label="baseline")
    ax.legend(fontsize=7)
ax.set_xscale("log")
ax.set_yticks(y)
ax.set_yticklabels(df["id"], fontsize=6)
ax.invert_yaxis()
ax.axvline(3.5, color="0.8", linewidth=1)
ax.set_xlabel("rank of the expected diagnosis (log scale)")
ax.set_title("Every case (green: first, yellow: top 3, red: lower)", fontsize=10)
fig.tight_layout()
plt.show()

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
