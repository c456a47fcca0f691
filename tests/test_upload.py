"""The upload's kernel side: chunks, caps, names, the temporary folder, the report, the import."""

from __future__ import annotations

import gc
import gzip
import io
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stridekit.dashboard import overview
from stridekit.dashboard.upload import (
    ACCEPTED_KINDS,
    FOLDER_PREFIX,
    MAX_FILES,
    MB,
    KernelFolder,
    Upload,
    UploadPanel,
    accepted,
    chunk_size,
    max_upload_bytes,
    remove_stale,
    report_html,
    safe_name,
)
from stridekit.io.loader import load_log
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, ReportEntry

FIT = "fit/fr45_run_8laps_1km_autolap.fit"  # one run, 13 Mar 2021


class Browser:
    """Plays the browser's side of the protocol against an :class:`Upload`."""

    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.replies: list[dict[str, Any]] = []
        upload.send = lambda content, buffers=None: self.replies.append(content)  # type: ignore[method-assign]

    def say(self, batch: str, event: str, buffers: list[bytes] | None = None, **extra: Any) -> str:
        content = {"type": "upload", "batch": batch, "event": event, **extra}
        self.upload._handle(self.upload, content, [memoryview(b) for b in buffers or []])
        return str(self.replies[-1]["event"])

    def send_files(self, files: dict[str, bytes], chunk: int = 1000, batch: str = "b1") -> str:
        announced = [{"name": n, "size": len(d)} for n, d in files.items()]
        if self.say(batch, "begin", files=announced) != "ready":
            return "refused"
        for i, data in enumerate(files.values()):
            for offset in range(0, len(data), chunk):
                piece = data[offset : offset + chunk]
                if self.say(batch, "chunk", [piece], file=i, offset=offset) != "ack":
                    return "refused"
        return self.say(batch, "end")


@pytest.fixture
def folder(tmp_path: Path) -> KernelFolder:
    return KernelFolder(tmp_path)


def receiver(store: dict[str, bytes]) -> Callable[[Any], tuple[bool, str]]:
    def on_received(batch: Any) -> tuple[bool, str]:
        for f in batch.files:
            store[f.name] = f.path.read_bytes()
        return True, "read"

    return on_received


def test_chunks_are_assembled_in_order_and_deleted_once_read(folder: KernelFolder) -> None:
    got: dict[str, bytes] = {}
    browser = Browser(Upload(receiver(got), max_bytes=MB, folder=folder))
    files = {"a.fit": os.urandom(2500), "b.csv": b"date,kind\n" * 50, "empty.gpx": b""}
    assert browser.send_files(files, chunk=1000) == "done"
    assert got == files
    assert [r["event"] for r in browser.replies] == ["ready", *["ack"] * 4, "done"]
    assert browser.replies[-2]["received"] == sum(len(d) for d in files.values())
    assert not [p for p in folder.path.rglob("*") if p.is_file()], "files deleted once read"


def test_a_chunk_out_of_order_is_refused_and_the_upload_dropped(folder: KernelFolder) -> None:
    got: dict[str, bytes] = {}
    upload = Upload(receiver(got), max_bytes=MB, folder=folder)
    browser = Browser(upload)
    assert browser.say("b1", "begin", files=[{"name": "a.fit", "size": 10}]) == "ready"
    assert browser.say("b1", "chunk", [b"12345"], file=0, offset=5) == "refused"
    assert "out of order" in upload.message and upload.message_kind == "error"
    assert browser.say("b1", "end") == "refused", "the dropped upload cannot be finished"
    assert not got
    assert not [p for p in folder.path.rglob("*") if p.is_file()]


def test_the_kernel_rechecks_the_cap(folder: KernelFolder) -> None:
    upload = Upload(receiver({}), max_bytes=1000, folder=folder)
    browser = Browser(upload)
    assert browser.say("b1", "begin", files=[{"name": "big.fit", "size": 1001}]) == "refused"
    assert "big.fit is 1,001 bytes: over the 1,000 bytes this server accepts" in upload.message
    two = [{"name": "a.fit", "size": 600}, {"name": "b.fit", "size": 600}]
    assert browser.say("b2", "begin", files=two) == "refused"
    assert "these 2 files are 1.2 KB together" in upload.message
    # a browser that announces less than it sends
    assert browser.say("b3", "begin", files=[{"name": "a.fit", "size": 10}]) == "ready"
    assert browser.say("b3", "chunk", [b"x" * 11], file=0, offset=0) == "refused"
    assert "more data arrived than its size" in upload.message
    assert not [p for p in folder.path.rglob("*") if p.is_file()]


def test_too_many_files_are_refused(folder: KernelFolder) -> None:
    upload = Upload(receiver({}), max_bytes=MB, folder=folder)
    many = [{"name": f"{i}.fit", "size": 1} for i in range(MAX_FILES + 1)]
    assert Browser(upload).say("b1", "begin", files=many) == "refused"
    assert "Put them in a zip" in upload.message
    assert not list(folder.path.rglob("*.fit"))


def test_a_chunk_with_no_upload_begun_is_refused(folder: KernelFolder) -> None:
    upload = Upload(receiver({}), max_bytes=MB, folder=folder)
    browser = Browser(upload)
    assert browser.say("nope", "chunk", [b"abc"], file=0, offset=0) == "refused"
    assert "Choose the files again" in upload.message


@pytest.mark.parametrize("name", ["notes.docx", "run.fit.exe", "photo.jpg", "archive.tar.gz"])
def test_an_unsupported_kind_is_refused_with_the_accepted_kinds(
    folder: KernelFolder, name: str
) -> None:
    upload = Upload(receiver({}), max_bytes=MB, folder=folder)
    browser = Browser(upload)
    assert browser.say("b1", "begin", files=[{"name": name, "size": 3}]) == "refused"
    assert (
        upload.message
        == f"{name}: stridekit does not read this kind of file. Upload {ACCEPTED_KINDS}."
    )


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd.fit", "passwd.fit"),
        ("C:\\Users\\me\\Run.FIT", "Run.FIT"),
        ("..hidden.gpx", "hidden.gpx"),
        ("bell\x07\x00.tcx", "bell.tcx"),
        ("", "upload"),
    ],
)
def test_names_become_harmless_base_names(raw: str, safe: str) -> None:
    assert safe_name(raw) == safe


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("A.FIT", True),
        ("b.Fit.Gz", True),
        ("c.gpx", True),
        ("d.tcx.gz", True),
        ("export.ZIP", True),
        ("sets.csv", True),
        ("notes.gz", False),
        ("run.fit.bak", False),
    ],
)
def test_accepted_names_ignore_case(name: str, ok: bool) -> None:
    assert accepted(name) is ok


def test_a_size_just_over_the_cap_is_told_in_bytes(folder: KernelFolder) -> None:
    upload = Upload(receiver({}), max_bytes=MB, folder=folder)
    browser = Browser(upload)
    assert browser.say("b1", "begin", files=[{"name": "a.gpx", "size": MB + 1}]) == "refused"
    assert "a.gpx is 1,048,577 bytes: over the 1,048,576 bytes this server accepts" in (
        upload.message
    )
    assert browser.say("b2", "begin", files=[{"name": "a.gpx", "size": MB}]) == "ready"


def test_chunks_are_small_enough_to_show_progress() -> None:
    assert chunk_size(200 * MB) == 4 * MB
    assert chunk_size(16 * MB) == MB
    assert chunk_size(MB) == 256 * 1024


def test_cap_comes_from_the_environment() -> None:
    assert max_upload_bytes({"STRIDEKIT_MAX_UPLOAD_MB": "1"}) == MB
    assert max_upload_bytes({"STRIDEKIT_MAX_UPLOAD_MB": "0.5"}) == MB // 2
    assert max_upload_bytes({}) == 200 * MB
    assert max_upload_bytes({"STRIDEKIT_MAX_UPLOAD_MB": "lots"}) == 200 * MB
    assert max_upload_bytes({"STRIDEKIT_MAX_UPLOAD_MB": "-3"}) == 200 * MB


def test_report_html_escapes_names_and_messages(tmp_path: Path) -> None:
    report = ImportReport(
        [
            ReportEntry(
                str(tmp_path / "in" / "000" / "<img src=x onerror=alert(1)>.fit"),
                "skipped",
                None,
                0,
                f"{tmp_path}/in/000/<b>x</b>.fit: not a format stridekit reads <script>",
            ),
            ReportEntry(str(tmp_path / "in" / "001" / "run.fit"), "ok", "fit", 1),
        ]
    )
    shown = report_html(report, tmp_path)
    assert "<img" not in shown and "<script>" not in shown and "<b>x" not in shown
    assert "&lt;img src=x onerror=alert(1)&gt;.fit" in shown
    assert "&lt;b&gt;x&lt;/b&gt;.fit: not a format stridekit reads &lt;script&gt;" in shown
    assert str(tmp_path) not in shown, "the visitor sees their own names, not the kernel's paths"
    assert "<code>run.fit</code>" in shown


def test_a_long_report_shows_its_problems_first() -> None:
    ok = [ReportEntry(f"run{i}.fit", "ok", "fit", 1) for i in range(10)]
    bad = ReportEntry("bad.fit", "skipped", None, 0, "bad.fit: not a format stridekit reads")
    shown = report_html(ImportReport([*ok, bad]), max_rows=4)
    assert shown.count("<tr>") == 1 + 4 + 1  # header, rows, the line saying how many more
    assert shown.index("bad.fit") < shown.index("run0.fit")
    assert "… and 7 more files read whole." in shown


def test_the_kernel_folder_is_private_and_removed(tmp_path: Path) -> None:
    kept = KernelFolder(tmp_path)
    assert kept.path.parent == tmp_path
    assert kept.path.name.startswith(f"{FOLDER_PREFIX}{os.getpid()}-")
    assert stat.S_IMODE(kept.path.stat().st_mode) == 0o700
    (kept.new_batch() / "x").write_bytes(b"data")
    kept.remove()
    assert not kept.path.exists() and kept.removed

    dropped = KernelFolder(tmp_path)
    path = dropped.path
    del dropped
    gc.collect()
    assert not path.exists(), "weakref.finalize removes it when the object goes"


def test_the_kernel_folder_is_removed_when_the_kernel_exits(tmp_path: Path) -> None:
    code = (
        "import sys; from stridekit.dashboard.upload import kernel_folder\n"
        "f = kernel_folder(); (f.new_batch() / 'run.fit').write_bytes(b'x'); print(f.path)\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    made = Path(out.stdout.strip())
    assert made.parent == tmp_path
    assert not made.exists()
    assert not list(tmp_path.iterdir())


def test_stale_folders_of_dead_kernels_are_removed(tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = tmp_path / f"{FOLDER_PREFIX}{gone.stdout.strip()}-abc"
    (dead / "batch-1").mkdir(parents=True)
    (dead / "batch-1" / "run.fit").write_bytes(b"x")
    alive = tmp_path / f"{FOLDER_PREFIX}{os.getpid()}-def"
    alive.mkdir()
    other = tmp_path / "someone-else-123-abc"
    other.mkdir()
    assert remove_stale(tmp_path) == [dead]
    assert not dead.exists() and alive.exists() and other.exists()
    KernelFolder(tmp_path).remove()  # a new kernel's folder also cleans up first
    assert alive.exists()


# -- reading an upload -----------------------------------------------------------------------


@pytest.fixture
def no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("STRIDEKIT_CACHE_DIR", str(cache))
    return cache


def panel_with(folder: KernelFolder) -> tuple[UploadPanel, Browser, list[TrainingLog]]:
    got: list[TrainingLog] = []
    panel = UploadPanel(got.append, max_bytes=MB, folder=folder)
    return panel, Browser(panel.upload), got


def test_a_fit_upload_reaches_every_subscriber(
    fixtures: Path, folder: KernelFolder, no_cache: Path
) -> None:
    panel, browser, got = panel_with(folder)
    second: list[TrainingLog] = []
    panel.subscribe(second.append)
    assert browser.send_files({"run.fit": (fixtures / FIT).read_bytes()}, chunk=4096) == "done"
    assert browser.replies[-1]["ok"] is True
    assert len(got) == len(second) == 1 and got[0] is second[0]
    assert len(got[0].sessions) == 1
    assert panel.upload.message == "Read 1 session on 13 Mar 2021. This page shows it now."
    assert panel.upload.message_kind == "ok"
    assert "<code>run.fit</code>" in panel.report.value and ">ok<" in panel.report.value
    assert not no_cache.exists() or not any(no_cache.rglob("*")), "never the shared cache"
    assert not [p for p in folder.path.rglob("*") if p.is_file()], "the files are deleted"


def test_a_zip_of_zips_is_unpacked(fixtures: Path, folder: KernelFolder, no_cache: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("2021/run.fit", (fixtures / FIT).read_bytes())
        zf.writestr("notes.json", "{}")
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("runs/uploaded.zip", inner.getvalue())
        zf.writestr("README.txt", "hello")
    panel, browser, got = panel_with(folder)
    assert browser.send_files({"my runs.zip": outer.getvalue()}) == "done"
    assert len(got) == 1 and len(got[0].sessions) == 1
    assert "my runs.zip!/runs/uploaded.zip!/2021/run.fit" in panel.report.value


def test_a_garmin_export_zip_is_read_as_one(
    fixtures: Path, folder: KernelFolder, no_cache: Path
) -> None:
    uploads = io.BytesIO()
    with zipfile.ZipFile(uploads, "w") as zf:
        zf.writestr("runner_1001.fit", (fixtures / FIT).read_bytes())
    export = io.BytesIO()
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as zf:
        parts = "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip"
        zf.writestr(parts, uploads.getvalue())
        zf.writestr("DI_CONNECT/DI-Connect-User/user_profile.json", b'{"userName": "runner"}')
    panel, browser, got = panel_with(folder)
    assert browser.send_files({"garmin_export.zip": export.getvalue()}) == "done"
    assert browser.replies[-1]["ok"] is True, panel.upload.message
    assert len(got) == 1 and len(got[0].sessions) == 1
    assert (got[0].sessions["kind"].notna()).all(), "runs classified"
    assert "garmin_export.zip" in panel.report.value


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("garbage.fit", b"\x00\x01 not a recording" * 40, "not a format stridekit reads"),
        ("broken.zip", b"PK\x03\x04 but no archive", "is not a zip archive stridekit can open"),
        ("run.fit.gz", b"truncated", "its gzip data is truncated"),
        ("empty.gpx", b"", "not a format stridekit reads"),
    ],
)
def test_an_unreadable_upload_keeps_the_log_and_says_why(
    fixtures: Path, folder: KernelFolder, no_cache: Path, name: str, content: bytes, expected: str
) -> None:
    if content == b"truncated":
        content = gzip.compress((fixtures / FIT).read_bytes())[:2000]
    panel, browser, got = panel_with(folder)
    assert browser.send_files({name: content}) == "done"
    assert browser.replies[-1]["ok"] is False
    assert not got, "the pages keep the log they showed"
    assert panel.upload.message_kind == "error"
    assert panel.upload.message.startswith(f"Nothing could be read from {name}")
    assert expected in panel.report.value
    assert str(folder.path) not in panel.report.value + panel.upload.message


def test_a_zip_slip_member_is_refused(fixtures: Path, folder: KernelFolder, no_cache: Path) -> None:
    hostile = io.BytesIO()
    with zipfile.ZipFile(hostile, "w") as zf:
        zf.writestr("run.fit", (fixtures / FIT).read_bytes())
        zf.writestr("../../../outside.fit", b"x")
    panel, browser, got = panel_with(folder)
    assert browser.send_files({"export.zip": hostile.getvalue()}) == "done"
    assert not got
    assert "would escape the folder it is unpacked to" in panel.report.value
    assert not list(folder.path.parent.rglob("outside.fit"))


def test_unpacking_stops_at_the_budget(
    fixtures: Path, folder: KernelFolder, no_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("stridekit.io.safety.MAX_TOTAL_INFLATED", 150_000)
    runs = io.BytesIO()
    with zipfile.ZipFile(runs, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(3):
            zf.writestr(f"run{i}.fit", (fixtures / FIT).read_bytes())  # 39 KB each
    panel, browser, got = panel_with(folder)
    assert browser.send_files({"a.zip": runs.getvalue(), "b.zip": runs.getvalue()}) == "done"
    assert len(got) == 1 and len(got[0].sessions) == 1, "the first zip was read"
    assert "b.zip: unpacks to more than 150,000 bytes in all" in panel.report.value
    assert sum(1 for _ in folder.path.rglob("*.fit")) == 0, "deleted once read"


def test_any_unexpected_failure_is_a_sentence_not_a_traceback(
    fixtures: Path, folder: KernelFolder, no_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_args: object, **_kwargs: object) -> TrainingLog:
        raise RuntimeError("internal detail")

    monkeypatch.setattr("stridekit.dashboard.upload.read_upload", boom)
    panel, browser, _ = panel_with(folder)
    assert browser.send_files({"run.fit": (fixtures / FIT).read_bytes()}) == "done"
    assert browser.replies[-1]["ok"] is False
    assert "run.fit: could not be read" in panel.upload.message
    assert "internal detail" not in panel.upload.message
    assert "Traceback" not in panel.upload.message


def test_a_page_failing_to_redraw_is_a_sentence(
    fixtures: Path, folder: KernelFolder, no_cache: Path
) -> None:
    def broken(_log: TrainingLog) -> None:
        raise ValueError("cannot draw")

    later: list[TrainingLog] = []
    panel = UploadPanel(broken, max_bytes=MB, folder=folder)
    panel.subscribe(later.append)
    browser = Browser(panel.upload)
    assert browser.send_files({"run.fit": (fixtures / FIT).read_bytes()}) == "done"
    assert len(later) == 1, "the other pages still switch"
    assert "a page could not be redrawn" in panel.upload.message
    assert "cannot draw" not in panel.upload.message


def test_the_overview_redraws_on_the_uploaded_log(fixtures: Path, tmp_path: Path) -> None:
    first = load_log(fixtures / "gpx" / "polar_m400_run_no_extensions.gpx", use_cache=False)
    page = overview.app(first, units="mi")
    area = page.children[1]
    assert area.get_title(0) == "Use your own log" and area.selected_index is None
    panel = page.upload
    assert panel in area.children

    def headline() -> str:
        _controls, tabs = page.children[2].children
        return str(tabs.panels["overview"].line.value)

    assert "26 Oct 2020" in headline()
    before = page.children
    panel._publish(load_log(fixtures / FIT, use_cache=False))
    assert page.children == before, "the header and the upload area stay in place"
    assert "1 session (1 run) from 13 Mar 2021 to 13 Mar 2021" in headline()
    assert " mi of running" in headline(), "the units shown are kept"
