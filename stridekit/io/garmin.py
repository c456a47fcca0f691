"""Garmin Connect export: ``summarizedActivities`` JSON joined with the uploaded recordings.

Garmin's data export (the "Export Your Data" zip, or the folder it unpacks to) holds, under
``DI_CONNECT/``:

- ``DI-Connect-Fitness/<user>_0_summarizedActivities.json`` (possibly ``_1_``, ``_2_`` ...):
  ``[{"summarizedActivitiesExport": [{...}, ...]}]``, one object per activity;
- ``DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip`` (and more parts): zips holding the
  original recordings, mostly FIT, named ``<email>_<activityId>.fit`` or by an upload id.

:func:`read_garmin_export` reads it into one :class:`~stridekit.log.TrainingLog`:

- every summarized activity becomes exactly one session, built from its own fields, keyed
  ``garmin:<activityId>``; a multisport parent whose legs are rows of their own is left out
  (the legs are the sessions);
- a recording found for it (by ``activityId`` in the file name, else by a start within
  :data:`MATCH_WINDOW_S`) adds its samples, laps and sets and its exact times and measured
  totals; the session then takes the recording's key, so the same recording read from a
  plain folder is the same session. The summary keeps title, notes, sport and kind;
- recordings no summary claims are sessions of their own, as from a plain folder;
- a strength session whose recording has no set messages (or that has no recording) gets its
  sets from ``summarizedExerciseSets``;
- every file gets a report entry; an unreadable recording, a JSON that cannot be read or a
  nested zip that breaks a cap of :mod:`stridekit.io.safety` is reported and the rest read.

Facts about the summaries this module copes with: times are epoch milliseconds
(``startTimeGmt``, ``startTimeLocal``; ``beginTimestamp`` in some exports; text
``YYYY-MM-DD HH:MM:SS`` is read too), durations are milliseconds, distances and elevation
centimetres, ``avgSpeed`` is centimetres per millisecond (tenths of m/s, used only when
distance or time is missing), ``avgRunCadence`` is strides (one foot) per minute and
``avgDoubleCadence`` steps per minute, ``activityType`` is a key (``trail_running``) or an
object with ``typeKey``. ``startTimeLocal - startTimeGmt`` is the runner's UTC offset,
which gives ``local_date``.

Nothing is ever written into the export.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, Final, cast

import numpy as np
import pandas as pd

from stridekit import schema
from stridekit.errors import LogFormatError, UnsafeInputError
from stridekit.exercises import EXERCISES, normalize_exercise
from stridekit.io import safety
from stridekit.io.common import TzLike, local_dates, resolve_tz
from stridekit.io.export import FileSpec, FolderExport, ZipExport, is_export, open_export
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, ReportEntry, Status

if TYPE_CHECKING:
    from stridekit.io.cache import ParsedFile
    from stridekit.io.strava import RecordingReader

FORMAT: Final = "garmin-json"
"""``source_format`` of sessions built from a summary alone, and the JSON files' format."""

SUMMARY_SUFFIX: Final = "summarizedactivities.json"
"""How the summary files' names end (compared in lower case)."""

MAX_JSON_BYTES: Final = 200 * safety.MB
"""Largest ``summarizedActivities`` JSON accepted [bytes]."""

MATCH_WINDOW_S: Final = 60.0
"""Largest gap between a summary's start and a recording's for them to be joined [s]."""

MAX_OFFSET_S: Final = 18 * 3600
"""Largest UTC offset believed from ``startTimeLocal - startTimeGmt`` [s]."""

RECORDING_SUFFIXES: Final = (".fit", ".tcx", ".gpx", ".fit.gz", ".tcx.gz", ".gpx.gz")
"""Names (lower case) of the recordings read from the uploaded files."""

RUN_TYPES: Final = frozenset(
    {
        "running",
        "trail_running",
        "treadmill_running",
        "track_running",
        "virtual_run",
        "indoor_running",
        "street_running",
        "ultra_run",
    }
)
"""Garmin ``activityType`` keys that are runs."""
STRENGTH_TYPES: Final = frozenset({"strength_training"})
"""Garmin ``activityType`` keys that are strength sessions."""
MOBILITY_KINDS: Final[dict[str, str]] = {
    "yoga": "yoga",
    "pilates": "pilates",
    "breathwork": "breathwork",
    "stretching": "stretching",
    "flexibility": "stretching",
    "flexibility_training": "stretching",
    "mobility": "mobility",
}
"""Garmin ``activityType`` key -> mobility kind."""

_MS: Final = 1000.0
_CM: Final = 100.0
_NAN: Final = float("nan")
_DIGITS = re.compile(r"\d+")
_TEXT_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_MEASURED: Final = (
    "distance_m",
    "duration_s",
    "moving_s",
    "avg_speed_mps",
    "avg_hr_bpm",
    "avg_cadence_spm",
    "avg_step_m",
    "ascent_m",
    "warmup_s",
    "cooldown_s",
    "rpe",
)


def is_garmin_export(path: str | Path) -> bool:
    """Whether ``path`` looks like a Garmin Connect export: cheap, reads no recording.

    A folder or zip is one when it has a ``DI_CONNECT`` folder (at its root or inside one top
    folder, or is that folder) holding ``DI-Connect-Fitness/*summarizedActivities*.json`` or
    an uploaded-files folder. Only a zip's directory is read.

    Parameters
    ----------
    path
        A folder or a file.

    Returns
    -------
    bool
        ``True`` for a Garmin export, ``False`` otherwise (also when unreadable).
    """
    return is_export(
        path,
        in_folder=_has_connect_folder,
        in_names=lambda names: any(_is_connect_member(name) for name in names),
    )


def _has_connect_folder(p: Path) -> bool:
    """Whether the folder ``p`` is a ``DI_CONNECT`` folder, or holds one (at its root or
    inside one top folder)."""
    bases = [p] if p.name.lower() == "di_connect" else []
    bases += [d for d in (p / "DI_CONNECT", *p.glob("*/DI_CONNECT")) if d.is_dir()]
    return any(_is_connect_folder(b) for b in bases)


def _is_connect_folder(base: Path) -> bool:
    fitness = base / "DI-Connect-Fitness"
    if fitness.is_dir() and any(
        f.name.lower().endswith(SUMMARY_SUFFIX) for f in fitness.iterdir() if f.is_file()
    ):
        return True
    return any(d.is_dir() and _is_uploads(d.name) for d in base.iterdir())


def _is_connect_member(name: str) -> bool:
    parts = [p.lower() for p in PurePosixPath(name.replace("\\", "/")).parts]
    for i, part in enumerate(parts[:2]):
        if part == "di_connect" and len(parts) > i + 2:
            folder = parts[i + 1]
            if folder == "di-connect-fitness" and parts[-1].endswith(SUMMARY_SUFFIX):
                return True
            if _is_uploads(folder):
                return True
    return False


def _is_uploads(folder: str) -> bool:
    """Whether a folder or zip name is Garmin's uploaded files (``DI-Connect-Uploaded-Files``,
    older ``DI-Connect-Fitness-Uploaded-Files``, ``UploadedFiles_0-_Part1``)."""
    return "uploadedfiles" in folder.lower().replace("-", "").replace("_", "")


def read_garmin_export(
    path: str | Path, *, tz: TzLike = None, recordings: RecordingReader | None = None
) -> TrainingLog:
    """Read a Garmin Connect export, a ``.zip`` or the folder it unpacks to.

    Parameters
    ----------
    path
        The export: a zip archive or a folder (its root, or its ``DI_CONNECT`` folder).
    tz
        Time zone for local dates of sessions whose summary gives no UTC offset; the
        machine's when ``None`` (recordings then use their own offset when they have one).
    recordings
        How the recordings (loose, or inside the uploaded-files zips) are read:
        :func:`stridekit.load_log` passes its reader, which goes through the per-file cache
        and parses on every core. ``None`` parses each recording here, without the cache.

    Returns
    -------
    TrainingLog
        One session per summarized activity (``garmin:<activityId>``, or the recording's key
        when a recording was found for it) and one per recording no summary claims, with
        their laps, samples and sets. Runs are not classified yet (``kind`` missing).
        ``report`` has one entry per summary JSON, per recording and per nested zip refused
        (``ok``, ``partial`` or ``skipped``).

    Raises
    ------
    UnsafeInputError
        When the outer archive breaks a cap of :mod:`stridekit.io.safety` or has a member
        whose name escapes the folder; the message names the member.
    LogFormatError
        When ``path`` is neither a folder nor a zip, or holds neither a summary JSON nor a
        recording in an uploaded-files folder.
    StridekitError
        When ``path`` does not exist or ``tz`` is unknown.
    """
    root = Path(path)
    zone = resolve_tz(tz)
    if recordings is None:
        from stridekit.io.strava import RecordingReader

        recordings = RecordingReader(zone)
    with open_export(root, "Garmin", _FolderExport, _ZipExport) as export:
        return _read(export, zone, recordings)


# -- the export, as a folder or a zip ------------------------------------------------------


class _FolderExport(FolderExport):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.names = sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and not _hidden(p.relative_to(root).as_posix())
        )

    def read(self, name: str, max_bytes: int) -> bytes:
        """The bytes of ``name`` (gunzipped), within the caps."""
        return safety.read_bytes(self.root / name, max_bytes=max_bytes)

    @contextmanager
    def nested(self, name: str) -> Iterator[Path]:
        """The zip archive ``name`` as a file on disk, for as long as the context lasts."""
        yield self.root / name


class _ZipExport(ZipExport):
    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        super().__init__(path, archive)
        self.members = {
            info.filename: info
            for info in _check_outer(archive, path)
            if not _hidden(info.filename)
        }
        self.names = sorted(self.members)

    def read(self, name: str, max_bytes: int) -> bytes:
        """The bytes of ``name`` (gunzipped), within the caps."""
        return self.read_capped(
            name,
            self.members[name],
            max_bytes,
            "stridekit.io.garmin.MAX_JSON_BYTES",
            fix="no summary file is this large; export your Garmin data again",
        )

    def spec(self, name: str) -> FileSpec:
        """The :data:`~stridekit.io.export.FileSpec` of the recording ``name``."""
        return self.spec_of(name, self.members[name])

    @contextmanager
    def nested(self, name: str) -> Iterator[Path]:
        """The zip archive ``name`` copied to a temporary file, for as long as the context
        lasts."""
        with tempfile.TemporaryDirectory(prefix="stridekit-garmin-") as tmp:
            path = Path(tmp) / "uploads.zip"
            with open(path, "wb") as out:
                _extract(self.archive, self.members[name], self.locate(name), out)
            yield path


_Export = _FolderExport | _ZipExport
"""The files of an export, by their names inside it (``names``)."""


class _Listing:
    """The member listing of an archive, all :func:`safety.check_zip` reads of one."""

    def __init__(self, infos: list[zipfile.ZipInfo]) -> None:
        self.infos = infos

    def infolist(self) -> list[zipfile.ZipInfo]:
        return self.infos


def _check_outer(archive: zipfile.ZipFile, path: Path) -> list[zipfile.ZipInfo]:
    """The file members of the export's zip, checked by :func:`safety.check_zip`, except that
    an uploaded-files zip may exceed the cap of one member: it holds years of recordings.

    Such a zip is held to the caps of a whole archive instead: its name may not escape the
    folder, the members' declared sizes together stay within
    :data:`~stridekit.io.safety.MAX_TOTAL_INFLATED`, and :func:`_extract` enforces that cap
    and :data:`~stridekit.io.safety.MAX_RATIO` on the bytes inflated. Its own members are
    checked with :func:`safety.check_zip` when it is opened.
    """
    infos = archive.infolist()
    large = [
        i
        for i in infos
        if i.file_size > safety.MAX_MEMBER_BYTES
        and i.filename.lower().endswith(".zip")
        and _is_uploads(i.filename)
    ]
    if not large:
        return safety.check_zip(archive, path)
    # check_zip reads only the listing: hand it the other members'
    files = safety.check_zip(
        cast(zipfile.ZipFile, _Listing([i for i in infos if i not in large])), path
    )
    for info in large:
        if safety.escapes(info.filename):
            raise UnsafeInputError(
                path,
                f"has a member named {info.filename!r} that would escape the folder it is "
                "unpacked to",
                fix="the archive is broken or hostile; export it again",
            )
    total = sum(i.file_size for i in [*files, *large])
    if total > safety.MAX_TOTAL_INFLATED:
        raise UnsafeInputError(
            path,
            f"inflates to more than {safety.MAX_TOTAL_INFLATED:,} bytes in all, the cap "
            "(stridekit.io.safety.MAX_TOTAL_INFLATED)",
            fix="unpack the archive yourself and read the folder",
        )
    return [*files, *large]


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, out: IO[bytes]) -> None:
    """Copy a zip member into ``out`` (a temporary file, never into the export).

    An uploaded-files zip can be larger than :data:`stridekit.io.safety.MAX_MEMBER_BYTES`
    (it holds years of recordings), so it is not read into memory; it is held to the
    export's caps instead: :data:`~stridekit.io.safety.MAX_TOTAL_INFLATED` and
    :data:`~stridekit.io.safety.MAX_RATIO`, on the bytes actually inflated.
    """
    total = 0
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(safety.MB):
                total += len(chunk)
                if total > safety.MAX_TOTAL_INFLATED:
                    raise UnsafeInputError(
                        where,
                        f"inflates to more than {safety.MAX_TOTAL_INFLATED:,} bytes, the "
                        "cap (stridekit.io.safety.MAX_TOTAL_INFLATED)",
                        fix="unpack the export yourself and read the folder",
                    )
                if total > safety.MB and total > safety.MAX_RATIO * max(info.compress_size, 1):
                    raise UnsafeInputError(
                        where,
                        f"inflates more than {safety.MAX_RATIO}:1, the cap "
                        "(stridekit.io.safety.MAX_RATIO)",
                        fix="this looks like a decompression bomb",
                    )
                out.write(chunk)
    except safety.ZIP_ERRORS as exc:
        raise LogFormatError(where, f"is corrupt ({exc})", fix="export it again") from None


def _hidden(name: str) -> bool:
    """Hidden files and macOS resource forks (``.DS_Store``, ``__MACOSX/``), never data."""
    return any(
        part.startswith(".") or part == "__MACOSX"
        for part in PurePosixPath(name.replace("\\", "/")).parts
    )


def _is_recording(name: str) -> bool:
    return name.lower().endswith(RECORDING_SUFFIXES)


def _in_uploads(name: str) -> bool:
    return any(_is_uploads(part) for part in PurePosixPath(name).parts[:-1])


# -- reading -------------------------------------------------------------------------------


@dataclass
class _Recording:
    """One recording file of the export, read (``log``) or not (``error``)."""

    where: str
    name: str
    log: TrainingLog | None = None
    fmt: str | None = None
    error: str | None = None
    problems: list[str] = field(default_factory=list)
    used: int = 0
    summary_ids: list[str] = field(default_factory=list)


@dataclass
class _Summary:
    """One summarized activity, as a sessions row plus what joining needs."""

    record: dict[str, Any]
    activity_id: str | None
    offset_s: float
    exercise_sets: list[Any]
    json_index: int


@dataclass
class _Candidate:
    """One session of a recording, waiting to be claimed by a summary."""

    recording: int
    session_id: str
    start_ns: int
    claimed: bool = False


def _read(export: _Export, zone: dt.tzinfo, reader: RecordingReader) -> TrainingLog:
    summary_names = [n for n in export.names if n.lower().endswith(SUMMARY_SUFFIX)]
    uploads = [n for n in export.names if _in_uploads(n) or _is_uploads(PurePosixPath(n).name)]
    nested = [n for n in uploads if n.lower().endswith(".zip")]
    loose = [n for n in uploads if _is_recording(n)]
    if not summary_names and not nested and not loose:
        raise LogFormatError(
            export.locate(""),
            "holds no summarizedActivities JSON and no uploaded recordings, so it is not a "
            "Garmin Connect export",
            fix="pass the zip Garmin sent (or the folder it unpacks to), which has "
            "DI_CONNECT/DI-Connect-Fitness and DI_CONNECT/DI-Connect-Uploaded-Files",
        )
    report = ImportReport()
    json_entries: list[ReportEntry | None] = []
    summaries: list[_Summary] = []
    for i, name in enumerate(summary_names):
        rows, entry = _read_summaries(export, name, i)
        summaries += rows
        json_entries.append(entry)
    recordings, zip_entries = _read_recordings(export, loose, nested, reader)

    summaries, dropped = _drop_duplicates(summaries)
    built = _Built()
    candidates = _candidates(recordings)
    only_summary = [0] * len(summary_names)
    for summary, cand in zip(summaries, _match_all(summaries, candidates, recordings), strict=True):
        if cand is None:
            only_summary[summary.json_index] += 1
            built.add_summary(summary, None, None)
        else:
            built.add_summary(summary, cand, recordings[cand.recording])
    for cand in candidates:
        if not cand.claimed:
            built.add_recording(cand, recordings[cand.recording])

    for i, name in enumerate(summary_names):
        where = export.locate(name)
        report.add(_json_entry(where, json_entries[i], only_summary[i], dropped.get(i, [])))
    for rec in recordings:
        report.add(_recording_entry(rec))
    for entry in zip_entries:
        report.add(entry)
    return TrainingLog(
        sessions=_sessions(built.rows, zone),
        laps=_concat(built.laps, "laps"),
        samples=_concat(built.samples, "samples"),
        sets=_concat(built.sets, "sets"),
        report=report,
    )


def _read_recordings(
    export: _Export, loose: list[str], nested: list[str], reader: RecordingReader
) -> tuple[list[_Recording], list[ReportEntry]]:
    """Read the loose recordings, then those of each uploaded-files zip, through the
    reader's jobs (the per-file cache and the pool when :func:`stridekit.load_log` reads);
    and the entries of the zips themselves (refused, or members that are zips again)."""
    from stridekit.io.loader import read_file_jobs  # the loader imports this module

    specs = [export.spec(name) for name in loose]
    names = list(loose)
    entries: list[ReportEntry] = []
    with ExitStack() as temporary:  # the nested zips copied out stay until all are read
        for name in nested:
            where = export.locate(name)
            kept = "; the rest of the export was read, and activities whose recordings it "
            kept += "holds were kept from their summaries alone"
            try:
                path = temporary.enter_context(export.nested(name))
                with zipfile.ZipFile(path) as zf:
                    infos = safety.check_zip(zf, where)
            except LogFormatError as exc:  # UnsafeInputError included
                entries.append(ReportEntry(where, "skipped", "zip", 0, f"{exc}{kept}"))
                continue
            except safety.ZIP_ERRORS as exc:  # OSError included
                message = f"{where}: is not a readable zip ({exc}){kept}"
                entries.append(ReportEntry(where, "skipped", "zip", 0, message))
                continue
            for info in infos:
                member = info.filename
                inner = f"{where}!{member}"
                if member.lower().endswith(".zip"):
                    entries.append(
                        ReportEntry(
                            inner,
                            "skipped",
                            "zip",
                            0,
                            f"{inner}: a zip inside an uploaded-files zip is not read; "
                            "unpack it and read the folder",
                        )
                    )
                elif _is_recording(member):
                    specs.append((inner, str(path), member))
                    names.append(member)
        jobs = reader.jobs(specs)
        parsed = read_file_jobs(jobs, workers=reader.workers, progress=reader.progress)
    recordings = [
        _recording(p, source, name)
        for p, (source, _, _), name in zip(parsed, specs, names, strict=True)
    ]
    return recordings, entries


def _recording(parsed: ParsedFile, where: str, name: str) -> _Recording:
    """One recording as the loader read it (never raises for a bad file)."""
    from stridekit.io.store import log_of, to_pandas

    rec = _Recording(where, PurePosixPath(name).name)
    entry = parsed.entry
    if entry is None or entry.status == "skipped":
        rec.error = entry.message if entry is not None and entry.message else where
        return rec
    log = parsed.log
    if log is None:
        log = log_of({table: to_pandas(t, table) for table, t in parsed.tables.items()})
    rec.log = log
    rec.fmt = str(log.sessions["source_format"].iloc[0]) if len(log.sessions) else None
    if entry.status != "ok" and entry.message:
        m = entry.message
        rec.problems = [m if m.startswith(where) else f"{where}: {m}"]
    return rec


# -- summaries -----------------------------------------------------------------------------


def _read_summaries(
    export: _Export, name: str, index: int
) -> tuple[list[_Summary], ReportEntry | None]:
    """The activities of one summary JSON, and its entry when it is not plainly ok."""
    where = export.locate(name)
    try:
        data = export.read(name, MAX_JSON_BYTES)
        payload = json.loads(data.decode("utf-8-sig"))
    except LogFormatError as exc:
        return [], ReportEntry(where, "skipped", FORMAT, 0, f"{exc}; no activity was read from it")
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return [], ReportEntry(
            where,
            "skipped",
            FORMAT,
            0,
            f"{where}: is not readable JSON ({exc}); no activity was read from it. "
            "Export your Garmin data again",
        )
    activities = _activities(payload)
    if activities is None:
        return [], ReportEntry(
            where,
            "skipped",
            FORMAT,
            0,
            f"{where}: has no summarizedActivitiesExport list, so it is not a Garmin "
            "summarizedActivities file; it was not read",
        )
    rows: list[_Summary] = []
    bad: list[str] = []
    undated: list[str] = []
    ids = {str(a.get("activityId")) for a in activities if isinstance(a, dict)}
    stem = PurePosixPath(name).stem
    for number, activity in enumerate(activities, start=1):
        if not isinstance(activity, dict):
            bad.append(str(number))
            continue
        if _is_parent(activity, ids):
            continue  # a multisport parent: its legs are rows of their own
        summary = _summary(activity, number, stem, index)
        summary.record["source"] = where
        if summary.record["start_utc"] is None:
            undated.append(str(summary.activity_id or f"row {number}"))
        rows.append(summary)
    problems = []
    if bad:
        problems.append(
            f"entries {', '.join(bad[:10])} of summarizedActivitiesExport are not objects; "
            "they were left out"
        )
    if undated:
        problems.append(
            f"activities {', '.join(undated[:10])} have no readable startTimeGmt; they were "
            "kept without a start time"
        )
    if problems:
        return rows, ReportEntry(where, "partial", FORMAT, 0, f"{where}: " + "; ".join(problems))
    return rows, None


def _activities(payload: Any) -> list[Any] | None:
    """The activity objects of a summary file: ``[{"summarizedActivitiesExport": [...]}]``
    (a bare object, or a bare list of activities, is tolerated)."""
    if payload == []:
        return []  # an account without activities
    blocks = payload if isinstance(payload, list) else [payload]
    found = False
    out: list[Any] = []
    for block in blocks:
        if isinstance(block, dict) and isinstance(block.get("summarizedActivitiesExport"), list):
            found = True
            out += block["summarizedActivitiesExport"]
        elif isinstance(block, dict) and "activityId" in block:
            found = True
            out.append(block)
    return out if found else None


def _is_parent(activity: dict[str, Any], ids: set[str]) -> bool:
    """A multisport parent whose legs (``childIds``) are activities of the same file."""
    kids = activity.get("childIds")
    if activity.get("parent") is not True or not isinstance(kids, list):
        return False
    return any(str(k) in ids for k in kids)


def _summary(activity: dict[str, Any], number: int, stem: str, index: int) -> _Summary:
    raw_id = activity.get("activityId")
    if isinstance(raw_id, float) and raw_id.is_integer():
        raw_id = int(raw_id)
    activity_id = (
        str(raw_id).strip()
        if isinstance(raw_id, (int, str)) and not isinstance(raw_id, bool) and str(raw_id).strip()
        else None
    )
    start = _instant(activity.get("startTimeGmt"))
    if start is None:
        start = _instant(activity.get("beginTimestamp"))
    local = _instant(activity.get("startTimeLocal"))
    offset = _NAN
    if start is not None and local is not None:
        diff = (local - start) / 1e9
        offset = diff if abs(diff) <= MAX_OFFSET_S else _NAN
    sport, kind = sport_of(_type_key(activity))
    distance = _positive(activity.get("distance")) / _CM
    elapsed = _positive(activity.get("elapsedDuration")) / _MS
    timer = _positive(activity.get("duration")) / _MS
    moving = timer if not math.isnan(timer) else _positive(activity.get("movingDuration")) / _MS
    if math.isnan(elapsed):
        elapsed = timer
    speed = distance / moving if moving > 0 and not math.isnan(distance) else _NAN
    if math.isnan(speed):
        speed = _positive(activity.get("avgSpeed")) * 10.0  # cm/ms -> m/s
    cadence = _positive(activity.get("avgDoubleCadence"))
    if math.isnan(cadence):
        cadence = 2.0 * _positive(activity.get("avgRunCadence"))
    if sport != "run":
        cadence = _NAN
    step = speed / (cadence / 60.0) if cadence > 0 and speed == speed else _NAN
    record: dict[str, Any] = {
        "session_id": f"garmin:{activity_id}" if activity_id else f"garmin:{stem}-row-{number}",
        "start_utc": start,
        "sport": sport,
        "kind": kind,
        "distance_m": distance,
        "duration_s": elapsed,
        "moving_s": moving,
        "avg_speed_mps": speed,
        "avg_hr_bpm": _positive(activity.get("avgHr")),
        "avg_cadence_spm": cadence,
        "avg_step_m": step,
        "ascent_m": _positive(activity.get("elevationGain")) / _CM,
        "title": _text(activity.get("name")),
        "notes": _text(activity.get("description")),
        "source": None,
        "source_format": FORMAT,
    }
    sets = activity.get("summarizedExerciseSets")
    return _Summary(record, activity_id, offset, sets if isinstance(sets, list) else [], index)


def _type_key(activity: dict[str, Any]) -> str:
    kind = activity.get("activityType")
    if isinstance(kind, dict):
        kind = kind.get("typeKey")
    if isinstance(kind, str) and kind.strip():
        return kind
    sport = activity.get("sportType")
    return sport if isinstance(sport, str) else ""


def sport_of(type_key: str) -> tuple[str, str | None]:
    """The sport and kind of a Garmin activity type.

    Parameters
    ----------
    type_key
        ``activityType`` as exported (``running``, ``trail_running``, ``strength_training``,
        ``yoga``, ``cycling`` ...), or a ``sportType`` (``RUNNING``) when that is all there is.

    Returns
    -------
    tuple of (str, str or None)
        ``("run", None)`` for runs (the classifier gives the kind); ``("strength",
        "strength")``; ``("mobility", "yoga" | "pilates" | "breathwork" | "stretching" |
        "mobility")``; else ``("cross", type)``, the type in lower-case words.
    """
    t = type_key.strip().lower().replace(" ", "_")
    if not t:
        return "cross", None
    if t in RUN_TYPES:
        return "run", None
    if t in STRENGTH_TYPES:
        return "strength", "strength"
    if t in MOBILITY_KINDS:
        return "mobility", MOBILITY_KINDS[t]
    if "stretch" in t:
        return "mobility", "stretching"
    return "cross", t.replace("_", " ")


def _instant(value: Any) -> int | None:
    """A time as Garmin writes it (epoch milliseconds, or ``YYYY-MM-DD HH:MM:SS`` text) in
    nanoseconds since the epoch."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or not 0 < value < 1e14:
            return None
        return round(value) * 1_000_000
    if isinstance(value, str) and _TEXT_TIME.match(value.strip()):
        try:
            return int(pd.Timestamp(value.strip()).value)
        except (ValueError, OverflowError):  # out of range too (found by fuzzing)
            return None
    return None


def _positive(value: Any) -> float:
    """A finite, non-negative number, else NaN."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _NAN
    v = float(value)
    return v if math.isfinite(v) and v >= 0 else _NAN


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _drop_duplicates(summaries: list[_Summary]) -> tuple[list[_Summary], dict[int, list[str]]]:
    """The summaries with each activity once (the first kept); json index -> dropped ids."""
    seen: set[str] = set()
    kept: list[_Summary] = []
    dropped: dict[int, list[str]] = {}
    for s in summaries:
        sid = s.record["session_id"]
        if sid in seen:
            dropped.setdefault(s.json_index, []).append(s.activity_id or sid)
            continue
        seen.add(sid)
        kept.append(s)
    return kept, dropped


def exercise_sets(items: list[Any], session_id: str) -> pd.DataFrame:
    """The sets table of one session from its ``summarizedExerciseSets``.

    Garmin gives one total per exercise (``category``, ``subCategory``, ``sets``, ``reps``,
    ``duration`` [ms], ``volume``, ``maxWeight`` [g]). Each becomes ``sets`` rows: the reps
    are shared out as evenly as whole numbers allow (the first sets take the remainder, so
    they sum to Garmin's total), the duration evenly; ``weight_kg`` is ``maxWeight`` when
    every set lifted it (``volume == maxWeight * reps``), 0 when both are 0 (body weight),
    else missing. ``rest_s`` is missing.

    Parameters
    ----------
    items
        The activity's ``summarizedExerciseSets`` list.
    session_id
        The session the sets belong to.

    Returns
    -------
    pandas.DataFrame
        A sets table (:func:`stridekit.schema.columns`), in Garmin's order.
    """
    rows: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        category = _text(item.get("category"))
        sub = _text(item.get("subCategory"))
        count = _positive(item.get("sets"))
        reps = _positive(item.get("reps"))
        duration = _positive(item.get("duration")) / _MS
        n = int(count) if count >= 1 else (1 if reps > 0 or duration > 0 else 0)
        if n == 0:
            continue
        shares: list[int | None] = [None] * n
        if not math.isnan(reps):
            base, extra = divmod(int(reps), n)
            shares = [base + (1 if k < extra else 0) for k in range(n)]
        weight = _load(item, reps)
        recorded = f"{category}/{sub}" if category and sub else (category or sub)
        exercise = _exercise(category, sub)
        for k in range(n):
            rows.append(
                {
                    "session_id": session_id,
                    "exercise": exercise,
                    "category": recorded,
                    "reps": shares[k],
                    "weight_kg": weight,
                    "duration_s": duration / n,
                    "rest_s": _NAN,
                }
            )
    if not rows:
        return schema.empty("sets")
    table = pd.DataFrame.from_records(rows)
    table["set_index"] = np.arange(len(table), dtype="int64")
    table["reps"] = pd.array(table["reps"].tolist(), dtype="Int64")
    return schema.conform(table, "sets")


def _load(item: dict[str, Any], reps: float) -> float:
    """The load of every set [kg] when the totals pin it down, else NaN."""
    top = _positive(item.get("maxWeight"))
    volume = _positive(item.get("volume"))
    if top == 0 and (volume == 0 or math.isnan(volume)):
        return 0.0
    if top > 0 and reps > 0 and abs(volume - top * reps) <= 0.5 * reps:
        return top / 1000.0  # grams
    return _NAN


def _exercise(category: str | None, sub: str | None) -> str | None:
    """The vocabulary name: the category's, else the sub-category's, else the category tidied."""
    if category and category.upper() == "UNKNOWN":
        category = None
    first = normalize_exercise(category)
    if first in EXERCISES:
        return first
    second = normalize_exercise(sub)
    if second in EXERCISES:
        return second
    return first or second


# -- joining -------------------------------------------------------------------------------


def _candidates(recordings: list[_Recording]) -> list[_Candidate]:
    out = []
    for i, rec in enumerate(recordings):
        if rec.log is None:
            continue
        for sid, start in zip(
            rec.log.sessions["session_id"], rec.log.sessions["start_utc"], strict=True
        ):
            out.append(_Candidate(i, str(sid), pd.Timestamp(start).value if pd.notna(start) else 0))
    out.sort(key=lambda c: c.start_ns)
    return out


def _name_index(recordings: list[_Recording]) -> dict[str, list[int]]:
    """Every run of digits in a recording's file name -> the recordings named with it."""
    index: dict[str, list[int]] = {}
    for i, rec in enumerate(recordings):
        for digits in set(_DIGITS.findall(rec.name)):
            index.setdefault(digits, []).append(i)
    return index


def _match_all(
    summaries: list[_Summary], candidates: list[_Candidate], recordings: list[_Recording]
) -> list[_Candidate | None]:
    """The recording session of each summary, each claimed by one summary at most: first
    the recordings named with a summary's activity id (the closest start among their
    sessions), then, for the rest, the closest start within :data:`MATCH_WINDOW_S`."""
    by_name = _name_index(recordings)
    by_recording: dict[int, list[_Candidate]] = {}
    for cand in candidates:
        by_recording.setdefault(cand.recording, []).append(cand)
    starts = [c.start_ns for c in candidates]  # sorted
    found: list[_Candidate | None] = [None] * len(summaries)

    def start_of(summary: _Summary) -> int | None:
        start: int | None = summary.record["start_utc"]
        return start

    def closest(pool: list[_Candidate], at: int | None) -> _Candidate | None:
        free = [c for c in pool if not c.claimed]
        if not free:
            return None
        best = free[0] if at is None else min(free, key=lambda c: abs(c.start_ns - at))
        best.claimed = True
        return best

    for k, summary in enumerate(summaries):
        if summary.activity_id is None:
            continue
        named = by_name.get(summary.activity_id, [])
        for i in named:
            recordings[i].summary_ids.append(summary.activity_id)
        pool = [c for i in named for c in by_recording.get(i, [])]
        found[k] = closest(pool, start_of(summary))
    window = int(MATCH_WINDOW_S * 1e9)
    for k, summary in enumerate(summaries):
        at = start_of(summary)
        if found[k] is not None or at is None:
            continue
        lo = bisect.bisect_left(starts, at - window)
        hi = bisect.bisect_right(starts, at + window)
        found[k] = closest(candidates[lo:hi], at)
    return found


@dataclass
class _Built:
    """The output tables, collected session by session."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    laps: list[pd.DataFrame] = field(default_factory=list)
    samples: list[pd.DataFrame] = field(default_factory=list)
    sets: list[pd.DataFrame] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # session_id -> where it came from

    def add_summary(
        self, summary: _Summary, cand: _Candidate | None, rec: _Recording | None
    ) -> None:
        row = dict(summary.record)
        has_sets = False
        if cand is not None and rec is not None and rec.log is not None:
            recorded = _session_row(rec.log, cand.session_id)
            sid = cand.session_id if cand.session_id not in self.ids else row["session_id"]
            for name in ("local_date", *_MEASURED):
                value = recorded[name]
                if not _missing(value):
                    row[name] = value
            row["start_utc"] = int(recorded["start_utc"].value)
            if summary.record["sport"] == "cross" and summary.record["kind"] is None:
                row["sport"], row["kind"] = recorded["sport"], recorded["kind"]
            row["session_id"] = sid
            row["source"] = rec.where
            row["source_format"] = recorded["source_format"]
            has_sets = self._tables(rec.log, cand.session_id, sid)
            rec.used += 1
        sid = row["session_id"]
        row["_offset_s"] = summary.offset_s
        if not has_sets and summary.exercise_sets:
            self.sets.append(exercise_sets(summary.exercise_sets, sid))
        self.ids[sid] = row["source"] or ""
        self.rows.append(row)

    def add_recording(self, cand: _Candidate, rec: _Recording) -> None:
        assert rec.log is not None
        if cand.session_id in self.ids:
            rec.problems.append(
                f"{rec.where}: session {cand.session_id} was already read from "
                f"{self.ids[cand.session_id] or 'the summaries'}; kept once"
            )
            return
        row = {str(k): v for k, v in _session_row(rec.log, cand.session_id).items()}
        row["start_utc"] = int(row["start_utc"].value)
        self.rows.append(row)
        self._tables(rec.log, cand.session_id, cand.session_id)
        self.ids[cand.session_id] = rec.where
        rec.used += 1

    def _tables(self, log: TrainingLog, old: str, new: str) -> bool:
        """Append the session's laps, samples and sets under ``new``; whether it has sets."""
        for name, out in (("laps", self.laps), ("samples", self.samples), ("sets", self.sets)):
            table = getattr(log, name)
            mine = table.loc[table["session_id"] == old].reset_index(drop=True)
            if len(mine):
                mine["session_id"] = new
                out.append(mine)
        return bool((log.sets["session_id"] == old).any())


def _session_row(log: TrainingLog, session_id: str) -> pd.Series:
    s = log.sessions
    return s.loc[s["session_id"] == session_id].iloc[0]


def _sessions(rows: list[dict[str, Any]], zone: dt.tzinfo) -> pd.DataFrame:
    """The sessions table of the rows (``start_utc`` in ns since the epoch or ``None``), with
    each local date from the summary's own offset, else the recording's, else ``zone``'s."""
    if not rows:
        return schema.empty("sessions")
    nat = np.iinfo(np.int64).min
    start_ns = np.array([nat if r["start_utc"] is None else r["start_utc"] for r in rows])
    start = pd.Series(pd.DatetimeIndex(start_ns.view("datetime64[ns]")).tz_localize("UTC"))
    offset = np.array([r.get("_offset_s", _NAN) for r in rows], dtype=float)
    recorded = pd.to_datetime(pd.Series([r.get("local_date") for r in rows], dtype=object))
    local = local_dates(start, zone)
    has_recorded = recorded.notna().to_numpy()
    local[has_recorded] = recorded[has_recorded].astype("datetime64[ns]")
    own = ~np.isnan(offset) & (start_ns != nat)
    shifted = start_ns[own] + (offset[own] * 1e9).astype(np.int64)
    local[own] = shifted.view("datetime64[ns]").astype("datetime64[D]").astype("datetime64[ns]")
    drop = ("start_utc", "local_date", "_offset_s")
    frame = pd.DataFrame.from_records([{k: v for k, v in r.items() if k not in drop} for r in rows])
    frame.insert(1, "start_utc", start)
    frame.insert(2, "local_date", local)
    return schema.conform(frame, "sessions")


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return value is pd.NaT or value is pd.NA


def _concat(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    frames = [schema.conform(f, table) for f in frames if len(f)]
    if not frames:
        return schema.empty(table)
    return pd.concat(frames, ignore_index=True)


# -- report --------------------------------------------------------------------------------


def _json_entry(
    where: str, entry: ReportEntry | None, sessions: int, dropped: list[str]
) -> ReportEntry:
    """The entry of one summary JSON: its problems, and activities another file had too."""
    if entry is not None and entry.status == "skipped":
        return entry
    problems = [entry.message] if entry is not None and entry.message else []
    if dropped:
        problems.append(
            f"{where}: activities {', '.join(dropped[:10])} were already read from another "
            "summary file; kept once"
        )
    if problems:
        return ReportEntry(where, "partial", FORMAT, sessions, "; ".join(problems))
    return ReportEntry(where, "ok", FORMAT, sessions)


def _recording_entry(rec: _Recording) -> ReportEntry:
    if rec.log is None:
        kept = (
            f"; activity {', '.join(rec.summary_ids)} was kept from its summary alone"
            if rec.summary_ids
            else ""
        )
        return ReportEntry(rec.where, "skipped", rec.fmt, 0, f"{rec.error}{kept}")
    status: Status = "partial" if rec.problems else "ok"
    message = "; ".join(rec.problems) if rec.problems else None
    return ReportEntry(rec.where, status, rec.fmt, rec.used, message)


__all__ = [
    "FORMAT",
    "MATCH_WINDOW_S",
    "exercise_sets",
    "is_garmin_export",
    "read_garmin_export",
    "sport_of",
]
