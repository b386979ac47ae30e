"""Start and stop ``streamlit run app.py`` on a free loopback port, and the Chromium settings:
one place for the browser tests (``tests/conftest.py``) and the benchmarks that drive a real
server (``benchmarks/bench_browser.py``, ``benchmarks/load_class.py``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# --no-sandbox: we run as root. The background-networking/component/sync flags stop Chromium
# from phoning home (the network is closed here).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# urllib honours http_proxy/https_proxy; never send loopback checks through a proxy.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(port: int, log: Path, app: str | Path = ROOT / "app.py",
          env: Mapping[str, str] | None = None) -> subprocess.Popen:
    """``streamlit run`` in its own process group (so ``stop`` ends its children too), output
    to ``log``; returns at once (see :func:`wait_healthy`). The project's
    ``.streamlit/config.toml`` applies (the working folder is the project)."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(app),
           "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
           "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"]
    with open(log, "w") as fh:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                env=dict(os.environ if env is None else env))


def wait_healthy(port: int, proc: subprocess.Popen, log: Path, timeout: float = 90) -> float:
    """Seconds until ``/_stcore/health`` answers; the log in the error if it never does."""
    t0 = time.monotonic()
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with _NO_PROXY.open(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - t0
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"streamlit not healthy after {timeout:.0f} s:\n{log.read_text()}")
        time.sleep(0.1)


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM to the server's process group, SIGKILL if it has not ended within ``timeout``."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)
    except ProcessLookupError:
        proc.wait(timeout=timeout)
