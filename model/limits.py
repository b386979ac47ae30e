"""Every size limit TwitchDx enforces, in one place (documented in docs/limits.md).

Each limit is checked *before* the work it bounds starts, and a request over it is refused with a
one-line message that names the limit. The figures were chosen so that every teaching case and
every realistic presentation stays far inside them (see docs/limits.md for the measurements).
"""

from __future__ import annotations

from .errors import TwitchDxError

# --- reading YAML (priors files, scenario files, cases files) -----------------------------------
MAX_PRIORS_FILE_BYTES = 2_000_000  # one priors/*.yaml file (the largest is ~60 kB)
MAX_PRIORS_TOTAL_BYTES = 10_000_000  # all priors files together
MAX_PRIORS_FILES = 200  # *.yaml files in one priors folder
MAX_YAML_DEPTH = 50  # nesting of mappings/sequences (priors need about 7)
MAX_YAML_ALIAS_NODES = 10_000  # nodes that aliases (*name) may add by repeating anchored nodes
MAX_SCENARIO_BYTES = 1_048_576  # a scenario file (= the explorer's upload limit, 1 MB)

# --- inference --------------------------------------------------------------------------------
# Total entries of a compiled plan's clique tables (one evidence set, 8 bytes each). Measured on
# the 67 teaching cases (benchmarks/plan_sizes.py, 2026-11-30): plain plans need at most
# 1,295,524 entries; the twin networks that rank likely causes at most 51,465,764 (both for
# thyrotoxic_hypokalaemia_cramps, 8-9 positive findings).
MAX_PLAN_ENTRIES = 8_388_608  # 2**23: posteriors, differential, why, next tests, uncertainty
MAX_TWIN_PLAN_ENTRIES = 100_000_000  # one cause's twin network (likely causes), ~2x the largest
# Entries of clique tables allocated at once (plan entries x batch elements); bigger batches are
# run in chunks, so memory stays near 8 bytes x this figure x a small factor whatever the batch.
MAX_BATCH_ENTRIES = 8_388_608
# Caches of one model, in bytes of numpy arrays held.
PLAN_CACHE_BYTES = 256 * 2**20
COLUMN_CACHE_BYTES = 64 * 2**20


class LimitError(TwitchDxError):
    """A request or a file is larger than a stated limit (listed in docs/limits.md)."""

