"""A class on one server: N concurrent explorer sessions driven WITHOUT browsers.

    .venv/bin/python benchmarks/load_class.py                  # 20 sessions x 5 changes
    .venv/bin/python benchmarks/load_class.py --sessions 40 --think 0

The script starts its own server (``streamlit run app.py`` on 127.0.0.1 and a free port), then
runs N lightweight clients of Streamlit's own websocket protocol (``/_stcore/stream``, the
protobuf ``BackMsg``/``ForwardMsg`` classes of the installed streamlit package) in one asyncio
process. Each client opens the page with a shared-link scenario in the query string (as a
student following a teacher's link), then answers ``--changes`` intake items one at a time,
exactly as the browser does: a ``rerun_script`` message carrying the changed widget's state
(widgets are found generically in the page's deltas: any radio or segmented control whose key
is ``ev_<node id>``). A change counts as applied when the server writes the new item into the
page address (``page_info_changed``).

It prints page-open and rerun latency (send -> ``script_finished``) at p50/p95/max, errors,
the server's CPU seconds per interaction (from /proc, so the load of the clients is not
counted) and its memory, then stops the server. Only loopback traffic; bounded by --deadline.
A single client costs ~1 ms of CPU per rerun, so the clients do not compete with the server
for the cores the way 20 browsers do (the review's 16 s p50 was mostly Chromium).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from tests.streamlit_server import free_port, start, stop, wait_healthy  # noqa: E402

FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
WIDGET_PREFIX = "ev_"  # explorer/session.py: WIDGET = "ev_{}"
CLK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------ server


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system, with waited-for children) of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / CLK


def proc_mem(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) in MB."""
    info = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                .splitlines() if ":" in line)
    return (int(info["VmRSS"].split()[0]) / 1024, int(info["VmHWM"].split()[0]) / 1024)


# ------------------------------------------------------------------------ client


@dataclass
class Widget:
    id: str
    kind: str  # "radio" | "button_group"
    options: list[str]


@dataclass
class Stats:
    opens: list[float] = field(default_factory=list)
    reruns: list[float] = field(default_factory=list)
    applied: int = 0
    not_applied: int = 0
    exceptions: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class Session:
    """One browser tab, reduced to the messages that matter."""

    def __init__(self, port: int, stats: Stats):
        self.url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self.stats = stats
        self.widgets: dict[str, Widget] = {}  # node id -> its intake widget
        self.query = ""
        self.ws = None

    async def __aenter__(self) -> Session:
        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"],
                                           max_size=2**26, open_timeout=60)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def run(self, query: str, widget: Widget | None = None, option: str | None = None
                  ) -> float:
        """Send one rerun (optionally with a changed widget); wait for the script to finish."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = query
        cs.page_script_hash = ""
        if widget is not None:
            ws = cs.widget_states.widgets.add()
            ws.id = widget.id
            if widget.kind == "radio":
                ws.string_value = option
            else:
                ws.string_array_value.data.append(option)
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(await self.ws.recv())
            kind = fm.WhichOneof("type")
            if kind == "delta":
                self._element(fm.delta)
            elif kind == "page_info_changed":
                self.query = fm.page_info_changed.query_string
            elif kind == "script_finished" and fm.script_finished == FINISHED:
                return time.perf_counter() - t0

    def _element(self, delta) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        kind = el.WhichOneof("type")
        if kind == "exception":
            self.stats.exceptions.append(el.exception.message[:200])
            return
        if kind not in ("radio", "button_group"):
            return
        proto = getattr(el, kind)
        key = proto.id.rsplit("-", 1)[-1]
        if not key.startswith(WIDGET_PREFIX):
            return
        options = list(proto.options) if kind == "radio" else [o.content for o in proto.options]
        self.widgets[key[len(WIDGET_PREFIX):]] = Widget(proto.id, kind, options)


async def student(port: int, link: str, changes: int, think: float, rng: random.Random,
                  stats: Stats) -> None:
    try:
        async with Session(port, stats) as s:
            stats.opens.append(await s.run(link))
            for _ in range(changes):
                await asyncio.sleep(rng.uniform(0, think))
                # an item the scenario does not have yet, answered with any option but
                # "unknown" (options[0]): applied when the page address then carries it
                before = parse_qs(s.query)
                nid, widget = rng.choice([kv for kv in sorted(s.widgets.items())
                                          if kv[0] not in before])
                option = rng.choice(widget.options[1:])
                stats.reruns.append(await s.run(s.query, widget, option))
                ok = nid in parse_qs(s.query)
                stats.applied += ok
                stats.not_applied += not ok
    except Exception as exc:  # a failed session is reported, not fatal to the run
        stats.failures.append(f"{type(exc).__name__}: {exc}"[:200])


def links(n: int, rng: random.Random) -> list[str]:
    """Shared-link scenarios from the teaching cases (the class opens a teacher's case)."""
    try:
        sys.path.insert(0, str(ROOT))
        from model.cases import load_cases

        cases = [c["evidence"] for c in load_cases()]
    except Exception:  # the cases file is not required for a load test
        cases = [{"fasciculations": "yes"}]
    out = []
    for _ in range(n):
        ev = rng.choice(cases)
        out.append("&".join(f"{k}={v if isinstance(v, str) else '|'.join(v)}"
                            for k, v in ev.items()))
    return out


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q / 100 * len(xs)) - 1))]


async def load(ports: list[int], sessions: int, changes: int, think: float, seed: int
               ) -> Stats:
    """Sessions spread round-robin over the servers, as a sticky proxy would place them."""
    rng = random.Random(seed)
    stats = Stats()
    scenario = links(sessions, rng)
    await asyncio.gather(*(student(ports[i % len(ports)], scenario[i], changes, think,
                                   random.Random(seed * 1000 + i), stats)
                           for i in range(sessions)))
    return stats


# ------------------------------------------------------------------------ main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--changes", type=int, default=5, help="intake answers per session")
    ap.add_argument("--think", type=float, default=2.0,
                    help="each student waits U(0, THINK) s before an answer (0: flat out)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--servers", type=int, default=1,
                    help="server processes, sessions spread round-robin (as behind a proxy)")
    ap.add_argument("--app", default="app.py")
    ap.add_argument("--deadline", type=float, default=900, help="whole run, seconds")
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="twitchdx-load-"))
    ports = [free_port() for _ in range(args.servers)]
    logs = [folder / f"server-{port}.log" for port in ports]
    procs = []
    t_start = time.monotonic()
    try:
        for port, log in zip(ports, logs, strict=True):
            procs.append(start(port, log, app=ROOT / args.app,
                               env={**os.environ, "HF_HUB_OFFLINE": "1"}))
        for port, proc, log in zip(ports, procs, logs, strict=True):
            wait_healthy(port, proc, log, timeout=120)
        # warm-up: one session per server loads the model and fills the shared caches
        warm = asyncio.run(asyncio.wait_for(load(ports, len(ports), 1, 0.0, args.seed + 1),
                                            timeout=args.deadline))
        cpu0 = sum(proc_cpu(p.pid) for p in procs)
        rss0 = sum(proc_mem(p.pid)[0] for p in procs)
        own0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        remaining = args.deadline - (time.monotonic() - t_start)
        stats = asyncio.run(asyncio.wait_for(
            load(ports, args.sessions, args.changes, args.think, args.seed), timeout=remaining))
        wall = time.perf_counter() - t0
        cpu = sum(proc_cpu(p.pid) for p in procs) - cpu0
        own1 = resource.getrusage(resource.RUSAGE_SELF)
        rss1 = sum(proc_mem(p.pid)[0] for p in procs)
        peak = max(proc_mem(p.pid)[1] for p in procs)
        load_avg = os.getloadavg()[0]
    finally:
        for proc in procs:
            stop(proc)
    own = (own1.ru_utime + own1.ru_stime) - (own0.ru_utime + own0.ru_stime)
    n_int = len(stats.opens) + len(stats.reruns)
    lines = [x for log in logs for x in log.read_text(errors="replace").splitlines()]
    print(f"servers: {len(procs)} x streamlit run {args.app} on 127.0.0.1 ({os.cpu_count()} "
          f"cores; load average at the end {load_avg:.1f}, other work included); warm-up open "
          f"{pct(warm.opens, 50):.2f} s")
    print(f"{args.sessions} sessions x {args.changes} changes, think U(0, {args.think}) s, "
          f"wall {wall:.1f} s")
    print(f"page open  n={len(stats.opens):3d}  p50 {pct(stats.opens, 50):.2f} s  "
          f"p95 {pct(stats.opens, 95):.2f} s  max {max(stats.opens, default=float('nan')):.2f} s")
    print(f"rerun      n={len(stats.reruns):3d}  p50 {pct(stats.reruns, 50):.2f} s  "
          f"p95 {pct(stats.reruns, 95):.2f} s  max {max(stats.reruns, default=float('nan')):.2f} s"
          f"  (goal p95 < 1 s: {'met' if pct(stats.reruns, 95) < 1 else 'NOT met'})")
    print(f"changes applied {stats.applied}/{stats.applied + stats.not_applied}; "
          f"exceptions on pages {len(stats.exceptions)}; failed sessions {len(stats.failures)}")
    print(f"server CPU {cpu:.1f} s for {n_int} interactions = {cpu / max(n_int, 1):.3f} s each "
          f"({cpu / wall:.2f} cores busy); clients' CPU {own:.1f} s")
    print(f"server RSS {rss0:.0f} -> {rss1:.0f} MB in all (largest peak {peak:.0f} MB); log "
          f"{len(lines)} lines, {sum('does not exist anymore' in x for x in lines)} "
          "'fragment ... does not exist anymore'")
    for text in (stats.exceptions[:3] + stats.failures[:3]):
        print("  !", text)
    return 0 if not stats.failures and not stats.exceptions else 1


if __name__ == "__main__":
    sys.exit(main())
