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
    ascent,
    derived_speed,
    empty,
    frame,
    in_time_order,
    number_table,
    parse_times,
    part_columns,
    plausible_speed,
    recording_log,
    texts_by_row,
    track_distance,
    utc_offset_s,
    weighted_mean,
    weights,
)
from stridekit.io.common import TzLike
from stridekit.log import TrainingLog

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
    # Point data as a flat stream of (field code, text) in document order; code 0 (a
    # <trkpt>) opens a new point, code 2 a new segment. The points' lat and lon attributes
    # are in lists of their own, one per point. Turned into columns, vectorised, by
    # _points().
    codes: bytes = b""
    texts: list[str | None] = field(default_factory=list)
    lat: list[str | None] = field(default_factory=list)
    lon: list[str | None] = field(default_factory=list)


_TAGS: Final = ("trkpt", "lon", "trkseg", "time", "ele", "hr", "cad", "atemp", "temp", "speed")
"""Fields of the code stream; the position is the code. ``lon`` (code 1) is not in the
stream: a ``trkpt``'s ``lat`` and ``lon`` attributes are kept apart."""
_CODE: Final = {name: code for code, name in enumerate(_TAGS)}
_ITER: Final = tuple("{*}" + name for name in _TAGS if name != "lon")
_NUMERIC: Final = ("", "", "", "", "ele", "hr", "cad", "temp", "temp", "speed")
"""The numeric column each code fills ("" for none); ``atemp`` and ``temp`` fill one."""
_COLUMNS: Final = ("lat", "lon", "ele", "hr", "cad", "temp", "speed")
_FIELD: Final = np.array([_COLUMNS.index(n) if n else -1 for n in _NUMERIC], dtype=np.int64)
_TRKPT: Final = 0
_SEGMENT: Final = 2
_TIME: Final = 3
_LAT: Final = _COLUMNS.index("lat")
_LON: Final = _COLUMNS.index("lon")
_LAT_LON: Final = np.array([_LAT, _LON], dtype=np.int64)


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
    # most of the reader's time, so it is done in comprehensions, a field's code found by
    # one dict lookup (the local name is split off once per distinct tag).
    elements = list(trk.iter(*_ITER))
    tags = [el.tag for el in elements]
    for tag in set(tags).difference(code_of):
        code_of[tag] = _CODE[_local(tag)]
    out.codes = bytes([code_of[tag] for tag in tags])
    out.texts = [el.text for el in elements]
    points = list(trk.iter("{*}trkpt"))  # the same elements as code 0, in the same order
    out.lat = [el.get("lat") for el in points]
    out.lon = [el.get("lon") for el in points]
    return out


def _codes(track: _RawTrack) -> np.ndarray:
    return np.frombuffer(track.codes, dtype=np.int8)


def _points(track: _RawTrack) -> tuple[pa.Array, dict[str, np.ndarray], np.ndarray]:
    """The track's points as columns.

    Returns
    -------
    times
        Arrow strings: each point's ``<time>`` text, null where absent.
    cols
        ``lat``, ``lon`` [degrees], ``ele`` [m], ``hr`` [beats/min], ``cad`` [strides/min],
        ``temp`` [°C], ``speed`` [m/s] as float arrays (NaN where absent or unreadable).
    segment
        Each point's segment, counted from 0 within the track.
    """
    codes = _codes(track)
    n = len(track.lat)
    # Texts go to arrow, whose C parser reads numbers and times many times faster than
    # Python: the element texts and then the points' lat and lon attributes in one array,
    # so that one conversion and one filter serve them all.
    texts = pa.array(track.texts + track.lat + track.lon, type=pa.string())
    opens = codes == _TRKPT
    rows_before = np.cumsum(opens)
    row = rows_before - 1
    segment = np.cumsum(codes == _SEGMENT)[opens] - 1
    every = np.arange(n)
    # Every numeric text (and every lat and lon) parsed in one call, scattered into one row
    # per column; the masks cover the element texts, then the attributes.
    field_of = _FIELD[codes]
    numeric = np.concatenate([(field_of >= 0) & (row >= 0), np.ones(2 * n, dtype=bool)])
    times = texts_by_row(
        texts,
        np.concatenate([(codes == _TIME) & (row >= 0), np.zeros(2 * n, dtype=bool)]),
        np.concatenate([row, every, every]),
        n,
    )
    table = number_table(
        texts.filter(pa.array(numeric)),
        np.concatenate([field_of, np.repeat(_LAT_LON, n)])[numeric],
        np.concatenate([row, every, every])[numeric],
        (len(_COLUMNS), n),
    )
    return times, dict(zip(_COLUMNS, table, strict=True)), segment


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
    times, cols, segment = _points(track)
    t_ns, ok = parse_times(times)
    if not ok.any():
        return None
    first = int(np.flatnonzero(ok)[np.argmin(t_ns[ok])])
    offset_s = utc_offset_s(times[first].as_py())
    t_ns, cols = in_time_order(t_ns, ok, {**cols, "segment": segment})
    segment = cols.pop("segment")
    start_ns = int(t_ns[0])
    t_s = (t_ns - start_ns) / 1e9
    sport = _sport(track.type)
    samples, moving = _samples(t_s, cols, segment, sport == "run")
    session = _session(track, sport, samples, moving, file_name, file_desc, source)
    return _Part(start_ns, offset_s, session, samples, t_ns)


def _segment_bounds(segment: np.ndarray) -> np.ndarray:
    """Where each run of equal segment numbers starts, and the length as the last bound."""
    starts = np.flatnonzero(np.diff(segment)) + 1
    return np.concatenate([[0], starts, [len(segment)]])


def _samples(
    t_s: np.ndarray, cols: dict[str, np.ndarray], segment: np.ndarray, running: bool
) -> tuple[dict[str, Any], float]:
    """The samples' columns, and the moving time (elapsed less the gaps between segments)."""
    lat, lon = cols["lat"], cols["lon"]
    dist = track_distance(lat, lon, segment)
    bounds = _segment_bounds(segment)
    speed = cols["speed"]
    if np.isnan(speed).any():
        derived = np.concatenate(
            [derived_speed(t_s[a:b], dist[a:b], running) for a, b in itertools.pairwise(bounds)]
        )
        speed = np.where(np.isnan(speed), derived, speed)
    speed = plausible_speed(speed, running)
    moving = float(sum(t_s[b - 1] - t_s[a] for a, b in itertools.pairwise(bounds)))
    cadence = 2.0 * cols["cad"] if running else np.full(len(t_s), _NAN)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(cadence > 0, speed / (cadence / 60.0), _NAN)
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
    file_name: str | None,
    file_desc: str | None,
    source: str,
) -> dict[str, Any]:
    t_s = samples["t_s"]
    dist = samples["distance_m"][~np.isnan(samples["distance_m"])]
    distance = float(dist[-1] - dist[0]) if len(dist) else _NAN
    speed = distance / moving if moving > 0 else _NAN
    w = weights(t_s)
    hr = samples["hr_bpm"]
    cadence_samples = samples["cadence_spm"]
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
        "avg_hr_bpm": weighted_mean(hr, w, hr > 0),
        "avg_cadence_spm": cadence,
        "avg_step_m": step,
        "ascent_m": ascent(samples["altitude_m"]),
        "title": track.name or file_name,
        "notes": track.desc or file_desc,
        "source": source,
        "source_format": SOURCE_FORMAT,
    }


# --------------------------------------------------------------------------- tables


def _assemble(parts: list[_Part], *, raw_count: int, source: str, tz: TzLike) -> TrainingLog:
    parts = sorted(parts, key=lambda p: p.start_ns)  # sessions ascending, as logs keep them
    session_cols, samples_cols = part_columns(parts, tz)
    return recording_log(
        frame("sessions", session_cols),
        empty("laps"),
        frame("samples", samples_cols, extra=(TEMPERATURE_COLUMN,)),
        source=source,
        source_format=SOURCE_FORMAT,
        found=raw_count,
        skipped="tracks had no timed points",
    )


__all__ = ["LONG_STEP_M", "MAX_RUN_SPEED_MPS", "TEMPERATURE_COLUMN", "parse_gpx", "read_gpx"]
