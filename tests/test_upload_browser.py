"""Real Voila, real headless Chromium: a visitor uploads their own log on the overview.

The server runs with a 1 MB cap (``stridekit serve --max-upload-mb 1``), so that files just
under and just over it are small.
"""

from __future__ import annotations

import gzip
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, need_fixtures
from serving import Server, chart_data, free_port, launch, serve, wait_for_charts, watch

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("voila")]

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CAP_MB = 1
CAP = CAP_MB * 2**20
FIT = "fit/fr45_run_8laps_1km_autolap.fit"  # one run, 13 Mar 2021
OTHER_FIT = "fit/activity-small-fenix2-run.fit"  # one run, 15 Aug 2015
GPX = "gpx/polar_m400_run_no_extensions.gpx"  # one run, 26 Oct 2020
INPUT = ".stridekit-upload input[type=file]"
MESSAGE = ".stridekit-upload-message"
HEADLINE = "p:has-text('of running in')"
BIG_FRAME = 64 * 1024  # no widget message but a file's chunk is this large [bytes]


@dataclass
class Site:
    server: Server
    tmp: Path  # the server's $TMPDIR, where kernels keep their uploads
    files: Path  # what the visitor uploads


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    fixtures = need_fixtures()
    root = tmp_path_factory.mktemp("upload")
    (root / "tmp").mkdir()
    files = root / "files"
    files.mkdir()
    make_files(fixtures, files)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "stridekit.cli", "serve", "--port", str(port)]
    with serve(
        [*cmd, "--max-upload-mb", str(CAP_MB)],
        url=url,
        ready=f"{url}/voila/render/overview.ipynb",
        log_path=root / "voila.log",
        env={"STRIDEKIT_CACHE_DIR": str(root / "cache"), "TMPDIR": str(root / "tmp")},
    ) as running:
        yield Site(running, root / "tmp", files)
    left = list((root / "tmp").glob("stridekit-upload-*"))
    assert not left, f"kernels delete their upload folders when they end: {left}"


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


def make_files(fixtures: Path, folder: Path) -> None:
    """The visitor's files: a FIT, a Strava-shaped export, files around the cap, hostile ones."""
    (folder / "run.fit").write_bytes((fixtures / FIT).read_bytes())
    rows = [
        ("2001", "Mar 13, 2021, 8:00:00 AM", "Autolap 8k", "Run", "2700", "8.00", "2001.fit.gz"),
        ("2002", "Aug 15, 2015, 7:00:00 AM", "Morning Run", "Run", "3300", "9.01", "2002.fit.gz"),
        ("2003", "Aug 16, 2015, 6:30:00 PM", "Legs", "Weight Training", "1800", "0.00", ""),
    ]
    header = "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename"
    lines = [header] + [
        ",".join(f'"{c}"' for c in (*r[:-1], f"activities/{r[-1]}" if r[-1] else "")) for r in rows
    ]
    with zipfile.ZipFile(folder / "export_42.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("activities.csv", "\n".join(lines) + "\n")
        zf.writestr("activities/2001.fit.gz", gzip.compress((fixtures / FIT).read_bytes()))
        zf.writestr("activities/2002.fit.gz", gzip.compress((fixtures / OTHER_FIT).read_bytes()))
        zf.writestr("profile.csv", "Athlete ID,First Name\n1,Alex\n")
    gpx = (fixtures / GPX).read_bytes()
    end = gpx.rindex(b"</gpx>")
    for name, size in (("under.gpx", CAP - 1), ("over.gpx", CAP + 1)):
        pad = size - len(gpx) - len(b"<!---->")
        (folder / name).write_bytes(gpx[:end] + b"<!--" + b" " * pad + b"-->" + gpx[end:])
        assert (folder / name).stat().st_size == size
    with zipfile.ZipFile(folder / "slip.zip", "w") as zf:
        zf.writestr("activities/run.fit", (fixtures / FIT).read_bytes())
        zf.writestr("../../outside.fit", b"you should not see me")
    (folder / "garbage.fit").write_bytes(b"<script>alert(1)</script>" + bytes(range(256)) * 8)
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not a log")


@dataclass
class Visit:
    page: Any
    seen: Any
    frames: list[int] = field(default_factory=list)  # sizes of websocket frames sent

    def sent_since(self, mark: int) -> list[int]:
        return self.frames[mark:]


def visit(browser: Any, site: Site) -> Visit:
    context = browser.new_context(viewport={"width": 1280, "height": 1200})
    page = context.new_page()
    seen = watch(page)
    frames: list[int] = []

    def on_socket(ws: Any) -> None:
        ws.on("framesent", lambda payload: frames.append(len(payload)))

    page.on("websocket", on_socket)
    page.goto(f"{site.server.url}/voila/render/overview.ipynb", wait_until="domcontentloaded")
    wait_for_charts(page, timeout_ms=180_000)
    page.get_by_text("Use your own log").click()
    page.locator(INPUT).wait_for(state="attached", timeout=30_000)
    return Visit(page, seen, frames)


def upload(visit: Visit, site: Site, *names: str) -> str:
    """Choose ``names`` and wait for the verdict; return the message shown."""
    page = visit.page
    page.evaluate(f"document.querySelector('{MESSAGE}').dataset.kind = 'waiting'")
    page.set_input_files(INPUT, [str(site.files / n) for n in names])
    page.wait_for_function(
        f"""() => {{
            const m = document.querySelector('{MESSAGE}');
            return ['ok', 'error'].includes(m.dataset.kind) && !m.textContent.startsWith('Sending');
        }}""",
        timeout=180_000,
    )
    return str(page.locator(MESSAGE).inner_text())


def headline(page: Any) -> str:
    return str(page.locator(HEADLINE).first.inner_text())


def weeks(page: Any) -> set[str]:
    return {x for trace in chart_data(page, 0) for x in trace["x"]}


def assert_clean(visit: Visit) -> None:
    text = visit.page.locator("body").inner_text()
    assert "Traceback" not in text
    assert not visit.seen.errors, visit.seen.errors
    assert not visit.seen.outside, visit.seen.outside


def kernel_files(site: Site) -> list[Path]:
    return sorted(p for p in site.tmp.glob("stridekit-upload-*/**/*") if p.is_file())


def test_fit_upload_redraws_the_overview_and_only_for_this_visitor(
    browser: Any, site: Site
) -> None:
    me = visit(browser, site)
    assert len(weeks(me.page)) >= 20, "the sample, before"
    message = upload(me, site, "run.fit")
    assert message.startswith("Read 1 session on 13 Mar 2021"), message
    me.page.wait_for_function(
        "() => document.body.innerText.includes('1 session (1 run)')", timeout=30_000
    )
    assert "13 Mar 2021" in headline(me.page)
    wait_for_charts(me.page)
    me.page.wait_for_function(  # the new chart fills the page's width, as the old one did
        "() => document.querySelector('.js-plotly-plot .main-svg').getBoundingClientRect()"
        ".width > 1000",
        timeout=30_000,
    )
    shown = weeks(me.page)
    assert shown and all(x.startswith("2021-03") for x in shown), shown
    report = me.page.locator("table.stridekit-upload-report tbody tr")
    assert report.count() == 1
    assert report.first.inner_text().split("\t")[:3] == ["ok", "run.fit", "1"]
    assert not kernel_files(site), "the upload's files are deleted once read"
    assert list(site.tmp.glob("stridekit-upload-*")), "the kernel's folder is in $TMPDIR"
    assert_clean(me)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    me.page.screenshot(path=str(ARTIFACTS / "overview-upload.png"), full_page=True)

    other = visit(browser, site)  # another visitor, another kernel: still the sample
    assert len(weeks(other.page)) >= 20
    assert "2021" not in headline(other.page)
    other.page.context.close()
    me.page.context.close()


def test_strava_export_zip_becomes_the_log(browser: Any, site: Site) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    me = visit(browser, site)
    message = upload(me, site, "export_42.zip")
    assert message.startswith("Read 3 sessions from 15 Aug 2015 to 13 Mar 2021"), message
    me.page.wait_for_function(
        "() => document.body.innerText.includes('3 sessions (2 run, 1 strength)')",
        timeout=30_000,
    )
    rows = me.page.locator("table.stridekit-upload-report tbody tr")
    assert rows.count() == 3
    assert {rows.nth(i).inner_text().split("\t")[0] for i in range(3)} == {"ok"}
    assert "export_42.zip" in rows.first.inner_text()
    me.page.set_viewport_size({"width": 390, "height": 900})  # a phone
    me.page.wait_for_timeout(500)
    overflow = me.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, "the upload area and its report fit a phone's width"
    right = me.page.evaluate(
        "document.querySelector('table.stridekit-upload-report').getBoundingClientRect().right"
    )
    assert right <= 390, "every column of the report shows"
    me.page.screenshot(path=str(ARTIFACTS / "overview-upload-phone.png"), full_page=True)
    assert_clean(me)
    me.page.context.close()


def test_just_under_the_cap_is_read_and_just_over_is_never_sent(browser: Any, site: Site) -> None:
    me = visit(browser, site)
    mark = len(me.frames)
    message = upload(me, site, "over.gpx")
    expected = "over.gpx is 1,048,577 bytes: over the 1,048,576 bytes this server accepts."
    assert f"{expected} Nothing was sent." in message, message
    assert not [n for n in me.sent_since(mark) if n > BIG_FRAME], "no byte of the file left"
    assert len(weeks(me.page)) >= 20, "the page still shows the sample"

    mark = len(me.frames)
    message = upload(me, site, "under.gpx")
    assert message.startswith("Read 1 session on 26 Oct 2020"), message
    chunks = [n for n in me.sent_since(mark) if n > BIG_FRAME]
    assert sum(chunks) >= CAP - 1 and len(chunks) == 4, "sent in 256 KB chunks"
    sent = me.page.locator(".stridekit-upload-sending").get_attribute("data-sent")
    assert sent == str(CAP - 1), "the progress followed every chunk"
    me.page.wait_for_function(
        "() => document.body.innerText.includes('26 Oct 2020')", timeout=30_000
    )
    assert_clean(me)
    me.page.context.close()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("slip.zip", "would escape the folder it is unpacked to"),
        ("garbage.fit", "not a format stridekit reads"),
        ("notes.docx", "stridekit does not read this kind of file. Upload FIT, GPX or TCX"),
    ],
)
def test_hostile_upload_is_a_friendly_message(
    browser: Any, site: Site, name: str, expected: str
) -> None:
    me = visit(browser, site)
    message = upload(me, site, name)
    assert me.page.locator(MESSAGE).get_attribute("data-kind") == "error"
    page_text = me.page.locator("body").inner_text()
    assert expected in page_text, page_text
    assert name in message
    assert "/tmp" not in page_text and str(site.tmp) not in page_text
    assert len(weeks(me.page)) >= 20, "the page still shows the sample"
    assert me.page.evaluate("typeof window.alert_called") == "undefined"
    assert not list(site.tmp.glob("**/outside.fit"))
    assert_clean(me)
    me.page.context.close()
