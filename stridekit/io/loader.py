"""``load_log`` and ``read_activity``: from files on disk to one TrainingLog and its report.

``load_log`` lists the files, hashes their content and looks the whole log up in the cache
(:mod:`stridekit.io.cache`); on a miss each file is looked up alone, and only new or changed
files are parsed, on every core for big jobs (:mod:`stridekit.io.parallel`). The files'
tables are put together, the same activity read from two sources is kept once
(:mod:`stridekit.io.merge`) and runs are classified.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stridekit import schema
from stridekit.analysis.classify import classify_log, classify_runs, read_overrides
from stridekit.analysis.intervals import RunAnalysis, analyse_runs, combine_analyses
from stridekit.errors import LogFormatError, StridekitError, UnknownFormatError
from stridekit.io import (
    arrays,
    cache,
    common,
    csvlog,
    detect,
    fit,
    fit_profile,
    garmin,
    gpx,
    parallel,
    safety,
    store,
    strava,
    tcx,
)
from stridekit.io.cache import ParsedFile
from stridekit.io.common import TzLike, resolve_tz
from stridekit.io.merge import merge_duplicates
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, MergeEntry, ProgressCallback, ReportEntry

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

OVERRIDES_NAME = "overrides.csv"
"""A log folder's file of the runner's classification corrections (``session_id,kind``...)."""

READER_VERSION = "2"
"""Part of every cache key, with a digest of the readers' source (:func:`readers_version`):
bump it when the readers' output changes through something else (a library they use)."""

SUPPORTED = (
    "stridekit reads FIT, TCX and GPX (plain or .gz) and the hand-kept CSVs of docs/log-format.md"
)

ZIP_SUFFIXES: Final = frozenset({".zip"})
"""Suffixes of archives whose members are read as recordings (a zip found in a folder)."""


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
    log.report = ImportReport([_entry(Path(source), fmt, log)])  # the reader's own log
    return log


def _entry(path: Path | str, fmt: str, log: TrainingLog) -> ReportEntry:
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
    workers: int | None = None,
) -> TrainingLog:
    """Load a runner's log: a file, a folder (searched recursively) of recordings and CSVs, a
    zip of recordings, a Strava bulk export or a Garmin Connect export (the zip or its
    folder), or a folder written by ``stridekit import``.

    Files are recognised by content. Files that are not logs (``truth.json``, pictures,
    notes) are ignored; a log file that cannot be read is reported and the others are still
    loaded. A zip archive (given, or found in the folder) is read member by member within
    the caps of :mod:`stridekit.io.safety`; a Strava or Garmin export found in a folder is
    read as one. The same activity from two sources (a FIT and a
    GPX of one run) is kept once, from the richest source; ``report.merges`` lists what was
    merged. Nothing is ever written into ``path``.

    Parameters
    ----------
    path
        A file or a folder.
    tz
        Time zone for local dates where a file carries no offset; the machine's when ``None``.
    use_cache
        Reuse (and store) parsed files and the whole log in the user cache, keyed by the
        files' content: an unchanged log is read without parsing, and only new or changed
        files are parsed.
    progress
        ``progress(done, total, path)``, called in this process after each file.
    workers
        Processes to parse with: ``None`` uses every core when there is enough to parse
        (:func:`stridekit.io.parallel.want_pool`), 1 parses in this process.

    Returns
    -------
    TrainingLog
        The tables, runs classified, ``report`` with one entry per log file (and the merged
        duplicates), and ``fingerprint`` set from the cache key.

    Raises
    ------
    StridekitError
        When ``path`` does not exist.
    """
    root = Path(path)
    if not root.exists():
        raise StridekitError(f"{root}: no such file or folder; check the path")
    if store.is_stored_log(root):  # written by `stridekit import`: nothing to parse
        stored = store.read_log(root)
        parts = sorted(p for p in root.iterdir() if p.is_file())
        digests = cache.file_digests(parts, remember=use_cache)
        stored.fingerprint = cache.digest("stored", *(f"{p.name}:{digests[p]}" for p in parts))
        return stored
    files = _candidate_files(root)
    overrides = root / OVERRIDES_NAME if root.is_dir() else None
    if overrides is not None and overrides in files:
        files.remove(overrides)  # the runner's corrections, not a log
    else:
        overrides = None
    zone = resolve_tz(tz)
    digests = cache.file_digests(files + ([overrides] if overrides else []), remember=use_cache)
    key = cache.digest(
        "log",
        readers_version(),
        _pipeline_source(),  # merging and classifying shape the whole log too
        str(zone),
        str(root.absolute()),  # the tables name their files
        *(f"{f.relative_to(root) if f != root else f.name}:{digests.get(f)}" for f in files),
        f"overrides:{digests.get(overrides)}" if overrides else "",
    )
    if use_cache and (hit := cache.load(key)) is not None:
        if progress:
            for done, f in enumerate(files, start=1):
                progress(done, len(files), str(f))
        return hit
    options = _Options(zone, str(cache.cache_root()) if use_cache else None, workers, progress)
    analysed = None
    if strava.is_strava_export(root):
        log, analysed = strava.read_strava_export_analysed(
            root, tz=zone, recordings=_RecordingReader(options)
        )
    elif garmin.is_garmin_export(root):
        log = garmin.read_garmin_export(root, tz=zone, recordings=_RecordingReader(options))
    else:
        log = _read_files(root, files, digests, options)
    log = _finish(log, overrides, analysed)
    log.fingerprint = key
    if use_cache:
        cache.store(key, log, owner=f"{root.absolute()}|{zone}")
        cache.prune_if_due(readers=readers_version())  # once a day, after parsing
    return log


def _candidate_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


# -- one file, in a worker or here ---------------------------------------------------------


@dataclass(frozen=True)
class FileJob:
    """One file to read: on disk, or a member of a zip archive.

    Attributes
    ----------
    source
        The file as reports and the ``source`` column name it (``archive!member``).
    path
        The file on disk, or the archive that holds it.
    member
        The member's name inside the archive, or ``None``.
    digest
        The content key of the file on disk when already known (members are hashed when
        read).
    tz
        Time zone for local dates.
    cache_root
        The cache folder, or ``None`` for no cache.
    quiet
        Ignore content that is no log when the name does not say it is one (``README.md``);
        ``False`` reports any content it cannot read.
    """

    source: str
    path: str
    member: str | None
    digest: str | None
    tz: dt.tzinfo
    cache_root: str | None
    quiet: bool = True


def file_key(content_digest: str, tz: dt.tzinfo) -> str:
    """The cache key of one parsed file: its content, the readers' version, the time zone."""
    return cache.digest("file", readers_version(), str(tz), content_digest)


def readers_version() -> str:
    """:data:`READER_VERSION` and a digest of the readers' own source code.

    Any change to a reader invalidates the entries it wrote, even when nobody remembered to
    bump :data:`READER_VERSION` (which still forces it, e.g. for a change elsewhere).
    """
    return f"{READER_VERSION}:{_readers_source()}"


@functools.cache
def _pipeline_source() -> str:
    """A digest of the code that turns parsed files into a log: exports, merging, analysis."""
    package = Path(__file__).resolve().parent.parent
    files = sorted([*(package / "io").glob("*.py"), *(package / "analysis").glob("*.py")])
    try:
        return cache.digest(*(f.read_bytes() for f in files))
    except OSError:
        return READER_VERSION


@functools.cache
def _readers_source() -> str:
    modules = (arrays, common, csvlog, detect, fit, fit_profile, gpx, safety, tcx, schema)
    parts: list[bytes] = []
    for module in modules:
        try:
            parts.append(Path(inspect.getfile(module)).read_bytes())
        except (OSError, TypeError):  # no source (a frozen build): the version alone
            parts.append(module.__name__.encode())
    return cache.digest(*parts)


def read_file_job(job: FileJob, *, keep_log: bool = False) -> ParsedFile:
    """Read one file through the per-file cache: parse it only when no entry holds it.

    Never raises for a bad file: the returned entry says what went wrong.

    Parameters
    ----------
    job
        The file.
    keep_log
        Also return the freshly parsed tables as pandas (``ParsedFile.log``), for a caller
        in the same process.
    """
    root = Path(job.cache_root) if job.cache_root else None
    data: bytes | None = None
    digest = job.digest
    try:
        if job.member is not None:
            data = _read_member(job)
            digest = cache.digest(data)
    except LogFormatError as exc:
        return ParsedFile(job.source, None, _skipped(job, None, exc), {})
    key = file_key(digest, job.tz) if digest is not None else None
    if root is not None and key is not None:
        hit = cache.load_file(key, job.source, root)
        if hit is not None:
            return hit
    parsed = _parse_job(job, data)
    if root is not None and key is not None:
        cache.store_file(key, parsed, root, readers=readers_version())
    if not keep_log:
        parsed.log = None
    return parsed


def _work(job: FileJob) -> ParsedFile:
    return read_file_job(job)


def _parse_job(job: FileJob, data: bytes | None) -> ParsedFile:
    fmt: str | None = None
    try:
        if data is None and not job.quiet:
            data = safety.read_bytes(job.path)
        if data is None:
            fmt = detect.sniff_path(Path(job.path))
        else:
            if data.startswith(detect.GZIP_MAGIC):
                data = safety.gunzip_bytes(data, job.source)
            fmt = detect.sniff(data[:4096])
        if fmt is None:
            name = Path(job.member or job.path)
            if job.quiet and not detect.looks_like_log(name):
                return ParsedFile(job.source, None, None, {})  # not a log: ignored
            raise UnknownFormatError(job.source, "not a format stridekit reads", fix=SUPPORTED)
        if fmt not in READERS:
            raise UnknownFormatError(job.source, f"{fmt} files are not read yet")
        if data is None:
            data = safety.read_bytes(job.path)
        log = READERS[fmt](data, job.source, job.tz)
    except StridekitError as exc:
        return ParsedFile(job.source, fmt, _skipped(job, fmt, exc), {})
    except OSError as exc:  # no permission, or removed while the log was read
        problem = LogFormatError(
            job.source,
            f"cannot be read ({exc.strerror or exc})",
            fix="check that the file exists and that your account may read it",
        )
        return ParsedFile(job.source, fmt, _skipped(job, fmt, problem), {})
    tables = {
        name: store.to_arrow(getattr(log, name), name)
        for name in schema.table_names()
        if len(getattr(log, name))
    }
    return ParsedFile(job.source, fmt, _entry(job.source, fmt, log), tables, log=log)


def _skipped(job: FileJob, fmt: str | None, exc: StridekitError) -> ReportEntry:
    message = str(exc) if isinstance(exc, LogFormatError) else f"{job.source}: {exc}"
    return ReportEntry(job.source, "skipped", fmt, 0, message)


_ARCHIVES: dict[str, zipfile.ZipFile] = {}
"""Archives open in this process, by path (a worker reads many members of one archive)."""


def _read_member(job: FileJob) -> bytes:
    assert job.member is not None
    # the archive as reports name it: a zip inside an export is read from a temporary copy
    suffix = f"!{job.member}"
    where = job.source[: -len(suffix)] if job.source.endswith(suffix) else job.path
    archive = _ARCHIVES.get(job.path)
    if archive is None:
        try:
            archive = zipfile.ZipFile(job.path)
        except safety.ZIP_ERRORS as exc:
            raise LogFormatError(where, f"cannot be read as a zip archive ({exc})") from None
        _ARCHIVES[job.path] = archive
    try:
        info = archive.getinfo(job.member)
    except KeyError:
        raise LogFormatError(job.source, "is not in the archive any more") from None
    return safety.read_member(archive, info, where)


def _close_archives() -> None:
    while _ARCHIVES:
        _, archive = _ARCHIVES.popitem()
        archive.close()


# -- many files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    tz: dt.tzinfo
    cache_root: str | None
    workers: int | None
    progress: ProgressCallback | None


def read_file_jobs(
    jobs: Sequence[FileJob],
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> list[ParsedFile]:
    """Read many files through the per-file cache, on every core when there is enough to
    parse; results in the order of ``jobs``, ``progress`` called here once per file."""
    todo = [j for j in jobs if not _cached(j)]
    size = sum(_size(j) for j in todo)
    n = parallel.want_pool(len(todo), size, workers)
    if n > 1 and len(todo) < len(jobs) and len(todo) < parallel.MIN_POOL_FILES:
        n = 1 if workers is None else n  # mostly cached: reading entries here is quicker
    try:
        return parallel.run_ordered(
            _work, list(jobs), workers=n, progress=progress, label=lambda j: j.source
        )
    finally:
        _close_archives()


def _cached(job: FileJob) -> bool:
    if job.cache_root is None or job.digest is None:
        return False
    return cache.file_entry_path(file_key(job.digest, job.tz), Path(job.cache_root)).is_file()


def _size(job: FileJob) -> int:
    try:
        return Path(job.path).stat().st_size if job.member is None else 0
    except OSError:
        return 0


def _read_files(
    root: Path, files: list[Path], digests: dict[Path, str], options: _Options
) -> TrainingLog:
    report = ImportReport()
    jobs: list[FileJob] = []
    exports: list[TrainingLog] = []
    for f in files:
        if f.suffix.lower() in ZIP_SUFFIXES and zipfile.is_zipfile(f):
            try:
                if f != root and strava.is_strava_export(f):
                    recordings = _RecordingReader(options)
                    exports.append(
                        strava.read_strava_export(f, tz=options.tz, recordings=recordings)
                    )
                elif f != root and garmin.is_garmin_export(f):
                    recordings = _RecordingReader(options)
                    exports.append(
                        garmin.read_garmin_export(f, tz=options.tz, recordings=recordings)
                    )
                else:
                    jobs += _member_jobs(f, options)
            except LogFormatError as exc:  # a cap or a broken directory: reported, skipped
                report.add(ReportEntry(str(f), "skipped", "zip", 0, str(exc)))
            continue
        jobs.append(FileJob(str(f), str(f), None, digests.get(f), options.tz, options.cache_root))
    results = read_file_jobs(jobs, workers=options.workers, progress=options.progress)
    combined = _combine(results, report)
    if not exports:
        return combined
    entries = [e for lg in (combined, *exports) for e in lg.report.entries]
    return TrainingLog.concat([combined, *exports], report=ImportReport(entries))


def _member_jobs(archive: Path, options: _Options) -> list[FileJob]:
    with safety.open_zip(archive, archive) as zf:
        members = safety.check_zip(zf, archive)
    jobs = []
    for info in sorted(members, key=lambda m: m.filename):
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if any(part.startswith(".") or part == "__MACOSX" for part in parts):
            continue
        source = f"{archive}!{info.filename}"
        jobs.append(
            FileJob(source, str(archive), info.filename, None, options.tz, options.cache_root)
        )
    return jobs


def _combine(results: list[ParsedFile], report: ImportReport) -> TrainingLog:
    """The files' tables together.

    A session whose key was already read from a file of the same format is the same
    recording copied: the first one read is kept and the copy's entry says so. One read from
    a file of another format (a FIT and a GPX of one run share their start's key) is the same
    activity from another source: both are kept under provisional keys and the richest wins
    (:func:`stridekit.io.merge.merge_duplicates`), under the shared key.
    """
    parts: dict[str, list[pa.Table]] = {name: [] for name in schema.table_names()}
    set_tables: list[tuple[str, pd.DataFrame]] = []
    seen: dict[str, tuple[str, str | None]] = {}
    aliases: dict[str, str] = {}
    for parsed in results:
        entry = parsed.entry
        if entry is None:
            continue  # not a log
        if entry.status == "skipped":
            report.add(entry)
            continue
        if parsed.format == "sets-csv":
            sets = parsed.tables.get("sets")
            frame = schema.empty("sets") if sets is None else store.to_pandas(sets, "sets")
            set_tables.append((parsed.source, frame))
            continue
        tables, parsed.tables = parsed.tables, {}  # held here only: freed once converted
        sessions = tables.get("sessions")
        ids: list[str] = [] if sessions is None else sessions.column("session_id").to_pylist()
        copies = [i for i in ids if i in seen and seen[i][1] == parsed.format]
        if copies:
            # the same recording twice (a copy in two folders): the first one read is kept
            fresh = [i for i in ids if i not in copies]
            keep = pa.array(fresh, pa.large_string())
            tables = {
                name: t.filter(pc.is_in(t.column("session_id"), value_set=keep))
                for name, t in tables.items()
            }
            message = (
                f"{parsed.source}: {len(copies)} of its sessions were already read from "
                f"{', '.join(sorted({seen[i][0] for i in copies}))}; kept once"
            )
            report.add(ReportEntry(parsed.source, "partial", parsed.format, len(fresh), message))
            ids = fresh
        else:
            report.add(entry)
        other = {i: f"{i}~{parsed.format}~{len(aliases)}" for i in ids if i in seen}
        if other:  # the same activity from another source: merged later
            aliases.update({alias: i for i, alias in other.items()})
            tables = {name: _rekeyed(t, other) for name, t in tables.items()}
        seen.update({i: (parsed.source, parsed.format) for i in ids if i not in other})
        for name, t in tables.items():
            if t.num_rows:
                parts[name].append(t)
    frames = {name: _concat(parts[name], name) for name in schema.table_names()}
    combined = store.log_of(frames, report)
    combined = _attach_sets(combined, set_tables, report)
    return _unalias(combined, aliases) if aliases else combined


def _rekeyed(table: pa.Table, keys: dict[str, str]) -> pa.Table:
    i = table.column_names.index("session_id")
    values = [keys.get(v, v) for v in table.column(i).to_pylist()]
    return table.set_column(i, "session_id", pa.array(values, pa.large_string()))


def _unalias(log: TrainingLog, aliases: dict[str, str]) -> TrainingLog:
    """Merge the sessions kept under provisional keys, then give the winners their keys."""
    merged, merges = merge_duplicates(log)
    ids = set(merged.sessions["session_id"])
    # an alias whose original is still there was not the same activity after all (another
    # sport): the first one read is kept, as for a copy
    clash = {a for a, i in aliases.items() if a in ids and i in ids}
    if clash:
        merged = merged.select(sorted(ids - clash))
    rename = {a: i for a, i in aliases.items() if a not in clash}

    def back(df: pd.DataFrame) -> pd.DataFrame:
        hit = df["session_id"].isin(rename)
        if not hit.any():
            return df
        df = df.copy()
        df.loc[hit, "session_id"] = df.loc[hit, "session_id"].map(rename)
        return df

    report = ImportReport(
        list(log.report.entries),
        [
            MergeEntry(
                kept=rename.get(m.kept, m.kept),
                kept_path=m.kept_path,
                dropped=rename.get(m.dropped, m.dropped),
                dropped_path=m.dropped_path,
                filled=m.filled,
                reason=m.reason,
            )
            for m in [*log.report.merges, *merges]
        ],
    )
    return TrainingLog(
        sessions=back(merged.sessions),
        laps=back(merged.laps),
        samples=back(merged.samples),
        sets=back(merged.sets),
        report=report,
    )


def _concat(tables: list[pa.Table], name: str) -> pd.DataFrame:
    if not tables:
        return schema.empty(name)
    joined = pa.concat_tables(tables, promote_options="default")
    del tables[:]  # the pieces are freed column by column as they are converted
    return store.to_pandas(joined, name, consume=True)


def _attach_sets(
    log: TrainingLog, set_tables: list[tuple[str, pd.DataFrame]], report: ImportReport
) -> TrainingLog:
    known = set(log.sessions["session_id"])
    kept = []
    for file, sets in set_tables:
        orphan = ~sets["session_id"].isin(known)
        if orphan.any():
            names = sorted(sets.loc[orphan, "session_id"].unique())
            report.add(
                ReportEntry(
                    file,
                    "partial",
                    "sets-csv",
                    0,
                    f"{file}: {int(orphan.sum())} sets refer to sessions that no sessions file has "
                    f"({', '.join(names[:5])}); they were left out. Add those sessions to your "
                    "sessions CSV",
                )
            )
        else:
            report.add(ReportEntry(file, "ok", "sets-csv", 0))
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


class _RecordingReader(strava.RecordingReader):
    """Reads an export's recordings through the per-file cache and the pool (for
    :func:`stridekit.io.strava.read_strava_export`)."""

    def __init__(self, options: _Options) -> None:
        super().__init__(options.tz)
        self.cache_root = options.cache_root
        self.workers = options.workers
        self.progress = options.progress

    def jobs(self, specs: Sequence[tuple[str, str, str | None]]) -> list[FileJob]:
        """``(source, path, member)`` -> the jobs, with the digests of files on disk."""
        out = []
        for source, path, member in specs:
            digest = None
            if member is None:
                try:
                    digest = cache.file_digest(path)
                except OSError:
                    digest = None
            out.append(FileJob(source, path, member, digest, self.tz, self.cache_root, False))
        return out


def _finish(
    log: TrainingLog,
    overrides: Path | None = None,
    analysed: strava.RunsAnalysed | None = None,
) -> TrainingLog:
    """Duplicates merged, runs classified, laps' roles given.

    ``analysed``: the analysis of some runs already made (by the export's reader, while
    the recordings were read), the runs it covers, and their laps' roles already set; only
    what it does not cover is analysed here (``analyse_runs`` analyses each session on its
    own samples and laps, so the parts together are the whole log's analysis).
    """
    merged, merges = merge_duplicates(log)
    report = merged.report
    if merges:
        report = ImportReport(list(report.entries), [*report.merges, *merges])
    merged.report = report
    corrections = None
    if overrides is not None:
        try:
            corrections = read_overrides(overrides)
            report.add(ReportEntry(str(overrides), "ok", "overrides-csv", 0))
        except (ValueError, OSError, StridekitError) as exc:
            report.add(
                ReportEntry(
                    str(overrides),
                    "skipped",
                    "overrides-csv",
                    0,
                    f"{overrides}: {exc}; the runs were classified without your corrections "
                    "(the format is in docs/analysis.md)",
                )
            )
    if analysed is None:
        return classify_log(merged, corrections)  # runs' kind, focus and reason; laps' role
    return _classify_analysed(merged, corrections, *analysed)


def _classify_analysed(
    log: TrainingLog, corrections: pd.DataFrame | None, done: RunAnalysis, covered: set[str]
) -> TrainingLog:
    """:func:`stridekit.analysis.classify.classify_log`, with the analysis of the runs in
    ``covered`` at hand (``done``; their laps' roles set): the other runs are analysed here."""
    sessions = log.sessions
    runs = sessions.loc[sessions["sport"] == "run", "session_id"]
    ids = runs.astype(object)
    rest = ids[~ids.isin(covered)]
    laps = log.laps
    run_laps = laps["session_id"].isin(ids).to_numpy()
    parts = [
        RunAnalysis(
            repeats=done.repeats.loc[done.repeats["session_id"].isin(ids)],
            laps=laps.loc[run_laps & laps["session_id"].isin(covered).to_numpy()],
            phases=done.phases.loc[done.phases["session_id"].isin(ids)],
        )
    ]
    if len(rest):
        fresh = analyse_runs(laps, log.samples, session_ids=rest)
        todo = laps["session_id"].isin(rest).to_numpy()
        if todo.any():
            laps = laps.copy()
            laps.loc[todo, "role"] = fresh.laps["role"].to_numpy()
        parts.append(RunAnalysis(fresh.repeats, laps.loc[todo], fresh.phases))
    analysis = combine_analyses(parts, laps.loc[run_laps])
    return TrainingLog(
        sessions=classify_runs(
            sessions, laps, log.samples, overrides=corrections, analysis=analysis
        ),
        laps=laps,
        samples=log.samples,
        sets=log.sets,
        report=log.report,
    )
