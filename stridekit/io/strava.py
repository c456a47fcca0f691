"""Strava bulk export: ``activities.csv`` joined with the recordings under ``activities/``.

A Strava bulk export is a zip archive (or the folder it unpacks to) holding
``activities.csv`` at its root and the original recordings under ``activities/``
(``.fit.gz``, ``.gpx``, ``.gpx.gz``, ``.tcx``, ``.tcx.gz``). :func:`read_strava_export`
reads it into one :class:`~stridekit.log.TrainingLog`:

- every row of ``activities.csv`` becomes exactly one session, keyed
  ``strava:<Activity ID>``, built from the row's own columns (date, type, name,
  description, elapsed and moving time, distance, heart rate, perceived exertion);
- when the row's ``Filename`` names a recording that the export holds, the recording adds its
  laps, samples and sets and its exact times and totals; the row keeps its own title, notes,
  sport, kind and key;
- a recording the export does not hold is reported ``missing``, one that cannot be read
  ``skipped`` with the reason; the row's session is kept either way.

Facts about ``activities.csv`` this module copes with:

- column names repeat (``Distance``, ``Elapsed Time``, ``Max Heart Rate`` ...), so columns
  are taken by position with the :mod:`csv` module. Metres are in the *second*
  ``Distance`` column; the first is a display string (km, or metres for swims) with the
  locale's separators, used only when there is no second one;
- ``Activity Date`` is UTC, written in the export's language: ``Jan 5, 2024, 7:03:12 AM``
  (English), ``05.01.2024, 07:03:12`` (German), ``2024-01-05 07:03:12`` (older exports with
  snake_case headers);
- headers are translated: English, German and snake_case names are recognised
  (:data:`HEADERS`).

Nothing is ever written into the export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from stridekit import schema
from stridekit.analysis.intervals import RunAnalysis, analyse_runs, combine_analyses
from stridekit.errors import LogFormatError
from stridekit.io import safety
from stridekit.io.common import TzLike, local_dates, resolve_tz
from stridekit.io.export import FileSpec, FolderExport, ZipExport, is_export, open_export
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, ProgressCallback, ReportEntry

if TYPE_CHECKING:
    from stridekit.io.loader import FileJob

ACTIVITIES_CSV: Final = "activities.csv"
"""The file at an export's root that recognises it as a Strava bulk export."""

FORMAT: Final = "strava-csv"
"""``source_format`` of sessions built from ``activities.csv`` alone, and its report format."""

MAX_CSV_BYTES: Final = 64 * safety.MB
"""Largest ``activities.csv`` accepted [bytes]."""

_ENGLISH: Final[dict[str, str]] = {
    "activity id": "id",
    "activity date": "date",
    "activity name": "name",
    "activity type": "type",
    "activity description": "description",
    "elapsed time": "elapsed_s",
    "moving time": "moving_s",
    "distance": "distance",
    "filename": "filename",
    "average heart rate": "average_heart_rate",
    "elevation gain": "elevation_gain",
    "relative effort": "relative_effort",
    "perceived exertion": "perceived_exertion",
}
_GERMAN: Final[dict[str, str]] = {
    "aktivitäts-id": "id",
    "aktivitätsdatum": "date",
    "aktivitätsname": "name",
    "aktivitätsart": "type",
    "aktivitätsbeschreibung": "description",
    "verstrichene zeit": "elapsed_s",
    "bewegungszeit": "moving_s",
    "distanz": "distance",
    "dateiname": "filename",
    "durchschnittliche herzfrequenz": "average_heart_rate",
    "höhenzunahme": "elevation_gain",
    "relative anstrengung": "relative_effort",
    "empfundene anstrengung": "perceived_exertion",
}
_SNAKE: Final[dict[str, str]] = {
    "id": "id",
    "activity_id": "id",
    "date": "date",
    "activity_date": "date",
    "name": "name",
    "activity_name": "name",
    "type": "type",
    "activity_type": "type",
    "description": "description",
    "activity_description": "description",
    "elapsed_time": "elapsed_s",
    "moving_time": "moving_s",
    "average_heart_rate": "average_heart_rate",
    "average_heartrate": "average_heart_rate",
    "elevation_gain": "elevation_gain",
    "relative_effort": "relative_effort",
    "perceived_exertion": "perceived_exertion",
}
HEADERS: Final[dict[str, str]] = {**_ENGLISH, **_GERMAN, **_SNAKE}
"""Header name (lower case, spaces collapsed) -> canonical key: English, German, snake_case."""

TYPE_NAMES: Final[dict[str, str]] = {
    "lauf": "run",
    "traillauf": "trail run",
    "virtueller lauf": "virtual run",
    "krafttraining": "weight training",
    "training": "workout",
    "dehnen": "stretching",
    "radfahrt": "ride",
    "schwimmen": "swim",
    "wanderung": "hike",
    "spaziergang": "walk",
    "weighttraining": "weight training",
    "trailrun": "trail run",
    "virtualrun": "virtual run",
}
"""Translated or run-together Strava types (lower case) -> the English type (lower case)."""

RUN_TYPES: Final = frozenset({"run", "trail run", "virtual run"})
STRENGTH_TYPES: Final = frozenset({"weight training", "workout", "crossfit"})
MOBILITY_KINDS: Final[dict[str, str]] = {
    "yoga": "yoga",
    "pilates": "pilates",
    "stretching": "stretching",
}
"""Strava type (lower case) -> mobility kind."""

_MONTHS: Final[dict[str, int]] = {
    **{
        m: i
        for i, m in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
            start=1,
        )
    },
    "sept": 9,
    "mär": 3,
    "märz": 3,
    "mrz": 3,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "okt": 10,
    "dez": 12,
}

_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_MDY_NAMED = re.compile(
    r"^([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"\s*([AaPp])?\.?\s*(?:[Mm]\.?)?$"
)
_DMY_NAMED = re.compile(
    r"^(\d{1,2})\.?\s+([^\W\d_]+)\.?\s+(\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"\s*([AaPp])?\.?\s*(?:[Mm]\.?)?$"
)


def is_strava_export(path: str | Path) -> bool:
    """Whether ``path`` looks like a Strava bulk export: cheap, reads no recording.

    A folder is one when it holds ``activities.csv``; a zip archive when it has a member
    ``activities.csv`` at its root (or inside one top folder). Only the zip's directory is
    read.

    Parameters
    ----------
    path
        A folder or a file.

    Returns
    -------
    bool
        ``True`` for a Strava export, ``False`` otherwise (also when unreadable).
    """
    return is_export(
        path,
        in_folder=lambda folder: (folder / ACTIVITIES_CSV).is_file(),
        in_names=lambda names: _csv_member_name(names) is not None,
    )


def read_strava_export(
    path: str | Path, *, tz: TzLike = None, recordings: RecordingReader | None = None
) -> TrainingLog:
    """Read a Strava bulk export, a ``.zip`` or the folder it unpacks to.

    Parameters
    ----------
    path
        The export: a zip archive or a folder with ``activities.csv`` at its root.
    tz
        Time zone for local dates; the machine's when ``None``.
    recordings
        How the recordings are read: :func:`stridekit.load_log` passes its reader, which
        goes through the per-file cache and parses on every core. ``None`` parses each
        recording here, without the cache.

    Returns
    -------
    TrainingLog
        One session per row of ``activities.csv`` (``session_id`` ``strava:<Activity ID>``),
        with the laps, samples and sets of the recordings the export holds. Runs are not
        classified yet (``kind`` missing): :func:`stridekit.analysis.classify.classify_runs`
        does that, reading the titles and notes kept here. ``report`` has one entry for
        ``activities.csv`` and one per row that names a file (``ok``, ``partial``,
        ``skipped`` or ``missing``).

    Raises
    ------
    UnsafeInputError
        When the archive breaks a cap of :mod:`stridekit.io.safety` or has a member whose
        name escapes the folder (zip slip); the message names the member.
    LogFormatError
        When ``path`` holds no ``activities.csv`` or it cannot be read as one.
    StridekitError
        When ``path`` does not exist or ``tz`` is unknown.
    """
    return _read_export(path, tz, recordings, analyse=False)[0]


RunsAnalysed = tuple[RunAnalysis, set[str]]
"""The analysis of an export's runs (:func:`stridekit.analysis.intervals.analyse_runs`),
and the runs it covers."""


def read_strava_export_analysed(
    path: str | Path, *, tz: TzLike = None, recordings: RecordingReader | None = None
) -> tuple[TrainingLog, RunsAnalysed | None]:
    """:func:`read_strava_export`, the runs' laps with their ``role``, and the analysis of
    the runs that have laps or samples, done while the recordings are read.

    For :func:`stridekit.load_log`, which classifies the runs with it
    (:func:`stridekit.analysis.classify.classify_runs`) instead of analysing the whole log
    again once it is read. Parameters and errors as for :func:`read_strava_export`.
    """
    return _read_export(path, tz, recordings, analyse=True)


def _read_export(
    path: str | Path, tz: TzLike, recordings: RecordingReader | None, *, analyse: bool
) -> tuple[TrainingLog, RunsAnalysed | None]:
    root = Path(path)
    zone = resolve_tz(tz)
    with open_export(root, "Strava", _FolderExport, _ZipExport) as export:
        return _read(export, zone, recordings, analyse)


def parse_activities_csv(data: bytes, *, source: str, tz: TzLike = None) -> pd.DataFrame:
    """Read a Strava ``activities.csv`` into a sessions table, one row per CSV row.

    Parameters
    ----------
    data
        The file's bytes (UTF-8, with or without byte-order mark; Latin-1 is tolerated).
    source
        Where the bytes came from, for messages and the ``source`` column.
    tz
        Time zone for local dates; the machine's when ``None``.

    Returns
    -------
    pandas.DataFrame
        The sessions table (:func:`stridekit.schema.columns`) plus ``filename``: the row's
        ``Filename`` as written (missing when empty). ``start_utc`` is missing for a row
        whose date cannot be read.

    Raises
    ------
    LogFormatError
        When the file has no header, or no activity date or activity type column.
    """
    rows = _csv_rows(data, source)
    if not rows:
        raise LogFormatError(source, "is empty", fix="export your Strava archive again")
    header, body = rows[0], [r for r in rows[1:] if any(cell.strip() for cell in r)]
    cols = _column_positions(header)
    for key, what in (("date", "Activity Date"), ("type", "Activity Type")):
        if key not in cols:
            raise LogFormatError(
                source,
                f"has no {what!r} column, so it is not a Strava activities.csv "
                f"(its columns are {', '.join(header[:8])}...)",
                fix="pass the activities.csv of a Strava bulk export",
            )
    comma_decimal = any(_norm(h) in _GERMAN for h in header)
    records = [_record(row, cols, i, comma_decimal) for i, row in enumerate(body, start=1)]
    frame = pd.DataFrame.from_records(records, columns=[*_RECORD_COLUMNS])
    frame["session_id"] = _unique(frame["session_id"].tolist())
    frame["start_utc"] = pd.to_datetime(frame["start_utc"], utc=True).astype(schema.UTC_DTYPE)
    frame["local_date"] = local_dates(frame["start_utc"], tz)
    frame["source"] = source
    frame["source_format"] = FORMAT
    sessions = schema.conform(frame.drop(columns=["filename"]), "sessions")
    sessions["filename"] = pd.Series(frame["filename"].tolist(), dtype="str").where(
        frame["filename"].notna().to_numpy()
    )
    return sessions


# -- the export, as a folder or a zip ------------------------------------------------------


class _FolderExport(FolderExport):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self._resolved = root.resolve()

    def recordings(self) -> int:
        """About how many recordings the export holds (files under ``activities/``) [count]."""
        folder = self.root / "activities"
        try:
            return sum(1 for _ in folder.iterdir()) if folder.is_dir() else 0
        except OSError:
            return 0

    def csv_bytes(self) -> tuple[str, bytes]:
        """Where ``activities.csv`` is, and its bytes."""
        path = self.root / ACTIVITIES_CSV
        if not path.is_file():
            raise LogFormatError(
                self.root,
                f"holds no {ACTIVITIES_CSV}, so it is not a Strava bulk export",
                fix="pass the folder your Strava export unpacks to (with activities.csv in it)",
            )
        return str(path), safety.read_bytes(path, max_bytes=MAX_CSV_BYTES)

    def find(self, name: str) -> FileSpec | None:
        """The :data:`~stridekit.io.export.FileSpec` of the file ``name``; ``None`` when the
        export does not hold it.

        Raises
        ------
        LogFormatError
            When ``name`` leads outside the export (a link elsewhere).
        """
        path = self.root / name
        if not path.is_file():
            return None
        if not path.resolve().is_relative_to(self._resolved):
            raise LogFormatError(
                path,
                "leads outside the export folder (a link elsewhere), so it was not read",
                fix="keep the export's recordings inside its folder",
            )
        return self.spec(name)


class _ZipExport(ZipExport):
    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        members = safety.check_zip(archive, path)
        csv_name = _csv_member_name([m.filename for m in members])
        prefix = "" if csv_name is None else csv_name[: -len(ACTIVITIES_CSV)]
        super().__init__(path, archive, prefix)
        self.csv_name = csv_name
        self.members = {_clean(m.filename): m for m in members}

    def recordings(self) -> int:
        """About how many recordings the export holds (members under ``activities/``)
        [count]."""
        return sum(1 for n in self.members if n.startswith(f"{self.prefix}activities/"))

    def csv_bytes(self) -> tuple[str, bytes]:
        """Where ``activities.csv`` is, and its bytes."""
        if self.csv_name is None:
            raise LogFormatError(
                self.path,
                f"holds no {ACTIVITIES_CSV}, so it is not a Strava bulk export",
                fix="pass the .zip Strava sends you (with activities.csv at its root)",
            )
        data = self.read_capped(
            ACTIVITIES_CSV,
            self.members[_clean(self.csv_name)],
            MAX_CSV_BYTES,
            "stridekit.io.strava.MAX_CSV_BYTES",
            fix="the archive is broken or hostile; export it again",
        )
        return self.locate(ACTIVITIES_CSV), data

    def find(self, name: str) -> FileSpec | None:
        """The :data:`~stridekit.io.export.FileSpec` of the file ``name``; ``None`` when the
        export does not hold it."""
        info = self.members.get(_clean(self.prefix + name))
        return None if info is None else self.spec_of(name, info)


_Export = _FolderExport | _ZipExport
"""The files of an export, by their names inside it."""


def _csv_member_name(names: Sequence[str]) -> str | None:
    """The name of ``activities.csv`` at the root, or inside one top folder."""
    best: str | None = None
    for name in names:
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if parts and parts[-1] == ACTIVITIES_CSV and len(parts) <= 2:
            if len(parts) == 1:
                return name
            best = best or name
    return best


def _clean(name: str) -> str:
    name = name.replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    return name


# -- reading -------------------------------------------------------------------------------


class RecordingReader:
    """How an export's recordings are read: the jobs for them, the workers, the progress.

    :func:`stridekit.load_log` passes one that reads through its per-file cache on every
    core; the default parses each recording in this process, without the cache.
    """

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz

    def jobs(self, specs: Sequence[FileSpec]) -> list[FileJob]:
        """``(source, path, member)`` of each recording -> the loader's jobs."""
        from stridekit.io.loader import FileJob  # the loader imports this module

        return [
            FileJob(src, path, member, None, self.tz, None, False) for src, path, member in specs
        ]

    workers: int | None = 1
    progress: ProgressCallback | None = None


@dataclass
class _Joined:
    """One row's recording, ready to join: its session, and its tables as Arrow.

    Sent from a worker to the parent: the session as a plain dict and the tables as Arrow
    IPC bytes (:func:`stridekit.io.cache.pack_table`), both cheap to pickle.
    """

    session: dict[str, Any]
    laps: pa.Table | None
    samples: pa.Table | None
    sets: pa.Table | None
    fmt: str

    def __getstate__(self) -> dict[str, Any]:
        from stridekit.io.cache import pack_table

        state = dict(self.__dict__)
        for name in _RECORDED:
            table = state[name]
            state[name] = None if table is None else pack_table(table)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        from stridekit.io.cache import unpack_table

        for name in _RECORDED:
            data = state[name]
            state[name] = None if data is None else unpack_table(data)
        self.__dict__.update(state)


_RECORDED: Final = ("laps", "samples", "sets")
"""The tables a recording adds to its row's session."""


@dataclass(frozen=True)
class _RecordingJob:
    """One row's recording to read (in a worker) and join to the row (a plain dict: cheap
    to send)."""

    file: FileJob
    row: dict[str, Any]
    number: int


COMPACT_ROWS: Final = 1 << 18
"""The recordings' samples are copied together every this many rows as they come [rows],
so that the many small pieces the workers send are freed while the others are read."""

_NUMPY_TYPES: Final = (pa.float64(), pa.timestamp("ns", tz="UTC"), pa.timestamp("ns"))
"""Arrow types of the samples' columns gathered straight into numpy (no missing values to
keep apart: missing floats are NaN, missing times NaT)."""


class _Gathered:
    """The recordings' laps, samples and sets, gathered in row order as they come, and
    (``analyse``) the run analysis of their runs, done batch by batch meanwhile.

    Samples are compacted every :data:`COMPACT_ROWS` rows into one frame of contiguous numpy
    columns (the pieces, views of what a worker sent, are freed then), so the parent never
    holds every piece and the whole table at once. Each piece is one session's: its
    ``session_id`` column is not copied but built once at the end (and for each batch
    analysed) from the keys and the pieces' lengths. numpy, not Arrow, holds the copies:
    its large arrays sit on huge pages where the machine offers them, which makes a copy
    of millions of rows several times quicker than into fresh 4 KB pages.

    Each batch holds whole sessions, so its runs can be analysed when it is compacted
    (:func:`stridekit.analysis.intervals.analyse_runs`, which analyses each session on its
    own samples and laps alone): while the workers still parse, instead of over the whole
    log once they are done. The runs' laps get their ``role`` then; :meth:`analysis` has
    the rest for :func:`stridekit.io.loader.load_log` to classify the runs with.
    """

    def __init__(self, analyse: bool = False) -> None:
        self.pieces: dict[str, list[pa.Table]] = {name: [] for name in _RECORDED}
        self.chunks: list[pd.DataFrame] = []
        self.every: tuple[list[str], list[int]] = ([], [])
        self.laps: list[pd.DataFrame] = []
        self.keys: list[str] = []
        self.lengths: list[int] = []
        self.runs: list[str] = []
        self.pending = 0
        self.analyse = analyse
        self.analysed: set[str] = set()
        self.parts: list[RunAnalysis] = []

    def add(self, joined: _Joined) -> None:
        """Take ``joined``'s tables (they are removed from it)."""
        sid = str(joined.session["session_id"])
        if joined.session.get("sport") == "run":
            self.runs.append(sid)
        for name in _RECORDED:
            table = getattr(joined, name)
            setattr(joined, name, None)
            if table is None or table.num_rows == 0:
                continue
            if name != "samples":
                self.pieces[name].append(table)
                continue
            # every sample of a joined recording is its row's session's
            self.keys.append(sid)
            self.lengths.append(table.num_rows)
            self.pieces[name].append(table.drop_columns(["session_id"]))
            self.pending += table.num_rows
        if self.pending >= COMPACT_ROWS:
            self._compact()

    def _compact(self) -> None:
        from stridekit.io.store import STR_DTYPE

        pieces = self.pieces["samples"]
        samples: pd.DataFrame | None = None
        if pieces:
            chunk = _numpy_frame(pieces)
            pieces.clear()
            self.chunks.append(chunk)
            self.every[0].extend(self.keys)
            self.every[1].extend(self.lengths)
            if self.analyse and self.runs:
                samples = chunk.copy(deep=False)
                ids = _repeated(self.keys, self.lengths)
                samples.insert(0, "session_id", pd.array(ids, dtype=STR_DTYPE))
        laps = _concat(self.pieces["laps"], "laps")
        if self.analyse and self.runs:
            laps = self._analysed(laps, samples)
        if len(laps):
            self.laps.append(laps)
        self.keys, self.lengths, self.runs = [], [], []
        self.pending = 0

    def _analysed(self, laps: pd.DataFrame, samples: pd.DataFrame | None) -> pd.DataFrame:
        """``laps`` with the roles of the batch's runs' laps; the batch's analysis kept."""
        runs = pd.Index(self.runs, dtype=object)
        part = analyse_runs(laps, samples, session_ids=runs)
        run_laps = laps["session_id"].isin(runs).to_numpy()
        if run_laps.any():
            laps = laps.copy()
            laps.loc[run_laps, "role"] = part.laps["role"].to_numpy()
        self.parts.append(part)
        self.analysed.update(self.runs)
        return laps

    def analysis(self) -> RunsAnalysed | None:
        """The batches' analysis, and the runs it covers; ``None`` when not ``analyse``."""
        if not self.analyse:
            return None
        parts, self.parts = self.parts, []
        if not parts:
            parts = [analyse_runs(schema.empty("laps"), None)]
        laps = pd.concat([p.laps for p in parts], ignore_index=True)
        return combine_analyses(parts, laps), self.analysed

    def frames(self) -> dict[str, pd.DataFrame]:
        """The three tables as pandas; what was gathered is freed as it is converted."""
        self._compact()
        laps, self.laps = self.laps, []
        if not laps:
            all_laps = schema.empty("laps")
        elif len(laps) == 1:
            all_laps = laps[0]
        else:
            all_laps = schema.conform(pd.concat(laps, ignore_index=True), "laps")
        return {
            "laps": all_laps,
            "samples": self._samples(),
            "sets": _concat(self.pieces["sets"], "sets"),
        }

    def _samples(self) -> pd.DataFrame:
        from stridekit.io.store import STR_DTYPE

        chunks, self.chunks = self.chunks, []
        if not chunks:
            return schema.empty("samples")
        first = chunks[0]
        plain = all(isinstance(t, (np.dtype, pd.DatetimeTZDtype)) for t in first.dtypes)
        if plain and all(
            c.columns.equals(first.columns) and c.dtypes.equals(first.dtypes) for c in chunks
        ):
            columns: dict[str, Any] = {}
            for name, dtype in first.dtypes.items():  # each chunk's column freed once copied
                parts = [_raw(c.pop(str(name))) for c in chunks]
                values = np.concatenate(parts) if len(parts) > 1 else parts[0]
                del parts
                if isinstance(dtype, pd.DatetimeTZDtype):
                    values = _zoned(values, dtype)
                columns[str(name)] = values
            body = pd.DataFrame(columns, copy=False)
        else:  # the recordings differ in columns: pandas aligns them
            body = pd.concat(chunks, ignore_index=True, sort=False)
        del chunks
        keys, lengths = self.every
        body.insert(0, "session_id", pd.array(_repeated(keys, lengths), dtype=STR_DTYPE))
        self.every = ([], [])
        return schema.conform(body, "samples")


def _repeated(keys: Sequence[str], lengths: Sequence[int]) -> pa.Array:
    """``keys[0]`` ``lengths[0]`` times, then ``keys[1]`` ``lengths[1]`` times ..., as Arrow
    text, its buffers built in numpy (see :class:`_Gathered`)."""
    encoded = [k.encode() for k in keys]
    sizes = np.fromiter((len(e) for e in encoded), np.int64, len(encoded))
    counts = np.asarray(lengths, dtype=np.int64)
    offsets = np.zeros(int(counts.sum()) + 1, np.int64)
    np.cumsum(np.repeat(sizes, counts), out=offsets[1:])
    data = np.empty(int(offsets[-1]), np.uint8)
    at = 0
    for key, count in zip(encoded, counts.tolist(), strict=True):
        end = at + len(key) * count
        if key:
            data[at:end].reshape(count, len(key))[:] = np.frombuffer(key, np.uint8)
        at = end
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.large_string(), len(offsets) - 1, buffers)


def _raw(column: pd.Series) -> np.ndarray:
    """A numpy column's values; a zoned time column's as its integers [ns]."""
    values = column.array
    if isinstance(values, pd.arrays.DatetimeArray) and values.tz is not None:
        return np.asarray(values.asi8)  # type: ignore[attr-defined]  # not in the stubs
    return column.to_numpy()


def _zoned(values: np.ndarray, dtype: pd.DatetimeTZDtype) -> Any:
    """Integer times [ns since the epoch, UTC] as a zoned time column of ``dtype``."""
    naive = pd.Series(values.view(f"M8[{dtype.unit}]"), copy=False)
    return naive.dt.tz_localize("UTC").dt.tz_convert(dtype.tz).array


def _numpy_frame(pieces: list[pa.Table]) -> pd.DataFrame:
    """The pieces (samples without ``session_id``) one after the other, as one frame of
    numpy columns, one block per column; pieces of differing columns through Arrow."""
    first = pieces[0].schema
    if all(p.schema.equals(first) for p in pieces) and all(f.type in _NUMPY_TYPES for f in first):
        columns: dict[str, Any] = {}
        for i, field in enumerate(first):
            parts = [p.column(i).to_numpy() for p in pieces]
            values = np.concatenate(parts) if len(parts) > 1 else parts[0].copy()
            if pa.types.is_timestamp(field.type) and field.type.tz is not None:
                zone = pd.DatetimeTZDtype(unit=field.type.unit, tz=field.type.tz)
                values = _zoned(values.view("i8"), zone)
            columns[field.name] = values
        return pd.DataFrame(columns, copy=False)
    from stridekit.io.store import arrow_frame

    return arrow_frame(pa.concat_tables(pieces, promote_options="default"))


def _read(
    export: _Export, tz: dt.tzinfo, recordings: RecordingReader | None, analyse: bool
) -> tuple[TrainingLog, RunsAnalysed | None]:
    from stridekit.io import parallel

    reader = recordings or RecordingReader(tz)
    held = export.recordings()
    parallel.prestart(parallel.want_pool(held, 0, reader.workers))  # while the CSV is read
    csv_source, data = export.csv_bytes()
    table = parse_activities_csv(data, source=csv_source, tz=tz)
    report = ImportReport()
    filenames = table["filename"].tolist()
    rows: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()}
        for r in table.drop(columns=["filename"]).to_dict("records")
    ]
    requests: list[tuple[int, str, dict[str, Any]]] = []
    for number, session in enumerate(rows, start=1):
        filename = filenames[number - 1]
        if isinstance(filename, str) and filename.strip():
            requests.append((number, filename.strip(), session))
    gathered = _Gathered(analyse)
    outcomes = _read_recordings(export, requests, reader, gathered)
    file_entries: list[ReportEntry] = []
    joined_rows: set[int] = set()
    for (number, _, _), (joined, entry) in zip(requests, outcomes, strict=True):
        file_entries.append(entry)
        if joined is None:
            continue
        joined_rows.add(number)
        rows[number - 1] = joined.session
    del outcomes
    csv_only = len(rows) - len(joined_rows)
    undated = [
        str(number)
        for number, session in enumerate(rows, start=1)
        if number not in joined_rows and pd.isna(session["start_utc"])
    ]
    if undated:
        report.add(
            ReportEntry(
                csv_source,
                "partial",
                FORMAT,
                csv_only,
                f"{csv_source}: the Activity Date of row(s) {', '.join(undated[:10])} cannot be "
                "read; those sessions were kept without a start time",
            )
        )
    else:
        report.add(ReportEntry(csv_source, "ok", FORMAT, csv_only))
    for entry in file_entries:
        report.add(entry)
    sessions = pd.DataFrame(rows) if rows else schema.empty("sessions")
    sessions = schema.conform(sessions, "sessions")
    sessions["local_date"] = local_dates(sessions["start_utc"], tz)
    frames = gathered.frames()
    log = TrainingLog(
        sessions=sessions,
        laps=frames["laps"],
        samples=frames["samples"],
        sets=frames["sets"],
        report=report,
    )
    return log, gathered.analysis()


def _concat(tables: list[pa.Table], table: str) -> pd.DataFrame:
    from stridekit.io.store import to_pandas

    if not tables:
        return schema.empty(table)
    joined = pa.concat_tables(tables, promote_options="default")
    del tables[:]  # the pieces are freed column by column as they are converted
    return to_pandas(joined, table, consume=True)


def _read_recordings(
    export: _Export,
    requests: list[tuple[int, str, dict[str, Any]]],
    reader: RecordingReader,
    gathered: _Gathered,
) -> list[tuple[_Joined | None, ReportEntry]]:
    """Each requested recording joined to its row, or why not; in the order of ``requests``.

    Names outside the export and files it does not hold are settled here; the rest are read
    by the reader's jobs (in worker processes when it has several workers). The recordings'
    tables go to ``gathered`` as they come, not into the outcomes.
    """
    from stridekit.io import parallel

    outcomes: list[tuple[_Joined | None, ReportEntry] | None] = []
    specs: list[FileSpec] = []
    todo: list[tuple[int, int, dict[str, Any]]] = []
    for number, filename, row in requests:
        where = export.locate(filename)
        outside = ReportEntry(
            where,
            "skipped",
            None,
            0,
            f"{where}: row {number} of activities.csv names a file outside the export; it was "
            "not read and the row's session was kept from activities.csv alone",
        )
        if safety.escapes(filename):
            outcomes.append((None, outside))
            continue
        try:
            spec = export.find(filename)
        except LogFormatError as exc:
            outcomes.append((None, _kept_alone(where, None, str(exc))))
            continue
        if spec is None:
            outcomes.append(
                (
                    None,
                    ReportEntry(
                        where,
                        "missing",
                        None,
                        0,
                        f"{where}: row {number} of activities.csv (activity "
                        f"{row['session_id'].removeprefix('strava:')}) names this file but the "
                        "export does not hold it; the session was kept from activities.csv alone",
                    ),
                )
            )
            continue
        todo.append((len(outcomes), number, row))
        outcomes.append(None)
        specs.append(spec)
    files = reader.jobs(specs)
    jobs = [_RecordingJob(f, row, number) for f, (_, number, row) in zip(files, todo, strict=True)]
    size = sum(Path(f.path).stat().st_size for f in files if f.member is None)
    workers = parallel.want_pool(len(jobs), size, reader.workers)
    results = parallel.iter_ordered(
        _read_recording,
        jobs,
        workers=workers,
        progress=reader.progress,
        label=lambda j: j.file.source,
    )
    try:
        for (slot, _, _), result in zip(todo, results, strict=True):
            joined = result[0]
            if joined is not None:
                gathered.add(joined)
            outcomes[slot] = result
    finally:
        from stridekit.io.loader import _close_archives

        _close_archives()
    return [o for o in outcomes if o is not None]


def _kept_alone(where: str, fmt: str | None, message: str) -> ReportEntry:
    return ReportEntry(
        where, "skipped", fmt, 0, f"{message}; the session was kept from activities.csv alone"
    )


def _read_recording(job: _RecordingJob) -> tuple[_Joined | None, ReportEntry]:
    """Read one recording (through the loader's cache) and join it to its row."""
    from stridekit.io.loader import read_file_job
    from stridekit.io.store import log_of, to_arrow, to_pandas

    where = job.file.source
    parsed = read_file_job(job.file, keep_log=True)
    entry = parsed.entry
    if entry is None or entry.status == "skipped":
        message = entry.message if entry is not None and entry.message else where
        return None, _kept_alone(where, None, message)
    log = parsed.log
    recorded = log.sessions if log is not None else _sessions_of(parsed.tables)
    fmt = str(recorded["source_format"].iloc[0]) if len(recorded) else None
    if recorded.empty:
        return None, ReportEntry(
            where,
            "skipped",
            fmt,
            0,
            f"{where}: the recording holds no activity; the session was kept from "
            "activities.csv alone",
        )
    reasons = [entry.message] if entry.status == "partial" and entry.message else []
    sid = str(job.row["session_id"])
    if len(recorded) == 1:
        # one session: its tables as parsed, under the row's key (no pandas round trip)
        session = _join_session(job.row, recorded, where, str(fmt))
        joined = _Joined(
            session,
            _renamed(parsed.tables.get("laps"), sid, "lap_index"),
            _renamed(parsed.tables.get("samples"), sid, None),
            _renamed(parsed.tables.get("sets"), sid, "set_index"),
            str(fmt),
        )
    else:
        if log is None:
            log = log_of({name: to_pandas(t, name) for name, t in parsed.tables.items()})
        session, laps, samples, sets = _join(job.row, log, where, str(fmt))

        def arrow(df: pd.DataFrame, table: str) -> pa.Table | None:
            return to_arrow(df, table) if len(df) else None

        joined = _Joined(
            session, arrow(laps, "laps"), arrow(samples, "samples"), arrow(sets, "sets"), str(fmt)
        )
    if len(recorded) > 1:
        reasons.append(
            f"{where}: the recording holds {len(recorded)} sessions; they were joined into "
            "the one session of its activities.csv row"
        )
    if reasons:
        return joined, ReportEntry(where, "partial", fmt, 1, "; ".join(reasons))
    return joined, ReportEntry(where, "ok", fmt, 1)


_FROM_ROW: Final = ("session_id", "sport", "kind", "title", "notes")
_TOTALS: Final = ("distance_m", "duration_s", "moving_s", "avg_speed_mps")


def _join(
    row: dict[str, Any], log: TrainingLog, where: str, fmt: str
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The row's session with the recording's times and totals, and its laps, samples and
    sets renamed to it."""
    recorded = log.sessions.sort_values("start_utc", kind="stable").reset_index(drop=True)
    session = _join_session(row, recorded, where, fmt)
    start = recorded["start_utc"].iloc[0]
    sid = row["session_id"]
    offsets = {
        old: (t - start).total_seconds()
        for old, t in zip(recorded["session_id"], recorded["start_utc"], strict=True)
    }
    several = len(recorded) > 1

    laps = log.laps.copy()
    if several and len(laps):
        laps["start_s"] = laps["start_s"] + laps["session_id"].map(offsets)
    laps = laps.sort_values(["start_s"], kind="stable") if several else laps
    laps["session_id"] = sid
    laps["lap_index"] = np.arange(len(laps), dtype="int64")

    samples = log.samples.copy()
    if several and len(samples):
        samples["t_s"] = samples["t_s"] + samples["session_id"].map(offsets)
        samples = samples.sort_values("t_s", kind="stable").reset_index(drop=True)
    samples["session_id"] = sid

    sets = log.sets.copy()
    sets["session_id"] = sid
    sets["set_index"] = np.arange(len(sets), dtype="int64")
    return session, laps.reset_index(drop=True), samples, sets


def _join_session(
    row: dict[str, Any], recorded: pd.DataFrame, where: str, fmt: str
) -> dict[str, Any]:
    """The row's session: the first recorded session's times and measures, the row's key,
    sport, kind, title and notes, and the row's values where the recording has none."""
    session = {str(k): v for k, v in recorded.iloc[0].to_dict().items()}
    if len(recorded) > 1:
        # the row's own totals describe the whole activity
        for name in _TOTALS:
            session[name] = row[name]
    for name in _FROM_ROW:
        session[name] = row[name]
    for name, value in row.items():
        if name in session and _missing(session[name]) and not _missing(value):
            session[name] = value
    session["source"] = where
    session["source_format"] = fmt
    return session


def _sessions_of(tables: dict[str, pa.Table]) -> pd.DataFrame:
    from stridekit.io.store import to_pandas

    sessions = tables.get("sessions")
    if sessions is None:
        return schema.empty("sessions")
    return to_pandas(sessions, "sessions").sort_values("start_utc", kind="stable")


def _renamed(table: pa.Table | None, sid: str, index: str | None) -> pa.Table | None:
    """``table`` with every row under ``sid`` (and ``index`` numbered from 0)."""
    if table is None or table.num_rows == 0:
        return None
    n = table.num_rows
    i = table.column_names.index("session_id")
    table = table.set_column(i, "session_id", pa.repeat(pa.scalar(sid, pa.large_string()), n))
    if index is not None:
        j = table.column_names.index(index)
        table = table.set_column(j, index, pa.array(np.arange(n, dtype="int64")))
    return table


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return np.isnan(value)
    return value is pd.NaT or value is pd.NA


# -- activities.csv ------------------------------------------------------------------------


_RECORD_COLUMNS: Final = (
    "session_id",
    "start_utc",
    "sport",
    "kind",
    "distance_m",
    "duration_s",
    "moving_s",
    "avg_speed_mps",
    "avg_hr_bpm",
    "ascent_m",
    "rpe",
    "title",
    "notes",
    "filename",
)


def _csv_rows(data: bytes, source: str) -> list[list[str]]:
    safety.check_csv(data, source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise LogFormatError(source, f"is not a readable CSV ({exc})") from None


def _norm(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").strip().lower().split())


def _column_positions(header: Sequence[str]) -> dict[str, list[int]]:
    """Canonical key -> the positions of its columns, in order (names repeat)."""
    cols: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        key = HEADERS.get(_norm(name))
        if key is not None:
            cols.setdefault(key, []).append(i)
    return cols


def _cell(row: Sequence[str], cols: dict[str, list[int]], key: str, which: int = 0) -> str:
    positions = cols.get(key, [])
    if len(positions) <= which or positions[which] >= len(row):
        return ""
    return row[positions[which]].strip()


def _record(
    row: Sequence[str], cols: dict[str, list[int]], number: int, comma_decimal: bool
) -> dict[str, object]:
    strava_type = _cell(row, cols, "type")
    sport, kind = sport_of(strava_type)
    activity_id = _cell(row, cols, "id")
    distance = _number(_cell(row, cols, "distance", 1), comma_decimal)
    if np.isnan(distance):
        shown = _number(_cell(row, cols, "distance", 0), comma_decimal)
        swim = any(w in strava_type.lower() for w in ("swim", "schwimm"))
        distance = shown if swim else shown * 1000.0
    elapsed = _number(_cell(row, cols, "elapsed_s"), comma_decimal)
    moving = _number(_cell(row, cols, "moving_s"), comma_decimal)
    rpe = _number(_cell(row, cols, "perceived_exertion"), comma_decimal)
    filename = _cell(row, cols, "filename")
    return {
        "session_id": f"strava:{activity_id}" if activity_id else f"strava:row-{number}",
        "start_utc": parse_strava_date(_cell(row, cols, "date")),
        "sport": sport,
        "kind": kind,
        "distance_m": distance,
        "duration_s": elapsed,
        "moving_s": moving,
        "avg_speed_mps": distance / moving if moving > 0 else np.nan,
        "avg_hr_bpm": _number(_cell(row, cols, "average_heart_rate"), comma_decimal),
        "ascent_m": _number(_cell(row, cols, "elevation_gain"), comma_decimal),
        "rpe": rpe if 1 <= rpe <= 10 else np.nan,
        "title": _cell(row, cols, "name") or None,
        "notes": _cell(row, cols, "description") or None,
        "filename": filename or None,
    }


def _unique(ids: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for sid in ids:
        n = seen.get(sid, 0) + 1
        seen[sid] = n
        out.append(sid if n == 1 else f"{sid}-{n}")
    return out


def sport_of(strava_type: str) -> tuple[str, str | None]:
    """The sport and kind of a Strava activity type.

    Parameters
    ----------
    strava_type
        ``Activity Type`` as exported (``Run``, ``Weight Training``, ``Yoga``, ``Ride`` ...).

    Returns
    -------
    tuple of (str, str or None)
        ``("run", None)`` for runs (the classifier gives the kind); ``("strength", type)``
        for weight training, workouts and CrossFit; ``("mobility", "yoga" | "pilates" |
        "stretching")``; else ``("cross", type)``, the type lower-cased. German and
        run-together names (``Lauf``, ``Krafttraining``, ``WeightTraining``) are read as
        their English types (:data:`TYPE_NAMES`).
    """
    t = " ".join(strava_type.strip().lower().split())
    t = TYPE_NAMES.get(t, t)
    if not t:
        return "cross", None
    if t in RUN_TYPES:
        return "run", None
    if t in STRENGTH_TYPES:
        return "strength", t
    if t in MOBILITY_KINDS:
        return "mobility", MOBILITY_KINDS[t]
    if "stretch" in t:
        return "mobility", "stretching"
    return "cross", t


def parse_strava_date(text: str) -> pd.Timestamp | None:
    """The UTC time of an ``Activity Date``, or ``None`` when it cannot be read.

    Parameters
    ----------
    text
        ``Jan 5, 2024, 7:03:12 AM``, ``05.01.2024, 07:03:12``, ``5. Jan. 2024, 07:03:12``,
        ``2024-01-05 07:03:12`` or ISO 8601 with an offset.

    Returns
    -------
    pandas.Timestamp or None
        A UTC timestamp.
    """
    s = " ".join(text.strip().split())
    if not s:
        return None
    try:
        return _parse_date(s)
    except ValueError:
        return None


def _parse_date(s: str) -> pd.Timestamp | None:
    if m := _ISO.match(s):
        y, mo, d, h, mi, sec, frac, off = m.groups()
        stamp = pd.Timestamp(
            f"{y}-{int(mo):02d}-{int(d):02d}T{int(h):02d}:{mi}:{sec or '00'}"
            + (f".{frac}" if frac else "")
        )
        if off and off != "Z":
            sign = 1 if off[0] == "+" else -1
            digits = off[1:].replace(":", "")
            stamp -= sign * pd.Timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return stamp.tz_localize("UTC")
    if m := _DMY.match(s):
        d, mo, y, h, mi, sec = m.groups()
        return _utc(int(y), int(mo), int(d), int(h), int(mi), int(sec or 0), None)
    for pattern, month_first in ((_MDY_NAMED, True), (_DMY_NAMED, False)):
        if m := pattern.match(s):
            a, b, y, h, mi, sec, ampm = m.groups()
            name, day = (a, b) if month_first else (b, a)
            month = _month(name)
            if month is None:
                return None
            return _utc(int(y), month, int(day), int(h), int(mi), int(sec or 0), ampm)
    return None


def _month(name: str) -> int | None:
    n = name.lower().rstrip(".")
    if n in _MONTHS:
        return _MONTHS[n]
    return _MONTHS.get(n[:3]) if len(n) >= 3 else None


def _utc(y: int, mo: int, d: int, h: int, mi: int, s: int, ampm: str | None) -> pd.Timestamp:
    if ampm is not None:
        if not 1 <= h <= 12:
            raise ValueError("hour out of range for AM/PM")
        h = h % 12 + (12 if ampm.lower() == "p" else 0)
    return pd.Timestamp(dt.datetime(y, mo, d, h, mi, s, tzinfo=dt.UTC))


_NUMBER = re.compile(r"^[+-]?[\d.,]+$")


def _number(text: str, comma_decimal: bool = False) -> float:
    """A number written with the locale's separators (``1,234.5``, ``1.234,5``, ``7,86``)."""
    s = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if not s or not _NUMBER.match(s):
        return float("nan")
    if "," in s and "." in s:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        if s.count(sep) > 1:
            decimal = "." if sep == "," else ","  # repeated: a thousands separator
        elif len(s) - s.rfind(sep) - 1 != 3:
            decimal = sep
        else:  # one separator before exactly three digits: the locale decides
            decimal = "," if comma_decimal else "."
    else:
        decimal = "."
    thousands = "." if decimal == "," else ","
    s = s.replace(thousands, "").replace(decimal, ".")
    try:
        return float(s)
    except ValueError:
        return float("nan")


__all__ = [
    "ACTIVITIES_CSV",
    "HEADERS",
    "is_strava_export",
    "parse_activities_csv",
    "parse_strava_date",
    "read_strava_export",
    "sport_of",
]
