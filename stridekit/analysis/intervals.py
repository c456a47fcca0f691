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
6. repeats shorter than :data:`MIN_REPEAT_S`, longer than :data:`MAX_REPEAT_S`, not
   :data:`MIN_CONTRAST` times faster than the easy level, or implausibly faster
   (:data:`MAX_CONTRAST`: a GPS jump) are dropped;
7. the rest must form a set: each repeat has another within :data:`MAX_RECOVERY_S`, there
   are at least two (one fast stretch is a tempo run, a race or a finishing sprint), and
   they are of like length or have like recoveries (surges after traffic lights are not);
8. where heart rate is recorded, it must fall in the recoveries (GPS jumps make repeats
   in the speed stream, but the heart does not follow them).

The warm-up is the easy time before the first repeat, the cool-down the time after the
last; in runs without repeats they are the slow start and the slow end before and after
the main part, found with a cumulative-sum change point. See ``docs/analysis.md``.
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

MIN_CONTRAST: Final = 1.3
"""A repeat is at least this many times faster than the session's easy level [-]."""

MAX_CONTRAST: Final = 2.2
"""... and at most this many times: faster is a GPS jump, not a runner [-]."""

MIN_GAIN_MPS: Final = 0.8
"""... and at least this much faster than it [m/s]."""

MIN_HR_DROP_BPM: Final = 3.0
"""Heart rate falls by at least this in a set's recoveries (median), where recorded."""

MAX_RECOVERY_S: Final = 600.0
"""A repeat with no other repeat within this [s] is a lone surge, not part of a set."""

MAX_LENGTH_CV: Final = 0.35
"""A set's repeats are of like length: standard deviation over mean at most this [-] ..."""

MAX_RECOVERY_CV: Final = 0.5
"""... or its recoveries are alike: at most this [-]."""

PAUSE_GAP_S: Final = 10.0
"""A gap between samples longer than this [s], with little distance covered, is a stop."""

MIN_PHASE_S: Final = 120.0
"""Shortest warm-up or cool-down that counts [s]."""

MAX_SPAN_S: Final = 48 * 3600.0
"""Sessions recorded over longer than this [s] (a broken clock) get no grid."""

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


PAD: Final = 32
"""Empty cells between sessions on the grid: moving windows never reach across sessions."""


@dataclass(frozen=True)
class Grid:
    """Sessions on a one-second wall-clock grid, all in flat arrays.

    Sessions lie one after the other, :data:`PAD` empty (NaN) cells apart.

    Attributes
    ----------
    ids
        The session ids, in grid order.
    first, stop
        Per session: its first cell, and one past its last.
    t0
        Per session: ``t_s`` of its first cell [s].
    session
        Per cell: the session's position in ``ids``; -1 in the padding.
    speed
        Per cell: speed [m/s]; 0 while stopped; NaN where unknown and in the padding.
    stopped
        Per cell: whether it lies in a stop (paused timer, or no samples while standing).
    has_speed, has_hr
        Per session: whether speed (or distance) and heart rate were recorded.
    too_long
        Per session: longer than :data:`MAX_SPAN_S` (no cells: not analysed).
    sample_key, sample_d, sample_hr, sample_off
        The samples, sorted by session and time: their session's position plus ``1j``
        times their ``t_s`` [s] (complex numbers sort by real part, then imaginary: one
        exact sorted key, see :attr:`sample_t`), distance (integrated from speed where none
        was recorded) [m], heart rate [beats/min], and each session's first sample (one
        past the last at the end); for :meth:`distance_at` and :meth:`hr_at`, so that the
        grid need not carry them.

    Every value of a session depends on that session's samples alone, never on the
    sessions beside it on the grid nor on its place there: running sums restart at each
    session (:func:`_sums`), so the results do not depend on how a log is sliced.
    """

    ids: npt.NDArray[np.object_]
    first: IntArray
    stop: IntArray
    t0: FloatArray
    session: IntArray
    speed: FloatArray
    stopped: BoolArray
    has_speed: BoolArray
    has_hr: BoolArray
    too_long: BoolArray
    sample_key: npt.NDArray[np.complex128]
    sample_d: FloatArray
    sample_hr: FloatArray
    sample_off: IntArray

    @property
    def sample_t(self) -> FloatArray:
        """The sorted samples' ``t_s`` [s]."""
        return self.sample_key.imag

    def _left(self, k: IntArray, t: FloatArray) -> tuple[IntArray, IntArray]:
        """The sample at or before ``t`` in session ``k``, and the one after it."""
        lo, hi = self.sample_off[k], np.maximum(self.sample_off[k + 1] - 1, self.sample_off[k])
        # (session, time) pairs compared exactly: a float axis such as ``k * span + t``
        # would round every time differently depending on the session's position k
        i = np.searchsorted(self.sample_key, k + 1j * t, side="right") - 1
        i = np.clip(i, lo, hi)
        return i, np.minimum(i + 1, hi)

    def distance_at(self, k: IntArray, t: FloatArray) -> FloatArray:
        """Distance of sessions ``k`` at times ``t`` [s], linearly between samples [m]."""
        if len(k) == 0:
            return np.zeros(0)
        i, j = self._left(k, t)
        ti, tj = self.sample_t[i], self.sample_t[j]
        gap = tj - ti
        frac = np.divide(t - ti, gap, out=np.zeros(len(k)), where=gap > 0)
        frac = np.clip(frac, 0.0, 1.0)
        return self.sample_d[i] + (self.sample_d[j] - self.sample_d[i]) * frac

    def hr_at(self, cells: IntArray) -> FloatArray:
        """Heart rate at grid ``cells`` (any shape): the last sample's, up to
        :data:`PAUSE_GAP_S` old, else NaN [beats/min]."""
        flat = cells.ravel()
        k = np.maximum(self.session[flat], 0)
        t = self.t0[k] + (flat - self.first[k])
        i, _ = self._left(k, t)
        age = t - self.sample_t[i]
        out = np.where((self.session[flat] >= 0) & (age <= PAUSE_GAP_S), self.sample_hr[i], np.nan)
        return out.reshape(cells.shape)


def build_grid(samples: pd.DataFrame) -> Grid:
    """Put every session of ``samples`` on a one-second wall-clock grid.

    Parameters
    ----------
    samples
        A samples table (one or many sessions); rows need not be sorted.

    Returns
    -------
    Grid
        Sessions in order of first appearance; a session with fewer than two timed samples
        gets no cells.
    """
    t = samples["t_s"].to_numpy(dtype=np.float64, na_value=np.nan)
    codes, uniques = pd.factorize(samples["session_id"], sort=False)
    codes = codes.astype(np.int64)
    d = _column(samples, "distance_m")
    v = _column(samples, "speed_mps")
    hr = _column(samples, "hr_bpm")
    keep = np.isfinite(t) & (codes >= 0)
    if not keep.all():
        t, codes, d, v, hr = t[keep], codes[keep], d[keep], v[keep], hr[keep]
    if len(t) > 1:
        dc, dt = np.diff(codes), np.diff(t)
        if not ((dc > 0) | ((dc == 0) & (dt > 0))).all():
            order = np.lexsort((t, codes))
            t, codes, d, v, hr = t[order], codes[order], d[order], v[order], hr[order]
            dup = np.concatenate(([False], (np.diff(codes) == 0) & (np.diff(t) <= 0)))
            t, codes, d, v, hr = t[~dup], codes[~dup], d[~dup], v[~dup], hr[~dup]
    n_sessions = len(uniques)
    counts = np.bincount(codes, minlength=n_sessions)
    off = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    spans = np.zeros(n_sessions)
    has = counts > 0
    if len(t):
        spans[has] = t[off[1:][has] - 1] - t[off[:-1][has]]
    too_long = spans > MAX_SPAN_S
    if too_long.any():  # a broken clock must not fill the memory: leave the session out
        keep = ~too_long[codes]
        t, codes, d, v, hr = t[keep], codes[keep], d[keep], v[keep], hr[keep]
        counts = np.bincount(codes, minlength=n_sessions)
        off = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    n = len(t)
    last = np.zeros(n, dtype=bool)
    last[off[1:][counts > 0] - 1] = True

    # speed: recorded, else from distance; glitches dropped; gaps filled within a session
    dt = np.diff(t, append=np.nan)
    dd = np.diff(d, append=np.nan)
    dt[last] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        ahead = dd / dt  # speed from this sample to the next
    derived = np.concatenate(([np.nan], ahead[:-1]))
    derived[off[:-1][counts > 0]] = np.nan
    v = np.where(np.isfinite(v), v, derived)
    v = np.where((v >= 0) & (v <= MAX_SPEED_MPS), v, np.nan)
    has_speed = np.bincount(codes, weights=np.isfinite(v), minlength=n_sessions) >= 2
    has_hr = np.bincount(codes, weights=np.isfinite(hr), minlength=n_sessions) >= 1
    v = _fill_within(v, codes, off)
    d = _fill_within(d, codes, off)

    # cells: the whole seconds from ceil(first t) to floor(last t) of each session; sample
    # i covers the cells in [t_i, t_i+1). Per-sample values are spread over their cells
    # with np.repeat (sequential, much cheaper than gathers).
    ct = np.ceil(t)
    per_sample = np.where(last, (ct <= t).astype(np.int64), np.diff(ct, append=0).astype(np.int64))
    per_sample = np.maximum(per_sample, 0)
    per_sample[counts[codes] < 2] = 0  # a lone sample gets no cells
    n_cells = np.bincount(codes, weights=per_sample, minlength=n_sessions).astype(np.int64)
    first = PAD + np.concatenate(([0], np.cumsum(n_cells + PAD)[:-1])).astype(np.int64)
    stop = first + n_cells
    total = int(stop[-1]) + PAD if n_sessions else PAD
    t0 = np.where(counts >= 2, np.ceil(t[np.minimum(off[:-1], max(n - 1, 0))]), 0.0)

    gap = np.where(last, 0.0, dt)
    dd = np.diff(d, append=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        v_slope = np.where(gap > 0, np.diff(v, append=np.nan) / gap, 0.0)
    v_slope = np.nan_to_num(v_slope)
    gain = np.where(last, np.nan, dd)
    stop_gap = (gap > PAUSE_GAP_S) & ~(np.isfinite(gain) & (gain >= 1.0 * gap))

    # the padded layout: cell j of session k sits at first[k] + j
    cell_session = np.repeat(codes, per_sample)
    compact = np.arange(len(cell_session), dtype=np.int64)
    index = compact + PAD * (cell_session + 1)
    # seconds since the cell's sample [s]: the whole cells counted exactly in integers, so
    # that the result does not depend on where the session lies on the grid
    since = np.repeat(ct - t, per_sample) + (
        compact - np.repeat(np.cumsum(per_sample) - per_sample, per_sample)
    ).astype(np.float64)
    session = np.full(total, -1, dtype=np.int64)
    session[index] = cell_session
    stopped = np.zeros(total, dtype=bool)
    stopped[index] = np.repeat(stop_gap, per_sample) & (since > 0)
    speed = np.full(total, np.nan)
    speed[index] = np.repeat(v, per_sample) + np.repeat(v_slope, per_sample) * since
    speed[stopped] = 0.0
    no_dist = ~np.isfinite(d)
    if no_dist.any():  # no distance recorded: integrate the speed between samples
        step = np.where(stop_gap | last, 0.0, np.nan_to_num((v + np.roll(v, -1)) / 2 * gap))
        # distance before each sample, per session: no other session's rounding in it
        cum = _restarting_cumsum(step, off[:-1])[1:] - step
        d = np.where(no_dist, cum, d)
    return Grid(
        ids=np.asarray(uniques, dtype=object),
        first=first,
        stop=stop,
        t0=t0,
        session=session,
        speed=speed,
        stopped=stopped,
        has_speed=has_speed & ~too_long,
        has_hr=has_hr,
        too_long=too_long,
        sample_key=codes + 1j * t,
        sample_d=d,
        sample_hr=hr,
        sample_off=off,
    )


def _column(df: pd.DataFrame, name: str) -> FloatArray:
    if name not in df.columns:
        return np.full(len(df), np.nan)
    return df[name].to_numpy(dtype=np.float64, na_value=np.nan)


def _fill_within(v: FloatArray, codes: IntArray, off: IntArray) -> FloatArray:
    """``v`` with NaNs replaced by the nearest earlier finite value of the same session
    (the next one at a session's start); a session with none stays NaN."""
    n = len(v)
    fin = np.isfinite(v)
    if n == 0 or fin.all():
        return v
    idx = np.where(fin, np.arange(n), -1)
    np.maximum.accumulate(idx, out=idx)
    out = np.where(idx >= off[:-1][codes], v[np.maximum(idx, 0)], np.nan)
    nxt = np.where(fin, np.arange(n), n)
    nxt = np.minimum.accumulate(nxt[::-1])[::-1]
    later = np.where(nxt < off[1:][codes], v[np.minimum(nxt, n - 1)], np.nan)
    return np.where(np.isfinite(out), out, later)


def smooth(x: FloatArray, half: int, sums: tuple[FloatArray, IntArray] | None = None) -> FloatArray:
    """Centred moving average over ``2 * half + 1`` grid cells, NaN cells left out.

    ``half`` is at most :data:`PAD`, so no window reaches into another session; ``sums``
    are :func:`_sums` of ``x`` when already at hand.
    """
    n = len(x)
    out = np.full(n, np.nan)
    w = 2 * half + 1
    if n < w:
        return out
    ok = np.isfinite(x)
    c, k = sums if sums is not None else _sums(x)
    count = k[w:] - k[:-w]
    out[half : n - half] = np.divide(
        c[w:] - c[:-w], count, out=np.full(n - 2 * half, np.nan), where=count > 0
    )
    out[~ok] = np.nan  # the padding between sessions stays empty
    return out


def _quantiles(
    grid: Grid, s: FloatArray, mask: BoolArray, qs: tuple[float, ...]
) -> list[FloatArray]:
    """Per session: quantiles of ``s`` over the cells in ``mask`` [m/s], to 0.05 m/s."""
    n_sessions = len(grid.ids)
    use = mask & np.isfinite(s) & (grid.session >= 0)
    bins = np.minimum((s[use] / _SPEED_BIN).astype(np.int64), _N_BINS - 1)
    hist = np.bincount(grid.session[use] * _N_BINS + bins, minlength=n_sessions * _N_BINS)
    cum = np.cumsum(hist.reshape(n_sessions, _N_BINS), axis=1)
    total = cum[:, -1] if n_sessions else np.zeros(0)
    out = []
    for q in qs:
        at = np.argmax(cum >= np.maximum(q * total, 1)[:, None], axis=1)
        out.append(np.where(total > 0, (at + 0.5) * _SPEED_BIN, np.nan))
    return out


def _hysteresis(s: FloatArray, hi: FloatArray, lo: FloatArray) -> BoolArray:
    """Per cell: at or above ``hi`` switches on, below ``lo`` (or unknown) switches off."""
    n = len(s)
    event = np.zeros(n, dtype=np.int8)
    event[s >= hi] = 1
    event[~(s >= lo)] = -1
    if n:
        event[0] = -1
    idx = np.where(event != 0, np.arange(n), 0)
    np.maximum.accumulate(idx, out=idx)
    return event[idx] == 1


def _stretches(on: BoolArray) -> tuple[IntArray, IntArray]:
    """First cell and one past the last of every stretch of ``on``."""
    edge = np.diff(np.concatenate(([0], on.astype(np.int8), [0])))
    return np.flatnonzero(edge == 1).astype(np.int64), np.flatnonzero(edge == -1).astype(np.int64)


def _window_mean(c: FloatArray, k: IntArray, a: IntArray, b: IntArray) -> FloatArray:
    """Mean over cells ``[a, b)`` from running sums ``c`` and counts ``k`` (NaN if none)."""
    b = np.maximum(a, b)
    count = k[b] - k[a]
    return np.divide(c[b] - c[a], count, out=np.full(len(a), np.nan), where=count > 0)


def _sums(x: FloatArray, first: IntArray | None = None) -> tuple[FloatArray, IntArray]:
    """Running sums of the finite values of ``x`` and running counts of them, for window
    sums ``c[b] - c[a]``.

    With the sessions' ``first`` cells, the float sums restart halfway through the padding
    before each session: one running sum over the whole grid would round each session's
    windows according to everything before it, so that results would depend on which
    sessions share a grid (and a log's slicing in :func:`analyse_runs`). Windows reach at
    most ``PAD // 2`` cells outside their session. The counts are integers, exact anyway.
    """
    ok = np.isfinite(x)
    starts = np.zeros(1, dtype=np.int64)
    if first is not None and len(first) > 1:
        starts = np.concatenate((starts, np.asarray(first[1:], dtype=np.int64) - PAD // 2))
    c = _restarting_cumsum(np.where(ok, x, 0.0), starts)
    k = np.concatenate(([0], np.cumsum(ok)))
    return c, k


def _restarting_cumsum(x: FloatArray, starts: IntArray) -> FloatArray:
    """Running sums of ``x`` that restart at each of ``starts`` (ascending, from 0).

    Returns ``c`` of length ``len(x) + 1``: for each segment ``[s, e)`` between starts,
    ``c[i]`` is the sum of ``x[s:i]`` for ``s < i <= e``, so that ``c[b] - c[a]`` sums a
    window ``[a, b)`` with ``s < a <= b <= e``. One ``np.cumsum`` per segment: its sums
    round the same wherever the segment lies.
    """
    n = len(x)
    c = np.zeros(n + 1)
    if n == 0:
        return c
    bounds = np.concatenate((starts[starts < n], [n]))
    for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if e > s:
            np.cumsum(x[s:e], out=c[s + 1 : e + 1])
    return c


@dataclass(frozen=True)
class Detection:
    """Everything the stream tells: repeats, and the phases of every session.

    Attributes
    ----------
    repeats
        One row per work repeat (columns :data:`REPEAT_COLUMNS`, ``source`` ``stream``).
    phases
        One row per session (columns :data:`PHASE_COLUMNS`).
    grid
        The one-second grid the detection ran on, or ``None``.
    """

    repeats: pd.DataFrame
    phases: pd.DataFrame
    grid: Grid | None = None


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
    sums = _sums(grid.speed, grid.first)
    s5 = smooth(grid.speed, 2, sums)
    running = s5 > 1.0
    easy, top = _quantiles(grid, s5, running, (0.5, 0.99))
    candidate = (top >= MIN_CONTRAST * 1.1 * easy) & (top - easy >= MIN_GAIN_MPS * 1.2)
    cell = np.maximum(grid.session, 0)
    valid = (grid.session >= 0) & candidate[cell] if len(candidate) else grid.session >= 0
    hi = np.where(valid, (easy + 0.55 * (top - easy))[cell] if len(easy) else 0, np.inf)
    lo = np.where(valid, (easy + 0.45 * (top - easy))[cell] if len(easy) else 0, np.inf)
    on = _hysteresis(s5, hi, lo)
    a, b = _stretches(on)
    k, t_a, t_b = _refine(grid, sums, a, b, easy)
    repeats = _repeat_table(grid, k, t_a, t_b)
    effort = _heart_rate_follows(repeats)
    if not effort.all():
        k, t_a, t_b = k[effort], t_a[effort], t_b[effort]
        repeats = _repeat_table(grid, k, t_a, t_b)
    phases = _phases(grid, s5, easy, top, k, t_a, t_b)
    return Detection(repeats=repeats, phases=phases, grid=grid)


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
    return detect_all(frame).repeats


_W: Final = 12
"""Cells either side of a rough boundary searched for the exact crossing."""


def _refine(
    grid: Grid,
    sums: tuple[FloatArray, IntArray],
    a: IntArray,
    b: IntArray,
    easy: FloatArray,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Exact boundaries of the candidate stretches ``[a, b)``, and the filters.

    Returns the session, start and end time [s] of every repeat kept.
    """
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
    if len(a) == 0:
        return empty
    k = grid.session[a]
    first, stop = grid.first[k], grid.stop[k]
    c, cnt = sums
    long = (b - a) > 6
    fast = _window_mean(c, cnt, np.where(long, a + 2, a), np.where(long, b - 2, b))
    same_prev = np.concatenate(([False], k[1:] == k[:-1]))
    same_next = np.concatenate((k[1:] == k[:-1], [False]))
    prev_b = np.where(same_prev, np.concatenate(([0], b[:-1])), first)
    next_a = np.where(same_next, np.concatenate((a[1:], [0])), stop)
    pre_lo = np.maximum(a - 40, prev_b)
    pre = _window_mean(c, cnt, pre_lo, np.maximum(pre_lo, a - 6))
    post_lo = np.minimum(b + 6, next_a)
    post = _window_mean(c, cnt, post_lo, np.minimum(b + 40, next_a))
    pre = np.where(np.isfinite(pre), pre, easy[k])
    post = np.where(np.isfinite(post), post, easy[k])
    t_a = _crossing(grid, sums, k, a, (pre + fast) / 2, rising=True)
    t_b = _crossing(grid, sums, k, b - 1, (post + fast) / 2, rising=False)
    duration = t_b - t_a
    keep = (
        np.isfinite(fast)
        & (duration >= MIN_REPEAT_S)
        & (duration <= MAX_REPEAT_S)
        & (fast >= MIN_CONTRAST * easy[k])
        & (fast <= MAX_CONTRAST * easy[k])
        & (fast - easy[k] >= MIN_GAIN_MPS)
    )
    k, t_a, t_b = k[keep], t_a[keep], t_b[keep]
    keep = _regular_sets(k, t_a, t_b, len(grid.ids))
    return k[keep], t_a[keep], t_b[keep]


def _regular_sets(k: IntArray, t_a: FloatArray, t_b: FloatArray, n_sessions: int) -> BoolArray:
    """Which repeats form a set: a neighbour within :data:`MAX_RECOVERY_S`, and per session
    two or more of them, of like length or with like recoveries (surges after traffic
    lights and the odd sprint in a steady run are neither)."""
    if len(k) == 0:
        return np.zeros(0, dtype=bool)
    same_next = np.concatenate((k[1:] == k[:-1], [False]))
    gap_next = np.where(same_next, np.concatenate((t_a[1:], [np.inf])) - t_b, np.inf)
    gap_prev = np.concatenate(([np.inf], gap_next[:-1]))
    keep = (gap_next <= MAX_RECOVERY_S) | (gap_prev <= MAX_RECOVERY_S)
    k, t_a, t_b = k[keep], t_a[keep], t_b[keep]
    if len(k) == 0:
        return keep
    d = t_b - t_a
    same_next = np.concatenate((k[1:] == k[:-1], [False]))
    rec = np.where(same_next, np.concatenate((t_a[1:], [np.nan])) - t_b, np.nan)
    n = np.bincount(k, minlength=n_sessions)
    cv_d = _group_cv(k, d, n_sessions)
    cv_r = _group_cv(k[same_next], rec[same_next], n_sessions)
    regular = (n >= 2) & ((cv_d <= MAX_LENGTH_CV) | (cv_r <= MAX_RECOVERY_CV))
    out = np.zeros(len(keep), dtype=bool)
    out[np.flatnonzero(keep)] = regular[k]
    return out


def _group_cv(k: IntArray, x: FloatArray, n: int) -> FloatArray:
    """Per group: standard deviation over mean of ``x`` (NaN for fewer than two values)."""
    count = np.bincount(k, minlength=n)
    total = np.bincount(k, weights=x, minlength=n)
    squares = np.bincount(k, weights=x * x, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        var = np.maximum(squares / count - mean * mean, 0.0)
        return np.where(count >= 2, np.sqrt(var) / mean, np.nan)


def _crossing(
    grid: Grid,
    sums: tuple[FloatArray, IntArray],
    k: IntArray,
    at: IntArray,
    level: FloatArray,
    *,
    rising: bool,
) -> FloatArray:
    """Time [s] where the 3 s average speed crosses ``level`` nearest to cell ``at`` (one
    per candidate), from the running sums of the speed."""
    offsets = np.arange(-_W, _W + 1)
    idx = np.clip(at[:, None] + offsets, grid.first[k][:, None], grid.stop[k][:, None] - 1)
    c, cnt = sums
    count = cnt[idx + 2] - cnt[idx - 1]
    x = np.divide(c[idx + 2] - c[idx - 1], count, out=np.full(idx.shape, np.nan), where=count > 0)
    above = x >= level[:, None]
    hit = (~above[:, :-1] & above[:, 1:]) if rising else (above[:, :-1] & ~above[:, 1:])
    hit &= idx[:, 1:] > idx[:, :-1]
    distance = np.where(hit, np.abs(np.arange(2 * _W) + 0.5 - _W), np.inf)
    j = np.argmin(distance, axis=1)
    rows = np.arange(len(at))
    x0, x1 = x[rows, j], x[rows, j + 1]
    step = x1 - x0
    frac = np.divide(level - x0, step, out=np.full(len(at), 0.5), where=step != 0)
    frac = np.clip(np.nan_to_num(frac, nan=0.5), 0.0, 1.0)
    found = np.isfinite(distance[rows, j])
    cell = np.where(found, idx[rows, j], at).astype(np.float64)
    t_cell = grid.t0[k] + (cell - grid.first[k])
    fallback = 0.0 if rising else 1.0
    return np.where(found, t_cell + frac, t_cell + fallback)


def _repeat_table(grid: Grid, k: IntArray, t_a: FloatArray, t_b: FloatArray) -> pd.DataFrame:
    n = len(k)
    if n == 0:
        return empty_repeats()
    distance = grid.distance_at(k, t_b) - grid.distance_at(k, t_a)
    duration = t_b - t_a
    ia = grid.first[k] + np.ceil(t_a - grid.t0[k]).astype(np.int64)
    ib = grid.first[k] + np.floor(t_b - grid.t0[k]).astype(np.int64) + 1
    ib = np.maximum(ib, ia + 1)
    # heart rate inside each repeat: gather just the repeats' cells
    lengths = ib - ia
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    cells = np.repeat(ia - starts, lengths) + np.arange(int(lengths.sum()))
    inside = grid.hr_at(cells)
    ok = np.isfinite(inside)
    beats = np.add.reduceat(np.where(ok, inside, 0.0), starts)
    count = np.add.reduceat(ok.astype(np.int64), starts)
    avg_hr = np.divide(beats, count, out=np.full(n, np.nan), where=count > 0)
    peak = np.maximum.reduceat(np.where(ok, inside, -np.inf), starts)
    max_hr = np.where(count > 0, peak, np.nan)
    last = len(grid.speed) - 1
    end_window = np.clip(ib[:, None] + np.arange(-5, 10), 0, last)
    start_window = np.clip(ia[:, None] + np.arange(-10, 3), 0, last)
    with np.errstate(all="ignore"):
        hr_end = _nan_reduce(grid.hr_at(end_window), np.max)
        hr_start = _nan_reduce(grid.hr_at(start_window), np.min)
    same_next = np.concatenate((k[1:] == k[:-1], [False]))
    recovery = np.where(same_next, np.concatenate((t_a[1:], [np.nan])) - t_b, np.nan)
    hr_drop = np.where(same_next, hr_end - np.concatenate((hr_start[1:], [np.nan])), np.nan)
    index = np.arange(n) - np.searchsorted(k, k, side="left")
    speed = np.divide(distance, duration, out=np.full(n, np.nan), where=duration > 0)
    return pd.DataFrame(
        {
            "session_id": pd.array(grid.ids[k].astype(str), dtype="str"),
            "repeat_index": index.astype(np.int64),
            "start_s": t_a,
            "end_s": t_b,
            "duration_s": duration,
            "distance_m": distance,
            "avg_speed_mps": speed,
            "avg_hr_bpm": avg_hr,
            "max_hr_bpm": max_hr,
            "recovery_s": recovery,
            "hr_drop_bpm": hr_drop,
            "source": pd.array(["stream"] * n, dtype="str"),
        }
    )


def _heart_rate_follows(repeats: pd.DataFrame) -> BoolArray:
    """Per repeat: False when its session's heart rate, where recorded, does not fall in the
    recoveries (median drop below :data:`MIN_HR_DROP_BPM`): GPS jumps look like repeats
    in the speed stream, but the heart does not follow them."""
    if repeats.empty:
        return np.ones(0, dtype=bool)
    drop = repeats.groupby("session_id", sort=False)["hr_drop_bpm"].transform("median")
    return ~(drop < MIN_HR_DROP_BPM).to_numpy()


def _nan_reduce(x: npt.NDArray[np.float64], how: object) -> FloatArray:
    """Row-wise max or min ignoring NaN; NaN for rows with none."""
    ok = np.isfinite(x)
    fill = -np.inf if how is np.max else np.inf
    out = (np.max if how is np.max else np.min)(np.where(ok, x, fill), axis=1)
    return np.where(ok.any(axis=1), out, np.nan)


def _phases(
    grid: Grid,
    s5: FloatArray,
    easy: FloatArray,
    top: FloatArray,
    k: IntArray,
    t_a: FloatArray,
    t_b: FloatArray,
) -> pd.DataFrame:
    """Warm-up, cool-down and main part of every session."""
    n_sessions = len(grid.ids)
    n_cells = grid.stop - grid.first
    t_end = grid.t0 + n_cells - 1
    paused = _segment_sums(grid.stopped, grid.first, grid.stop)
    count = np.bincount(k, minlength=n_sessions)

    # runs with repeats: before the first and after the last
    first_a = np.full(n_sessions, np.nan)
    last_b = np.full(n_sessions, np.nan)
    if len(k):
        starts = np.searchsorted(k, np.arange(n_sessions), side="left")
        ends = np.searchsorted(k, np.arange(n_sessions), side="right")
        has = ends > starts
        first_a[has] = t_a[starts[has]]
        last_b[has] = t_b[ends[has] - 1]
    warm_rep = first_a - grid.t0
    cool_rep = t_end - last_b

    # runs without: the slow start and slow end
    warm_slow, cool_slow = _slow_ends(grid, s5)
    warm = np.where(count > 0, warm_rep, warm_slow)
    cool = np.where(count > 0, cool_rep, cool_slow)
    usable = grid.has_speed & (n_cells >= 60)
    warm = np.where(usable, np.where(warm >= MIN_PHASE_S, warm, 0.0), np.nan)
    cool = np.where(usable, np.where(cool >= MIN_PHASE_S, cool, 0.0), np.nan)
    main_a = grid.t0 + warm
    main_b = t_end - cool
    ok = usable & (main_b > main_a)
    kk = np.flatnonzero(ok)
    main_v = np.full(n_sessions, np.nan)
    if len(kk):
        dist = grid.distance_at(kk, main_b[kk]) - grid.distance_at(kk, main_a[kk])
        ia = grid.first[kk] + warm[kk].astype(np.int64)
        ib = np.maximum(grid.stop[kk] - cool[kk].astype(np.int64), ia)
        moving = (main_b[kk] - main_a[kk]) - _segment_sums(grid.stopped, ia, ib)
        main_v[kk] = np.divide(dist, moving, out=np.full(len(kk), np.nan), where=moving > 0)
    missing = np.full(n_sessions, "", dtype=object)
    for mask, note in (
        (~grid.has_speed, "no speed or distance recorded"),
        (~grid.has_hr, "no heart rate recorded"),
        (grid.too_long, "recording longer than 48 h, not analysed"),
        ((n_cells < 60) & ~grid.too_long, "too few samples"),
    ):
        missing = np.where(mask, np.where(missing == "", note, missing + "; " + note), missing)
    return pd.DataFrame(
        {
            "session_id": pd.array(grid.ids.astype(str), dtype="str"),
            "warmup_s": warm,
            "cooldown_s": cool,
            "main_start_s": np.where(usable, main_a, np.nan),
            "main_end_s": np.where(usable, main_b, np.nan),
            "main_speed_mps": main_v,
            "easy_speed_mps": easy,
            "fast_speed_mps": top,
            "repeats": count.astype(np.int64),
            "has_speed": grid.has_speed,
            "has_hr": grid.has_hr,
            "paused_s": paused,
            "missing": pd.array(missing.astype(str), dtype="str"),
        }
    )


def _segment_sums(x: BoolArray | FloatArray, a: IntArray, b: IntArray) -> FloatArray:
    """Sum of ``x`` over each ``[a, b)`` (the segments in order, not overlapping)."""
    if len(a) == 0:
        return np.zeros(0)
    bounds = np.empty(2 * len(a), dtype=np.int64)
    bounds[0::2], bounds[1::2] = a, b
    sums = np.add.reduceat(x, np.minimum(bounds, len(x) - 1), dtype=np.float64)[0::2]
    return np.where(b > a, sums, 0.0)


def _slow_ends(grid: Grid, s5: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Length [s] of the slow start and of the slow end of every session.

    The main level is the median speed of the session's middle half; the warm-up ends where
    the cumulative shortfall below 93.5 % of that level peaks within the first 40 % of the
    session (the cool-down likewise from the end), when the shortfall is material. One
    small numpy pass per session, on every fifth cell.
    """
    n_sessions = len(grid.ids)
    warm = np.zeros(n_sessions)
    cool = np.zeros(n_sessions)
    step = 5
    for k in range(n_sessions):
        v = s5[grid.first[k] : grid.stop[k] : step]
        still = grid.stopped[grid.first[k] : grid.stop[k] : step]
        n = len(v)
        if n * step < 2 * MIN_PHASE_S:
            continue
        middle = v[n // 4 : 3 * n // 4]
        middle = middle[middle > 0.5]
        if len(middle) == 0:
            continue
        level = 0.935 * float(np.median(middle))
        short = np.where(still, 0.0, np.nan_to_num(level - v))  # stops are not slow running
        reach = max(int(0.4 * n), 1)
        enough = 0.05 * level * MIN_PHASE_S / step
        head = np.cumsum(short[:reach])
        tail = np.cumsum(short[::-1][:reach])
        if head.max() > enough:
            warm[k] = (int(np.argmax(head)) + 1) * step
        if tail.max() > enough:
            cool[k] = (int(np.argmax(tail)) + 1) * step
    return warm, cool


@dataclass(frozen=True)
class RunAnalysis:
    """The repeats of every run, from its laps or its speed stream, and its phases.

    Attributes
    ----------
    repeats
        One row per work repeat (:data:`REPEAT_COLUMNS`): from the laps where they mark the
        repeats (``source`` ``laps``), else from the speed stream (``stream``).
    laps
        The laps with ``role`` filled.
    phases
        Per session with samples: the stream's phases (:data:`PHASE_COLUMNS`), with
        ``warmup_s`` and ``cooldown_s`` taken from the laps where the laps mark them.
    """

    repeats: pd.DataFrame
    laps: pd.DataFrame
    phases: pd.DataFrame


def combine_analyses(parts: list[RunAnalysis], laps: pd.DataFrame) -> RunAnalysis:
    """The analyses of disjoint sets of sessions as one, with ``laps`` as its laps.

    Parameters
    ----------
    parts
        At least one analysis; each session in one of them only.
    laps
        The laps of all of them, their roles filled (the caller knows their order).
    """
    repeats = [p.repeats for p in parts if len(p.repeats)]
    phases = [p.phases for p in parts if len(p.phases)] or [parts[0].phases]
    return RunAnalysis(
        repeats=pd.concat(repeats, ignore_index=True) if repeats else empty_repeats(),
        laps=laps,
        phases=pd.concat(phases, ignore_index=True),
    )


CHUNK_SAMPLES: Final = 1_000_000
"""Most samples analysed at once [rows]: a five-year log is done in slices of whole
sessions, so the one-second grids never hold more than this. Sessions are independent,
to the last bit: the results do not depend on the slicing."""


def analyse_runs(
    laps: pd.DataFrame,
    samples: pd.DataFrame | None,
    *,
    session_ids: pd.Series | pd.Index | None = None,
    chunk_samples: int = CHUNK_SAMPLES,
) -> RunAnalysis:
    """Find the repeats, warm-up and cool-down of every session, and give laps their roles.

    Parameters
    ----------
    laps
        A laps table (may be empty).
    samples
        The samples table of the same sessions, or ``None``.
    session_ids
        Analyse only these sessions (the runs of a log); default every session in ``laps``
        and ``samples``. Passing the whole samples table with the runs' ids spares a copy.
    chunk_samples
        Most samples analysed at once [rows]; bounds the memory a long log needs. The
        results are the same, bit for bit, for any value: each session is analysed on its
        own samples alone.

    Returns
    -------
    RunAnalysis
        Lap-marked repeats where the laps mark them, stream repeats elsewhere; ``laps`` in
        the order given.
    """
    if session_ids is not None:
        laps = laps.loc[laps["session_id"].isin(session_ids)]
    if samples is None or not len(samples):
        return _analyse_runs(laps, None)
    codes, uniques = pd.factorize(samples["session_id"], sort=False)
    wanted = np.ones(len(uniques), dtype=bool)
    if session_ids is not None:
        wanted = pd.Index(uniques).isin(session_ids)
    if wanted.all() and len(samples) <= chunk_samples:
        return _analyse_runs(laps, samples)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    group = np.where(wanted, np.cumsum(np.where(wanted, counts, 0)) // max(chunk_samples, 1), -1)
    row_group = np.where(codes >= 0, group[np.maximum(codes, 0)], -1)
    numbered = laps.reset_index(drop=True)
    parts: list[RunAnalysis] = []
    seen = pd.Index(uniques[wanted])
    for g in np.unique(group[group >= 0]):
        ids = pd.Index(uniques[group == g])
        parts.append(
            _analyse_runs(
                numbered.loc[numbered["session_id"].isin(ids)], samples.loc[row_group == g]
            )
        )
    rest = numbered.loc[~numbered["session_id"].isin(seen)]
    if len(rest) or not parts:
        parts.append(_analyse_runs(rest, None))
    roles = pd.concat([p.laps for p in parts]).sort_index()
    roles.index = laps.index
    return combine_analyses(parts, roles)


def _analyse_runs(laps: pd.DataFrame, samples: pd.DataFrame | None) -> RunAnalysis:
    from stridekit.analysis.laps import lap_phases, lap_repeats, lap_roles

    if samples is not None and len(samples):
        detection = detect_all(samples)
    else:
        detection = Detection(repeats=empty_repeats(), phases=_empty_phases())
    roles = lap_roles(laps, detection.phases)
    from_laps = lap_repeats(roles)
    marked = lap_phases(roles)
    structured = set(marked.loc[marked["structured"], "session_id"])
    stream = detection.repeats.loc[~detection.repeats["session_id"].isin(structured)]
    if len(from_laps) and detection.grid is not None:
        from_laps = _lap_heart_rate(from_laps, detection.grid)
    parts = [p for p in (from_laps, stream) if len(p)]
    repeats = pd.concat(parts, ignore_index=True) if parts else empty_repeats()
    phases = detection.phases.copy()
    if len(marked):
        m = marked.set_index("session_id")
        for col in ("warmup_s", "cooldown_s"):
            m[col] = m[col].where(m[col] >= MIN_PHASE_S, 0.0)
        in_laps = phases["session_id"].isin(m.index)
        phases.loc[in_laps, "warmup_s"] = phases.loc[in_laps, "session_id"].map(m["warmup_s"])
        phases.loc[in_laps, "cooldown_s"] = phases.loc[in_laps, "session_id"].map(m["cooldown_s"])
        extra = m.loc[~m.index.isin(phases["session_id"])]
        if len(extra):
            add = _empty_phases(len(extra))
            add["session_id"] = pd.array(np.asarray(extra.index, dtype=str), dtype="str")
            add["warmup_s"] = extra["warmup_s"].to_numpy()
            add["cooldown_s"] = extra["cooldown_s"].to_numpy()
            add["missing"] = pd.array(["no samples recorded"] * len(extra), dtype="str")
            phases = pd.concat([phases, add], ignore_index=True)
    unseen = pd.Index(laps["session_id"].unique()).difference(pd.Index(phases["session_id"]))
    if len(unseen):  # laps but no samples: say so
        add = _empty_phases(len(unseen))
        add["session_id"] = pd.array(np.asarray(unseen, dtype=str), dtype="str")
        add["missing"] = pd.array(["no samples recorded"] * len(unseen), dtype="str")
        phases = pd.concat([phases, add], ignore_index=True)
    counts = repeats.groupby("session_id").size()
    phases["repeats"] = phases["session_id"].map(counts).fillna(0).astype("int64")
    return RunAnalysis(repeats=repeats, laps=roles, phases=phases)


def _empty_phases(n: int = 0) -> pd.DataFrame:
    cols: dict[str, object] = {}
    for name in PHASE_COLUMNS:
        if name in ("session_id", "missing"):
            cols[name] = pd.array([None] * n, dtype="str")
        elif name == "repeats":
            cols[name] = np.zeros(n, dtype=np.int64)
        elif name in ("has_speed", "has_hr"):
            cols[name] = np.zeros(n, dtype=bool)
        else:
            cols[name] = np.full(n, np.nan)
    return pd.DataFrame(cols)


def _lap_heart_rate(repeats: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """Peak heart rate of each lap repeat, and its drop by the next repeat, from the grid."""
    pos = {str(s): i for i, s in enumerate(grid.ids)}
    k = repeats["session_id"].map(pos)
    have = k.notna().to_numpy() & ((grid.stop - grid.first)[k.fillna(0).astype(int)] > 0)
    out = repeats.copy()
    if not have.any():
        return out
    kk = np.asarray(k[have].to_numpy(dtype=np.int64), dtype=np.int64)
    t_a = repeats.loc[have, "start_s"].to_numpy(dtype=float)
    t_b = repeats.loc[have, "end_s"].to_numpy(dtype=float)
    table = _repeat_table(grid, kk, t_a, t_b)
    out.loc[have, "max_hr_bpm"] = table["max_hr_bpm"].to_numpy()
    out.loc[have, "hr_drop_bpm"] = table["hr_drop_bpm"].to_numpy()
    fill = out["avg_hr_bpm"].isna().to_numpy() & have
    if fill.any():
        out.loc[fill, "avg_hr_bpm"] = table["avg_hr_bpm"].to_numpy()[fill[have]]
    return out
