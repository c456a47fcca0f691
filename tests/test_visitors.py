"""Many visitors on one ``stridekit serve --public``: all served, each with their own data.

Twenty visitors open the overview at the same moment. Each is a websocket client that does
what the page's JavaScript does on opening: fetch the page (the server runs the notebook in a
kernel of the visitor's own), connect to that kernel's websocket, open the widgets' control
channel and ask for every widget's state, which holds the charts' figures. A browser would then
draw them; the browser part is shown by the two visitors below and by the other browser tests.

Two visitors in Chromium then upload different logs at the same moment, a FIT and a GPX, and
each sees only their own in every tab. When their pages close, their kernels end and the
uploads' temporary folders are gone from the disk.

Outcomes are asserted, never times; the waits are bounds on a loaded 2-core machine.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import ROOT, need_fixtures
from serving import Server, chart_data, free_port, launch, serve, wait_for_charts, watch

from stridekit.serve import PUBLIC_MAX_KERNELS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]

VISITORS = 20
PAGE = "/voila/render/overview.ipynb"
READY = "/voila/templates/lab/static/voila.js"  # answers without starting a kernel
KERNEL_RSS_BOUND = 600 * 2**20  # a kernel on the sample, its app drawn [bytes]
ARTIFACTS = ROOT / "test-artifacts"
FIT = "fit/fr45_run_8laps_1km_autolap.fit"  # one run, 13 Mar 2021
GPX = "gpx/polar_m400_run_no_extensions.gpx"  # one run, 26 Oct 2020
INPUT = ".stridekit-upload input[type=file]"
MESSAGE = ".stridekit-upload-message"
OPEN_TAB = ".stridekit-tabs .widget-tab-contents > :not(.lm-mod-hidden)"


@dataclass
class Site:
    server: Server
    tmp: Path  # the server's $TMPDIR, where kernels keep their uploads
    files: Path  # what the two visitors upload


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    fixtures = need_fixtures()
    root = tmp_path_factory.mktemp("visitors")
    # a short $TMPDIR, so that the kernels' Unix sockets fit (stridekit.serve._ipc_fits)
    tmp = Path(tempfile.mkdtemp(prefix="skv-", dir="/tmp"))
    files = root / "files"
    files.mkdir()
    (files / "run.fit").write_bytes((fixtures / FIT).read_bytes())
    (files / "run.gpx").write_bytes((fixtures / GPX).read_bytes())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with serve(
        [sys.executable, "-m", "stridekit.cli", "serve", "--public", "--port", str(port)],
        url=url,
        ready=url + READY,
        log_path=root / "voila.log",
        env={"STRIDEKIT_CACHE_DIR": str(root / "cache"), "TMPDIR": str(tmp)},
        timeout=300,
    ) as running:
        yield Site(running, tmp, files)
    left = list(tmp.glob("stridekit-upload-*"))
    shutil.rmtree(tmp, ignore_errors=True)
    assert not left, f"kernels delete their upload folders when the server stops: {left}"


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


# -- a visitor as a websocket client -------------------------------------------------------


@dataclass
class Visit:
    status: int
    page: str
    kernel: str = ""
    xsrf: str = ""
    views: set[str] = field(default_factory=set)  # the widgets the page displays
    states: dict[str, Any] = field(default_factory=dict)  # every widget's state, by model id
    frames: list[bytes] = field(default_factory=list)  # what the kernel's websocket sent


def _message(kind: str, content: dict[str, Any], session: str, **metadata: str) -> str:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": kind,
        "username": "",
        "session": session,
        "date": datetime.now(UTC).isoformat(),
        "version": "5.3",
    }
    return json.dumps(
        {
            "header": header,
            "parent_header": {},
            "metadata": metadata,
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
    )


def _decode(frame: str | bytes) -> dict[str, Any]:
    """A kernel message as jupyter_server sends it: JSON, or JSON and buffers in binary."""
    if isinstance(frame, str):
        return dict(json.loads(frame))
    (count,) = struct.unpack("!I", frame[:4])
    offsets = struct.unpack(f"!{count}I", frame[4 : 4 + 4 * count])
    end = offsets[1] if count > 1 else len(frame)
    return dict(json.loads(frame[offsets[0] : end]))


async def visit(url: str) -> Visit:
    """Open the overview as the page's JavaScript does, up to every widget's state."""
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    reply = await AsyncHTTPClient().fetch(
        url + PAGE, request_timeout=600, connect_timeout=600, raise_error=False
    )
    page = reply.body.decode("utf-8", "replace")
    seen = Visit(reply.code, page)
    if reply.code != 200:
        return seen
    config = re.search(r'<script id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S)
    assert config, "the page carries its configuration"
    seen.kernel = json.loads(config.group(1))["kernelId"]
    seen.views = set(re.findall(r'"model_id": "([0-9a-f]{32})"', page))
    cookies = dict(c.split(";")[0].split("=", 1) for c in reply.headers.get_list("Set-Cookie"))
    seen.xsrf = cookies.get("_xsrf", "")
    session = uuid.uuid4().hex
    socket_url = url.replace("http", "ws", 1) + f"/api/kernels/{seen.kernel}/channels"
    socket = await websocket_connect(
        HTTPRequest(
            f"{socket_url}?session_id={session}",
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())},
        ),
        max_message_size=2**28,
    )
    comm = uuid.uuid4().hex
    control = {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}}
    await socket.write_message(_message("comm_open", control, session, version="1.0.0"))
    ask = {"comm_id": comm, "data": {"method": "request_states"}}
    await socket.write_message(_message("comm_msg", ask, session))
    while not seen.states:
        frame = await asyncio.wait_for(socket.read_message(), 300)
        assert frame is not None, "the kernel's websocket closed before the widgets came"
        seen.frames.append(frame if isinstance(frame, bytes) else frame.encode())
        message = _decode(frame)
        data = (message.get("content") or {}).get("data") or {}
        if message.get("msg_type") == "comm_msg" and data.get("method") == "update_states":
            seen.states = data["states"]
    socket.close()
    return seen


async def visit_all(url: str, count: int) -> list[Visit]:
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=count + 2)
    return list(await asyncio.gather(*(visit(url) for _ in range(count))))


def close_page(url: str, seen: Visit) -> None:
    """What the page's beacon does when its tab closes: stop its kernel."""
    import urllib.request

    request = urllib.request.Request(
        f"{url}/voila/api/shutdown/{seen.kernel}",
        data=f"_xsrf={seen.xsrf}".encode(),
        headers={"Cookie": f"_xsrf={seen.xsrf}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert answer.status == 204


def kernels(server: Server) -> list[psutil.Process]:
    """The server's kernel processes."""
    return [
        p
        for p in psutil.Process(server.process.pid).children(recursive=True)
        if "ipykernel_launcher" in " ".join(p.cmdline())
    ]


def wait_until(check: Any, bound_s: float) -> bool:
    end = time.monotonic() + bound_s
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.5)
    return True


def test_twenty_visitors_at_once_are_all_served(site: Site) -> None:
    url = site.server.url
    visits = asyncio.run(visit_all(url, VISITORS))
    assert [v.status for v in visits] == [200] * VISITORS
    assert len({v.kernel for v in visits}) == VISITORS, "a kernel of their own each"
    for seen in visits:
        assert "Traceback" not in seen.page
        assert seen.views and seen.views <= set(seen.states), "every displayed widget came"
        charts = [
            json.loads(s["state"]["spec_json"])
            for s in seen.states.values()
            if "spec_json" in s["state"]
        ]
        assert charts and charts[0]["data"], "the first chart's figure came, with its traces"
        weeks = {x for trace in charts[0]["data"] for x in trace.get("x", [])}
        assert len(weeks) >= 20, "the sample's weeks"
        assert not [f for f in seen.frames if b"Traceback" in f]
        shown = seen.page + json.dumps(seen.states)
        assert str(ROOT) not in shown and str(site.tmp) not in shown, "no path of the server"

    running = kernels(site.server)
    assert VISITORS <= len(running) <= PUBLIC_MAX_KERNELS
    memory = [p.memory_full_info() for p in running]
    rss = sorted(m.rss for m in memory)
    assert rss[-1] < KERNEL_RSS_BOUND, f"a kernel took {rss[-1] / 2**20:.0f} MB"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "visitors.json").write_text(
        json.dumps(
            {
                "visitors": VISITORS,
                "kernels": len(running),
                "kernel_rss_mb": [round(r / 2**20) for r in rss],
                "kernel_pss_mb": sorted(round(m.pss / 2**20) for m in memory),
                "kernel_uss_mb": sorted(round(m.uss / 2**20) for m in memory),
                "server_rss_mb": round(
                    psutil.Process(site.server.process.pid).memory_info().rss / 2**20
                ),
            },
            indent=1,
        )
    )

    for seen in visits:
        close_page(url, seen)
    ids = {v.kernel for v in visits}
    assert wait_until(lambda: not ids & {_kernel_id(p) for p in kernels(site.server)}, 120)
    log = site.server.log()
    assert "Traceback" not in log, log[-3000:]
    assert "Refused a kernel" not in log


def _kernel_id(process: psutil.Process) -> str:
    found = re.search(r"kernel-([0-9a-f-]{36})\.json", " ".join(process.cmdline()))
    return found.group(1) if found else ""


# -- two visitors uploading at once, in Chromium -------------------------------------------


def open_app(browser: Any, site: Site) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 1200})
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{site.server.url}/", wait_until="domcontentloaded")
    wait_for_charts(page, timeout_ms=240_000)
    page.get_by_text("Use your own log").click()
    page.locator(INPUT).wait_for(state="attached", timeout=60_000)
    return page, seen


def verdict(page: Any) -> str:
    page.wait_for_function(
        f"""() => {{
            const m = document.querySelector('{MESSAGE}');
            return ['ok', 'error'].includes(m.dataset.kind) && !m.textContent.startsWith('Sending');
        }}""",
        timeout=240_000,
    )
    return str(page.locator(MESSAGE).inner_text())


def every_tab(page: Any) -> tuple[list[str], set[str]]:
    """Open every tab; return each tab's text and the dates on every chart of the page."""
    texts = []
    tabs = page.get_by_role("tab")
    for i in range(tabs.count()):
        tabs.nth(i).click()
        page.wait_for_function(
            f"""() => {{
                const open = document.querySelector('{OPEN_TAB}');
                return open && !open.innerText.includes('Loading')
                    && open.querySelectorAll('.js-plotly-plot .main-svg').length > 0;
            }}""",
            timeout=240_000,
        )
        texts.append(str(page.locator(OPEN_TAB).inner_text()))
    dates = {
        x[:10]
        for i in range(page.locator(".js-plotly-plot").count())
        for trace in chart_data(page, i)
        for x in trace["x"]
        if re.match(r"\d{4}-\d\d-\d\d", x)
    }
    return texts, dates


def test_two_uploads_at_once_each_see_only_their_own(site: Site, browser: Any) -> None:
    fit_page, fit_seen = open_app(browser, site)
    gpx_page, gpx_seen = open_app(browser, site)
    fit_page.set_input_files(INPUT, [str(site.files / "run.fit")])  # both at once
    gpx_page.set_input_files(INPUT, [str(site.files / "run.gpx")])
    assert verdict(fit_page).startswith("Read 1 session on 13 Mar 2021"), verdict(fit_page)
    assert verdict(gpx_page).startswith("Read 1 session on 26 Oct 2020"), verdict(gpx_page)

    folders = sorted(site.tmp.glob("stridekit-upload-*"))
    assert len(folders) == 2, "one upload folder per uploading kernel"
    assert all(f.stat().st_mode & 0o777 == 0o700 for f in folders), "private to the server user"
    assert len({f.name.split("-")[2] for f in folders}) == 2, "named by two kernels' pids"

    for page, own, others in (
        (fit_page, ("2021",), ("2020", "2025")),
        (gpx_page, ("2020",), ("2021", "2025")),
    ):
        texts, dates = every_tab(page)
        assert len(texts) == 5, "every dashboard's tab"
        assert dates and {d[:4] for d in dates} <= set(own), dates
        for text in texts:
            for year in others:
                assert year not in text, f"{year} shown to the {own} visitor: {text[:300]}"
        assert own[0] in texts[0]
    for seen in (fit_seen, gpx_seen):
        assert not seen.errors, seen.errors
        assert not seen.outside, seen.outside

    ended = subprocess.Popen(["true"])
    ended.wait()  # a kernel killed before it could delete its folder (out of memory, say)
    (site.tmp / f"stridekit-upload-{ended.pid}-killed").mkdir(mode=0o700)
    for page in (fit_page, gpx_page):
        page.close(run_before_unload=True)  # the visitor closes the tab: its kernel ends
    assert wait_until(lambda: not list(site.tmp.glob("stridekit-upload-*")), 150), (
        "the uploads' folders are gone once their kernels end, and the server deletes those "
        "of kernels that could not"
    )
    for page in (fit_page, gpx_page):
        page.context.close()
