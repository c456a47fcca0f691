"""Bring your own log: an upload control that reads a visitor's files into a new log.

The browser side (``upload.js``) refuses files of the wrong kind, or over the cap, before
sending anything, then sends the files in chunks as widget messages with binary buffers,
waiting for the kernel's acknowledgement of each. The kernel re-checks every name and size,
writes the chunks into a folder of its own (:class:`KernelFolder`), reads the files with
:func:`stridekit.load_log` (never the shared cache: a visitor's data is theirs), shows the
import report, and hands the new log to every subscriber (:meth:`UploadPanel.subscribe`).

Every failure reaches the visitor as a sentence (the file, the problem, what to do), never as
a traceback.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import re
import shutil
import tempfile
import weakref
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Final

import anywidget
import ipywidgets as widgets
import traitlets

from stridekit.analysis.classify import classify_runs
from stridekit.dashboard.progress import ProgressBar
from stridekit.errors import StridekitError, UnsafeInputError
from stridekit.io import garmin, safety, strava
from stridekit.io.detect import LOG_SUFFIXES
from stridekit.io.loader import load_log
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, ProgressCallback, ReportEntry
from stridekit.serve import DEFAULT_MAX_UPLOAD_MB, MAX_UPLOAD_ENV

logger = logging.getLogger(__name__)

MB: Final = 2**20
"""A megabyte, as ``stridekit serve --max-upload-mb`` counts it [bytes]."""

ACCEPTED_SUFFIXES: Final = (
    ".fit",
    ".fit.gz",
    ".gpx",
    ".gpx.gz",
    ".tcx",
    ".tcx.gz",
    ".zip",
    ".csv",
)
"""File names the control takes (case ignored)."""

ACCEPTED_KINDS: Final = (
    "FIT, GPX or TCX recordings (plain or .gz), a Strava or Garmin export (.zip) "
    "or your hand-kept CSVs (.csv)"
)
"""The accepted kinds of file, in words."""

CHUNK_BYTES: Final = 4 * MB
"""Most bytes per widget message while sending a file [bytes]: well under tornado's default
websocket message limit (10 MB), so an upload works even where the limit is not raised."""

MIN_CHUNK_BYTES: Final = 256 * 1024
"""Fewest bytes per widget message [bytes]."""


def chunk_size(max_bytes: int) -> int:
    """Bytes per widget message for a cap: a file near the cap is sent in 16 steps or more,
    so its progress shows, in chunks of :data:`MIN_CHUNK_BYTES` to :data:`CHUNK_BYTES`."""
    return max(MIN_CHUNK_BYTES, min(CHUNK_BYTES, max_bytes // 16))


FOLDER_PREFIX: Final = "stridekit-upload-"
"""Start of the name of every kernel's upload folder (then the kernel's process id)."""

MAX_FILES: Final = 10_000
"""Most files one upload may hold (a zip counts as one) [count]."""

MAX_NESTED_ZIPS: Final = 2
"""How deep zips inside a zip are unpacked (a Garmin export keeps its FIT files in zips)."""

INCOMING: Final = "in"
"""The subfolder of an upload's folder that receives its files, ``in/NNN/<name>``."""

LogSubscriber = Callable[[TrainingLog], None]
"""Called with the new log after a successful upload."""


class UploadRefused(Exception):
    """An upload, or one file of it, that is refused: the message says why and what to do."""


def max_upload_bytes(environ: dict[str, str] | None = None) -> int:
    """The upload cap [bytes]: ``$STRIDEKIT_MAX_UPLOAD_MB`` (set by ``stridekit serve``)."""
    env = os.environ if environ is None else environ
    try:
        mb = float(env.get(MAX_UPLOAD_ENV, ""))
    except ValueError:
        mb = DEFAULT_MAX_UPLOAD_MB
    if not mb > 0:
        mb = DEFAULT_MAX_UPLOAD_MB
    return int(mb * MB)


def human_size(size: float) -> str:
    """``size`` bytes in words: ``"512 bytes"``, ``"3.4 MB"``."""
    if size < 1024:
        return f"{size:,.0f} bytes"
    if size < MB:
        return f"{size / 1024:,.1f} KB"
    return f"{size / MB:,.1f} MB"


def accepted(name: str) -> bool:
    """Whether a file's name is one of the kinds the control takes."""
    return name.lower().endswith(ACCEPTED_SUFFIXES)


def safe_name(name: str) -> str:
    """A file name as given by a browser, reduced to a harmless base name."""
    base = re.split(r"[\\/]", str(name))[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")
    return base[:200] or "upload"


# -- the kernel's own folder -----------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process: alive
        return True
    return True


def remove_stale(tmp: str | os.PathLike[str] | None = None) -> list[Path]:
    """Delete the upload folders of kernels that are no longer running.

    A kernel killed outright never deletes its folder; the next one to start does.

    Parameters
    ----------
    tmp
        Where the folders are; default the temporary folder (``$TMPDIR``).

    Returns
    -------
    list of Path
        The folders deleted.
    """
    root = Path(tmp if tmp is not None else tempfile.gettempdir())
    removed = []
    for folder in root.glob(f"{FOLDER_PREFIX}*"):
        match = re.fullmatch(re.escape(FOLDER_PREFIX) + r"(\d+)-.*", folder.name)
        try:
            mine = (
                folder.is_dir() and not folder.is_symlink() and folder.stat().st_uid == os.getuid()
            )
        except OSError:
            continue
        if not match or not mine or _alive(int(match.group(1))):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


class KernelFolder:
    """A temporary folder for one kernel's uploads, deleted when the kernel ends.

    Created with mode 0700 under the temporary folder, named ``stridekit-upload-<pid>-...``;
    deleted by :meth:`remove`, when the object is collected, or at interpreter exit
    (:func:`weakref.finalize` registers itself with :mod:`atexit`).

    Parameters
    ----------
    tmp
        Where to create it; default the temporary folder.
    """

    def __init__(self, tmp: str | os.PathLike[str] | None = None) -> None:
        remove_stale(tmp)
        self.path = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-", dir=tmp))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), True)
        self._batches = 0

    def new_batch(self) -> Path:
        """A new, empty folder for one upload."""
        self._batches += 1
        batch = self.path / f"batch-{self._batches}"
        batch.mkdir()
        return batch

    def remove(self) -> None:
        """Delete the folder and everything in it."""
        self._finalizer()

    @property
    def removed(self) -> bool:
        """Whether the folder has been deleted."""
        return not self._finalizer.alive


_KERNEL_FOLDER: KernelFolder | None = None


def kernel_folder() -> KernelFolder:
    """This kernel's upload folder, created on first use."""
    global _KERNEL_FOLDER
    if _KERNEL_FOLDER is None or _KERNEL_FOLDER.removed:
        _KERNEL_FOLDER = KernelFolder()
    return _KERNEL_FOLDER


# -- receiving -------------------------------------------------------------------------------


@dataclass
class Incoming:
    """One file of an upload, as it arrives."""

    name: str
    size: int
    path: Path
    received: int = 0


@dataclass
class Batch:
    """One upload: files announced with their sizes, then written chunk by chunk.

    Attributes
    ----------
    folder
        The upload's own folder; file ``i`` is written to ``folder/in/NNN/<name>``.
    files
        The files, in the order announced.
    """

    folder: Path
    files: list[Incoming] = field(default_factory=list)

    @classmethod
    def announce(cls, folder: Path, files: Sequence[tuple[str, int]], max_bytes: int) -> Batch:
        """Check the files the browser announced and make their places in ``folder``.

        Parameters
        ----------
        folder
            An empty folder for the upload.
        files
            ``(name, size)`` of each file, as the browser announced them.
        max_bytes
            The cap on the upload's total size [bytes].

        Raises
        ------
        UploadRefused
            When a name is not an accepted kind, or the sizes are over the cap.
        """
        if not files:
            raise UploadRefused("No file was chosen. Choose one or more files to upload.")
        if len(files) > MAX_FILES:
            raise UploadRefused(
                f"{len(files):,} files were chosen, more than the {MAX_FILES:,} one upload takes. "
                "Put them in a zip, or upload them in parts."
            )
        incoming = []
        for i, (raw, size) in enumerate(files):
            name = safe_name(raw)
            if not accepted(name):
                raise UploadRefused(
                    f"{name}: stridekit does not read this kind of file. Upload {ACCEPTED_KINDS}."
                )
            if not isinstance(size, int) or size < 0:
                raise UploadRefused(f"{name}: its size is not known. Choose the file again.")
            place = folder / INCOMING / f"{i:03d}"
            place.mkdir(parents=True)
            (place / name).touch()  # an empty file is a file too
            incoming.append(Incoming(name, size, place / name))
        check_total(incoming, max_bytes)
        return cls(folder, incoming)

    @property
    def received(self) -> int:
        """Bytes received so far."""
        return sum(f.received for f in self.files)

    @property
    def complete(self) -> bool:
        """Whether every file has arrived whole."""
        return all(f.received == f.size for f in self.files)

    def write(self, index: object, offset: object, data: bytes | memoryview) -> int:
        """Append one chunk to file ``index``; return the bytes received in all.

        Raises
        ------
        UploadRefused
            When the chunk is not the next one of a file of the upload, or brings the file
            beyond its announced size.
        """
        if (
            not isinstance(index, int)
            or not 0 <= index < len(self.files)
            or isinstance(index, bool)
        ):
            raise UploadRefused("A part of the upload did not belong to it. Upload it again.")
        target = self.files[index]
        if offset != target.received:
            raise UploadRefused(f"{target.name}: its parts arrived out of order. Upload it again.")
        size = memoryview(data).nbytes
        if target.received + size > target.size:
            raise UploadRefused(
                f"{target.name}: more data arrived than its size ({human_size(target.size)}). "
                "Upload it again."
            )
        with target.path.open("ab") as fh:
            fh.write(data)
        target.received += size
        return self.received

    def discard(self) -> None:
        """Delete the upload's files."""
        shutil.rmtree(self.folder, ignore_errors=True)


def check_total(files: Sequence[Incoming], max_bytes: int) -> None:
    """Refuse files whose sizes add up to more than ``max_bytes``, saying by how much."""
    total = sum(f.size for f in files)
    if total <= max_bytes:
        return
    size, cap = human_size(total), human_size(max_bytes)
    if size == cap:  # rounding would hide the difference
        size, cap = f"{total:,} bytes", f"{max_bytes:,} bytes"
    what = (
        f"{files[0].name} is {size}"
        if len(files) == 1
        else (f"these {len(files)} files are {size} together")
    )
    raise UploadRefused(
        f"{what}: over the {cap} this server accepts. Nothing was sent. "
        "Upload fewer files at a time, or run stridekit on your own computer "
        "(stridekit serve YOUR_FOLDER) for larger logs."
    )


# -- reading ---------------------------------------------------------------------------------


def visible(text: str, folder: Path) -> str:
    """``text`` with the upload's temporary paths replaced by the visitor's own names."""
    for base in (folder, folder.resolve()):
        text = re.sub(re.escape(str(base / INCOMING)) + r"[\\/]\d{3}[\\/]", "", text)
        text = text.replace(str(base), "your upload")
    return text


@dataclass
class _Budget:
    """Bytes an upload may still unpack to, over all its zips and the zips inside them."""

    left: int = field(default_factory=lambda: safety.MAX_TOTAL_INFLATED)


def _unpack(
    archive: Path, target: Path, depth: int = 1, budget: _Budget | None = None
) -> list[ReportEntry]:
    """Write the recordings and CSVs of a zip (not a Strava export) into ``target``.

    Members that are not logs (a Garmin export's JSON, pictures), hidden or ``__MACOSX``,
    are left out; zips inside are unpacked in turn, down to :data:`MAX_NESTED_ZIPS`, all
    within the caps of :mod:`stridekit.io.safety` and :data:`safety.MAX_TOTAL_INFLATED` in
    all. Returns the report entries of what could not be unpacked.
    """
    budget = budget if budget is not None else _Budget()
    entries: list[ReportEntry] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            members = safety.check_zip(zf, archive)
            wanted = 0
            for info in members:
                member = PurePosixPath(info.filename.replace("\\", "/"))
                suffix = member.suffix.lower()
                if suffix not in LOG_SUFFIXES and suffix != ".zip":
                    continue
                if any(part.startswith(".") or part == "__MACOSX" for part in member.parts):
                    continue
                if suffix == ".zip" and depth >= MAX_NESTED_ZIPS:
                    continue
                wanted += 1
                out = target.joinpath(*member.parts)
                if not out.resolve().is_relative_to(target.resolve()):
                    raise UnsafeInputError(
                        archive,
                        f"has a member named {str(member)!r} that would escape the folder it is "
                        "unpacked to",
                        fix="the archive is broken or hostile; export it again",
                    )
                try:
                    data = safety.read_member(zf, info, archive)
                except StridekitError as exc:
                    entries.append(ReportEntry(f"{archive}!{member}", "skipped", None, 0, str(exc)))
                    continue
                budget.left -= len(data)
                if budget.left < 0:
                    raise UnsafeInputError(
                        archive,
                        f"unpacks to more than {safety.MAX_TOTAL_INFLATED:,} bytes in all, the "
                        "cap (stridekit.io.safety.MAX_TOTAL_INFLATED)",
                        fix="upload the recordings in parts",
                    )
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
                if suffix == ".zip":
                    entries += _unpack(out, out.with_name(out.name + "!"), depth + 1, budget)
                    out.unlink()
            if not wanted:
                entries.append(
                    ReportEntry(
                        str(archive),
                        "skipped",
                        "zip",
                        0,
                        f"{archive}: holds no recordings or CSVs stridekit reads. Upload "
                        f"{ACCEPTED_KINDS}.",
                    )
                )
    except StridekitError as exc:
        entries.append(ReportEntry(str(archive), "skipped", "zip", 0, str(exc)))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        entries.append(
            ReportEntry(
                str(archive),
                "skipped",
                "zip",
                0,
                f"{archive}: is not a zip archive stridekit can open ({exc}). Download or "
                "export it again.",
            )
        )
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encrypted
        entries.append(
            ReportEntry(
                str(archive),
                "skipped",
                "zip",
                0,
                f"{archive}: cannot be unpacked ({exc}). Unpack it yourself and upload the "
                "recordings.",
            )
        )
    return entries


def _read_export(path: Path, progress: ProgressCallback | None) -> TrainingLog | None:
    """A Strava or Garmin export zip read on its own; ``None`` when ``path`` is neither."""
    if strava.is_strava_export(path):
        return load_log(path, use_cache=False, progress=progress)
    if garmin.is_garmin_export(path):
        try:
            return garmin.read_garmin_export(path)
        except StridekitError as exc:
            entry = ReportEntry(str(path), "skipped", garmin.FORMAT, 0, str(exc))
            return TrainingLog(report=ImportReport([entry]))
    return None


def read_upload(folder: Path, *, progress: ProgressCallback | None = None) -> TrainingLog:
    """Read an upload's files into one log, never through the shared cache.

    A Strava or Garmin export zip is read as such, on its own; other zips are unpacked
    (recordings and CSVs only, zips inside too); every other file is read as
    :func:`stridekit.load_log` reads a folder. Runs are classified over the whole upload.

    Parameters
    ----------
    folder
        The upload's folder, as :class:`Batch` writes it (``folder/in/NNN/<name>``).
    progress
        ``progress(done, total, path)``.

    Returns
    -------
    TrainingLog
        The log, its report with one entry per file (and per unpacked member).
    """
    received = folder / INCOMING
    budget = _Budget()
    parts: list[TrainingLog] = []
    entries: list[ReportEntry] = []
    for place in sorted(p for p in received.iterdir() if p.is_dir()):
        for file in sorted(place.iterdir()):
            if not file.is_file() or file.suffix.lower() != ".zip":
                continue
            export = _read_export(file, progress)
            if export is not None:
                parts.append(export)
            else:
                entries += _unpack(file, file.with_name(file.name + "!"), budget=budget)
            file.unlink()  # read, or unpacked: the folder's reading must not see it again
    if any(p.is_file() for p in received.rglob("*")):
        parts.append(load_log(received, use_cache=False, progress=progress))
    joined = TrainingLog.concat(parts)
    report = ImportReport([*entries, *joined.report])
    return TrainingLog(
        sessions=classify_runs(joined.sessions, joined.laps),
        laps=joined.laps,
        samples=joined.samples,
        sets=joined.sets,
        report=report,
    )


STATUS_COLOURS: Final = {"ok": "#1a9850", "partial": "#b35806", "skipped": "#d73027"}


MAX_REPORT_ROWS: Final = 200
"""Most rows the report table shows; problems first, files read whole summed up after."""


def report_html(
    report: ImportReport, folder: Path | None = None, *, max_rows: int = MAX_REPORT_ROWS
) -> str:
    """The import report as a small HTML table (status, file, sessions, message), escaped.

    Parameters
    ----------
    report
        The report.
    folder
        The upload's folder: its paths are shown as the visitor's own file names.
    max_rows
        Most rows shown. A longer report shows its problems first, then as many files read
        whole as fit, and says how many more there are.
    """

    def shown(text: str) -> str:
        return html.escape(visible(text, folder) if folder is not None else text)

    entries = list(report)
    if len(entries) > max_rows:
        entries = (report.problems + [e for e in entries if e.status == "ok"])[:max_rows]
    cell = "padding:0.15em 1em 0.15em 0;vertical-align:top"
    rows = "".join(
        "<tr>"
        f"<td style='{cell};color:{STATUS_COLOURS.get(e.status, '#d73027')}'>"
        f"{html.escape(e.status)}</td>"
        f"<td style='{cell};overflow-wrap:anywhere'><code>{shown(e.path)}</code></td>"
        f"<td style='{cell};text-align:right'>{e.sessions}</td>"
        f"<td style='{cell}'>{shown(e.message or '')}</td>"
        "</tr>"
        for e in entries
    )
    if not rows:
        return "<p class='stridekit-upload-report'>No file of the upload was a log.</p>"
    more = len(report) - len(entries)
    tail = (
        f"<tr><td></td><td colspan='3' style='{cell}'>… and {more:,} more "
        f"file{'s' if more != 1 else ''} read whole.</td></tr>"
        if more
        else ""
    )
    return (
        "<div style='overflow-x:auto;max-width:100%'>"
        "<table class='stridekit-upload-report' style='border-collapse:collapse;"
        f"font-size:0.9em'><thead><tr><th style='{cell};text-align:left'>status</th>"
        f"<th style='{cell};text-align:left'>file</th><th style='{cell}'>sessions</th>"
        f"<th style='{cell};text-align:left'>message</th></tr></thead><tbody>{rows}{tail}"
        "</tbody></table></div>"
    )


# -- the widgets -----------------------------------------------------------------------------


class Upload(anywidget.AnyWidget):
    """The upload control: a file chooser that sends files to the kernel in chunks.

    Parameters
    ----------
    on_received
        Called with each complete :class:`Batch`; returns ``(ok, message)`` for the visitor.
        The batch's files are deleted when it returns.
    max_bytes
        The cap on one upload [bytes]; default :func:`max_upload_bytes`.
    chunk_bytes
        Bytes per widget message; default :func:`chunk_size` of the cap.
    folder
        Where uploads are written; default :func:`kernel_folder`.
    """

    _esm = (Path(__file__).with_name("upload.js")).read_text(encoding="utf-8")
    accept = traitlets.Unicode(",".join((*ACCEPTED_SUFFIXES, ".gz"))).tag(sync=True)
    suffixes = traitlets.List(traitlets.Unicode(), list(ACCEPTED_SUFFIXES)).tag(sync=True)
    max_bytes = traitlets.Int(200 * MB).tag(sync=True)
    chunk_bytes = traitlets.Int(CHUNK_BYTES).tag(sync=True)
    kinds = traitlets.Unicode(ACCEPTED_KINDS).tag(sync=True)
    hint = traitlets.Unicode("").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    message_kind = traitlets.Unicode("info").tag(sync=True)

    def __init__(
        self,
        on_received: Callable[[Batch], tuple[bool, str]],
        *,
        max_bytes: int | None = None,
        chunk_bytes: int | None = None,
        folder: KernelFolder | None = None,
        **kwargs: Any,
    ) -> None:
        cap = max_upload_bytes() if max_bytes is None else max_bytes
        super().__init__(
            max_bytes=cap,
            chunk_bytes=chunk_size(cap) if chunk_bytes is None else chunk_bytes,
            hint=f"{ACCEPTED_KINDS}; up to {human_size(cap)} at a time.",
            **kwargs,
        )
        self.add_class("stridekit-upload")
        self._on_received = on_received
        self._folder = folder
        self._batch: Batch | None = None
        self._batch_id: str | None = None
        self.on_msg(self._handle)

    def say(self, message: str, kind: str = "info") -> None:
        """Show ``message`` under the control (``kind``: info, ok or error)."""
        self.message_kind = kind
        self.message = message

    def _reply(self, batch_id: object, event: str, **extra: Any) -> None:
        self.send({"type": "upload", "batch": batch_id, "event": event, **extra})

    def _handle(self, _widget: object, content: Any, buffers: Sequence[Any] | None) -> None:
        if not isinstance(content, dict) or content.get("type") != "upload":
            return
        batch_id = content.get("batch")
        try:
            self._dispatch(content, list(buffers or []))
        except UploadRefused as exc:
            self._abandon()
            self.say(str(exc), "error")
            self._reply(batch_id, "refused", message=str(exc))
        except Exception:  # a traceback must never reach the visitor
            logger.debug("upload failed", exc_info=True)
            self._abandon()
            message = (
                "Something went wrong while receiving your files, and they were not read. "
                "Try again; if it happens again, reload the page."
            )
            self.say(message, "error")
            self._reply(batch_id, "refused", message=message)

    def _dispatch(self, content: dict[str, Any], buffers: list[Any]) -> None:
        event = content.get("event")
        batch_id = content.get("batch")
        if event == "begin":
            self._abandon()
            files = [(str(f.get("name", "")), f.get("size")) for f in content.get("files", [])]
            folder = self._folder or kernel_folder()
            batch_dir = folder.new_batch()
            try:
                self._batch = Batch.announce(batch_dir, files, self.max_bytes)
            except BaseException:
                shutil.rmtree(batch_dir, ignore_errors=True)
                raise
            self._batch_id = str(batch_id)
            self._reply(batch_id, "ready")
            return
        if self._batch is None or str(batch_id) != self._batch_id:
            raise UploadRefused("The upload was interrupted. Choose the files again.")
        if event == "chunk":
            if len(buffers) != 1:
                raise UploadRefused("A part of the upload was empty. Upload it again.")
            received = self._batch.write(content.get("file"), content.get("offset"), buffers[0])
            self._reply(batch_id, "ack", received=received)
        elif event == "end":
            batch = self._batch
            self._batch = self._batch_id = None
            if not batch.complete:
                batch.discard()
                raise UploadRefused("The upload ended before every file arrived. Upload again.")
            try:
                ok, message = self._on_received(batch)
            finally:
                batch.discard()
            self._reply(batch_id, "done", ok=ok, message=message)
        else:
            raise UploadRefused("The upload was interrupted. Choose the files again.")

    def _abandon(self) -> None:
        if self._batch is not None:
            self._batch.discard()
        self._batch = self._batch_id = None


class UploadPanel(widgets.VBox):
    """The upload control, the import's progress and report; hands the new log on.

    Parameters
    ----------
    on_log
        Called with the new log after a successful upload; more with :meth:`subscribe`.
    max_bytes, folder
        As for :class:`Upload`.
    """

    def __init__(
        self,
        on_log: LogSubscriber | None = None,
        *,
        max_bytes: int | None = None,
        folder: KernelFolder | None = None,
    ) -> None:
        with contextlib.suppress(OSError):  # housekeeping never stops a page from opening
            remove_stale()
        self._subscribers: list[LogSubscriber] = [on_log] if on_log else []
        self.upload = Upload(self._read, max_bytes=max_bytes, folder=folder)
        self.progress = widgets.Box()
        self.report = widgets.HTML("")
        self.report.add_class("stridekit-upload-report-box")
        self.uploaded: TrainingLog | None = None
        super().__init__([self.upload, self.progress, self.report])
        self.add_class("stridekit-upload-panel")

    def subscribe(self, on_log: LogSubscriber) -> None:
        """Call ``on_log(new_log)`` after every successful upload."""
        self._subscribers.append(on_log)

    def _read(self, batch: Batch) -> tuple[bool, str]:
        bar = ProgressBar("Reading your files")
        self.progress.children = (bar,)
        self.report.value = ""
        names = ", ".join(f.name for f in batch.files)
        try:
            log = read_upload(batch.folder, progress=bar)
        except Exception as exc:  # a traceback must never reach the visitor
            logger.debug("reading an upload failed", exc_info=True)
            problem = visible(str(exc), batch.folder) if isinstance(exc, StridekitError) else ""
            message = (
                f"{names}: could not be read{': ' + problem if problem else ''}. Check that "
                f"the files are {ACCEPTED_KINDS}, and upload them again."
            )
            self.progress.children = ()
            self.upload.say(message, "error")
            return False, message
        self.progress.children = ()
        self.report.value = report_html(log.report, batch.folder)
        if log.sessions.empty:
            message = (
                f"Nothing could be read from {names}; the report below says why. This page "
                "still shows the log it showed before."
            )
            self.upload.say(message, "error")
            return False, message
        self.uploaded = log
        failed = self._publish(log)
        span = log.date_range
        when = ""
        if span:
            first, last = (f"{d:%d %b %Y}" for d in span)
            when = f" on {first}" if first == last else f" from {first} to {last}"
        count = len(log.sessions)
        message = f"Read {count} session{'s' if count != 1 else ''}{when}. This page shows it now."
        if log.report.problems:
            message += " Some files were not read whole; the report below says why."
        if failed:
            message = (
                f"Read {count} session{'s' if count != 1 else ''}{when}, but a page could not "
                "be redrawn with it. Reload the page and upload again."
            )
            self.upload.say(message, "error")
            return False, message
        self.upload.say(message, "ok")
        return True, message

    def _publish(self, log: TrainingLog) -> bool:
        failed = False
        for subscriber in self._subscribers:
            try:
                subscriber(log)
            except Exception:  # one page failing must not stop the others, nor show a traceback
                logger.debug("a page could not take the uploaded log", exc_info=True)
                failed = True
        return failed
