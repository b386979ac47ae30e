"""Shared fixtures for the app tests: a real `streamlit run app.py` server and Debian's Chromium
driven by Playwright (never `playwright install`; see /work/shared/reference/tooling.md)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# --no-sandbox: we run as root. The background-networking/component/sync flags stop Chromium
# from phoning home (the network is closed here).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# urllib honours http_proxy/https_proxy; never send loopback checks through a proxy.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> float:
    t0 = time.monotonic()
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with _NO_PROXY.open(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - t0
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"streamlit not healthy after {timeout}s:\n{log.read_text()}")
        time.sleep(0.1)


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} not found (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} not found")


@pytest.fixture(scope="session")
def streamlit_url(tmp_path_factory):
    """`streamlit run app.py` (the real priors) on 127.0.0.1:<free port>; stopped afterwards."""
    _require_chromium()  # the server is only for browser tests: skip early without a browser
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWITCHDX_")}
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
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
