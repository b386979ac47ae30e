"""End-to-end: a real `streamlit run app.py` server driven in Debian's Chromium by Playwright.

Screenshots land in test-artifacts/ (gitignored); look at them to check the page reads like a
clinical tool. The expected numbers come from the model API, called here directly.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import pytest
from playwright.sync_api import Page, expect

import model
from model.display import format_probability

pytestmark = pytest.mark.browser


@lru_cache(maxsize=1)
def real_model() -> model.TwitchModel:
    return model.load()


def differential_chart(page: Page):
    # the first Vega-Lite chart on the page is the differential
    return page.get_by_test_id("stVegaLiteChart").first


def expect_differential(page: Page, evidence: dict[str, str]) -> None:
    """Wait until the differential shows the model's top entry and its value for ``evidence``."""
    diff = real_model().differential(evidence)
    top = diff[diff["role"].isin(["condition", "state"])].iloc[0]  # the chart's default kinds
    chart = differential_chart(page)
    first_bar = chart.locator('[aria-roledescription="bar"]').first
    expect(first_bar).to_have_attribute(
        "aria-label", re.compile(rf"label: {re.escape(top['label'])}; kind: With this evidence"))
    expect(chart.get_by_text(format_probability(top["probability"]), exact=True).first
           ).to_be_visible()


def settled(page: Page) -> None:
    """Wait until the script run triggered by the last action has finished."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state",
                                                           "notRunning")


def answer(page: Page, node_id: str, state: str) -> None:
    """Click one answer of an evidence item in the sidebar (segmented control or radio)."""
    node = real_model().nodes[node_id]
    box = page.locator(f".st-key-ev_{node_id}")
    box.scroll_into_view_if_needed()
    box.get_by_role("radio", name=node.state_label(state), exact=True).click()


def open_group(page: Page, group: str) -> None:
    summary = page.get_by_test_id("stSidebar").get_by_test_id("stExpander").filter(
        has_text=group).first.locator("summary")
    if summary.get_attribute("aria-expanded") != "true":
        summary.click()


def test_entering_evidence_moves_the_differential(page: Page, streamlit_url, shot_dir):
    page.goto(streamlit_url)
    expect(page.get_by_text("What-if explorer for the differential diagnosis")).to_be_visible()
    expect(page.get_by_text(model.DISCLAIMER)).to_be_visible()
    expect_differential(page, {})
    page.screenshot(path=str(shot_dir / "01_start.png"))

    answer(page, "age", "40_to_64")
    answer(page, "fasciculations", "yes")
    expect_differential(page, {"age": "40_to_64", "fasciculations": "yes"})
    open_group(page, "Other symptoms and signs")
    answer(page, "weakness", "progressive")
    ev = {"age": "40_to_64", "fasciculations": "yes", "weakness": "progressive"}
    expect_differential(page, ev)

    expect(page.get_by_text("Presentation (3):")).to_be_visible()
    flag = real_model().nodes["weakness"].red_flags["progressive"]
    expect(page.get_by_text(flag)).to_be_visible()
    expect(page.get_by_text("What changed")).to_be_visible()
    # the URL holds the scenario: one parameter per observed item
    expect(page).to_have_url(re.compile(r"weakness=progressive"))
    for k, v in ev.items():
        assert f"{k}={v}" in page.url
    page.screenshot(path=str(shot_dir / "02_after_evidence.png"))
    page.screenshot(path=str(shot_dir / "02_after_evidence_full.png"), full_page=True)


def test_shared_link_restores_the_scenario(page: Page, streamlit_url, shot_dir):
    ev = {"fasciculations": "yes", "twitch_tongue": "yes", "weakness": "progressive",
          "age": "65_plus"}
    page.goto(streamlit_url + "/?" + "&".join(f"{k}={v}" for k, v in ev.items()))
    expect_differential(page, ev)
    expect(page.get_by_text("Presentation (4):")).to_be_visible()
    expect(page.get_by_text("Red flags — see a doctor promptly (2)")).to_be_visible()
    settled(page)  # the first script run has finished drawing the widgets
    checked = page.locator(".st-key-ev_twitch_tongue").get_by_role("radio", name="yes")
    expect(checked).to_have_attribute("aria-checked", "true")
    expect(page.get_by_text("Presentation (4):")).to_be_visible()  # the link's evidence kept
    page.screenshot(path=str(shot_dir / "03_shared_link.png"))


def test_bad_link_shows_a_friendly_message(page: Page, streamlit_url, shot_dir):
    page.goto(streamlit_url + "/?fasciculations=perhaps&nonsense=1")
    expect(page.get_by_text(re.compile("The shared link could not be used"))).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    expect_differential(page, {})
    page.screenshot(path=str(shot_dir / "04_bad_link.png"))


def test_download_then_upload_a_scenario(page: Page, streamlit_url, shot_dir, tmp_path):
    ev = {"fasciculations": "yes", "twitch_eyelid": "yes", "caffeine_intake": "high"}
    page.goto(streamlit_url + "/?" + "&".join(f"{k}={v}" for k, v in ev.items()))
    expect_differential(page, ev)
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("Download this scenario")).click()
    saved = tmp_path / "scenario.json"
    info.value.save_as(saved)
    doc = json.loads(saved.read_text())
    assert doc["evidence"] == ev

    page.get_by_role("button", name="Reset").click()
    expect(page.get_by_text("nothing entered yet")).to_be_visible()
    expect_differential(page, {})
    page.locator(".st-key-scenario_upload input[type=file]").set_input_files(str(saved))
    expect(page.get_by_text("Opened the scenario in 'scenario.json'.")).to_be_visible()
    expect_differential(page, ev)
    expect(page.get_by_text("Presentation (3):")).to_be_visible()
    page.screenshot(path=str(shot_dir / "05_uploaded.png"))


def test_compare_a_and_b_and_the_panels(page: Page, streamlit_url, shot_dir):
    a = {"fasciculations": "yes", "twitch_eyelid": "yes"}
    page.goto(streamlit_url + "/?" + "&".join(f"{k}={v}" for k, v in a.items()))
    expect_differential(page, a)
    page.get_by_role("button", name="Pin as scenario A").click()
    open_group(page, "Other symptoms and signs")
    answer(page, "weakness", "progressive")
    expect_differential(page, {**a, "weakness": "progressive"})
    expect(page.get_by_text("Scenario A (pinned)")).to_be_visible()
    expect(page.get_by_text("Scenario B (current)")).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(4)  # main, A, B, Why
    expect(page).to_have_url(re.compile(r"weakness=progressive"))
    assert "fasciculations=yes" in page.url and "twitch_eyelid=yes" in page.url
    settled(page)
    page.get_by_role("heading", name="Scenario A / B").scroll_into_view_if_needed()
    page.screenshot(path=str(shot_dir / "06_compare.png"))

    page.get_by_role("tab", name="Node details & network").click()
    graph = page.get_by_test_id("stGraphVizChart")
    expect(graph.locator("svg")).to_be_visible()
    graph.scroll_into_view_if_needed()
    page.screenshot(path=str(shot_dir / "07_node_details.png"))

    page.get_by_role("tab", name="What to ask next").click()
    expect(page.get_by_text("What would each answer do?")).to_be_visible()
    page.screenshot(path=str(shot_dir / "08_next_tests.png"))


def test_teaching_case(page: Page, streamlit_url, shot_dir):
    from model.cases import load_cases

    case = load_cases()[2]
    page.goto(streamlit_url)
    expect_differential(page, {})
    page.locator(".st-key-case_pick").click()
    page.get_by_role("option", name=case["title"]).click()
    page.get_by_role("button", name="Load case").click()
    expect_differential(page, case["evidence"])
    expect(page.get_by_text(f"Teaching case: {case['title']}", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(re.escape(case["source"]["citation"][:40])))
           ).to_be_visible()
    page.screenshot(path=str(shot_dir / "09_teaching_case.png"))
