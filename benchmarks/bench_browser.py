"""Benchmark: how fast the explorer answers as a person feels it, in a real browser.

Starts ``streamlit run app.py`` (the project's .streamlit/config.toml applies), drives it with
Playwright and Debian's Chromium (/usr/bin/chromium) through 20 evidence changes made by
clicking answers in the sidebar (about half make an evidence set the server has never seen; the
rest go back to one it has), and prints, median and p95:

- click → chart updated: the differential's top bar shows the model's top diagnosis and its
  value for the new evidence (the model is called here to know what to wait for);
- click → every panel settled: the script run has finished (``data-test-script-state`` =
  ``notRunning``) after the chart updated;

plus the server's RSS. ``--soak N`` repeats the round (with a different age and sex each time,
so new evidence keeps arriving) for N minutes and prints the first and the last round.

    .venv/bin/python benchmarks/bench_browser.py [--soak MINUTES] [--port PORT]

Not a test: it only prints. Goal (issue 11): chart p95 < 500 ms, panels settled p95 < 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from tests.streamlit_server import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    start,
    stop,
    wait_healthy,
)

# (form tab, item, answer); "unknown" takes an answer back (an evidence set seen before); the
# tab actually clicked is the one the app draws the item in
ROUND = [
    ("Patient", "age", None), ("Patient", "sex", None), ("Patient", "fasciculations", "yes"),
    ("Patient", "twitch_arms_hands", "yes"), ("Patient", "twitch_duration", "months"),
    ("Exam", "brisk_reflexes", "yes"), ("Exam", "brisk_reflexes", "unknown"),
    ("Exam", "brisk_reflexes", "yes"), ("Exam", "weakness", "mild_stable"),
    ("Exam", "weakness", "unknown"), ("Exam", "weakness", "mild_stable"),
    ("Exam", "muscle_atrophy", "yes"), ("Exam", "muscle_atrophy", "unknown"),
    ("Exam", "muscle_atrophy", "yes"), ("Exam", "reduced_reflexes", "no"),
    ("Exam", "reduced_reflexes", "unknown"), ("Exam", "twitch_tongue", "no"),
    ("Exam", "twitch_tongue", "unknown"), ("Exam", "fatigable_weakness", "no"),
    ("Exam", "fatigable_weakness", "unknown"),
]
PEOPLE = [("40_to_64", "male"), ("18_to_39", "female"), ("65_plus", "male"),
          ("40_to_64", "female"), ("18_to_39", "male"), ("65_plus", "female")]
def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))
    return xs[k]


WAIT_CHART = """([label, text]) => {
  const chart = document.querySelector('[data-testid="stVegaLiteChart"]');
  if (!chart) return false;
  const bar = chart.querySelector('[aria-roledescription="bar"]');
  if (!bar || !bar.getAttribute('aria-label').includes('label: ' + label + ';')) return false;
  return Array.from(chart.querySelectorAll('text')).some(t => t.textContent === text);
}"""
WAIT_SETTLED = """() => document.querySelector('[data-testid="stApp"]')
  .getAttribute('data-test-script-state') === 'notRunning'"""


def run_round(page, m, person: tuple[str, str]) -> tuple[list[float], list[float], int]:
    from model.present.format import format_probability

    chart_ms, settled_ms, new = [], [], 0
    ev: dict[str, str] = {}
    seen: set[tuple] = set()
    tab_now = None
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function(WAIT_SETTLED, polling=50)
    page.wait_for_timeout(300)
    from explorer.panels.evidence_form import tab_of

    for _, nid, state in ROUND:
        tab = tab_of(m.nodes[nid])
        state = state or (person[0] if nid == "age" else person[1])
        if tab != tab_now:
            page.get_by_test_id("stSidebar").get_by_role("tab", name=tab, exact=True).click()
            tab_now = tab
        if state == "unknown":
            ev.pop(nid, None)
        else:
            ev[nid] = state
        key = tuple(sorted(ev.items()))
        new += key not in seen
        seen.add(key)
        top = m.diagnoses(ev).iloc[0]
        node = m.nodes[nid]
        label = "unknown" if state == "unknown" else node.state_label(state)
        box = page.locator(f".st-key-ev_{nid}")
        box.scroll_into_view_if_needed()
        target = box.get_by_text(label, exact=True).first
        t0 = time.perf_counter()
        target.click()
        page.wait_for_function(WAIT_CHART, arg=[top["label"],
                                                format_probability(top["probability"])],
                               polling="raf", timeout=120_000)
        t1 = time.perf_counter()
        page.wait_for_function(WAIT_SETTLED, polling="raf", timeout=120_000)
        t2 = time.perf_counter()
        chart_ms.append(1000 * (t1 - t0))
        settled_ms.append(1000 * (t2 - t0))
        page.wait_for_timeout(150)  # a person reads before the next click
    return chart_ms, settled_ms, new


def report(name: str, chart_ms: list[float], settled_ms: list[float], rss: float,
           new: int) -> None:
    print(f"{name}: {len(chart_ms)} changes ({new} new evidence sets) | "
          f"click→chart median {statistics.median(chart_ms):.0f} ms, p95 "
          f"{pct(chart_ms, 0.95):.0f} ms | click→all panels settled median "
          f"{statistics.median(settled_ms):.0f} ms, p95 {pct(settled_ms, 0.95):.0f} ms | "
          f"server RSS {rss:.0f} MB", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--soak", type=float, default=0.0, help="minutes to keep repeating")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    import model

    path = os.environ.get("TWITCHDX_PRIORS")
    m = model.load(path, check_catalog=False) if path else model.load()
    port = args.port or free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_browser_{port}.log"
    proc = start(port, log)
    try:
        wait_healthy(port, proc, log, timeout=120)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector('[data-testid="stVegaLiteChart"] [aria-roledescription="bar"]')
            page.wait_for_function(WAIT_SETTLED, polling=100)
            print(f"first page (model load + first run): {time.perf_counter() - t0:.1f} s, "
                  f"server RSS {rss_mb(proc.pid):.0f} MB", flush=True)
            rounds, first = 0, None
            end = time.monotonic() + 60 * args.soak
            while True:
                chart_ms, settled_ms, new = run_round(page, m, PEOPLE[rounds % len(PEOPLE)])
                rounds += 1
                result = (chart_ms, settled_ms, rss_mb(proc.pid), new)
                if first is None:
                    first = result
                    report("round 1", *result)
                if time.monotonic() >= end:
                    break
            if rounds > 1:
                report(f"round {rounds} (after {args.soak:g} min)", *result)
            browser.close()
    finally:
        stop(proc)
    if "Traceback" in log.read_text():
        print(f"the server log has a traceback: {log}")


if __name__ == "__main__":
    main()
