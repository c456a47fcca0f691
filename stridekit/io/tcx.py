"""Read Garmin Training Center (TCX) files into stridekit's tables.

One ``<Activity>`` becomes one session; its ``<Lap>`` elements become laps and every
``<Trackpoint>`` of every ``<Track>`` becomes a sample. Elements are matched on their local
names, so any namespace prefix (``ns3:TPX``, ``ext:TPX``, a default namespace or none) works.

Conventions
-----------
- Cadence: TCX running cadence (``Cadence`` in a ``Running`` activity, and the ``TPX``
  extension's ``RunCadence``, the ``LX`` extension's ``AvgRunCadence``) counts strides per
  minute, as Garmin records it; stridekit's ``cadence_spm`` counts steps, so it is twice the
  recorded value. In other sports ``Cadence`` is crank revolutions and is not read.
- Clock: a session's ``start_utc`` is the earlier of the Activity ``Id`` and the first lap's
  ``StartTime``; ``samples.t_s`` and ``laps.start_s`` count seconds from it.
- Local date: ``sessions.local_date`` is the day of ``start_utc`` in the UTC offset the
  activity's times are written in (``2021-05-01T08:00:00+02:00``: the first of the ``Id``,
  the first lap's ``StartTime`` and the first trackpoint's ``Time`` with a non-zero
  offset), else (``Z``, a zero offset, no zone) in the time zone the runner passes as
  ``tz``.
- Distance: ``sessions.distance_m`` is the sum of the laps' ``DistanceMeters`` as recorded
  (other modules rely on this); samples keep the trackpoints' ``DistanceMeters``, or the
  cumulative geodesic distance on the WGS84 ellipsoid between positions when a file records
  none (see :func:`stridekit.io.arrays.track_distance`).
"""

from __future__ import annotations

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
    ascent,
    derived_speed,
    frame,
    in_time_order,
    number_table,
    parse_times,
    part_columns,
    plausible_speed,
    recording_log,
    stack,
    texts_by_row,
    track_distance,
    utc_offset_s,
    weighted_mean,
    weights,
)
from stridekit.io.common import TzLike
from stridekit.log import TrainingLog

SOURCE_FORMAT: Final = "tcx"

_NAN: Final = math.nan
_FIX: Final = "export the activity again as TCX (or FIT) from the watch's app"


def read_tcx(path: str | os.PathLike[str], *, tz: TzLike = None) -> TrainingLog:
    """Read a TCX file (plain or gzip-compressed) into a :class:`TrainingLog`.

    Parameters
    ----------
    path
        The ``.tcx`` or ``.tcx.gz`` file; gzip is recognised by its content, not its name.
    tz
        The runner's time zone for ``sessions.local_date`` of activities whose times carry
        no UTC offset of their own (IANA name or tzinfo); the machine's own when ``None``.

    Returns
    -------
    TrainingLog
        Sessions, laps and samples (no sets), built at the columns and dtypes of
        :mod:`stridekit.schema`.

    Raises
    ------
    LogFormatError
        When the file is not TCX, has no ``<Activity>``, or no activity has usable data.
    UnsafeInputError
        When the file breaks a cap of :mod:`stridekit.io.safety`.
    """
    return parse_tcx(safety.read_bytes(path), source=str(path), tz=tz)


def parse_tcx(data: bytes, *, source: str = "<bytes>", tz: TzLike = None) -> TrainingLog:
    """Parse the bytes of a TCX document into a :class:`TrainingLog`.

    Parameters
    ----------
    data
        The document (gzip data is gunzipped first). Whitespace before ``<?xml`` is allowed.
    source
        Where the bytes came from: the ``sessions.source`` value and the name in messages.
    tz
        The runner's time zone for ``sessions.local_date`` of activities whose times carry
        no UTC offset of their own; the machine's own when ``None``.

    Returns
    -------
    TrainingLog
        One session per usable ``<Activity>``, with its laps and samples. Sessions:
        ``distance_m`` is the sum of the laps' ``DistanceMeters``; ``moving_s`` the sum of
        their ``TotalTimeSeconds``; ``duration_s`` the wall clock from ``start_utc`` to the
        last trackpoint or the end of the last lap, whichever is later (at least
        ``moving_s``); ``avg_hr_bpm`` and ``avg_cadence_spm`` the laps' values weighted by lap
        time when every lap has one, else time-weighted means of the samples;
        ``ascent_m`` the sum of rises of the lightly smoothed altitude; ``local_date`` the
        start's day in the UTC offset the activity's times are written in, else in ``tz``.
        Samples: ``speed_mps`` is the ``TPX`` ``Speed`` where recorded, else the distance
        covered over a window of ±:data:`stridekit.io.arrays.SPEED_HALF_WINDOW_S` seconds
        [m/s]; in a run, a step longer than
        :data:`stridekit.io.arrays.MAX_RUN_SPEED_MPS` (15 m/s) allows, give or take 5 m, is
        a GPS jump that counts nothing towards the other samples' speed, the samples at its
        two ends have none (NaN), and no speed is above 15 m/s (faster ones, recorded or
        derived, are NaN: no runner is that fast); ``distance_m`` keeps the jumps;
        ``cadence_spm`` is twice the recorded strides per minute; trackpoints without a
        ``Time`` are left out.

    Raises
    ------
    LogFormatError
        When the document is not TCX, has no ``<Activity>``, or none with usable data.
    UnsafeInputError
        When the document breaks a cap of :mod:`stridekit.io.safety`.
    """
    if data[:2] == safety.GZIP_MAGIC:
        data = safety.gunzip_bytes(data, source)
    root = safety.parse_xml(data, source, blank_text=False)
    names = _LocalNames()
    if names(root.tag) != "TrainingCenterDatabase":
        raise LogFormatError(
            source,
            f"is not a TCX file (its root element is <{names(root.tag)}>, "
            "not <TrainingCenterDatabase>)",
            fix="read it with the reader for its own format",
        )
    raw = [_read_activity(act, names) for act in root.iter("{*}Activity")]
    if not raw:
        raise LogFormatError(
            source,
            "has no <Activity>: it holds no recorded session (it may be a course or a workout)",
            fix=_FIX,
        )
    parts = [p for p in (_build(a, source) for a in raw) if p is not None]
    if not parts:
        raise LogFormatError(
            source,
            f"has {len(raw)} <Activity> element(s) but none with usable data "
            "(no lap or trackpoint with a time)",
            fix=_FIX,
        )
    return _assemble(parts, raw_count=len(raw), source=source, tz=tz)


# --------------------------------------------------------------------------- XML walking


class _LocalNames:
    """Local names of tags (``{ns}Lap`` -> ``Lap``), cached for the parse of one file."""

    def __init__(self) -> None:
        self._cache: dict[Any, str] = {}

    def __call__(self, tag: Any) -> str:
        try:
            return self._cache[tag]
        except KeyError:
            name = tag.rpartition("}")[2] if isinstance(tag, str) else ""
            self._cache[tag] = name
            return name


@dataclass
class _RawLap:
    start: str | None = None
    total_time: float = _NAN
    distance: float = _NAN
    avg_hr: float = _NAN
    cadence: float = _NAN
    intensity: str | None = None
    trigger: str | None = None
    avg_speed_ext: float = _NAN
    avg_run_cadence_ext: float = _NAN
    first_point: int = 0


@dataclass
class _RawActivity:
    sport: str = ""
    id: str | None = None
    notes: str | None = None
    laps: list[_RawLap] = field(default_factory=list)
    # Trackpoint data as a flat stream of (field code, text) in document order; a code of 0
    # opens a new trackpoint. Turned into columns, vectorised, by _points().
    codes: bytearray = field(default_factory=bytearray)
    texts: list[str | None] = field(default_factory=list)


def _num(text: str | None) -> float:
    if text is None:
        return _NAN
    try:
        value = float(text)
    except ValueError:
        return _NAN
    return value if math.isfinite(value) else _NAN


def _value_child(el: etree._Element, names: _LocalNames) -> float:
    for ch in el:
        if names(ch.tag) == "Value":
            return _num(ch.text)
    return _num(el.text)


def _read_activity(act: etree._Element, names: _LocalNames) -> _RawActivity:
    out = _RawActivity(sport=(act.get("Sport") or "").strip().lower())
    for ch in act:
        name = names(ch.tag)
        if name == "Lap":
            out.laps.append(_read_lap(ch, names, out))
        elif name == "Id":
            out.id = ch.text
        elif name == "Notes":
            out.notes = ch.text
    return out


def _read_lap(lap_el: etree._Element, names: _LocalNames, act: _RawActivity) -> _RawLap:
    lap = _RawLap(start=lap_el.get("StartTime"), first_point=len(act.codes))
    for ch in lap_el:
        name = names(ch.tag)
        if name == "Track":
            _read_track(ch, act)
        elif name == "TotalTimeSeconds":
            lap.total_time = _num(ch.text)
        elif name == "DistanceMeters":
            lap.distance = _num(ch.text)
        elif name == "AverageHeartRateBpm":
            lap.avg_hr = _value_child(ch, names)
        elif name == "Cadence":
            lap.cadence = _num(ch.text)
        elif name == "Intensity":
            lap.intensity = _word(ch.text)
        elif name == "TriggerMethod":
            lap.trigger = _word(ch.text)
        elif name == "Extensions":
            for ext in ch.iter():
                ext_name = names(ext.tag)
                if ext_name == "AvgSpeed":
                    lap.avg_speed_ext = _num(ext.text)
                elif ext_name == "AvgRunCadence":
                    lap.avg_run_cadence_ext = _num(ext.text)
    return lap


def _word(text: str | None) -> str | None:
    word = (text or "").strip().lower()
    return word or None


_POINT_TAGS: Final = (
    "Trackpoint",
    "Time",
    "LatitudeDegrees",
    "LongitudeDegrees",
    "AltitudeMeters",
    "DistanceMeters",
    "Value",
    "Cadence",
    "Speed",
    "RunCadence",
)
"""Elements read inside a ``<Track>``, by local name; the position is the field's code."""
_POINT_CODE: Final = {name: code for code, name in enumerate(_POINT_TAGS)}
_POINT_ITER: Final = tuple("{*}" + name for name in _POINT_TAGS)
_NUMERIC: Final = ("lat", "lon", "alt", "dist", "hr", "cad", "speed", "runcad")
"""Names of the numeric fields, codes ``_FIRST_NUMERIC`` onwards in :data:`_POINT_TAGS`."""
_FIRST_NUMERIC: Final = 2


def _read_track(track: etree._Element, act: _RawActivity) -> None:
    # One pass over the Track's relevant descendants, filtered in C by lxml; every other
    # element (Position, HeartRateBpm, Extensions, TPX ...) is never turned into a proxy.
    # Inside a Track, Value only occurs in a trackpoint's HeartRateBpm.
    # This is most of the reader's time, so it is done in comprehensions, a tag's code found
    # by one dict lookup (the local name is split off once per distinct tag).
    elements = list(track.iter(*_POINT_ITER))
    tags = [el.tag for el in elements]
    code_of = {tag: _POINT_CODE[tag.rpartition("}")[2]] for tag in set(tags)}
    act.codes += bytes([code_of[tag] for tag in tags])
    act.texts += [el.text for el in elements]


def _points(act: _RawActivity) -> tuple[pa.Array, dict[str, np.ndarray], np.ndarray]:
    """The trackpoints as columns: time texts, numeric fields, and each row's code offset.

    Returns
    -------
    times
        Arrow strings: each trackpoint's ``Time`` text, null where absent.
    cols
        ``lat``, ``lon`` [degrees], ``alt`` [m], ``dist`` [m], ``hr`` [beats/min], ``cad``
        and ``runcad`` [strides/min], ``speed`` [m/s] as float arrays (NaN where absent or
        unreadable).
    rows_before
        For each position in the code stream, how many trackpoints opened before it.
    """
    codes = np.frombuffer(act.codes, dtype=np.int8)
    # Texts go to arrow, whose C parser reads numbers and times many times faster than Python.
    texts = pa.array(act.texts, type=pa.string())
    opens = codes == 0
    rows_before = np.concatenate([[0], np.cumsum(opens)])
    n = int(rows_before[-1])
    row = rows_before[1:] - 1
    times = texts_by_row(texts, codes == 1, row, n)
    # Every numeric text parsed in one call, scattered into one row per field.
    numeric = codes >= _FIRST_NUMERIC
    table = number_table(
        texts.filter(pa.array(numeric)),
        codes[numeric] - _FIRST_NUMERIC,
        row[numeric],
        (len(_NUMERIC), n),
    )
    return times, dict(zip(_NUMERIC, table, strict=True)), rows_before


# --------------------------------------------------------------------------- computing


@dataclass
class _Part:
    """The tables of one activity, before the session key is final."""

    start_ns: int
    offset_s: float  # the UTC offset the activity's times are written in [s], else NaN
    session: dict[str, Any]
    laps: dict[str, Any]
    samples: dict[str, np.ndarray]
    time_ns: np.ndarray


def _build(act: _RawActivity, source: str) -> _Part | None:
    times, cols, rows_before = _points(act)
    t_ns, ok = parse_times(times)
    # The Id and the laps' StartTime, read in one call.
    head_ns, head_ok = parse_times([act.id, *(lap.start for lap in act.laps)])
    stamps = [int(v) if k else None for v, k in zip(head_ns.tolist(), head_ok, strict=True)]
    lap_start_ns = stamps[1:]
    candidates = [v for v in stamps[:2] if v is not None]
    if not candidates and ok.any():
        candidates = [int(t_ns[ok].min())]
    if not candidates:
        return None
    start_ns = min(candidates)
    first_point = times[int(np.argmax(ok))].as_py() if ok.any() else None
    offsets = [utc_offset_s(t) for t in (act.id, act.laps[0].start if act.laps else None)]
    offsets.append(utc_offset_s(first_point))
    offset_s = next((o for o in offsets if not math.isnan(o)), _NAN)

    # Each lap's first sample, as an index into the kept samples (for laps without StartTime).
    kept_before = np.concatenate([[0], np.cumsum(ok)])
    lap_first = [int(kept_before[rows_before[lap.first_point]]) for lap in act.laps]
    t_ns, cols = in_time_order(t_ns, ok, cols)
    t_s = (t_ns - start_ns) / 1e9

    running = act.sport == "running"
    samples = _samples(t_s, cols, running)
    laps = _laps(act.laps, lap_start_ns, lap_first, t_s, start_ns, running)
    if not len(t_s) and not act.laps:
        return None
    session = _session(act, samples, laps, start_ns, source)
    return _Part(start_ns, offset_s, session, laps, samples, t_ns)


def _samples(t_s: np.ndarray, cols: dict[str, np.ndarray], running: bool) -> dict[str, Any]:
    lat, lon = cols["lat"], cols["lon"]
    dist = cols["dist"]
    if len(dist) and np.isnan(dist).all():
        dist = track_distance(lat, lon)
    speed = cols["speed"]
    if np.isnan(speed).any():
        speed = np.where(np.isnan(speed), derived_speed(t_s, dist, running), speed)
    speed = plausible_speed(speed, running)
    strides = np.where(np.isnan(cols["runcad"]), cols["cad"] if running else _NAN, cols["runcad"])
    cadence = 2.0 * strides
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(cadence > 0, speed / (cadence / 60.0), _NAN)
    return {
        "t_s": t_s,
        "distance_m": dist,
        "speed_mps": speed,
        "hr_bpm": cols["hr"],
        "cadence_spm": cadence,
        "step_m": step,
        "altitude_m": cols["alt"],
        "lat_deg": lat,
        "lon_deg": lon,
    }


def _laps(
    raw: list[_RawLap],
    start_ns: list[int | None],
    first: list[int],
    t_s: np.ndarray,
    session_start_ns: int,
    running: bool,
) -> dict[str, Any]:
    n = len(raw)
    start_s = np.full(n, _NAN)
    for i, (ns, j) in enumerate(zip(start_ns, first, strict=True)):
        if ns is not None:
            start_s[i] = (ns - session_start_ns) / 1e9
        elif j < len(t_s):
            start_s[i] = t_s[j]
    duration = np.array([lap.total_time for lap in raw], dtype=np.float64)
    distance = np.array([lap.distance for lap in raw], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(duration > 0, distance / duration, _NAN)
    speed = np.where(np.isnan(speed), [lap.avg_speed_ext for lap in raw], speed)
    strides = np.array(
        [
            lap.cadence if running and not math.isnan(lap.cadence) else lap.avg_run_cadence_ext
            for lap in raw
        ],
        dtype=np.float64,
    )
    return {
        "lap_index": np.arange(n, dtype=np.int64),
        "start_s": start_s,
        "duration_s": duration,
        "distance_m": distance,
        "avg_speed_mps": speed,
        "avg_hr_bpm": np.array([lap.avg_hr for lap in raw], dtype=np.float64),
        "avg_cadence_spm": 2.0 * strides,
        "intensity": [lap.intensity for lap in raw],
        "trigger": [lap.trigger for lap in raw],
    }


def _lap_or_sample_mean(
    lap_values: np.ndarray, lap_time: np.ndarray, samples: np.ndarray, weights: np.ndarray
) -> float:
    has_time = lap_time > 0
    if has_time.any() and not np.isnan(lap_values[has_time]).any():
        return float(np.average(lap_values[has_time], weights=lap_time[has_time]))
    return weighted_mean(samples, weights, samples > 0)


def _session(
    act: _RawActivity,
    samples: dict[str, Any],
    laps: dict[str, Any],
    start_ns: int,
    source: str,
) -> dict[str, Any]:
    t_s = samples["t_s"]
    lap_time = laps["duration_s"]
    lap_dist = laps["distance_m"]
    if (~np.isnan(lap_dist)).any():
        distance = float(np.nansum(lap_dist))
    else:
        dist = samples["distance_m"][~np.isnan(samples["distance_m"])]
        distance = float(dist[-1] - dist[0]) if len(dist) else _NAN
    if (~np.isnan(lap_time)).any():
        moving = float(np.nansum(lap_time))
    else:
        moving = float(t_s[-1] - t_s[0]) if len(t_s) else _NAN
    ends = [moving, float(t_s[-1]) if len(t_s) else _NAN]
    if len(lap_time):
        ends.append(float(laps["start_s"][-1] + lap_time[-1]))
    ends = [e for e in ends if not math.isnan(e)]
    duration = max(ends) if ends else _NAN
    speed = distance / moving if moving > 0 else _NAN
    w = weights(t_s)
    cadence = _lap_or_sample_mean(laps["avg_cadence_spm"], lap_time, samples["cadence_spm"], w)
    step = speed / (cadence / 60.0) if cadence > 0 and not math.isnan(speed) else _NAN
    notes = (act.notes or "").strip()
    title = next((line.strip() for line in notes.splitlines() if line.strip()), None)
    return {
        "sport": "run" if act.sport == "running" else "cross",
        "kind": None,
        "focus": None,
        "distance_m": distance,
        "duration_s": duration,
        "moving_s": moving,
        "avg_speed_mps": speed,
        "avg_hr_bpm": _lap_or_sample_mean(laps["avg_hr_bpm"], lap_time, samples["hr_bpm"], w),
        "avg_cadence_spm": cadence,
        "avg_step_m": step,
        "ascent_m": ascent(samples["altitude_m"]),
        "title": title,
        "notes": notes or None,
        "source": source,
        "source_format": SOURCE_FORMAT,
    }


# --------------------------------------------------------------------------- tables


def _assemble(parts: list[_Part], *, raw_count: int, source: str, tz: TzLike) -> TrainingLog:
    parts = sorted(parts, key=lambda p: p.start_ns)  # sessions ascending, as logs keep them
    session_cols, samples_cols = part_columns(parts, tz)
    lap_counts = [len(p.laps["lap_index"]) for p in parts]
    laps_cols = stack([p.laps for p in parts], session_cols["session_id"], lap_counts)
    return recording_log(
        frame("sessions", session_cols),
        frame("laps", laps_cols),
        frame("samples", samples_cols),
        source=source,
        source_format=SOURCE_FORMAT,
        found=raw_count,
        skipped="activities had no usable data (no time)",
    )


__all__ = ["parse_tcx", "read_tcx"]
