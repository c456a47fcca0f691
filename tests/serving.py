"""Helpers for tests that serve dashboards and drive them in headless Chromium."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import CHROMIUM, IN_CI

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHART = ".js-plotly-plot .main-svg"
FONT_AWESOME_HOST = "cdn.jsdelivr.net"
# Any property of it, called or not, is itself: MathJax.Hub.Config(...), .Queue(...) and the rest.
MATHJAX_STUB = (
    "const stub = new Proxy(function () {}, {get: () => stub, apply: () => stub});"
    " window.MathJax = stub;"
)


def need_chromium() -> Path:
    """Debian's chromium; skip (or, in CI, fail) when it is not installed."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"CI is set but {CHROMIUM} is missing: .ci/run installs it")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server process started for a test, in its own process group."""

    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def serve(
    cmd: Sequence[str],
    *,
    url: str,
    ready: str,
    log_path: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120.0,
) -> Iterator[Server]:
    """Run ``cmd`` until ``ready`` (a URL) answers 200, yield it, then stop it."""
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            list(cmd),
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )
    server = Server(process, url, log_path)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
            try:
                with urllib.request.urlopen(ready, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready after {timeout} s:\n{server.log()}")
            time.sleep(0.25)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class PageWatch:
    """Console errors and outside requests seen by one page."""

    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


def watch(page: Any, *, answer: tuple[str, ...] = (FONT_AWESOME_HOST,)) -> PageWatch:
    """Record console errors and page errors; answer the expected outside requests locally.

    The lab template links Font Awesome from cdn.jsdelivr.net, the one outside request a
    page served by ``stridekit serve`` makes; requests to the hosts in ``answer`` get an
    empty response. Any other request leaving 127.0.0.1 is recorded and aborted.
    """
    seen = PageWatch()
    page.on("console", lambda msg: seen.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: seen.errors.append(f"pageerror: {exc}"))

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            route.continue_()
        elif any(host in url for host in answer):
            if ".css" in url:
                route.fulfill(status=200, content_type="text/css", body="")
            else:  # MathJax 2's API, as nbconvert's mathjax template calls it
                route.fulfill(status=200, content_type="application/javascript", body=MATHJAX_STUB)
        else:
            seen.outside.append(url)
            route.abort()

    page.route("**/*", route)
    return seen


IN_VIEW = """(gd) => {  // a chart out of view redraws once in view: scroll to it, as a runner
    gd.scrollIntoView({block: 'nearest'});  // would, and give the redraw two frames
    return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""


def chart_data(page: Any, index: int = 0) -> list[dict[str, Any]]:
    """The traces plotly drew in the ``index``-th chart of the page (x, y, name), brought into
    view first (charts out of view redraw only once in view)."""
    return page.evaluate(
        f"""async (i) => {{
            const gd = document.querySelectorAll('.js-plotly-plot')[i];
            await ({IN_VIEW})(gd);
            return gd._fullData.map(t => ({{
                name: t.name, x: Array.from(t.x || []).map(String),
                y: Array.from(t.y || []).map(Number),
            }}));
        }}""",
        index,
    )


def wait_for_charts(page: Any, count: int = 1, timeout_ms: float = 90_000) -> None:
    """Wait until ``count`` plotly charts have drawn."""
    page.wait_for_function(
        "(n) => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
        arg=count,
        timeout=timeout_ms,
    )


def launch(playwright: Any) -> Any:
    """Headless Debian chromium, never a downloaded browser."""
    return playwright.chromium.launch(executable_path=str(need_chromium()), args=CHROMIUM_ARGS)


def open_page(
    browser: Any, url: str, width: int = 1280, *, charts: int = 0, timeout_ms: int = 180_000
) -> tuple[Any, Any]:
    """A fresh page (its own browser context) on ``url``, its console watched; with
    ``charts``, once that many charts are drawn."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    seen = watch(page)
    page.goto(url, wait_until="domcontentloaded")
    if charts:
        wait_for_charts(page, charts, timeout_ms=timeout_ms)
    return page, seen


def set_date(page: Any, label: str, value: str) -> None:
    """Type ``value`` (YYYY-MM-DD) into the date picker labelled ``label``."""
    box = page.locator(".widget-datepicker", has_text=label).locator("input[type=date]")
    box.fill(value)
    box.dispatch_event("change")


def wait_changed(
    page: Any, index: int, before: list[dict[str, Any]], timeout: float = 60_000
) -> list[dict[str, Any]]:
    """The ``index``-th chart's traces once its drawn x and y differ from ``before``.

    Both sides are read the way :func:`chart_data` reads them and compared in the page; the
    chart is kept in view meanwhile.
    """
    page.wait_for_function(
        """([i, old]) => {
            const gd = document.querySelectorAll('.js-plotly-plot')[i];
            gd.scrollIntoView({block: 'nearest'});
            const sig = (ts) => JSON.stringify(ts.map((t) => [
                Array.from(t.x || []).map(String),
                Array.from(t.y || []).map((v) => String(Number(v))),  // as chart_data reads
            ]));
            return sig(gd._fullData) !== sig(old);
        }""",
        arg=[index, before],
        timeout=timeout,
    )
    return chart_data(page, index)


@contextlib.contextmanager
def dashboards_server(tmp: Path, *extra: str) -> Iterator[Server]:
    """``stridekit serve`` on the sample (plus ``extra`` options), with its own cache."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with serve(
        [sys.executable, "-m", "stridekit.cli", "serve", "--port", str(port), *extra],
        url=url,
        ready=f"{url}/voila/render/overview.ipynb",
        log_path=tmp / "voila.log",
        env={"STRIDEKIT_CACHE_DIR": str(tmp / "cache")},
        timeout=300,
    ) as running:
        yield running


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()
