"""A real ``stridekit serve --public`` on 127.0.0.1: what a curious visitor tries is refused.

The paths below are the ones a visitor who knows Jupyter and Voila would try: the file tree,
the contents, kernels, sessions and terminals APIs, JupyterLab, the notebooks' sources, files
outside the dashboards by every spelling of ``..``, Voila's own template and theme switches.
Every one is answered 403, 404 or 405 with no content; the dashboards themselves still draw,
``?theme=dark`` still darkens them, and no page or websocket message carries a traceback,
even when a cell or a widget's action fails.
"""

from __future__ import annotations

import http.client
import json
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import nbformat
import pytest
from conftest import ROOT, SAMPLE
from serving import CHART, Server, chart_data, free_port, launch, serve, wait_for_charts, watch

from stridekit.public import BUSY, FAILED_PART

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]

CAP = 3  # kernels the test server may run at once
READY = "/voila/templates/lab/static/voila.js"  # answers without starting a kernel
PAGE = "/voila/render/overview.ipynb"
UP = "..%2f" * 12  # enough to climb from any served folder to /
HOME = str(Path.home()).lstrip("/")
SAMPLE_FILE = (SAMPLE / "sessions.csv").relative_to("/")

CURIOUS = [
    # listings and Jupyter's APIs
    "/tree",
    "/voila/tree",
    "/voila/tree/",
    "/voila/api/contents",
    "/voila/api/contents/overview.ipynb",
    "/api/contents",
    "/api/contents/overview.ipynb",
    "/api/contents/%2e%2e",
    "/api/kernels",
    "/api/sessions",
    "/api/terminals",
    "/terminals/1",
    "/terminals/websocket/1",
    "/api/kernelspecs",
    "/kernelspecs/python3/kernel.json",
    "/api/config/notebook",
    "/api/status",
    "/api/me",
    "/lab",
    "/lab/tree/overview.ipynb",
    "/notebooks/overview.ipynb",
    "/edit/overview.ipynb",
    "/files/overview.ipynb",
    "/login",
    "/logout",
    # the notebooks' sources and the other notebooks
    "/voila/files/overview.ipynb",
    "/voila/files/explore.ipynb",
    "/voila/render/explore.ipynb",
    "/voila/render/overview.py",
    "/voila/render/missing.ipynb",
    "/voila/render/",
    "/voila/render/%2e%2e/README.md",
    "/voila/render/..%2fpyproject.toml",
    "/voila/render/..%2fdashboards%2foverview.ipynb",
    "/overview.ipynb",
    "/dashboards/overview.ipynb",
    # files outside the dashboards: the log, the package, the system, the home folder
    f"/voila/files/{UP}{SAMPLE_FILE}",
    "/voila/files/..%2fdata%2fsample%2fsessions.csv",
    f"/voila/static/{UP}{SAMPLE_FILE}",
    f"/voila/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/{SAMPLE_FILE}",
    "/voila/static/../app.py",
    "/voila/static/..%2fapp.py",
    "/voila/static/",
    "/static/../etc/passwd",
    "/static/",
    "/etc/passwd",
    f"/voila/static/{UP}etc/passwd",
    f"/voila/static/{UP}{HOME}/.ssh/id_rsa",
    f"/voila/files/{UP}etc/passwd",
    "/voila/files//etc/passwd",
    f"/voila/templates/lab/static/{UP}etc/passwd",
    f"/voila/templates/{UP}etc/static/passwd",
    "/voila/templates/classic/static/voila.js",
    f"/voila/labextensions/{UP}etc/passwd",
    f"/voila/api/themes/{UP}etc/passwd",
    "/voila/api/shutdown/0",
]

LEAKS = (
    "root:x:0",  # /etc/passwd
    "PRIVATE KEY",
    '"nbformat"',  # a notebook's source
    "overview.app(",
    "session,date,start",  # the log's sessions.csv
    "Traceback",
    "import ",
)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str


def request(server: Server, path: str, method: str = "GET", **kwargs: Any) -> Reply:
    """``path`` exactly as written (no client-side clean-up of ``..`` or ``%2e``)."""
    where = urlsplit(server.url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=300)
    try:
        conn.request(method, path, **kwargs)
        answer = conn.getresponse()
        body = answer.read().decode("utf-8", "replace")
        return Reply(answer.status, {k.lower(): v for k, v in answer.getheaders()}, body)
    finally:
        conn.close()


def kernel_of(page: str) -> str:
    found = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', page)
    assert found, "the page names its kernel"
    return found.group(1)


def close_page(server: Server, reply: Reply) -> None:
    """What the page's beacon does when its tab is closed: stop its kernel."""
    cookie = SimpleCookie(reply.headers.get("set-cookie", ""))
    xsrf = cookie["_xsrf"].value
    answer = request(
        server,
        f"/voila/api/shutdown/{kernel_of(reply.body)}",
        "POST",
        body=f"_xsrf={xsrf}",
        headers={
            "Cookie": f"_xsrf={xsrf}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert answer.status == 204, answer.body


def kernel_gone(server: Server, kernel: str, deadline_s: float = 60) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if request(server, f"/api/kernels/{kernel}").status == 404:
            return True
        time.sleep(0.5)
    return False


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("public")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "stridekit.cli", "serve", "--public", "--port", str(port)]
    with serve(
        [*cmd, "--max-kernels", str(CAP)],
        url=url,
        ready=url + READY,
        log_path=root / "voila.log",
        env={"STRIDEKIT_CACHE_DIR": str(root / "cache"), "TMPDIR": str(root)},
        timeout=300,
    ) as running:
        yield running


FAILING = [
    """import sys
import ipywidgets as widgets
NOTEBOOK_SOURCE = 'a line of the notebook'
def fail(_):
    print('about to fail in /home/runner/secret.py', file=sys.stderr)
    raise ZeroDivisionError('a detail from /home/runner/.ssh/id_rsa')
button = widgets.Button(description='Break it')
button.on_click(fail)
button""",
    "import warnings\nwarnings.warn('a warning from /home/runner/secret.py')\n"
    "raise ZeroDivisionError('a detail from /home/runner/.ssh/id_rsa')",
    "print('never run')",
]
SECRETS = ("Traceback", "ZeroDivisionError", "/home/runner", "NOTEBOOK_SOURCE", "about to fail")


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A public server on a notebook whose second cell fails, and whose button fails."""
    root = tmp_path_factory.mktemp("failing")
    (root / "pages").mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in FAILING]
    nbformat.write(notebook, root / "pages" / "fails.ipynb")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    code = (
        "from pathlib import Path; from stridekit.serve import run_voila; "
        f"run_voila(Path({str(root / 'pages')!r}), port={port}, public=True, pages=['fails'])"
    )
    with serve(
        [sys.executable, "-c", code],
        url=url,
        ready=url + READY,
        log_path=root / "voila.log",
        env={"TMPDIR": str(root)},
    ) as running:
        yield running


@pytest.fixture(scope="module")
def browser(public: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("path", CURIOUS)
def test_a_curious_visitor_is_refused(public: Server, path: str) -> None:
    reply = request(public, path)
    assert reply.status in (403, 404, 405), f"{path}: {reply.status}\n{reply.body[:500]}"
    for leak in LEAKS:
        assert leak not in reply.body, f"{path} answered {leak!r}"


def test_a_kernel_can_only_be_read(public: Server) -> None:
    page = request(public, PAGE)
    kernel = kernel_of(page.body)
    try:
        for method in ("DELETE", "PATCH", "POST", "PUT"):
            reply = request(public, f"/api/kernels/{kernel}", method, body="{}")
            assert reply.status in (403, 405), (method, reply.body)
        for action in ("restart", "interrupt"):
            reply = request(public, f"/api/kernels/{kernel}/{action}", "POST", body="{}")
            assert reply.status in (403, 404, 405), (action, reply.body)
        model = json.loads(request(public, f"/api/kernels/{kernel}").body)
        assert model["id"] == kernel, "still running, and its model is what the page reads"
    finally:
        close_page(public, page)
    assert kernel_gone(public, kernel), "the page's beacon stops its kernel"


def test_the_start_is_the_overview(public: Server) -> None:
    reply = request(public, "/?units=mi&theme=dark")
    assert reply.status == 302
    assert reply.headers["location"] == f"{PAGE}?units=mi&theme=dark"


def test_a_page_has_no_source_and_ignores_template_and_theme_switches(public: Server) -> None:
    query = "template=classic&voila-template=reveal&voila-theme=dark&theme=evil"
    page = request(public, f"{PAGE}?{query}")
    try:
        assert page.status == 200
        assert "/voila/templates/lab/static/theme-light.css" in page.body, "lab, light"
        assert not re.search(r"templates/(classic|reveal)|theme-dark", page.body)
        for leak in ("overview.app(", "from stridekit", "import ", "Traceback"):
            assert leak not in page.body
        assert '"model_id"' in page.body, "the app's widget is on the page"
        assert str(ROOT) not in page.body, "no path of the server's files"
        assert str(public.log_path.parent) not in page.body, "nor of its temporary folder"
    finally:
        close_page(public, page)


def test_kernels_are_capped_with_a_friendly_refusal(public: Server) -> None:
    pages = []
    try:
        for _ in range(CAP):
            pages.append(request(public, PAGE))
            assert pages[-1].status == 200
        busy = request(public, PAGE)
        assert busy.status == 503
        assert busy.headers.get("retry-after") == "60"
        assert BUSY in busy.body.replace("&#x27;", "'")
        assert "Traceback" not in busy.body
        close_page(public, pages.pop(0))
        end = time.monotonic() + 60
        while (again := request(public, PAGE)).status == 503 and time.monotonic() < end:
            time.sleep(0.5)  # the closed page's kernel is on its way out
        assert again.status == 200, "a closed page frees its place"
        pages.append(again)
    finally:
        for page in pages:
            close_page(public, page)


def test_the_overview_draws_and_theme_dark_applies(public: Server, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen = watch(page)
    frames: list[bytes] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived", lambda p: frames.append(p if isinstance(p, bytes) else p.encode())
        ),
    )
    page.goto(f"{public.url}/?theme=dark", wait_until="domcontentloaded")
    page.wait_for_url(f"**{PAGE}?theme=dark")
    wait_for_charts(page, timeout_ms=240_000)
    assert page.locator(CHART).count() >= 1
    assert len({x for t in chart_data(page, 0) for x in t["x"]}) >= 20, "the sample's weeks"
    backgrounds = page.evaluate(
        "[...document.querySelectorAll('.js-plotly-plot')].map(g => g._fullLayout.paper_bgcolor)"
    )
    assert backgrounds and set(backgrounds) == {"#111111"}, "dark charts"
    sheets = page.evaluate("[...document.styleSheets].map(s => s.href || '')")
    assert any("theme-dark.css" in s for s in sheets), "Voila's dark page"
    text = page.locator("body").inner_text()
    assert "Traceback" not in text
    assert "Overview" in text
    assert not seen.errors, seen.errors
    assert not seen.outside, seen.outside
    assert not [f for f in frames if b"Traceback" in f]
    kernel = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    page.close(run_before_unload=True)  # the visitor closes the tab
    assert kernel_gone(public, kernel), "the page's beacon stopped its kernel"
    context.close()


def test_a_failed_cell_is_a_sentence(failing: Server) -> None:
    page = request(failing, "/voila/render/fails.ipynb")
    assert page.status == 200
    text = page.body.replace("&#x27;", "'")
    assert FAILED_PART in text
    for secret in SECRETS:
        assert secret not in text, secret
    assert "never run" not in text


def test_a_failed_action_sends_no_traceback(failing: Server, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    seen = watch(page)
    frames: list[bytes] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived", lambda p: frames.append(p if isinstance(p, bytes) else p.encode())
        ),
    )
    page.goto(f"{failing.url}/", wait_until="domcontentloaded")
    button = page.get_by_role("button", name="Break it")
    button.click()
    button.click()
    answered = FAILED_PART.encode()
    end = time.monotonic() + 60
    while sum(answered in f for f in frames) < 2 and time.monotonic() < end:
        page.wait_for_timeout(200)
    assert sum(answered in f for f in frames) == 2, "each failure answered with the sentence"
    for secret in SECRETS:
        assert not [f for f in frames if secret.encode() in f], secret
    assert "Traceback" not in page.locator("body").inner_text()
    assert not [e for e in seen.errors if "Traceback" in e]
    assert json.dumps(seen.errors).count("ZeroDivisionError") == 0
    context.close()
