"""Find fast repeats, and the warm-up and cool-down around them, in the speed stream.

Every session is put on a one-second grid of wall-clock time (the samples' ``t_s`` clock,
pauses included: a paused timer is standing still). The detector then works on all
sessions at once, with numpy arrays:

1. speed is the recorded ``speed_mps``, or the change of ``distance_m`` where it is
   missing; gaps longer than :data:`PAUSE_GAP_S` in which the runner covered less than
   1 m/s count as standing (paused timers, recoveries standing still), longer gaps while
   moving (GPS dropouts) are bridged;
2. a 5 s centred moving average smooths GPS noise;
3. per session, the running speed's median is the easy level and its 99th percentile the
   fast one; a session whose fast level is not clearly above its easy level has no repeats;
4. hysteresis: a repeat starts where the smoothed speed rises above 55 % of the way from
   the easy level to the fast one, and ends where it falls below 45 %;
5. each repeat's boundaries are then placed where a 3 s average crosses halfway between
   the repeat's own speed and the speed around it, to a fraction of a second;
6. repeats shorter than :data:`MIN_REPEAT_S`, longer than :data:`MAX_REPEAT_S`, or not
   :data:`MIN_CONTRAST` times faster than the easy level are dropped, and a session needs
   at least two repeats (one fast stretch is a tempo run, a race or a finishing sprint).

The warm-up is the easy time before the first repeat, the cool-down the time after the
last; in runs without repeats they are the slow start and the slow end before and after
the main part, found with a cumulative-sum change point (:func:`session_phases`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MIN_REPEAT_S: Final = 15.0
"""Shortest work repeat [s]."""

MAX_REPEAT_S: Final = 720.0
"""Longest work repeat [s]; a longer hard stretch is a tempo run or a race."""

MIN_CONTRAST: Final = 1.2
"""A repeat is at least this many times faster than the session's easy level [-]."""

MIN_GAIN_MPS: Final = 0.6
"""... and at least this much faster than it [m/s]."""

PAUSE_GAP_S: Final = 10.0
"""A gap between samples longer than this [s], with little distance covered, is a stop."""

MIN_PHASE_S: Final = 120.0
"""Shortest warm-up or cool-down that counts [s]."""

MAX_SPEED_MPS: Final = 12.0
"""Faster samples are GPS glitches and ignored [m/s]."""

REPEAT_COLUMNS: Final = (
    "session_id",
    "repeat_index",
    "start_s",
    "end_s",
    "duration_s",
    "distance_m",
    "avg_speed_mps",
    "avg_hr_bpm",
    "max_hr_bpm",
    "recovery_s",
    "hr_drop_bpm",
    "source",
)
"""Columns of a repeats table (see :func:`detect_intervals`)."""

PHASE_COLUMNS: Final = (
    "session_id",
    "warmup_s",
    "cooldown_s",
    "main_start_s",
    "main_end_s",
    "main_speed_mps",
    "easy_speed_mps",
    "fast_speed_mps",
    "repeats",
    "has_speed",
    "has_hr",
    "paused_s",
    "missing",
)
"""Columns of the per-session table of :func:`session_phases`."""

_SPEED_BIN: Final = 0.05
_N_BINS: Final = int(MAX_SPEED_MPS / _SPEED_BIN) + 1


def empty_repeats() -> pd.DataFrame:
    """An empty repeats table with every column at its dtype."""
    cols: dict[str, pd.Series] = {}
    for name in REPEAT_COLUMNS:
        if name in ("session_id", "source"):
            cols[name] = pd.Series(dtype="str")
        elif name == "repeat_index":
            cols[name] = pd.Series(dtype="int64")
        else:
            cols[name] = pd.Series(dtype="float64")
    return pd.DataFrame(cols)


@dataclass(frozen=True)
class Grid:
    """Sessions on a one-second wall-clock grid, all in flat arrays.

    Attributes
    ----------
    ids
        The session ids, in grid order.
    offsets
        Cell index where each session starts, and one past the last cell (``len(ids) + 1``).
    t0
        ``t_s`` of each session's first cell [s].
    speed
        Speed per cell [m/s]; 0 while stopped; NaN where unknown.
    hr
        Heart rate per cell [beats/min]; NaN where not recorded.
    stopped
        Whether the cell lies in a stop (paused timer or standing still without samples).
    has_speed, has_hr
        Per session: whether any speed (or distance) and heart rate was recorded.
    sample_t, sample_d, sample_off
        The sorted samples' ``t_s`` and ``distance_m`` and each session's first sample,
        for exact distances between two times.
    """

    ids: npt.NDArray[np.object_]
    offsets: IntArray
    t0: FloatArray
    speed: FloatArray
    hr: FloatArray
    stopped: BoolArray
    has_speed: BoolArray
    has_hr: BoolArray
    sample_t: FloatArray
    sample_d: FloatArray
    sample_off: IntArray

    def cells(self, k: int) -> slice:
        """The grid cells of session ``k``."""
        return slice(int(self.offsets[k]), int(self.offsets[k + 1]))

    def distance(self, k: int, a: float, b: float) -> float:
        """Distance covered by session ``k`` from ``t_s`` ``a`` to ``b`` [m]."""
        lo, hi = int(self.sample_off[k]), int(self.sample_off[k + 1])
        t, d = self.sample_t[lo:hi], self.sample_d[lo:hi]
        ok = np.isfinite(d)
        if ok.sum() >= 2:
            da, db = np.interp([a, b], t[ok], d[ok])
            if db >= da:
                return float(db - da)
        cells = self.cells(k)
        v = self.speed[cells]
        i, j = int(np.ceil(a - self.t0[k])), int(np.floor(b - self.t0[k]))
        return float(np.nansum(v[max(i, 0) : max(j, 0)]))


def build_grid(samples: pd.DataFrame) -> Grid:
    """Put every session of ``samples`` on a one-second wall-clock grid.

    Parameters
    ----------
    samples
        A samples table (one or many sessions); rows need not be sorted.

    Returns
    -------
    Grid
        Sessions in order of first appearance; sessions with fewer than two timed samples
        get no cells.
    """
    t = samples["t_s"].to_numpy(dtype=np.float64, na_value=np.nan)
    codes, uniques = pd.factorize(samples["session_id"], sort=False)
    codes = codes.astype(np.int64)
    keep = np.isfinite(t) & (codes >= 0)
    d = _column(samples, "distance_m")
    v = _column(samples, "speed_mps")
    hr = _column(samples, "hr_bpm")
    if not keep.all():
        t, codes, d, v, hr = t[keep], codes[keep], d[keep], v[keep], hr[keep]
    if len(t) > 1:
        sorted_ = (np.diff(codes) > 0) | ((np.diff(codes) == 0) & (np.diff(t) > 0))
        if not sorted_.all():
            order = np.lexsort((t, codes))
            t, codes, d, v, hr = t[order], codes[order], d[order], v[order], hr[order]
            same = np.concatenate(([False], (np.diff(codes) == 0) & (np.diff(t) <= 0)))
            if same.any():
                t, codes, d, v, hr = t[~same], codes[~same], d[~same], v[~same], hr[~same]
    n_sessions = len(uniques)
    counts = np.bincount(codes, minlength=n_sessions)
    sample_off = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    first = np.concatenate((np.array([True]), np.diff(codes) != 0)) if len(t) else np.array([])

    # speed: recorded, else from distance; glitches dropped
    dt = np.diff(t, prepend=np.nan)
    dd = np.diff(d, prepend=np.nan)
    dt[first] = np.nan
    derived = dd / dt
    v = np.where(np.isfinite(v), v, derived)
    v = np.where((v >= 0) & (v <= MAX_SPEED_MPS), v, np.nan)

    has_speed = np.bincount(codes, weights=np.isfinite(v), minlength=n_sessions) >= 2
    has_hr = np.bincount(codes, weights=np.isfinite(hr), minlength=n_sessions) >= 1

    # per session's first and last sample time -> its cells
    t_first = np.full(n_sessions, np.nan)
    t_last = np.full(n_sessions, np.nan)
    ok_session = counts >= 2
    t_first[counts > 0] = t[sample_off[:-1][counts > 0]]
    t_last[counts > 0] = t[sample_off[1:][counts > 0] - 1]
    start_cell = np.where(ok_session, np.ceil(t_first), 0.0)
    n_cells = np.where(ok_session, np.floor(t_last) - start_cell + 1, 0).astype(np.int64)
    n_cells = np.maximum(n_cells, 0)
    offsets = np.concatenate(([0], np.cumsum(n_cells))).astype(np.int64)
    total = int(offsets[-1])
    cell_session = np.repeat(np.arange(n_sessions), n_cells)
    cell_t = (np.arange(total) - np.repeat(offsets[:-1], n_cells)) + np.repeat(start_cell, n_cells)

    # locate each cell between two samples of its session (a global time axis keeps the
    # sessions apart: session k lives at k * span + t)
    span = float(np.nanmax(t_last) - min(0.0, float(np.nanmin(t_first))) + 10.0) if total else 1
    axis = codes * span + t
    where = cell_session * span + cell_t
    right = np.searchsorted(axis, where, side="left")
    right = np.minimum(right, len(t) - 1)
    left = np.where(axis[right] > where, right - 1, right)
    left = np.maximum(left, sample_off[cell_session])
    right = np.maximum(right, left)
    gap = t[right] - t[left]

    # speed between samples: interpolate the finite speeds of the session
    fin = np.isfinite(v)
    vf = _fill_within(v, fin, codes, sample_off)
    frac = np.divide(cell_t - t[left], gap, out=np.zeros(total), where=gap > 0)
    speed = vf[left] + (vf[right] - vf[left]) * frac

    # stops: long gaps with little distance gained
    gain = d[right] - d[left]
    moving_gap = np.isfinite(gain) & (gain >= 1.0 * gap)
    stopped = (gap > PAUSE_GAP_S) & ~moving_gap & (cell_t > t[left]) & (cell_t < t[right])
    speed = np.where(stopped, 0.0, speed)

    hr_cell = np.where(cell_t - t[left] <= PAUSE_GAP_S, hr[left], np.nan)
    return Grid(
        ids=np.asarray(uniques, dtype=object),
        offsets=offsets,
        t0=start_cell.astype(np.float64),
        speed=speed,
        hr=hr_cell,
        stopped=stopped,
        has_speed=has_speed,
        has_hr=has_hr,
        sample_t=t,
        sample_d=d,
        sample_off=sample_off,
    )


def _column(df: pd.DataFrame, name: str) -> FloatArray:
    if name not in df.columns:
        return np.full(len(df), np.nan)
    return df[name].to_numpy(dtype=np.float64, na_value=np.nan)


def _fill_within(v: FloatArray, fin: BoolArray, codes: IntArray, off: IntArray) -> FloatArray:
    """``v`` with NaNs replaced by the nearest earlier finite value of the same session
    (or the next one at a session's start); sessions with none stay NaN."""
    n = len(v)
    if n == 0 or fin.all():
        return v
    idx = np.where(fin, np.arange(n), -1)
    np.maximum.accumulate(idx, out=idx)
    starts = off[:-1][codes]
    prev_ok = idx >= starts
    out = np.where(prev_ok, v[np.maximum(idx, 0)], np.nan)
    # leading NaNs of a session: the next finite value
    rev = np.where(fin, np.arange(n), n)[::-1]
    nxt = np.minimum.accumulate(rev)[::-1]
    ends = off[1:][codes]
    next_ok = nxt < ends
    return np.where(np.isfinite(out), out, np.where(next_ok, v[np.minimum(nxt, n - 1)], np.nan))


def smooth(grid: Grid, x: FloatArray, half: int) -> FloatArray:
    """Centred moving average of ``x`` over ``2 * half + 1`` cells within each session;
    NaN cells are left out of the average."""
    n = len(x)
    if n == 0:
        return x.copy()
    ok = np.isfinite(x)
    c = np.concatenate(([0.0], np.cumsum(np.where(ok, x, 0.0))))
    k = np.concatenate(([0], np.cumsum(ok)))
    sizes = np.diff(grid.offsets)
    lo_bound = np.repeat(grid.offsets[:-1], sizes)
    hi_bound = np.repeat(grid.offsets[1:], sizes)
    i = np.arange(n)
    lo = np.maximum(i - half, lo_bound)
    hi = np.minimum(i + half + 1, hi_bound)
    count = k[hi] - k[lo]
    return np.divide(c[hi] - c[lo], count, out=np.full(n, np.nan), where=count > 0)


def _levels(grid: Grid, s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per session: the median and the 99th percentile of the running speed [m/s]."""
    n_sessions = len(grid.ids)
    sizes = np.diff(grid.offsets)
    session = np.repeat(np.arange(n_sessions), sizes)
    run = np.isfinite(s) & (s > 1.0)
    bins = np.minimum((s[run] / _SPEED_BIN).astype(np.int64), _N_BINS - 1)
    hist = np.bincount(session[run] * _N_BINS + bins, minlength=n_sessions * _N_BINS)
    hist = hist.reshape(n_sessions, _N_BINS)
    cum = np.cumsum(hist, axis=1)
    total = cum[:, -1]

    def quantile(q: float) -> FloatArray:
        at = np.argmax(cum >= np.maximum(q * total, 1)[:, None], axis=1)
        return np.where(total > 0, (at + 0.5) * _SPEED_BIN, np.nan)

    return quantile(0.5), quantile(0.99)


def _hysteresis(grid: Grid, s: FloatArray, hi: FloatArray, lo: FloatArray) -> BoolArray:
    """Per cell: above ``hi`` switches on, below ``lo`` switches off (thresholds per cell)."""
    n = len(s)
    event = np.zeros(n, dtype=np.int8)
    event[s >= hi] = 1
    event[~(s >= lo)] = -1  # NaN switches off too
    starts = grid.offsets[:-1][np.diff(grid.offsets) > 0]
    event[starts] = np.where(event[starts] == 1, 1, -1)
    idx = np.where(event != 0, np.arange(n), 0)
    np.maximum.accumulate(idx, out=idx)
    return event[idx] == 1


def _runs(on: BoolArray, grid: Grid) -> tuple[IntArray, IntArray]:
    """Start and end (exclusive) cell of every stretch of ``on``, never across sessions."""
    edges = np.zeros(len(on) + 1, dtype=np.int8)
    edges[1:] += on.astype(np.int8)
    edges[:-1] -= on.astype(np.int8)
    # break stretches at session boundaries
    cut = np.zeros(len(on) + 1, dtype=bool)
    cut[grid.offsets] = True
    prev_on = np.concatenate(([False], on))
    next_on = np.concatenate((on, [False]))
    starts = np.flatnonzero(next_on & (~prev_on | cut))
    ends = np.flatnonzero(prev_on & (~next_on | cut))
    return starts.astype(np.int64), ends.astype(np.int64)


@dataclass(frozen=True)
class Detection:
    """Everything the stream tells: repeats, and the phases of every session.

    Attributes
    ----------
    repeats
        One row per work repeat (columns :data:`REPEAT_COLUMNS`, ``source`` ``stream``).
    phases
        One row per session (columns :data:`PHASE_COLUMNS`).
    """

    repeats: pd.DataFrame
    phases: pd.DataFrame


def detect_all(samples: pd.DataFrame) -> Detection:
    """Detect repeats, warm-up, cool-down and the main part of every session at once.

    Parameters
    ----------
    samples
        A samples table of any number of sessions.

    Returns
    -------
    Detection
        The repeats of all sessions and a per-session table of phases and what is missing.
    """
    grid = build_grid(samples)
    n_sessions = len(grid.ids)
    sizes = np.diff(grid.offsets)
    session = np.repeat(np.arange(n_sessions), sizes)
    s5 = smooth(grid, grid.speed, 2)
    s3 = smooth(grid, grid.speed, 1)
    easy, top = _levels(grid, s5)
    candidate = (top >= MIN_CONTRAST * 1.1 * easy) & (top - easy >= MIN_GAIN_MPS * 1.2)
    hi = np.where(candidate, easy + 0.55 * (top - easy), np.inf)[session]
    lo = np.where(candidate, easy + 0.45 * (top - easy), np.inf)[session]
    on = _hysteresis(grid, s5, hi, lo)
    starts, ends = _runs(on, grid)
    rows = _refine(grid, s3, session, starts, ends, easy)
    repeats = _repeat_table(grid, rows)
    phases = _phases(grid, s3, easy, top, repeats)
    return Detection(repeats=repeats, phases=phases)


def detect_intervals(samples: pd.DataFrame) -> pd.DataFrame:
    """Work repeats in one session's speed stream, without looking at its laps.

    Parameters
    ----------
    samples
        One session's samples (``t_s`` and ``speed_mps`` or ``distance_m``; ``hr_bpm``
        when recorded).

    Returns
    -------
    pandas.DataFrame
        One row per work repeat of 15 s and longer: ``start_s`` and ``end_s`` (on the
        samples' ``t_s`` clock: wall-clock seconds since the session's start, pauses
        included) [s], ``duration_s`` [s], ``distance_m`` [m], ``avg_speed_mps`` [m/s],
        ``avg_hr_bpm`` and ``max_hr_bpm`` [beats/min], ``recovery_s`` (wall-clock time to
        the next repeat) [s], ``hr_drop_bpm`` (heart rate at the repeat's end less heart
        rate at the next repeat's start) [beats/min], plus ``session_id``,
        ``repeat_index`` and ``source`` (``"stream"``). Empty, with these columns, when
        there are no repeats, no speed or too few samples.

    Raises
    ------
    ValueError
        If ``samples`` holds more than one session (use :func:`detect_all`).
    """
    if "session_id" in samples.columns and samples["session_id"].nunique() > 1:
        raise ValueError(
            "detect_intervals takes one session's samples; "
            f"got {samples['session_id'].nunique()} sessions: use detect_all(samples)"
        )
    if samples.empty or "t_s" not in samples.columns:
        return empty_repeats()
    frame = samples
    if "session_id" not in frame.columns or frame["session_id"].isna().all():
        frame = frame.assign(session_id="session")
    return detect_all(frame).repeats.reset_index(drop=True)


def _refine(
    grid: Grid,
    s3: FloatArray,
    session: IntArray,
    starts: IntArray,
    ends: IntArray,
    easy: FloatArray,
) -> list[tuple[int, float, float]]:
    """Exact boundaries of each candidate, and the filters; ``(session, start, end)``."""
    out: list[tuple[int, float, float]] = []
    by_session: dict[int, list[tuple[float, float]]] = {}
    prev_end: dict[int, int] = {}
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        k = int(session[a])
        lo_cell, hi_cell = int(grid.offsets[k]), int(grid.offsets[k + 1])
        inner = s3[a + 2 : b - 2] if b - a > 6 else s3[a:b]
        fast = float(np.nanmedian(inner)) if np.isfinite(inner).any() else np.nan
        if not np.isfinite(fast):
            continue
        before_lo = max(lo_cell, prev_end.get(k, lo_cell), a - 40)
        pre = _level(s3[before_lo : max(before_lo, a - 6)], easy[k])
        post = _level(s3[min(b + 6, hi_cell) : min(b + 40, hi_cell)], easy[k])
        t_a = _crossing(grid, s3, a, lo_cell, hi_cell, (pre + fast) / 2, rising=True)
        t_b = _crossing(grid, s3, b - 1, lo_cell, hi_cell, (post + fast) / 2, rising=False)
        prev_end[k] = b
        duration = t_b - t_a
        if not (MIN_REPEAT_S <= duration <= MAX_REPEAT_S):
            continue
        if fast < MIN_CONTRAST * easy[k] or fast - easy[k] < MIN_GAIN_MPS:
            continue
        by_session.setdefault(k, []).append((t_a, t_b))
    for k, found in by_session.items():
        if len(found) >= 2:
            out.extend((k, a, b) for a, b in found)
    return out


def _level(x: FloatArray, default: float) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if len(x) else float(default)


def _crossing(
    grid: Grid,
    s3: FloatArray,
    at: int,
    lo_cell: int,
    hi_cell: int,
    level: float,
    *,
    rising: bool,
) -> float:
    """Wall-clock time [s] where ``s3`` crosses ``level`` nearest to cell ``at``."""
    k0 = lo_cell
    t0 = float(grid.t0[int(np.searchsorted(grid.offsets, lo_cell, side="right") - 1)])
    a = max(lo_cell, at - 12)
    b = min(hi_cell - 1, at + 12)
    x = s3[a : b + 1]
    if len(x) < 2:
        return t0 + (at - k0) + (0.0 if rising else 1.0)
    above = x >= level
    if rising:
        hits = np.flatnonzero(~above[:-1] & above[1:])  # between i and i+1
    else:
        hits = np.flatnonzero(above[:-1] & ~above[1:])
    if len(hits) == 0:
        return t0 + (at - k0) + (0.0 if rising else 1.0)
    centre = at - a if rising else at - a
    i = int(hits[np.argmin(np.abs(hits + 0.5 - centre))])
    x0, x1 = float(x[i]), float(x[i + 1])
    frac = (level - x0) / (x1 - x0) if x1 != x0 else 0.5
    return t0 + (a + i - k0) + frac


def _repeat_table(grid: Grid, rows: list[tuple[int, float, float]]) -> pd.DataFrame:
    if not rows:
        return empty_repeats()
    k = np.array([r[0] for r in rows], dtype=np.int64)
    a = np.array([r[1] for r in rows])
    b = np.array([r[2] for r in rows])
    dist = np.array([grid.distance(int(kk), aa, bb) for kk, aa, bb in rows])
    avg_hr = np.full(len(rows), np.nan)
    max_hr = np.full(len(rows), np.nan)
    hr_end = np.full(len(rows), np.nan)
    hr_start = np.full(len(rows), np.nan)
    for i, (kk, aa, bb) in enumerate(rows):
        cells = grid.cells(kk)
        hr = grid.hr[cells]
        t0 = grid.t0[kk]
        ia, ib = int(np.ceil(aa - t0)), int(np.floor(bb - t0)) + 1
        inside = hr[max(ia, 0) : max(ib, 0)]
        if np.isfinite(inside).any():
            avg_hr[i] = float(np.nanmean(inside))
            max_hr[i] = float(np.nanmax(inside))
        near_end = hr[max(ib - 5, 0) : ib + 10]
        if np.isfinite(near_end).any():
            hr_end[i] = float(np.nanmax(near_end))
        near_start = hr[max(ia - 10, 0) : ia + 3]
        if np.isfinite(near_start).any():
            hr_start[i] = float(np.nanmin(near_start))
    same_next = np.concatenate((k[1:] == k[:-1], [False]))
    next_a = np.concatenate((a[1:], [np.nan]))
    next_hr = np.concatenate((hr_start[1:], [np.nan]))
    recovery = np.where(same_next, next_a - b, np.nan)
    hr_drop = np.where(same_next, hr_end - next_hr, np.nan)
    index = np.arange(len(rows)) - np.searchsorted(k, k, side="left")
    duration = b - a
    return pd.DataFrame(
        {
            "session_id": pd.array(grid.ids[k].astype(str), dtype="str"),
            "repeat_index": index.astype(np.int64),
            "start_s": a,
            "end_s": b,
            "duration_s": duration,
            "distance_m": dist,
            "avg_speed_mps": np.divide(
                dist, duration, out=np.full(len(rows), np.nan), where=duration > 0
            ),
            "avg_hr_bpm": avg_hr,
            "max_hr_bpm": max_hr,
            "recovery_s": recovery,
            "hr_drop_bpm": hr_drop,
            "source": pd.array(["stream"] * len(rows), dtype="str"),
        }
    )


def _phases(
    grid: Grid, s3: FloatArray, easy: FloatArray, top: FloatArray, repeats: pd.DataFrame
) -> pd.DataFrame:
    """Warm-up, cool-down and main part of every session."""
    n_sessions = len(grid.ids)
    warm = np.full(n_sessions, np.nan)
    cool = np.full(n_sessions, np.nan)
    main_a = np.full(n_sessions, np.nan)
    main_b = np.full(n_sessions, np.nan)
    main_v = np.full(n_sessions, np.nan)
    count = np.zeros(n_sessions, dtype=np.int64)
    paused = np.bincount(
        np.repeat(np.arange(n_sessions), np.diff(grid.offsets)),
        weights=grid.stopped.astype(float),
        minlength=n_sessions,
    )
    missing: list[str] = []
    first_rep: dict[str, tuple[float, float, int]] = {}
    if len(repeats):
        g = repeats.groupby("session_id", sort=False)
        agg = pd.DataFrame(
            {"a": g["start_s"].min(), "b": g["end_s"].max(), "n": g["start_s"].size()}
        )
        first_rep = {str(i): (float(r.a), float(r.b), int(r.n)) for i, r in agg.iterrows()}
    s60 = smooth(grid, grid.speed, 30)
    for k in range(n_sessions):
        cells = grid.cells(k)
        n = cells.stop - cells.start
        notes = []
        if not grid.has_speed[k]:
            notes.append("no speed or distance recorded")
        if not grid.has_hr[k]:
            notes.append("no heart rate recorded")
        if n < 60:
            notes.append("too few samples")
        missing.append("; ".join(notes))
        if n < 60 or not grid.has_speed[k]:
            continue
        t0 = float(grid.t0[k])
        t_end = t0 + n - 1
        sid = str(grid.ids[k])
        if sid in first_rep:
            a, b, count[k] = first_rep[sid]
            w, c = a - t0, t_end - b
        else:
            v = s60[cells]
            w, c = _slow_ends(v, grid.stopped[cells])
            a, b = t0 + w, t_end - c
        warm[k] = w if w >= MIN_PHASE_S else 0.0
        cool[k] = c if c >= MIN_PHASE_S else 0.0
        main_a[k], main_b[k] = t0 + warm[k], t_end - cool[k]
        if main_b[k] > main_a[k]:
            dist = grid.distance(k, main_a[k], main_b[k])
            moving = (
                main_b[k]
                - main_a[k]
                - float(grid.stopped[cells][int(warm[k]) : n - int(cool[k])].sum())
            )
            main_v[k] = dist / moving if moving > 0 else np.nan
    return pd.DataFrame(
        {
            "session_id": pd.array(grid.ids.astype(str), dtype="str"),
            "warmup_s": warm,
            "cooldown_s": cool,
            "main_start_s": main_a,
            "main_end_s": main_b,
            "main_speed_mps": main_v,
            "easy_speed_mps": easy,
            "fast_speed_mps": top,
            "repeats": count,
            "has_speed": grid.has_speed,
            "has_hr": grid.has_hr,
            "paused_s": paused,
            "missing": pd.array(missing, dtype="str"),
        }
    )


def _slow_ends(v: FloatArray, stopped: BoolArray) -> tuple[float, float]:
    """Length [s] of the slow start and of the slow end of a run without repeats.

    The main level is the median speed of the middle half; the warm-up ends where the
    cumulative shortfall below 93.5 % of it peaks, within the first 40 % of the run (and
    the cool-down likewise from the end).
    """
    n = len(v)
    ok = np.isfinite(v)
    if ok.sum() < 60:
        return 0.0, 0.0
    middle = v[n // 4 : 3 * n // 4]
    middle = middle[np.isfinite(middle) & (middle > 0.5)]
    if len(middle) == 0:
        return 0.0, 0.0
    level = 0.935 * float(np.median(middle))
    short = np.where(ok, level - v, 0.0)
    reach = max(int(0.4 * n), 1)
    head = np.cumsum(short[:reach])
    tail = np.cumsum(short[::-1][:reach])
    w = float(np.argmax(head) + 1) if head.max() > 0.05 * level * MIN_PHASE_S else 0.0
    c = float(np.argmax(tail) + 1) if tail.max() > 0.05 * level * MIN_PHASE_S else 0.0
    return w, c
