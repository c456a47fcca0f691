"""Array helpers every recording reader shares: numbers and times from XML text, derived
speed, ascent, time-weighted means, and building schema tables.

The TCX, GPX and FIT readers turn a recording into whole columns (NumPy arrays, or pyarrow
strings straight from the XML), so that nothing here loops over samples in Python. Times
are UTC nanoseconds since the epoch (``int64``), sample times seconds from the session's
start (``float64``), missing values NaN.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stridekit import schema
from stridekit.io.common import TzLike, resolve_tz, session_key

SPEED_HALF_WINDOW_S: Final = 5.0
"""Half-width of the time window over which speed is derived from distance [s]."""
MAX_WEIGHT_GAP_S: Final = 10.0
"""Longest gap a sample is weighted for in time-weighted means (longer gaps are pauses) [s]."""
ALTITUDE_SMOOTHING: Final = 5
"""Samples in the centred moving average applied to altitude before summing climbs [-]."""
WGS84_A_M: Final = 6_378_137.0
"""Semi-major axis of the WGS84 ellipsoid [m]."""
WGS84_F: Final = 1 / 298.257223563
"""Flattening of the WGS84 ellipsoid [-]."""
LONG_STEP_M: Final = 10_000.0
"""Steps between points longer than this use Lambert's formula for long lines [m]."""

_NAN: Final = math.nan
_E2: Final = WGS84_F * (2 - WGS84_F)
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_STR_DTYPE: Final = pd.api.types.pandas_dtype("str")
_ARROW_STRINGS: Any = pd.arrays.ArrowStringArray  # its stubs lack the dtype argument


# --------------------------------------------------------------------------- text


def arrow_cast(texts: pa.Array, to: pa.DataType) -> pa.Array:
    """``texts`` cast by arrow's C parsers, retried without surrounding whitespace.

    Parameters
    ----------
    texts
        Arrow strings (null where absent).
    to
        The arrow type to read them as (``float64``, a ``timestamp`` ...).

    Returns
    -------
    pyarrow.Array
        The values, null where the text is null.

    Raises
    ------
    pyarrow.ArrowInvalid
        When some text does not read even once trimmed.
    """
    try:
        return pc.cast(texts, to)
    except pa.ArrowInvalid:
        return pc.cast(pc.utf8_trim_whitespace(texts), to)


def floats(texts: np.ndarray) -> np.ndarray:
    """Texts as floats, read by Python's ``float`` (else pandas), NaN for what is unreadable.

    Parameters
    ----------
    texts
        Object array of ``str`` (or ``None``).

    Returns
    -------
    numpy.ndarray
        ``float64``, one per text, in the texts' own units.
    """
    try:
        return texts.astype(np.float64)
    except (TypeError, ValueError):
        return np.asarray(pd.to_numeric(texts, errors="coerce"), dtype=np.float64)


def number_table(
    texts: pa.Array, field: np.ndarray, row: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Numeric texts parsed in one call and scattered into a table of one row per field.

    Parameters
    ----------
    texts
        Arrow strings: every numeric text of a recording, in document order.
    field, row
        For each text, the field (table row) and the sample (table column) it belongs to.
    shape
        ``(fields, samples)`` of the table [count].

    Returns
    -------
    numpy.ndarray
        ``float64`` of ``shape``, in the texts' own units; NaN where a sample has no text
        for the field, the text is unreadable, or its value is not finite. Where two texts
        fall in one cell, the later one is kept.

    Notes
    -----
    Arrow reads a subset of what ``float`` does and rounds the same (correctly). When some
    text is not a plain number, every field is parsed on its own by :func:`floats`, so one
    field's odd text does not change how the others are read.
    """
    try:
        values = arrow_cast(texts, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        values = np.full(len(field), _NAN)
        objects = texts.to_numpy(zero_copy_only=False)
        for i in range(shape[0]):
            mask = field == i
            if mask.any():
                values[mask] = floats(objects[mask])
    table = np.full(shape, _NAN)
    table[field, row] = values
    table[~np.isfinite(table)] = _NAN
    return table


def texts_by_row(texts: pa.Array, mask: np.ndarray, row: np.ndarray, n: int) -> pa.Array:
    """The texts where ``mask`` holds, one per sample, null for samples without one.

    Parameters
    ----------
    texts
        Arrow strings of a recording, in document order.
    mask
        Which of ``texts`` to take.
    row
        For each text, the sample it belongs to.
    n
        The number of samples [count].

    Returns
    -------
    pyarrow.Array
        ``n`` strings; where a sample has two texts, the later one.
    """
    rows = row[mask]
    picked = texts.filter(pa.array(mask))
    if len(rows) == n and (n == 0 or (rows[0] == 0 and (np.diff(rows) == 1).all())):
        return picked
    objects = np.full(n, None, dtype=object)
    objects[rows] = picked.to_numpy(zero_copy_only=False)
    return pa.array(objects, type=pa.string())


def parse_times(
    texts: pa.Array | np.ndarray | Sequence[str | None],
) -> tuple[np.ndarray, np.ndarray]:
    """ISO 8601 texts as UTC nanoseconds since the epoch, and which of them were readable.

    Parameters
    ----------
    texts
        The times (arrow strings, or ``str`` and ``None``); texts without a zone are UTC.

    Returns
    -------
    ns : numpy.ndarray
        ``int64`` UTC nanoseconds since the epoch [ns]; meaningless where not readable.
    ok : numpy.ndarray
        ``bool``, which texts were read.

    Notes
    -----
    Arrow's parser reads what devices write (``Z`` or an offset, any number of fractional
    digits up to nine, mixed within a file, surrounding whitespace) in one vectorised call.
    When any text is otherwise (no zone, another layout, unreadable), pandas reads them all,
    each on its own, with unreadable ones missing.
    """
    if not isinstance(texts, pa.Array):
        texts = pa.array(texts, type=pa.string())
    try:
        stamps = arrow_cast(texts, pa.timestamp("ns", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        objects = texts.to_numpy(zero_copy_only=False)
        idx = pd.to_datetime(objects, utc=True, format="ISO8601", errors="coerce")
        return np.asarray(idx.as_unit("ns").asi8), ~np.asarray(idx.isna())
    ok = ~np.asarray(stamps.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    ns = np.asarray(stamps.cast(pa.int64()).fill_null(0).to_numpy(), dtype=np.int64)
    return ns, ok


# --------------------------------------------------------------------------- samples


def in_time_order(
    t_ns: np.ndarray, ok: np.ndarray, cols: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The samples with a readable time, sorted by it (stably).

    Parameters
    ----------
    t_ns
        Each sample's time [ns].
    ok
        Which samples have a readable time.
    cols
        The samples' other columns, one value per sample.

    Returns
    -------
    t_ns : numpy.ndarray
        The kept samples' times, ascending [ns].
    cols : dict of numpy.ndarray
        The kept samples' columns, in the same order.
    """
    if not ok.all():
        t_ns = t_ns[ok]
        cols = {k: v[ok] for k, v in cols.items()}
    if len(t_ns) > 1 and (np.diff(t_ns) < 0).any():
        order = np.argsort(t_ns, kind="stable")
        t_ns = t_ns[order]
        cols = {k: v[order] for k, v in cols.items()}
    return t_ns, cols


def track_distance(
    lat: np.ndarray, lon: np.ndarray, segment: np.ndarray | None = None
) -> np.ndarray:
    """Cumulative WGS84 distance along the positions, gaps between segments left out [m].

    Parameters
    ----------
    lat, lon
        Positions [degrees], NaN where absent.
    segment
        Each position's segment; a step between two segments counts nothing. ``None``: one
        segment.

    Returns
    -------
    numpy.ndarray
        Distance from the first position [m]. Points without a position stay where the
        runner last was; points before the first position have none (NaN).
    """
    out = np.full(len(lat), _NAN)
    valid = ~(np.isnan(lat) | np.isnan(lon))
    if not valid.any():
        return out
    steps = wgs84_steps(lat[valid], lon[valid])
    if segment is not None:
        seg = segment[valid]
        steps[seg[1:] != seg[:-1]] = 0.0
    out[valid] = np.concatenate([[0.0], np.cumsum(steps)])
    if not valid.all():
        out = pd.Series(out).ffill().to_numpy()
    return out


def wgs84_steps(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Geodesic distances on the WGS84 ellipsoid between consecutive positions [m].

    Parameters
    ----------
    lat, lon
        Positions [degrees], without NaN.

    Returns
    -------
    numpy.ndarray
        One distance fewer than positions [m].

    Notes
    -----
    Steps up to :data:`LONG_STEP_M` (all of a recorded track's, in practice) use the
    ellipsoid's meridional and prime-vertical radii of curvature at the mid-latitude, which
    agrees with the exact geodesic to better than 1e-7 relative at that length (the error
    grows with the square of the length). Longer steps use Lambert's formula for long lines,
    good to about 10 m over thousands of kilometres.
    """
    phi = np.radians(lat)
    lam = np.radians(lon)
    d_phi = np.diff(phi)
    d_lam = np.diff(lam)
    d_lam = (d_lam + np.pi) % (2 * np.pi) - np.pi  # across the antimeridian
    mid = phi[:-1] + d_phi / 2
    w2 = 1.0 - _E2 * np.sin(mid) ** 2
    prime_vertical = WGS84_A_M / np.sqrt(w2)
    meridional = prime_vertical * (1.0 - _E2) / w2
    steps = np.hypot(meridional * d_phi, prime_vertical * np.cos(mid) * d_lam)
    long = steps > LONG_STEP_M
    if long.any():
        i = np.flatnonzero(long)
        steps[i] = _lambert(phi[i], lam[i], phi[i + 1], lam[i + 1])
    return steps


def _lambert(phi1: np.ndarray, lam1: np.ndarray, phi2: np.ndarray, lam2: np.ndarray) -> np.ndarray:
    """Lambert's formula for long lines on the WGS84 ellipsoid [m] (angles in radians)."""
    b1 = np.arctan((1 - WGS84_F) * np.tan(phi1))
    b2 = np.arctan((1 - WGS84_F) * np.tan(phi2))
    h = np.sin((b2 - b1) / 2) ** 2 + np.cos(b1) * np.cos(b2) * np.sin((lam2 - lam1) / 2) ** 2
    sigma = 2 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    p = (b1 + b2) / 2
    q = (b2 - b1) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (sigma - np.sin(sigma)) * np.sin(p) ** 2 * np.cos(q) ** 2 / np.cos(sigma / 2) ** 2
        y = (sigma + np.sin(sigma)) * np.cos(p) ** 2 * np.sin(q) ** 2 / np.sin(sigma / 2) ** 2
    out = WGS84_A_M * (sigma - WGS84_F / 2 * (np.nan_to_num(x) + np.nan_to_num(y)))
    return np.asarray(out, dtype=np.float64)


def derived_speed(t_s: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Speed from distance over a centred window, robust to jitter and uneven sampling.

    Parameters
    ----------
    t_s
        Sample times, ascending [s].
    dist
        Cumulative distance [m], NaN where unknown.

    Returns
    -------
    numpy.ndarray
        The distance covered within ±:data:`SPEED_HALF_WINDOW_S` of each sample (the window
        clipped to the samples with a distance) over the window's length [m/s], never
        negative; NaN outside the samples with a distance, or where fewer than two have one.
    """
    speed = np.full(len(t_s), _NAN)
    valid = ~np.isnan(dist)
    if valid.sum() < 2:
        return speed
    tv, dv = t_s[valid], np.maximum.accumulate(dist[valid])
    inside = (t_s >= tv[0]) & (t_s <= tv[-1])
    lo_t = np.clip(t_s - SPEED_HALF_WINDOW_S, tv[0], tv[-1])
    hi_t = np.clip(t_s + SPEED_HALF_WINDOW_S, tv[0], tv[-1])
    span = hi_t - lo_t
    moved = np.interp(hi_t, tv, dv) - np.interp(lo_t, tv, dv)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(inside & (span > 0), moved / span, _NAN)
    return np.maximum(speed, 0.0)


def ascent(altitude: np.ndarray) -> float:
    """The sum of the rises of the lightly smoothed altitude [m].

    Parameters
    ----------
    altitude
        Altitude of each sample [m], NaN where absent.

    Returns
    -------
    float
        Climbed metres after a centred moving average of :data:`ALTITUDE_SMOOTHING`
        samples [m]; NaN with fewer than two altitudes.
    """
    alt = altitude[~np.isnan(altitude)]
    if len(alt) < 2:
        return _NAN
    # Centred moving average; near the ends, over the samples there are.
    kernel = np.ones(min(ALTITUDE_SMOOTHING, len(alt)))
    smooth = np.convolve(alt, kernel, "same") / np.convolve(np.ones(len(alt)), kernel, "same")
    rises = np.diff(smooth)
    return float(rises[rises > 0].sum())


def weights(t_s: np.ndarray) -> np.ndarray:
    """Seconds each sample stands for in time-weighted means.

    Parameters
    ----------
    t_s
        Sample times, ascending [s].

    Returns
    -------
    numpy.ndarray
        The gap to the next sample, capped at :data:`MAX_WEIGHT_GAP_S` (a pause); the last
        sample the median gap; 1 each with fewer than two samples [s].
    """
    if len(t_s) < 2:
        return np.ones(len(t_s))
    gaps = np.clip(np.diff(t_s), 0.0, MAX_WEIGHT_GAP_S)
    return np.append(gaps, np.median(gaps))


def weighted_mean(values: np.ndarray, weights: np.ndarray, keep: np.ndarray) -> float:
    """The mean of ``values`` where ``keep`` holds, weighted by ``weights``.

    Parameters
    ----------
    values
        One value per sample, in any unit; NaN values are left out.
    weights
        Each sample's weight, as from :func:`weights` [s]; samples of weight 0 are left out.
    keep
        Which samples to average.

    Returns
    -------
    float
        The mean, in the unit of ``values``; NaN when no sample is left.
    """
    keep = keep & ~np.isnan(values) & (weights > 0)
    if not keep.any():
        return _NAN
    return float(np.average(values[keep], weights=weights[keep]))


# --------------------------------------------------------------------------- tables


def unique_keys(starts_ns: Sequence[int]) -> list[str]:
    """Session keys from start times; a repeated key gets ``-2``, ``-3`` ... appended.

    Parameters
    ----------
    starts_ns
        The sessions' UTC starts [ns since the epoch].

    Returns
    -------
    list of str
        One key a session, as :func:`stridekit.io.common.session_key` makes them.
    """
    seen: dict[str, int] = {}
    out = []
    for ns in starts_ns:
        key = session_key(pd.Timestamp(ns, unit="ns", tz="UTC"))
        seen[key] = seen.get(key, 0) + 1
        out.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return out


def local_dates(starts_ns: Sequence[int], tz: TzLike) -> np.ndarray:
    """The local calendar day (midnight, tz-naive ``datetime64[ns]``) of each UTC start.

    Parameters
    ----------
    starts_ns
        The sessions' UTC starts [ns since the epoch].
    tz
        The runner's time zone (IANA name or tzinfo); the machine's own when ``None``.

    Returns
    -------
    numpy.ndarray
        ``datetime64[ns]``, one a start.

    Notes
    -----
    The same days as :func:`stridekit.io.common.local_dates`, computed with the standard
    library: a file has few sessions, and pandas' per-call overhead is far larger.
    """
    zone = resolve_tz(tz)
    days = [
        (_EPOCH + dt.timedelta(microseconds=int(ns) // 1000)).astimezone(zone).date()
        for ns in starts_ns
    ]
    return np.array(days, dtype="datetime64[D]").astype("datetime64[ns]")


def session_columns(
    starts_ns: Sequence[int], sessions: Sequence[dict[str, Any]], tz: TzLike
) -> dict[str, Any]:
    """The sessions table's columns: keys, UTC starts, local dates, then the sessions' values.

    Parameters
    ----------
    starts_ns
        The sessions' UTC starts [ns since the epoch].
    sessions
        Each session's other columns, the same names in each.
    tz
        The runner's time zone for ``local_date``; the machine's own when ``None``.

    Returns
    -------
    dict
        ``session_id``, ``start_utc``, ``local_date`` and the sessions' columns, as
        :func:`frame` takes them.
    """
    start = pd.DatetimeIndex(np.array(starts_ns, dtype="datetime64[ns]")).tz_localize("UTC")
    columns: dict[str, Any] = {
        "session_id": unique_keys(starts_ns),
        "start_utc": start,
        "local_date": local_dates(starts_ns, tz),
    }
    for name in sessions[0]:
        columns[name] = [s[name] for s in sessions]
    return columns


def stack(
    tables: Sequence[dict[str, Any]],
    ids: Sequence[str],
    lengths: Sequence[int],
    time_ns: Sequence[np.ndarray] | None = None,
) -> dict[str, Any]:
    """The tables' columns joined end to end, with ``session_id`` repeated for each row.

    Parameters
    ----------
    tables
        One table a session: columns (arrays, or lists of ``str``) by name, the same names
        in each.
    ids
        The sessions' keys.
    lengths
        Each table's rows [count].
    time_ns
        With samples: each table's times [ns since the epoch], stacked as ``time_utc``.

    Returns
    -------
    dict
        ``session_id``, the tables' columns and ``time_utc`` (with ``time_ns``), as
        :func:`frame` takes them.
    """
    rows = np.repeat(np.arange(len(ids)), lengths)
    columns: dict[str, Any] = {"session_id": take_strings(ids, rows)}
    for name in tables[0]:
        values = [t[name] for t in tables]
        if isinstance(values[0], list):
            columns[name] = [v for chunk in values for v in chunk]
        else:
            columns[name] = values[0] if len(values) == 1 else np.concatenate(values)
    if time_ns is not None:
        stamps = np.concatenate(time_ns).astype("datetime64[ns]")
        columns["time_utc"] = pd.DatetimeIndex(stamps).tz_localize("UTC")
    return columns


def frame(table: str, values: dict[str, Any]) -> pd.DataFrame:
    """A frame of ``table`` with every schema column, in order, at its dtype.

    Parameters
    ----------
    table
        A table of :mod:`stridekit.schema` (``sessions``, ``laps``, ``samples``, ``sets``).
    values
        Columns by name, all as long as ``session_id`` (which every table has); a column
        missing here is missing (NaN or null) in the frame, and names not in the schema are
        left out. String columns may be lists, object arrays or pandas ``str`` arrays.

    Returns
    -------
    pandas.DataFrame
        Built in one constructor call from whole columns already at the schema's dtypes,
        so that :func:`stridekit.schema.conform` has nothing to do.
    """
    n = len(values["session_id"])
    columns: dict[str, Any] = {}
    for name, col in schema.TABLES[table].items():
        value = values.get(name)
        if col.dtype == "str":
            if isinstance(value, pd.api.extensions.ExtensionArray):
                columns[name] = value
            else:
                columns[name] = strings([None] * n if value is None else value)
        elif value is None:
            columns[name] = (
                np.full(n, _NAN)
                if col.dtype == "float64"
                else pd.Series(None, index=pd.RangeIndex(n), dtype=col.dtype).array
            )
        elif col.dtype in ("float64", "int64"):
            columns[name] = np.asarray(value, dtype=col.dtype)
        else:
            columns[name] = value
    return pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False)


def strings(values: Any) -> Any:
    """``values`` (``str`` or ``None``) as a pandas ``str`` array.

    Parameters
    ----------
    values
        A list or object array of ``str`` and ``None``.

    Returns
    -------
    pandas.api.extensions.ExtensionArray
        Of dtype ``str``; built straight from a pyarrow array when ``str`` is arrow-backed,
        several times faster than ``pd.array`` for the short columns of sessions and laps.
    """
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if getattr(_STR_DTYPE, "storage", None) == "pyarrow":
        return _ARROW_STRINGS(pa.array(values, type=pa.large_string()), dtype=_STR_DTYPE)
    return pd.array(values, dtype=_STR_DTYPE)  # pragma: no cover - pandas without pyarrow


def take_strings(values: Sequence[str], index: np.ndarray) -> Any:
    """``values[index]`` as a pandas ``str`` array, gathered by pyarrow.

    Parameters
    ----------
    values
        The distinct strings (a session's key each, say).
    index
        For each row, which of ``values`` it holds.

    Returns
    -------
    pandas.api.extensions.ExtensionArray
        Of dtype ``str``, one a row.
    """
    if getattr(_STR_DTYPE, "storage", None) == "pyarrow":
        taken = pa.array(values, type=pa.large_string()).take(pa.array(index))
        return _ARROW_STRINGS(taken, dtype=_STR_DTYPE)
    return strings(np.array(values, dtype=object)[index])  # pragma: no cover


__all__ = [
    "ALTITUDE_SMOOTHING",
    "LONG_STEP_M",
    "MAX_WEIGHT_GAP_S",
    "SPEED_HALF_WINDOW_S",
    "WGS84_A_M",
    "WGS84_F",
    "arrow_cast",
    "ascent",
    "derived_speed",
    "floats",
    "frame",
    "in_time_order",
    "local_dates",
    "number_table",
    "parse_times",
    "session_columns",
    "stack",
    "strings",
    "take_strings",
    "texts_by_row",
    "track_distance",
    "unique_keys",
    "weighted_mean",
    "weights",
    "wgs84_steps",
]
