"""End-to-end: the explorer's Teach page (``/teach``) in Debian's Chromium via Playwright.

Screenshots land in test-artifacts/ (teach_desktop_*.png at 1400x1000, teach_phone_*.png at
390x844); look at them. Expected numbers come from the model API called here directly. Every
wait uses the generous global timeout set in conftest.py.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache

import pytest
from playwright.sync_api import Page, expect

import model
from explorer.teaching.state import encode_items
from model.interview import efficiency, interview
from model.present.format import format_probability
from model.present.network import neighbourhood

pytestmark = pytest.mark.browser

TEACH = "/teach"
START = {"age": "18_to_39", "sex": "male", "fasciculations": "yes",
         "twitch_legs_calves": "yes"}


@lru_cache(maxsize=1)
def real_model() -> model.TwitchModel:
    return model.load()


@pytest.fixture
def teach_url(warm_url) -> str:
    return warm_url + TEACH


def settled(page: Page) -> None:
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state",
                                                           "notRunning")


def drawn(page: Page) -> None:
    """The script has finished and every lazily loaded element has replaced its skeleton."""
    settled(page)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)


def link(**params: str) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in params.items())


def start_link(**more: str) -> str:
    return link(start=encode_items(list(START.items())), **more)


def question(page: Page, n: int, label: str):
    return page.locator(".st-key-teach_question").get_by_text(f"Question {n}: {label}")


def test_the_explorer_links_to_the_teach_page(page: Page, warm_url, shot_dir):
    page.goto(warm_url)
    page.get_by_role("link", name="Teach").first.click()
    expect(page.get_by_role("heading", name="Teaching with TwitchDx")).to_be_visible()
    expect(page.get_by_role("button", name="Start the interview")).to_be_visible()
    assert page.url.split("?")[0].endswith(TEACH)


def test_interview_one_question_at_a_time(page: Page, teach_url, shot_dir):
    m = real_model()
    page.goto(teach_url + start_link())
    first = interview(m, START, asked=0).question
    expect(question(page, 1, first.label)).to_be_visible()
    page.get_by_text("Why this question?").click()
    expect(page.get_by_text("It separates: " + ", ".join(first.separates))).to_be_visible()
    drawn(page)
    page.screenshot(path=str(shot_dir / "teach_desktop_01_interview.png"))
    page.locator(".st-key-teach_question").get_by_text("don't know", exact=True).click()
    second = interview(m, START, skipped=[first.id], asked=1).question
    expect(question(page, 2, second.label)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"path={first.id}(%3A|:)-"))


def greedy_path(m):
    path, ev, skipped = [], dict(START), []
    for i in range(25):
        step = interview(m, ev, skipped=skipped, asked=len(path))
        if step.stop:
            return path, step
        q = step.question.id
        if i % 3 == 2:
            path.append((q, None))
            skipped.append(q)
        else:
            path.append((q, m.nodes[q].states[0]))
            ev[q] = m.nodes[q].states[0]
    raise AssertionError("the interview did not stop")


def test_a_shared_link_replays_the_interview_to_its_stop(page: Page, teach_url, shot_dir):
    m = real_model()
    path, last = greedy_path(m)
    page.goto(teach_url + start_link(path=encode_items(path)))
    box = page.locator(".st-key-teach_stopped")
    expect(box.get_by_text(f"The interview stopped: {last.reason}.")).to_be_visible()
    expect(box.get_by_text(f"Questions asked: {len(path)}")).to_be_visible()
    score = efficiency(m, path, START).attrs["score"]
    expect(box.get_by_test_id("stMetricValue")).to_have_text(f"{score:.0%}")
    drawn(page)
    page.screenshot(path=str(shot_dir / "teach_desktop_02_stopped.png"))


def test_predict_first_then_score_calibrate_and_download(page: Page, teach_url, shot_dir,
                                                         tmp_path):
    from model.cases import load_cases

    m = real_model()
    case = next(c for c in load_cases(vocabulary=m) if c["diagnosis"] not in c["evidence"]
                and m.nodes[c["diagnosis"]].role in ("condition", "state"))
    page.goto(teach_url + link(mode="predict"))
    form = page.locator(".st-key-teach_forecast")
    inputs = form.get_by_role("spinbutton")
    expect(inputs.first).to_be_visible()
    expect(page.get_by_text("The source's diagnosis")).to_have_count(0)
    n = inputs.count()
    labels = [form.get_by_test_id("stNumberInput").nth(i).get_by_test_id("stWidgetLabel")
              .inner_text().removesuffix(" (%)") for i in range(n)]
    for i in range(n):
        inputs.nth(i).fill(str(10 * (i + 1)))
        inputs.nth(i).press("Tab")
    page.get_by_role("button", name="Commit my forecast and show the answer").click()
    expect(page.get_by_text(re.compile(r"Brier score \d\.\d{3}, log score"))).to_be_visible()
    by_label = {m.nodes[k].label: k for k in m.ids}
    stated = {by_label[lab]: (i + 1) / 10 for i, lab in enumerate(labels)}
    want = m.score_prediction(case["evidence"], stated)
    expect(page.get_by_text(f"Brier score {want.attrs['brier']:.3f}", exact=False)).to_be_visible()
    revealed = page.locator(".st-key-teach_revealed")
    for r in want.itertuples():
        expect(revealed.get_by_text(format_probability(r.exact), exact=True).first
               ).to_be_attached()
    expect(page.get_by_text(f"The source's diagnosis: {m.nodes[case['diagnosis']].label}")
           ).to_be_visible()
    chart = page.get_by_test_id("stVegaLiteChart")
    expect(chart.first).to_be_visible()
    drawn(page)
    page.screenshot(path=str(shot_dir / "teach_desktop_03_predict.png"))
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download my results (CSV)").click()
    saved = tmp_path / "results.csv"
    dl.value.save_as(saved)
    rows = list(csv.DictReader(saved.open()))
    assert sorted(r["entry"] for r in rows) == sorted(stated)


def test_naive_versus_exact(page: Page, teach_url, shot_dir):
    m = real_model()
    ev = {**START, "weakness": "mild_stable", "brisk_reflexes": "yes"}
    page.goto(teach_url + link(mode="naive", start=encode_items(list(ev.items())),
                               focus="als"))
    want = m.naive_vs_exact(ev, "als")
    values = page.get_by_test_id("stMetricValue")
    expect(values.nth(1)).to_have_text(format_probability(want.attrs["naive"]))
    expect(values.nth(2)).to_have_text(format_probability(want.attrs["exact"]))
    other = m.nodes[want.iloc[-1]["closest_other"]].label
    expect(page.get_by_text(re.compile(rf"{want.iloc[-1]['relation']}.*{re.escape(other)}"))
           .first).to_be_visible()
    drawn(page)
    page.screenshot(path=str(shot_dir / "teach_desktop_04_naive.png"))


def test_network_shift_and_the_control_beside_it(page: Page, teach_url, shot_dir):
    m = real_model()
    page.goto(teach_url + start_link(mode="network", focus="als"))
    svg = page.get_by_test_id("stGraphVizChart").locator("svg")
    expect(svg.get_by_text("Change since before any evidence", exact=False)).to_be_visible()
    post = m.posterior(START)
    before = m.present_probability("als", m.prior["als"])
    after = m.present_probability("als", post["als"])
    expect(svg.get_by_text(f"{format_probability(before)} → {format_probability(after)}")
           ).to_be_visible()
    drawn(page)
    page.screenshot(path=str(shot_dir / "teach_desktop_05_network.png"))
    svg.get_by_text("Change since before any evidence", exact=False).scroll_into_view_if_needed()
    page.screenshot(path=str(shot_dir / "teach_desktop_05_network_legend.png"))
    finding = next(n for n in neighbourhood(m, "als") if m.nodes[n].role == "finding")
    # the control beside the picture offers the first finding drawn; set its last state
    state = m.nodes[finding].states[-1]
    page.get_by_test_id("stRadio").get_by_text(m.nodes[finding].state_label(state),
                                               exact=True).click()
    node = svg.locator("g.node").filter(has=page.locator("title", has_text=finding))
    expect(node).to_contain_text(f"= {m.nodes[finding].state_label(state)}")
    drawn(page)
    page.screenshot(path=str(shot_dir / "teach_desktop_06_network_set.png"))


def test_teach_on_a_phone(phone: Page, teach_url, shot_dir):
    m = real_model()
    phone.goto(teach_url + start_link())
    first = interview(m, START, asked=0).question
    expect(question(phone, 1, first.label)).to_be_visible()
    drawn(phone)
    phone.screenshot(path=str(shot_dir / "teach_phone_01_interview.png"))
    phone.goto(teach_url + link(mode="predict"))
    expect(phone.locator(".st-key-teach_forecast")).to_be_visible()
    drawn(phone)
    phone.screenshot(path=str(shot_dir / "teach_phone_02_predict.png"))
    phone.goto(teach_url + start_link(mode="network", focus="als"))
    expect(phone.get_by_test_id("stGraphVizChart").locator("svg")).to_be_visible()
    drawn(phone)
    phone.screenshot(path=str(shot_dir / "teach_phone_03_network.png"))
