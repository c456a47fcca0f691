"""The runner's watch: what it records of a run's true streams.

It adds GPS noise to speed, distance and position, pauses the timer during some standing
rests (no trackpoints then), loses a few seconds of trackpoints, heart rate or position now
and then, samples every second in interval sessions and every 5 s otherwise, and splits the
run into laps: one per button press in interval sessions, one per kilometre otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from stridekit.sample.physiology import BoolArray, IntArray, Streams, ar1
from stridekit.sample.plan import TIMEZONE, RunPlan
from stridekit.sample.route import FloatArray, to_degrees


@dataclass(frozen=True)
class Lap:
    """One recorded lap.

    Parameters
    ----------
    start_s
        Wall-clock start [s] since the first trackpoint.
    timer_s
        Timer time of the lap [s] (pauses excluded).
    distance_m
        Distance of the lap [m].
    max_speed_mps, avg_speed_mps
        Highest and mean speed [m/s].
    avg_hr_bpm, max_hr_bpm
        Mean and highest heart rate [beats/min].
    avg_cadence_spm
        Mean cadence while moving [steps/min].
    calories
        Energy [kcal].
    intensity
        ``Active`` or ``Resting``.
    trigger
        ``Manual`` or ``Distance``.
    phase
        The planned phase the lap starts in (``warmup``, ``work``, ``recovery``, ``cooldown``
        or ``steady``); a FIT file records it as the lap's intensity.
    """

    start_s: int
    timer_s: int
    distance_m: float
    max_speed_mps: float
    avg_speed_mps: float
    avg_hr_bpm: int
    max_hr_bpm: int
    avg_cadence_spm: float
    calories: int
    intensity: str
    trigger: str
    phase: str = "steady"


@dataclass(frozen=True)
class Recording:
    """What the watch wrote: trackpoints and laps.

    Parameters
    ----------
    start_utc
        Time of the first trackpoint (aware, UTC).
    t_s
        Wall-clock seconds since ``start_utc`` of each trackpoint [s].
    distance_m
        Cumulative distance [m].
    speed_mps
        Speed [m/s].
    hr_bpm
        Heart rate [beats/min]; NaN where lost.
    cadence_spm
        Cadence [steps/min].
    altitude_m
        Altitude [m].
    lat_deg, lon_deg
        Position [degrees]; NaN where lost.
    laps
        The laps in order.
    notes
        The title typed on the watch, or None.
    paused_s
        Total paused time [s].
    pauses
        The ``[start, end)`` wall-clock seconds [s] of each timer pause, in order.
    """

    start_utc: dt.datetime
    t_s: IntArray
    distance_m: FloatArray
    speed_mps: FloatArray
    hr_bpm: FloatArray
    cadence_spm: FloatArray
    altitude_m: FloatArray
    lat_deg: FloatArray
    lon_deg: FloatArray
    laps: tuple[Lap, ...]
    notes: str | None
    paused_s: int
    pauses: tuple[tuple[int, int], ...] = ()


def to_utc(local: dt.datetime) -> dt.datetime:
    """The UTC time (aware) of a naive local time in :data:`~stridekit.sample.plan.TIMEZONE`."""
    return local.replace(tzinfo=ZoneInfo(TIMEZONE)).astimezone(dt.UTC)


def _windows(
    rng: np.random.Generator, n: int, rate: float, lo: int, hi: int, margin: int
) -> list[tuple[int, int]]:
    """A Poisson(``rate``) number of ``[a, b)`` windows, ``lo`` to ``hi`` [s] long."""
    out = []
    for _ in range(int(rng.poisson(rate))):
        length = int(rng.integers(lo, hi + 1))
        if n - margin - length <= margin:
            continue
        a = int(rng.integers(margin, n - margin - length))
        out.append((a, a + length))
    return out


def record(
    run: RunPlan, streams: Streams, rng: np.random.Generator, every_s: int | None = None
) -> Recording:
    """Record ``streams`` of ``run`` as the watch would.

    Parameters
    ----------
    run
        The planned run (its segments say where the laps and pauses are).
    streams
        The run's true 1 Hz streams.
    rng
        The run's own random generator.
    every_s
        Recording interval [s]; ``None`` for the watch's smart recording (every 1 s in
        interval sessions, every 5 s otherwise).

    Returns
    -------
    Recording
        Trackpoints and laps.
    """
    n = len(streams.speed_mps)
    last = n - 1
    bounds = np.concatenate(([0], np.cumsum([s.duration_s for s in run.segments])))

    # Timer pauses during the standing rests the runner pauses.
    running = np.ones(n, dtype=bool)
    pauses: list[tuple[int, int]] = []
    for i, s in enumerate(run.segments):
        if s.pause:
            a = int(bounds[i]) + int(rng.integers(6, 13))
            b = int(bounds[i + 1]) - int(rng.integers(4, 10))
            running[a:b] = False
            if b > a:
                pauses.append((a, b))

    # GPS: a small distance bias, noisy speed, a wandering position error.
    v = streams.speed_mps
    noise = ar1(rng, n, 0.8, 0.10) + rng.normal(0.0, 0.07, n)
    noise = np.where(v < 0.3, 0.4 * noise, noise)
    speed = np.maximum(v * (1.0 + rng.normal(0.0, 0.01)) + noise, 0.0)
    speed = np.where(running, speed, 0.0)
    dist = np.concatenate(([0.0], np.cumsum(speed[:-1])))
    east = streams.east_m + ar1(rng, n, 0.97, 2.0)
    north = streams.north_m + ar1(rng, n, 0.97, 2.0)
    lat, lon = to_degrees(east, north)
    alt = streams.altitude_m + ar1(rng, n, 0.99, 0.4)
    hr = np.round(streams.hr_bpm)
    cad = streams.cadence_spm

    # Laps.
    if run.kind == "intervals":
        starts = [0]
        for i, s in enumerate(run.segments):
            if s.lap and i:
                near_work = "work" in (s.phase, run.segments[i - 1].phase)
                jitter = int(rng.integers(-1, 3)) if near_work else int(rng.integers(0, 4))
                starts.append(int(bounds[i]) + jitter)
        intensity = [
            "Resting"
            if run.segments[int(streams.segment[min(a + 3, last)])].phase == "recovery"
            else "Active"
            for a in starts
        ]
        triggers = ["Manual"] * len(starts)
        phases = [run.segments[int(streams.segment[min(a + 3, last)])].phase for a in starts]
    else:
        marks = np.arange(1000.0, dist[-1], 1000.0)
        starts = [0, *(int(t) for t in np.searchsorted(dist, marks))]
        starts = [a for a in starts if a < last]
        intensity = ["Active"] * len(starts)
        triggers = ["Distance"] * (len(starts) - 1) + ["Manual"]
        phases = ["steady"] * len(starts)
    ends = [*starts[1:], last]
    laps = tuple(
        _lap(a, b, running, dist, speed, hr, cad, inten, trig, phase)
        for a, b, inten, trig, phase in zip(starts, ends, intensity, triggers, phases, strict=True)
    )

    # Which trackpoints are written.
    step = every_s if every_s is not None else (1 if run.kind == "intervals" else 5)
    keep = (np.arange(n) % step == 0) & running
    for a, b in _windows(rng, n, 1.0, 3 * step if step > 1 else 3, 9 * step // 2 + 5, 30):
        keep[a:b] = False
    keep[0] = keep[last] = True
    hr_out = hr.astype(np.float64)
    if rng.random() < 0.15:
        hr_out[: int(rng.integers(15, 61))] = np.nan
    for a, b in _windows(rng, n, 0.4, 5, 30, 60):
        hr_out[a:b] = np.nan
    for a, b in _windows(rng, n, 0.3, 3, 12, 60):
        lat[a:b] = np.nan
        lon[a:b] = np.nan
    idx = np.flatnonzero(keep)
    return Recording(
        start_utc=to_utc(run.start_local),
        t_s=idx.astype(np.int64),
        distance_m=dist[idx],
        speed_mps=speed[idx],
        hr_bpm=hr_out[idx],
        cadence_spm=cad[idx],
        altitude_m=alt[idx],
        lat_deg=lat[idx],
        lon_deg=lon[idx],
        laps=laps,
        notes=run.notes,
        paused_s=int((~running).sum()),
        pauses=tuple(pauses),
    )


def _lap(
    a: int,
    b: int,
    running: BoolArray,
    dist: FloatArray,
    speed: FloatArray,
    hr: FloatArray,
    cad: FloatArray,
    intensity: str,
    trigger: str,
    phase: str,
) -> Lap:
    """Statistics of the lap from wall-clock second ``a`` to ``b`` [s]."""
    on = running[a:b]
    timer = int(on.sum())
    distance = float(dist[b] - dist[a])
    sp, h, c = speed[a:b][on], hr[a:b][on], cad[a:b][on]
    moving = c[c > 0]
    return Lap(
        start_s=a,
        timer_s=timer,
        distance_m=distance,
        max_speed_mps=float(sp.max()) if len(sp) else 0.0,
        avg_speed_mps=distance / timer if timer else 0.0,
        avg_hr_bpm=round(float(h.mean())) if len(h) else 0,
        max_hr_bpm=round(float(h.max())) if len(h) else 0,
        avg_cadence_spm=float(moving.mean()) if len(moving) else 0.0,
        calories=round(0.07 * distance + 0.02 * timer),
        intensity=intensity,
        trigger=trigger,
        phase=phase,
    )
