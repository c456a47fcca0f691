"""The runner's body: a planned run turned into true 1 Hz streams on the wall clock.

Speed follows the planned segments with short ramps (3 to 6 s into and out of fast
repeats, longer between easy efforts) and a slowly wandering effort; heart rate follows speed
through a first-order lag of 20 to 30 s and drifts upwards in long runs; cadence follows speed
and gait, and drops in the weeks the runner over-extends the stride. What a watch makes of
these (GPS noise, pauses, dropouts, laps) is :mod:`stridekit.sample.watch`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import accumulate

import numpy as np
import numpy.typing as npt

from stridekit.sample.plan import RunPlan, easy_mps
from stridekit.sample.route import ROUTES, FloatArray, altitude_m

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Streams:
    """True streams of one run, one value per wall-clock second ``t = 0 .. total_s``.

    Parameters
    ----------
    segment
        Index of the plan segment each second belongs to [-].
    speed_mps
        True speed during each second [m/s].
    distance_m
        True distance covered up to each second [m].
    hr_bpm
        Heart rate [beats/min].
    cadence_spm
        Cadence [steps/min]; 0 when standing.
    altitude_m
        Ground altitude [m].
    east_m, north_m
        True position from the home point [m].
    """

    segment: IntArray
    speed_mps: FloatArray
    distance_m: FloatArray
    hr_bpm: FloatArray
    cadence_spm: FloatArray
    altitude_m: FloatArray
    east_m: FloatArray
    north_m: FloatArray


def ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> FloatArray:
    """An AR(1) series of length ``n`` with coefficient ``phi`` and stationary s.d. ``sd``."""
    shocks = rng.normal(0.0, sd * math.sqrt(1.0 - phi * phi), n)
    x0 = float(rng.normal(0.0, sd))
    values = accumulate(shocks.tolist(), lambda x, e: phi * x + e, initial=x0)
    return np.fromiter(values, dtype=np.float64, count=n + 1)[1:]


def target_speed(run: RunPlan, rng: np.random.Generator) -> tuple[IntArray, FloatArray]:
    """The segment index and the planned speed [m/s] of each second, ramps included.

    A ramp is centred on the planned boundary between two segments: 3 to 6 s long when a
    fast repeat or a standing rest is involved, 8 to 20 s otherwise.
    """
    segs = run.segments
    durations = np.array([s.duration_s for s in segs], dtype=np.int64)
    seg = np.repeat(np.arange(len(segs), dtype=np.int64), durations)
    seg = np.append(seg, len(segs) - 1)
    speeds = np.array([s.speed_mps for s in segs])
    v = speeds[seg].astype(np.float64)
    # Fast repeats start a little quick and fade towards their end.
    bounds = np.concatenate(([0], np.cumsum(durations)))
    for i, s in enumerate(segs):
        if s.phase == "work" and run.kind == "intervals":
            a, b = int(bounds[i]), int(bounds[i + 1])
            v[a:b] *= np.linspace(1.02, 0.985, b - a)
    out = v.copy()
    for i in range(len(segs) - 1):
        left, right = segs[i], segs[i + 1]
        sharp = "work" in (left.phase, right.phase) or 0.0 in (left.speed_mps, right.speed_mps)
        r = int(rng.integers(3, 7)) if sharp else int(rng.integers(8, 21))
        r = min(r, left.duration_s // 2, right.duration_s // 2)
        if r < 2:
            continue
        b = int(bounds[i + 1])
        lo, hi = b - r // 2, b - r // 2 + r
        out[lo : hi + 1] = np.linspace(v[lo - 1], v[hi], hi - lo + 1)
    return seg, out


def heart_rate(speed_mps: FloatArray, fit: float, rng: np.random.Generator) -> FloatArray:
    """Heart rate [beats/min] that follows ``speed_mps`` [m/s] through a 20-30 s lag."""
    n = len(speed_mps)
    t = np.arange(n, dtype=np.float64)
    offset = rng.normal(0.0, 2.5)
    target = 88.0 + 23.0 * speed_mps - 9.0 * fit + offset + 5.0 * t / 3600.0
    tau_up = float(rng.uniform(19.0, 24.0))
    tau_down = float(rng.uniform(25.0, 31.0))
    k_up, k_down = 1.0 - math.exp(-1.0 / tau_up), 1.0 - math.exp(-1.0 / tau_down)
    h0 = float(rng.uniform(76.0, 92.0))

    def follow(h: float, g: float) -> float:
        return h + (g - h) * (k_up if g > h else k_down)

    values = accumulate(target.tolist(), follow, initial=h0)
    hr = np.fromiter(values, dtype=np.float64, count=n + 1)[1:]
    hr += ar1(rng, n, 0.9, 1.0) + rng.normal(0.0, 0.6, n)
    return np.clip(hr, 50.0, 196.0)


def cadence(
    speed_mps: FloatArray, walking: BoolArray, run: RunPlan, rng: np.random.Generator
) -> FloatArray:
    """Cadence [steps/min] from speed [m/s] and gait; lower in over-striding weeks."""
    base = 162.0 + 4.0 * run.fitness - 8.0 * run.overstride
    running = base + 11.0 * (speed_mps - easy_mps(run.fitness))
    walk = 112.0 + 10.0 * speed_mps
    cad = np.where(walking, walk, running)
    cad = cad + ar1(rng, len(cad), 0.9, 1.5) + rng.normal(0.0, 0.8, len(cad))
    cad = np.clip(cad, 90.0, 200.0)
    return np.where(speed_mps < 0.3, 0.0, cad)


def simulate(run: RunPlan, rng: np.random.Generator) -> Streams:
    """True 1 Hz streams of ``run`` (wall clock, ``t = 0 .. run.total_s``).

    Parameters
    ----------
    run
        The planned run.
    rng
        The run's own random generator.

    Returns
    -------
    Streams
        Speed [m/s], distance [m], heart rate [beats/min], cadence [steps/min], altitude [m]
        and position [m] of every second.
    """
    seg, v_plan = target_speed(run, rng)
    standing = np.array([s.speed_mps == 0.0 for s in run.segments])[seg]
    walking = np.array([s.walk for s in run.segments])[seg]
    effort = ar1(rng, len(v_plan), 0.985, 0.025)
    v = np.where(standing & (v_plan < 0.05), 0.0, v_plan * (1.0 + effort))
    v = np.maximum(v, 0.0)
    dist = np.concatenate(([0.0], np.cumsum(v[:-1])))
    route = ROUTES[run.route]
    east, north = route.position(dist, float(dist[-1]) / 2.0)
    return Streams(
        segment=seg,
        speed_mps=v,
        distance_m=dist,
        hr_bpm=heart_rate(v, run.fitness, rng),
        cadence_spm=cadence(v, walking, run, rng),
        altitude_m=altitude_m(east, north),
        east_m=east,
        north_m=north,
    )
