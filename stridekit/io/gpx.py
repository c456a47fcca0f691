"""Read GPX files (1.0 and 1.1) into stridekit's tables.

Every ``<trk>`` with timed points becomes one session; its ``<trkseg>`` elements are joined,
and the gap between two segments is a pause. Every ``<trkpt>`` with a ``<time>`` becomes a
sample. GPX has no laps, so the laps table is empty. Elements are matched on their local
names, so any namespace or prefix works: GPX 1.0 and 1.1, Garmin's TrackPointExtension v1
and v2 under ``gpxtpx:``, ``ns3:`` or any other prefix.

Conventions
-----------
- Sport: from the track's ``<type>``. ``running``, ``run``, ``trail running`` (any type
  with a word ending in ``run``, or ``running``, ``jogging``) and Strava's ``9`` are runs;
  any other type (``cycling``, ``biking``, Strava's ``1``, ``walking`` ...) is ``cross``. A
  track without ``<type>`` is a run: GPX files in a running log are runs, and most writers
  (Garmin, Polar, gpx.py) leave the type out.
- Cadence: the extension's ``cad`` in a run counts strides per minute (Garmin and Strava
  record it so); stridekit's ``cadence_spm`` counts steps, so it is twice the recorded
  value. In other sports ``cad`` is crank revolutions and is not read.
- Clock: a session's ``start_utc`` is its first point's time; ``samples.t_s`` counts
  seconds from it. Times without a zone are taken as UTC, as the GPX standard says.
- Local date: ``sessions.local_date`` is the day of ``start_utc`` in the UTC offset the
  first point's time is written in (``2021-05-01T08:00:00+02:00``), else (``Z``, a zero
  offset, no zone) in the time zone the runner passes as ``tz``.
- Distance: ``samples.distance_m`` is the cumulative geodesic length of the track on the
  WGS84 ellipsoid (see :func:`stridekit.io.arrays.wgs84_steps`), not counting the gaps
  between segments; ``sessions.distance_m`` is its total. This is ``gpxpy``'s
  ``length_2d`` computed on the ellipsoid instead of a sphere of the equatorial radius,
  which overstates north-south distances by up to 0.7%.
- Moving time: elapsed time less the gaps between segments (GPX records no timer time).
- Extra column: ``samples.temperature_c`` holds the extension's ``atemp`` (or a ``temp``)
  [°C], NaN where absent; it follows the schema's columns. ``course`` and ``wtemp`` are not
  read (the tables have no column for them).
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pyarrow as pa
from lxml import etree

from stridekit.errors import LogFormatError
from stridekit.io import safety
from stridekit.io.arrays import (
    LONG_STEP_M,
    MAX_RUN_SPEED_MPS,
    arrow_cast,
    ascent,
    derived_speed,
    empty,
    floats,
    frame,
    in_time_order,
    nans,
    parse_times,
    plausible_speed,
    session_columns,
    stack,
    track_distance,
    utc_offset_s,
    weighted_mean,
    weights,
)
from stridekit.io.common import TzLike
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, ReportEntry

SOURCE_FORMAT: Final = "gpx"
TEMPERATURE_COLUMN: Final = "temperature_c"
"""The extra samples column holding the recorded temperature [°C]."""

_NAN: Final = math.nan
_FIX_TIMES: Final = "export the GPX with times"
_FIX: Final = "export the activity again as GPX (or FIT) from the watch's app"


def read_gpx(path: str | os.PathLike[str], *, tz: TzLike = None) -> TrainingLog:
    """Read a GPX file (plain or gzip-compressed) into a :class:`TrainingLog`.

    Parameters
    ----------
    path
        The ``.gpx`` or ``.gpx.gz`` file; gzip is recognised by its content, not its name.
    tz
        The runner's time zone for ``sessions.local_date`` of tracks whose times carry no
        UTC offset of their own (IANA name or tzinfo); the machine's own when ``None``.

    Returns
    -------
    TrainingLog
        Sessions and samples (no laps, no sets), built at the columns and dtypes of
        :mod:`stridekit.schema`, samples with the extra column ``temperature_c``.

    Raises
    ------
    LogFormatError
        When the file is not GPX, has no track points, or none of them has a time.
    UnsafeInputError
        When the file breaks a cap of :mod:`stridekit.io.safety`.
    """
    return parse_gpx(safety.read_bytes(path), source=str(path), tz=tz)


def parse_gpx(data: bytes, *, source: str = "<bytes>", tz: TzLike = None) -> TrainingLog:
    """Parse the bytes of a GPX document into a :class:`TrainingLog`.

    Parameters
    ----------
    data
        The document (gzip data is gunzipped first). Whitespace or a byte-order mark before
        ``<?xml`` is allowed.
    source
        Where the bytes came from: the ``sessions.source`` value and the name in messages.
    tz
        The runner's time zone for ``sessions.local_date`` of tracks whose times carry no
        UTC offset of their own; the machine's own when ``None``.

    Returns
    -------
    TrainingLog
        One session per ``<trk>`` with timed points, and its samples; the laps table is
        empty. Sessions: ``distance_m`` is the geodesic length of the track (WGS84, gaps
        between segments left out) [m]; ``duration_s`` the wall clock from the first point
        to the last [s]; ``moving_s`` the same less the gaps between segments [s];
        ``avg_hr_bpm`` and ``avg_cadence_spm`` time-weighted means of the samples;
        ``ascent_m`` the sum of rises of the lightly smoothed ``<ele>`` [m]; ``title`` the
        track's ``<name>`` (else the file's); ``notes`` its ``<desc>`` (else the file's);
        ``local_date`` the start's day in the offset its time is written in, else in
        ``tz``. Samples: ``distance_m`` is the geodesic length so far, GPS jumps included
        (as ``gpxpy`` measures it) [m]; ``speed_mps`` is the recorded ``speed`` where there
        is one, else the distance covered over a window of ±5 s within the segment [m/s].
        In a run, a step longer than :data:`MAX_RUN_SPEED_MPS` (15 m/s) allows, give or
        take 5 m, is a GPS jump (such as positions 90 m apart recorded milliseconds apart):
        it counts nothing towards the other samples' speed, the samples at its two ends
        have none (NaN), and no speed is above 15 m/s (faster ones are NaN: no runner is
        that fast); ``step_m`` is missing where the speed is [m]; ``cadence_spm``
        twice the recorded strides per minute [steps/min]; ``temperature_c`` the recorded
        temperature [°C]; points without a ``<time>`` are left out.

    Raises
    ------
    LogFormatError
        When the document is not GPX, has no ``<trkpt>``, or none with a ``<time>`` (the
        message names ``source``).
    UnsafeInputError
        When the document breaks a cap of :mod:`stridekit.io.safety` (entities, depth, size).
    """
    if data[:2] == safety.GZIP_MAGIC:
        data = safety.gunzip_bytes(data, source)
    root = safety.parse_xml(data, source, blank_text=False)
    root_name = _local(root.tag)
    if root_name != "gpx":
        raise LogFormatError(
            source,
            f"is not a GPX file (its root element is <{root_name}>, not <gpx>)",
            fix="read it with the reader for its own format",
        )
    file_name, file_desc = _file_texts(root)
    code_of: dict[str, int] = {}
    raw = [_read_track(trk, code_of) for trk in root.iterfind("{*}trk")]
    points = sum(len(r.lat) for r in raw)  # one lat attribute (or None) a <trkpt>
    if not points:
        raise LogFormatError(
            source,
            "has no track points (<trkpt>): it holds no recorded activity "
            "(it may be a route or a set of waypoints)",
            fix=_FIX,
        )
    parts = [p for p in (_build(r, file_name, file_desc, source) for r in raw) if p is not None]
    if not parts:
        raise LogFormatError(
            source,
            "has no timestamps; stridekit needs times to compute pace",
            fix=_FIX_TIMES,
        )
    return _assemble(parts, raw_count=len(raw), source=source, tz=tz)


# --------------------------------------------------------------------------- XML walking


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _text(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _file_texts(root: etree._Element) -> tuple[str | None, str | None]:
    """The file's ``name`` and ``desc``: under ``<metadata>`` (1.1) or ``<gpx>`` (1.0)."""
    name = desc = None
    for ch in root:
        tag = _local(ch.tag)
        children = list(ch) if tag == "metadata" else [ch]
        for el in children:
            sub = _local(el.tag)
            if sub == "name" and name is None:
                name = _text(el.text)
            elif sub == "desc" and desc is None:
                desc = _text(el.text)
    return name, desc


@dataclass
class _RawTrack:
    name: str | None = None
    desc: str | None = None
    type: str | None = None
    # The points' texts in document order, one a point: lat and lon attributes, <time>,
    # and the segment (counted from 0, -1 before the first <trkseg>). The other fields'
    # texts are by point (row) in one dict a field (ele, hr, cad, temp, speed), holding only
    # the points that have one. Turned into columns by _points().
    lat: list[str | None] = field(default_factory=list)
    lon: list[str | None] = field(default_factory=list)
    times: list[str | None] = field(default_factory=list)
    segments: list[int] = field(default_factory=list)
    cells: tuple[dict[int, str | None], ...] = ()


_TAGS: Final = ("trkpt", "lon", "trkseg", "time", "ele", "hr", "cad", "atemp", "temp", "speed")
"""Elements read, by code (their position); ``lon`` (code 1) is no element: a ``trkpt``'s
``lat`` and ``lon`` attributes are read with it."""
_CODE: Final = {name: code for code, name in enumerate(_TAGS)}
_ITER: Final = tuple("{*}" + name for name in _TAGS if name != "lon")
_NUMERIC: Final = ("", "", "", "", "ele", "hr", "cad", "temp", "temp", "speed")
"""The numeric column each code fills ("" for none); ``atemp`` and ``temp`` fill one."""
_COLUMNS: Final = ("lat", "lon", "ele", "hr", "cad", "temp", "speed")
_FIELDS: Final = _COLUMNS[2:]
"""The columns read from elements (``lat`` and ``lon`` are attributes)."""
_SLOT: Final = tuple(_FIELDS.index(name) if name else -1 for name in _NUMERIC)
"""The field (position in ``_FIELDS``) each code fills, -1 for none."""
FEW_NUMBERS: Final = 256
"""Up to this many number texts a track are read by Python's ``float``, more by Arrow:
Python takes about 1.5 us a text (the points' 17-digit positions are its slow case),
Arrow about 0.3 ms a call when other work has just run, and a little a text [count]."""
_TRKPT: Final = 0
_SEGMENT: Final = 2
_TIME: Final = 3
_INF: Final = math.inf


def _read_track(trk: etree._Element, code_of: dict[str, int]) -> _RawTrack:
    out = _RawTrack()
    for ch in trk:
        tag = _local(ch.tag)
        if tag == "name":
            out.name = _text(ch.text)
        elif tag == "desc":
            out.desc = _text(ch.text)
        elif tag == "type":
            out.type = _text(ch.text)
    # One pass over the track's relevant descendants, filtered in C by lxml; every other
    # element (extensions, TrackPointExtension ...) is never turned into a proxy. This is
    # most of the reader's time: a field's code is found by one dict lookup (the local name
    # is split off once per distinct tag), and texts are dealt to their point as they come.
    # An element before the track's first point belongs to no point; where a point has two
    # texts for one field, the later one counts.
    lat, lon, times, segments = out.lat, out.lon, out.times, out.segments
    cells: tuple[dict[int, str | None], ...] = tuple({} for _ in _FIELDS)
    out.cells = cells
    row = -1
    segment = -1
    for el in trk.iter(*_ITER):
        tag = el.tag
        code = code_of.get(tag)
        if code is None:
            code = code_of[tag] = _CODE[_local(tag)]
        if code == _TRKPT:
            row += 1
            lat.append(el.get("lat"))
            lon.append(el.get("lon"))
            times.append(None)
            segments.append(segment)
        elif code == _SEGMENT:
            segment += 1
        elif row >= 0:
            if code == _TIME:
                times[row] = el.text
            else:
                cells[_SLOT[code]][row] = el.text
    return out


def _points(
    track: _RawTrack,
) -> tuple[dict[str, np.ndarray], np.ndarray | None, set[str]]:
    """The track's points as columns.

    Returns
    -------
    cols
        ``lat``, ``lon`` [degrees], ``ele`` [m], ``hr`` [beats/min], ``cad`` [strides/min],
        ``temp`` [°C], ``speed`` [m/s] as float arrays (NaN where absent or unreadable).
    segment
        Each point's segment, counted from 0 within the track; ``None`` when all points are
        in one.
    present
        The names of ``cols`` that some point has an element for (the others are all NaN).

    Notes
    -----
    Numbers are read by ``float``, in plain Python: a small file's cost is the number of
    NumPy and Arrow calls, not the work per point.
    """
    n = len(track.lat)
    names = ["lat", "lon"]
    texts = [track.lat, track.lon]
    for name, cells in zip(_FIELDS, track.cells, strict=True):
        if cells:
            names.append(name)
            # rows come in ascending order, so n of them are all rows in order
            texts.append(
                list(cells.values()) if len(cells) == n else list(map(cells.get, range(n)))
            )
    table = _numbers(texts, n)
    cols = dict(zip(names, table, strict=True))
    for name in _FIELDS:
        if name not in cols:
            cols[name] = nans(n)
    present = set(names)
    segments = track.segments
    one = not segments or segments.count(segments[0]) == n
    return cols, None if one else np.array(segments, dtype=np.int64), present


def _numbers(fields: list[list[str | None]], n: int) -> np.ndarray:
    """Fields' number texts (``n`` each) as rows of ``float64``, NaN where absent,
    unreadable or not finite.

    Read by ``float`` (which rounds correctly, and allows surrounding whitespace), all in
    one list, or, beyond :data:`FEW_NUMBERS` texts, by Arrow's parser (which rounds the
    same and reads a subset of what ``float`` reads) in one call. When a text is not a
    number, each field is read on its own, and a field with such a text by :func:`floats`,
    so that an odd text is missing and the others read.
    """
    if len(fields) * n > FEW_NUMBERS:  # Arrow's C parser, in one call for them all
        flat = pa.array([text for texts in fields for text in texts], type=pa.string())
        try:
            parsed = arrow_cast(flat, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return _each_field(fields, n)
        out = parsed.to_numpy(zero_copy_only=False, writable=True).reshape(len(fields), n)
        out[~np.isfinite(out)] = _NAN
        return out
    try:
        values = [_NAN if text is None else float(text) for texts in fields for text in texts]
    except ValueError:
        return _each_field(fields, n)
    out = np.array(values, dtype=np.float64).reshape(len(fields), n)
    if _INF in values or -_INF in values:
        out[np.isinf(out)] = _NAN
    return out


def _each_field(fields: list[list[str | None]], n: int) -> np.ndarray:
    """:func:`_numbers` field by field, for fields one of which has a text that is no number."""
    return np.array([_field_numbers(texts) for texts in fields]).reshape(len(fields), n)


def _field_numbers(texts: list[str | None]) -> np.ndarray:
    try:
        values = [_NAN if text is None else float(text) for text in texts]
    except ValueError:
        out = floats(np.array(texts, dtype=object))
        out[~np.isfinite(out)] = _NAN
        return out
    out = np.array(values, dtype=np.float64)
    out[np.isinf(out)] = _NAN
    return out


# --------------------------------------------------------------------------- computing


@dataclass
class _Part:
    """The tables of one track, before the session key is final."""

    start_ns: int
    offset_s: float  # the UTC offset the first point's time is written in [s], else NaN
    session: dict[str, Any]
    samples: dict[str, np.ndarray]
    time_ns: np.ndarray


def _sport(kind: str | None) -> str:
    """``run`` or ``cross`` from a track's ``<type>``; a track without one is a run."""
    words = (kind or "").lower().replace("_", " ").replace("-", " ").split()
    if not words or words == ["9"]:
        return "run"
    if any(w in ("running", "jogging") or w.endswith("run") for w in words):
        return "run"
    return "cross"


def _build(
    track: _RawTrack, file_name: str | None, file_desc: str | None, source: str
) -> _Part | None:
    times = track.times
    cols, segment, present = _points(track)
    t_ns, ok = parse_times(times)
    every = bool(ok.all())
    if not every and not ok.any():
        return None
    first = int(np.argmin(t_ns)) if every else int(np.flatnonzero(ok)[np.argmin(t_ns[ok])])
    offset_s = utc_offset_s(times[first])
    if segment is not None:
        cols = {**cols, "segment": segment}
    t_ns, cols = in_time_order(t_ns, ok, cols)
    segment = cols.pop("segment", None)
    start_ns = int(t_ns[0])
    t_s = (t_ns - start_ns) / 1e9
    sport = _sport(track.type)
    samples, moving = _samples(t_s, cols, segment, present, sport == "run")
    session = _session(track, sport, samples, moving, present, file_name, file_desc, source)
    return _Part(start_ns, offset_s, session, samples, t_ns)


def _segment_bounds(segment: np.ndarray) -> np.ndarray:
    """Where each run of equal segment numbers starts, and the length as the last bound."""
    starts = np.flatnonzero(np.diff(segment)) + 1
    return np.concatenate([[0], starts, [len(segment)]])


def _samples(
    t_s: np.ndarray,
    cols: dict[str, np.ndarray],
    segment: np.ndarray | None,
    present: set[str],
    running: bool,
) -> tuple[dict[str, Any], float]:
    """The samples' columns, and the moving time (elapsed less the gaps between segments).

    ``segment`` is ``None`` for a track of one segment, and ``present`` names the columns
    with any value: a small file's cost is its count of NumPy calls, so none is spent on
    segment bounds, derived speeds or steps that cannot differ from the shortcuts'.
    """
    lat, lon = cols["lat"], cols["lon"]
    dist = track_distance(lat, lon, segment)
    bounds = [0, len(t_s)] if segment is None else _segment_bounds(segment).tolist()
    pairs = list(itertools.pairwise(bounds))
    speed = cols["speed"]
    recorded = "speed" in present
    if not recorded or np.isnan(speed).any():
        parts = [derived_speed(t_s[a:b], dist[a:b], running) for a, b in pairs]
        derived = parts[0] if len(parts) == 1 else np.concatenate(parts)
        # derived speeds are plausible already
        speed = (
            plausible_speed(np.where(np.isnan(speed), derived, speed), running)
            if recorded
            else derived
        )
    else:
        speed = plausible_speed(speed, running)
    moving = float(sum(t_s[b - 1] - t_s[a] for a, b in pairs))
    if running and "cad" in present:
        cadence = 2.0 * cols["cad"]
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(cadence > 0, speed / (cadence / 60.0), _NAN)
    else:  # what the above gives without any cadence
        cadence = np.full(len(t_s), _NAN)
        step = np.full(len(t_s), _NAN)
    samples = {
        "t_s": t_s,
        "distance_m": dist,
        "speed_mps": speed,
        "hr_bpm": cols["hr"],
        "cadence_spm": cadence,
        "step_m": step,
        "altitude_m": cols["ele"],
        "lat_deg": lat,
        "lon_deg": lon,
        TEMPERATURE_COLUMN: cols["temp"],
    }
    return samples, moving


def _session(
    track: _RawTrack,
    sport: str,
    samples: dict[str, Any],
    moving: float,
    present: set[str],
    file_name: str | None,
    file_desc: str | None,
    source: str,
) -> dict[str, Any]:
    t_s = samples["t_s"]
    # The distance counts from 0 at the first position, and stays put where there is none
    # (NaN only before the first): its last value is the track's length, else NaN.
    distance = float(samples["distance_m"][-1])
    speed = distance / moving if moving > 0 else _NAN
    w = weights(t_s)
    hr = samples["hr_bpm"]
    cadence_samples = samples["cadence_spm"]
    cadence = _NAN
    if "cad" in present and sport == "run":
        cadence = weighted_mean(cadence_samples, w, cadence_samples > 0)
    step = speed / (cadence / 60.0) if cadence > 0 and not math.isnan(speed) else _NAN
    return {
        "sport": sport,
        "kind": None,
        "focus": None,
        "distance_m": distance,
        "duration_s": float(t_s[-1]),
        "moving_s": moving,
        "avg_speed_mps": speed,
        "avg_hr_bpm": weighted_mean(hr, w, hr > 0) if "hr" in present else _NAN,
        "avg_cadence_spm": cadence,
        "avg_step_m": step,
        "ascent_m": ascent(samples["altitude_m"]) if "ele" in present else _NAN,
        "title": track.name or file_name,
        "notes": track.desc or file_desc,
        "source": source,
        "source_format": SOURCE_FORMAT,
    }


# --------------------------------------------------------------------------- tables


def _assemble(parts: list[_Part], *, raw_count: int, source: str, tz: TzLike) -> TrainingLog:
    parts = sorted(parts, key=lambda p: p.start_ns)  # sessions ascending, as logs keep them
    # Frames are built in one constructor call each, from whole columns already at the
    # schema's dtypes and in its order, so TrainingLog's schema.conform has nothing to do.
    session_cols = session_columns(
        [p.start_ns for p in parts], [p.session for p in parts], tz, [p.offset_s for p in parts]
    )
    ids = session_cols["session_id"]
    lengths = [len(p.time_ns) for p in parts]
    time_ns = [p.time_ns for p in parts]
    samples_cols = stack([p.samples for p in parts], ids, lengths, time_ns)
    sessions = frame("sessions", session_cols)
    samples = frame("samples", samples_cols, extra=(TEMPERATURE_COLUMN,))
    laps = empty("laps")
    skipped = raw_count - len(parts)
    entry = ReportEntry(
        path=source,
        status="partial" if skipped else "ok",
        format=SOURCE_FORMAT,
        sessions=len(parts),
        message=(
            f"{skipped} of {raw_count} tracks had no timed points and were skipped"
            if skipped
            else None
        ),
    )
    return TrainingLog.of_conforming(
        sessions=sessions,
        laps=laps,
        samples=samples,
        sets=empty("sets"),
        report=ImportReport([entry]),
    )


__all__ = ["LONG_STEP_M", "MAX_RUN_SPEED_MPS", "TEMPERATURE_COLUMN", "parse_gpx", "read_gpx"]
