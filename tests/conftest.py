"""Shared fixtures for the app tests: a real `streamlit run app.py` server and Debian's Chromium
driven by Playwright (never `playwright install`; see /work/shared/reference/tooling.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .streamlit_server import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, start, stop, wait_healthy

ARTIFACTS = ROOT / "test-artifacts"


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} not found (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} not found")


@pytest.fixture(scope="session")
def streamlit_url(tmp_path_factory):
    """`streamlit run app.py` (the real priors) on 127.0.0.1:<free port>; stopped afterwards."""
    _require_chromium()  # the server is only for browser tests: skip early without a browser
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWITCHDX_")}
    proc = start(port, log, env=env)
    try:
        wait_healthy(port, proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
        if "Traceback" in log.read_text():
            print(f"\nstreamlit server log ({log}):\n{log.read_text()}")


# One generous timeout for every Playwright wait and expect: a loaded 2-core machine must slow
# the browser tests down, never fail them (Playwright's expect defaults to 5 s).
BROWSER_TIMEOUT_MS = 90_000


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def warm_url(streamlit_url, browser):
    """The server after one full page run (model built, caches primed), so the first test
    does not pay for the model load inside its timeouts."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(BROWSER_TIMEOUT_MS * 2)
    pg.goto(streamlit_url)
    pg.get_by_test_id("stVegaLiteChart").first.wait_for()
    ctx.close()
    return streamlit_url


def _page(browser, width: int, height: int):
    ctx = browser.new_context(viewport={"width": width, "height": height},
                              accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(BROWSER_TIMEOUT_MS)
    return ctx, pg


@pytest.fixture
def page(browser):
    ctx, pg = _page(browser, 1400, 1000)
    yield pg
    ctx.close()


@pytest.fixture
def phone(browser):
    ctx, pg = _page(browser, 390, 844)
    yield pg
    ctx.close()


@pytest.fixture
def shot_dir() -> Path:
    """Screenshots go to test-artifacts/ (gitignored) so a person can look at them."""
    d = Path(os.environ.get("SCREENSHOT_DIR", ARTIFACTS))
    d.mkdir(parents=True, exist_ok=True)
    return d
