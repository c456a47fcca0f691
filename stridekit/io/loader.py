"""``load_log`` and ``read_activity``: from files on disk to one TrainingLog and its report."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from stridekit.analysis.classify import classify_runs
from stridekit.errors import LogFormatError, StridekitError, UnknownFormatError
from stridekit.io import cache, csvlog, detect, fit, gpx, safety, store, strava, tcx
from stridekit.io.common import TzLike, resolve_tz
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, ProgressCallback, ReportEntry

Reader = Callable[[bytes, str, TzLike], TrainingLog]

READERS: dict[str, Reader] = {
    "tcx": lambda data, source, tz: tcx.parse_tcx(data, source=source, tz=tz),
    "gpx": lambda data, source, tz: gpx.parse_gpx(data, source=source, tz=tz),
    "fit": lambda data, source, tz: fit.parse_fit(data, source=source, tz=tz),
    "sessions-csv": lambda data, source, tz: csvlog.parse_sessions_csv(data, source=source, tz=tz),
    "sets-csv": lambda data, source, tz: TrainingLog(
        sets=csvlog.parse_sets_csv(data, source=source)
    ),
}
"""format -> reader of the file's (gunzipped) bytes."""

READER_VERSION = "2"

SUPPORTED = (
    "stridekit reads FIT, TCX and GPX (plain or .gz) and the hand-kept CSVs of docs/log-format.md"
)
"""Part of every cache key: bump it when any reader's output changes."""


def read_activity(path: str | Path, *, tz: TzLike = None) -> TrainingLog:
    """Read one activity file (FIT, TCX or GPX, plain or gzipped), bypassing the cache.

    Parameters
    ----------
    path
        The file. Its format is recognised by content.
    tz
        Time zone for local dates when the file carries no offset; the machine's when ``None``.

    Raises
    ------
    LogFormatError
        When the file cannot be read: the message names the file and the problem.
    """
    return parse_activity(safety.read_bytes(path), source=str(path), tz=tz)


def parse_activity(data: bytes, *, source: str = "<bytes>", tz: TzLike = None) -> TrainingLog:
    """Read one activity from its bytes (gzipped or not), recognising the format by content.

    Archive readers (exports) call this for each recording they hold.

    Raises
    ------
    LogFormatError
        When the bytes are no recording stridekit reads, or a bad one; naming ``source``.
    """
    if data.startswith(detect.GZIP_MAGIC):
        data = safety.gunzip_bytes(data, source)
    fmt = detect.sniff(data[:4096])
    if fmt is None or fmt not in READERS:
        raise UnknownFormatError(
            source,
            "not a format stridekit reads" if fmt is None else f"{fmt} files are not read yet",
            fix=SUPPORTED,
        )
    log = READERS[fmt](data, source, tz)
    return TrainingLog(
        sessions=log.sessions,
        laps=log.laps,
        samples=log.samples,
        sets=log.sets,
        report=ImportReport([_entry(Path(source), fmt, log)]),
    )


def _entry(path: Path, fmt: str, log: TrainingLog) -> ReportEntry:
    """The report entry of a file read whole: ok, or partial with the reader's reasons."""
    reasons = [e.message for e in log.report if e.status != "ok" and e.message]
    if reasons:
        return ReportEntry(str(path), "partial", fmt, len(log.sessions), "; ".join(reasons))
    return ReportEntry(str(path), "ok", fmt, len(log.sessions))


def load_log(
    path: str | Path,
    *,
    tz: TzLike = None,
    use_cache: bool = True,
    progress: ProgressCallback | None = None,
) -> TrainingLog:
    """Load a runner's log: a file, a folder (searched recursively) of recordings and CSVs, a
    Strava bulk export (the zip or its folder), or a folder written by ``stridekit import``.

    Files are recognised by content. Files that are not logs (``truth.json``, pictures,
    notes) are ignored; a log file that cannot be read is reported and the others are still
    loaded. Nothing is ever written into ``path``.

    Parameters
    ----------
    path
        A file or a folder.
    tz
        Time zone for local dates where a file carries no offset; the machine's when ``None``.
    use_cache
        Reuse (and store) the parsed log in the user cache, keyed by the files' content.
    progress
        ``progress(done, total, path)``, called after each file.

    Returns
    -------
    TrainingLog
        The tables, runs classified, and ``report`` with one entry per log file.

    Raises
    ------
    StridekitError
        When ``path`` does not exist.
    """
    root = Path(path)
    if not root.exists():
        raise StridekitError(f"{root}: no such file or folder; check the path")
    if store.is_stored_log(root):  # written by `stridekit import`: nothing to parse
        return store.read_log(root)
    files = _candidate_files(root)
    zone = resolve_tz(tz)
    key = cache.digest(
        READER_VERSION,
        str(zone),
        *(f"{f.relative_to(root) if f != root else f.name}:{_file_digest(f)}" for f in files),
    )
    if use_cache and (hit := cache.load(key)) is not None:
        if progress:
            progress(len(files), len(files), str(root))
        return hit
    if strava.is_strava_export(root):
        log = _finish(strava.read_strava_export(root, tz=zone))
        if progress:
            progress(len(files), len(files), str(root))
    else:
        log = _parse_all(files, zone, progress)
    if use_cache:
        cache.store(key, log)
    return log


def _file_digest(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


def _candidate_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def _parse_all(files: list[Path], tz: dt.tzinfo, progress: ProgressCallback | None) -> TrainingLog:
    report = ImportReport()
    logs: list[TrainingLog] = []
    set_tables: list[tuple[Path, pd.DataFrame]] = []
    seen: dict[str, str] = {}
    total = len(files)
    for done, file in enumerate(files, start=1):
        fmt: str | None = None
        try:
            fmt = detect.sniff_path(file)
            if fmt is None:
                if detect.looks_like_log(file):
                    raise UnknownFormatError(
                        file,
                        "not a format stridekit reads",
                        fix=SUPPORTED,
                    )
                continue  # not a log: README, truth.json, pictures ...
            if fmt not in READERS:
                raise UnknownFormatError(file, f"{fmt} files are not read yet")
            log = READERS[fmt](safety.read_bytes(file), str(file), tz)
        except LogFormatError as exc:
            report.add(ReportEntry(str(file), "skipped", fmt, 0, str(exc)))
            continue
        except StridekitError as exc:
            report.add(ReportEntry(str(file), "skipped", fmt, 0, f"{file}: {exc}"))
            continue
        finally:
            if progress:
                progress(done, total, str(file))
        if fmt == "sets-csv":
            set_tables.append((file, log.sets))
            continue
        ids = log.sessions["session_id"]
        repeated = ids[ids.isin(seen)]
        if len(repeated):
            # the same recording twice (a copy in two folders): the first one read is kept
            log = log.select(ids[~ids.isin(seen)])
            message = (
                f"{file}: {len(repeated)} of its sessions were already read from "
                f"{', '.join(sorted({seen[i] for i in repeated}))}; kept once"
            )
            report.add(ReportEntry(str(file), "partial", fmt, len(log.sessions), message))
        else:
            report.add(_entry(file, fmt, log))
        seen.update(dict.fromkeys(log.sessions["session_id"], str(file)))
        logs.append(log)
    combined = TrainingLog.concat(logs, report=report)
    combined = _attach_sets(combined, set_tables, report)
    return _finish(combined)


def _attach_sets(
    log: TrainingLog, set_tables: list[tuple[Path, pd.DataFrame]], report: ImportReport
) -> TrainingLog:
    known = set(log.sessions["session_id"])
    kept = []
    for file, sets in set_tables:
        orphan = ~sets["session_id"].isin(known)
        if orphan.any():
            names = sorted(sets.loc[orphan, "session_id"].unique())
            report.add(
                ReportEntry(
                    str(file),
                    "partial",
                    "sets-csv",
                    0,
                    f"{file}: {int(orphan.sum())} sets refer to sessions that no sessions file has "
                    f"({', '.join(names[:5])}); they were left out. Add those sessions to your "
                    "sessions CSV",
                )
            )
        else:
            report.add(ReportEntry(str(file), "ok", "sets-csv", 0))
        kept.append(sets.loc[~orphan])
    if not kept:
        return log
    return TrainingLog(
        sessions=log.sessions,
        laps=log.laps,
        samples=log.samples,
        sets=pd.concat([log.sets, *kept], ignore_index=True),
        report=report,
    )


def _finish(log: TrainingLog) -> TrainingLog:
    return TrainingLog(
        sessions=classify_runs(log.sessions, log.laps),
        laps=log.laps,
        samples=log.samples,
        sets=log.sets,
        report=log.report,
    )
