"""The sample runner's training plan: which sessions on which days, and what each holds.

The runner follows the advice in ``improve-running-speed``: four or five runs a week, one or
two of them on speed (intervals of three minutes easy and a near sprint that grows from 30 s
to a minute and more), the rest on distance with a long run that grows; strength twice a
week, mostly on the days between runs; stretching, yoga and a little pilates. Real life gets
in the way: a sick week with nothing, a holiday week with little, and a few weeks in which
step length grows too fast (cadence drops while speed rises).

Everything here is a pure function of ``(weeks, seed, start)``; the only randomness is one
``numpy.random.default_rng(seed)`` consumed in a fixed order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Final

import numpy as np

DEFAULT_SEED: Final = 7
"""The seed of the bundled sample."""

DEFAULT_WEEKS: Final = 26
"""The number of weeks in the bundled sample."""

DEFAULT_START: Final = dt.date(2025, 1, 6)
"""The Monday the bundled sample starts on."""

TIMEZONE: Final = "Europe/Berlin"
"""The runner's time zone; every local time in the plan is in it."""

CYCLE: Final = 26
"""The plan repeats its life events (sickness, holiday, race) every ``CYCLE`` weeks."""

SICK_WEEK: Final = 9
"""Week of the cycle (from 0) in which the runner is ill and does nothing."""

HOLIDAY_WEEK: Final = 20
"""Week of the cycle in which the runner is on holiday and does little."""

OVERSTRIDE_WEEKS: Final = (13, 14, 15, 16)
"""Weeks of the cycle in which step length rises too fast (cadence drops, speed rises)."""

RACE_WEEK: Final = 24
"""Week of the cycle whose Sunday is a 10 km race."""

WALK_MPS: Final = 1.55
"""Brisk walking speed [m/s]."""


@dataclass(frozen=True)
class Segment:
    """A stretch of a run at one planned effort.

    Parameters
    ----------
    phase
        ``warmup``, ``work``, ``recovery``, ``cooldown`` or ``steady``.
    duration_s
        Wall-clock length of the segment [s].
    speed_mps
        Target speed [m/s]; 0 for standing still.
    walk
        True when the runner walks rather than runs.
    lap
        True when the runner presses the lap button as the segment starts (interval sessions).
    pause
        True when the runner pauses the timer during this standing rest.
    """

    phase: str
    duration_s: int
    speed_mps: float
    walk: bool = False
    lap: bool = False
    pause: bool = False


@dataclass(frozen=True)
class RunPlan:
    """One planned run.

    Parameters
    ----------
    index
        Position of the run in the plan, from 0; seeds its own random numbers.
    week
        Week of the plan, from 0.
    start_local
        Local start time (naive, in :data:`TIMEZONE`).
    kind
        ``intervals``, ``tempo``, ``long``, ``easy``, ``recovery`` or ``race``.
    segments
        The run's segments, in order.
    route
        Name of the route in :data:`stridekit.sample.route.ROUTES`.
    fitness
        The runner's fitness that day, 0 (start) to 1 (after about 25 weeks) [-].
    overstride
        How far the runner over-extends the stride that week, 0 (not) to 1 [-].
    notes
        A short title the runner typed on the watch, or None.
    """

    index: int
    week: int
    start_local: dt.datetime
    kind: str
    segments: tuple[Segment, ...]
    route: str
    fitness: float
    overstride: float
    notes: str | None

    @property
    def total_s(self) -> int:
        """Planned wall-clock duration [s]."""
        return sum(s.duration_s for s in self.segments)

    @property
    def end_local(self) -> dt.datetime:
        """Local end time (naive)."""
        return self.start_local + dt.timedelta(seconds=self.total_s)

    @property
    def focus(self) -> str:
        """``speed`` for intervals, tempo runs and races; ``distance`` otherwise."""
        return "speed" if self.kind in ("intervals", "tempo", "race") else "distance"

    @property
    def warmup_s(self) -> int:
        """Planted warm-up [s]: the leading ``warmup`` segments; 0 when none."""
        total = 0
        for s in self.segments:
            if s.phase != "warmup":
                break
            total += s.duration_s
        return total

    @property
    def cooldown_s(self) -> int:
        """Planted cool-down [s]: the trailing ``cooldown`` segments; 0 when none."""
        total = 0
        for s in reversed(self.segments):
            if s.phase != "cooldown":
                break
            total += s.duration_s
        return total

    def windows(self, phase: str) -> list[tuple[int, int]]:
        """The ``(start, end)`` wall-clock seconds [s] of every segment in ``phase``.

        The boundaries are the planted ones: the speed ramps (3 to 6 s) into and out of a
        repeat are centred on them, so each boundary is mid-ramp.
        """
        out = []
        t = 0
        for s in self.segments:
            if s.phase == phase:
                out.append((t, t + s.duration_s))
            t += s.duration_s
        return out


@dataclass(frozen=True)
class SetPlan:
    """One planned strength set (the runner's words and numbers, as in ``sets.csv``).

    Parameters
    ----------
    exercise
        The exercise in the runner's own words.
    reps
        Repetitions, or None for a timed hold.
    weight_kg
        Load [kg]; 0 for body weight.
    duration_s
        Time under work [s] for a timed hold, else None.
    rest_s
        Rest after the set [s].
    """

    exercise: str
    reps: int | None
    weight_kg: float
    duration_s: int | None
    rest_s: int


@dataclass(frozen=True)
class OtherPlan:
    """A strength or mobility session, written to the hand-kept ``sessions.csv``.

    Parameters
    ----------
    key
        The ``session`` key in the CSV.
    week
        Week of the plan, from 0.
    start_local
        Local start time (naive, in :data:`TIMEZONE`).
    sport
        The canonical sport: ``strength`` or ``mobility``.
    kind
        The canonical kind: ``strength``, ``stretching``, ``yoga`` or ``pilates``.
    sport_word, kind_word
        What the runner wrote in the ``sport`` and ``kind`` columns.
    title, notes
        What the runner wrote in ``title`` and ``notes`` (may be empty).
    duration_s
        Duration [s].
    duration_text
        The duration as the runner wrote it.
    rpe
        Rating of perceived exertion [1-10], or None.
    warm
        For mobility: True when it starts right after a run (warm muscles); None otherwise.
    sets
        The strength sets, in order.
    """

    key: str
    week: int
    start_local: dt.datetime
    sport: str
    kind: str
    sport_word: str
    kind_word: str
    title: str
    notes: str
    duration_s: int
    duration_text: str
    rpe: int | None
    warm: bool | None
    sets: tuple[SetPlan, ...]

    @property
    def end_local(self) -> dt.datetime:
        """Local end time (naive)."""
        return self.start_local + dt.timedelta(seconds=self.duration_s)


@dataclass(frozen=True)
class Plan:
    """The whole plan.

    Parameters
    ----------
    seed, weeks, start
        The arguments it was made from.
    runs
        The runs in time order.
    others
        The strength and mobility sessions in time order.
    sick_weeks, holiday_weeks, overstride_weeks, race_weeks
        The plan weeks (from 0) holding each planted life event.
    """

    seed: int
    weeks: int
    start: dt.date
    runs: tuple[RunPlan, ...]
    others: tuple[OtherPlan, ...]
    sick_weeks: tuple[int, ...]
    holiday_weeks: tuple[int, ...]
    overstride_weeks: tuple[int, ...]
    race_weeks: tuple[int, ...]


# --- the runner's abilities ------------------------------------------------------------------


def fitness(week: int) -> float:
    """Fitness [0-1] in plan week ``week``: rises over 25 weeks, dips after the illness."""
    base = min(1.0, week / 25.0)
    if week % CYCLE in (SICK_WEEK + 1, SICK_WEEK + 2):
        base -= 0.05
    return max(0.0, base)


def easy_mps(fit: float) -> float:
    """Easy running speed [m/s] at fitness ``fit`` (about 6:17 to 5:45 min/km)."""
    return 2.65 + 0.25 * fit


def fast_mps(fit: float, fast_s: int) -> float:
    """Near-sprint speed [m/s] held for ``fast_s`` [s] at fitness ``fit``."""
    sprint = 3.95 + 0.55 * fit
    return sprint * (1.0 - 0.05 * (fast_s - 30) / 60.0)


def tempo_mps(fit: float) -> float:
    """Tempo (comfortably hard) speed [m/s] at fitness ``fit``."""
    return 3.15 + 0.30 * fit


def race_mps(fit: float) -> float:
    """10 km race speed [m/s] at fitness ``fit``."""
    return 3.30 + 0.30 * fit


def fast_seconds(week: int) -> int:
    """Planned length of each fast repeat [s]: 30 s at first, 60 s by week 12, 90 s by 22."""
    frac = min(max((week - 2) / 20.0, 0.0), 1.0)
    return 30 + 5 * round(12 * frac)


# --- building the plan -----------------------------------------------------------------------

_PATTERNS: Final[dict[str, dict[int, str]]] = {
    # weekday (Mon=0) -> slot: I intervals, Q second speed run or easy, E easy, R recovery,
    # L long run. The strength days are the ones between runs.
    "four": {1: "I", 3: "Q", 5: "E", 6: "L"},
    "five_a": {0: "R", 1: "I", 3: "Q", 5: "E", 6: "L"},
    "five_b": {0: "E", 1: "I", 3: "Q", 4: "R", 6: "L"},
}

_CALF = ("Calf raises", "Calf raises", "Calf raises", "heel raise", "calf-raise", "calf raises")
_SQUAT = ("Squats", "Squats", "Squats", "squats", "Goblet squats")
_LUNGE = ("Lunges", "Lunges", "lunges", "Walking lunges")
_KNEE = ("knee raises", "knee raises", "Knee raises", "hanging knee raise")
_CRUNCH = ("Crunches", "Crunches", "crunches")
_PLANK = ("plank", "plank", "Plank", "side plank")


class _Builder:
    """Accumulates the plan week by week, drawing from one random generator."""

    def __init__(self, seed: int, start: dt.date) -> None:
        self.rng = np.random.default_rng(seed)
        self.start = start
        self.runs: list[RunPlan] = []
        self.others: list[OtherPlan] = []
        self.busy: dict[dt.date, list[tuple[dt.datetime, dt.datetime]]] = {}

    # small helpers -------------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def between(self, lo: int, hi: int) -> int:
        """A whole number from ``lo`` to ``hi`` inclusive."""
        return int(self.rng.integers(lo, hi + 1))

    def pick(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def clock(self, day: dt.date, hour: float, spread_min: int, seconds: bool) -> dt.datetime:
        """A local time on ``day`` near ``hour`` [h], up to ``spread_min`` [min] later."""
        minute = int(hour * 60) + self.between(0, spread_min)
        sec = self.between(0, 59) if seconds else 0
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute, seconds=sec)

    def book(self, start: dt.datetime, end: dt.datetime) -> None:
        self.busy.setdefault(start.date(), []).append((start, end))

    def free_start(self, start: dt.datetime, duration_s: int) -> dt.datetime:
        """``start``, or the earliest time after the day's bookings it would overlap."""
        for _ in range(10):
            end = start + dt.timedelta(seconds=duration_s)
            clash = [b for b in self.busy.get(start.date(), []) if b[0] < end and start < b[1]]
            if not clash:
                return start
            latest = max(b[1] for b in clash) + dt.timedelta(minutes=20)
            start = latest.replace(second=0) + dt.timedelta(minutes=1)
        return start

    # runs ----------------------------------------------------------------------------------

    def run_start(self, day: dt.date, kind: str) -> dt.datetime:
        wd = day.weekday()
        if kind == "race":
            return self.clock(day, 9.25, 6, True)
        if wd == 5:
            return self.clock(day, 8.5, 120, True)
        if wd == 6:
            return self.clock(day, 8.0, 110, True)
        if self.chance(0.2):
            return self.clock(day, 6.6, 35, True)
        return self.clock(day, 17.75, 90, True)

    def add_run(
        self,
        week: int,
        day: dt.date,
        kind: str,
        segments: list[Segment],
        route: str,
        notes: str | None,
    ) -> RunPlan:
        start = self.run_start(day, kind)
        run = RunPlan(
            index=len(self.runs),
            week=week,
            start_local=start,
            kind=kind,
            segments=tuple(segments),
            route=route,
            fitness=fitness(week),
            overstride=_overstride(week),
            notes=notes,
        )
        self.runs.append(run)
        self.book(run.start_local, run.end_local)
        return run

    def warmup(self, jog: float, p: float) -> list[Segment]:
        """A warm-up (a brisk walk, maybe, then a slow jog) with probability ``p``."""
        if not self.chance(p):
            return []
        out = []
        if self.chance(0.6):
            out.append(Segment("warmup", self.between(60, 180), WALK_MPS, walk=True))
        out.append(Segment("warmup", self.between(300, 600), 0.87 * jog))
        return out

    def cooldown(self, jog: float, p: float, lap: bool) -> list[Segment]:
        """A cool-down (a slow jog, then a walk) with probability ``p``."""
        if not self.chance(p):
            return []
        return [
            Segment("cooldown", self.between(240, 540), 0.82 * jog, lap=lap),
            Segment("cooldown", self.between(60, 200), WALK_MPS, walk=True),
        ]

    def intervals(self, week: int, day: dt.date, form: float, short: bool) -> RunPlan:
        fit = fitness(week)
        o = _overstride(week)
        easy = easy_mps(fit) * form * (1 + 0.04 * o)
        fast_s = fast_seconds(week)
        if short:
            fast_s = max(30, fast_s - 15)
        n = self.between(6, 8) if fast_s < 75 else self.between(5, 7)
        if short:
            n += 2
        if week % CYCLE == SICK_WEEK + 1:
            n = 5
        fast = fast_mps(fit, fast_s) * form * (1 + 0.04 * o)
        paused = self.chance(0.25)
        segs = self.warmup(easy, 0.95)
        if not segs:
            segs = [Segment("steady", self.between(30, 60), 0.9 * easy)]
        for i in range(n):
            if i:
                if paused:
                    segs.append(Segment("recovery", 180, 0.0, lap=True, pause=self.chance(0.85)))
                else:
                    segs.append(Segment("recovery", 180, 0.85 * easy, lap=True))
            segs.append(Segment("work", fast_s, fast * (1 + 0.012 * self.rng.normal()), lap=True))
        tail = self.cooldown(easy, 0.85, lap=True)
        if not tail:
            tail = [Segment("recovery", self.between(15, 40), WALK_MPS, walk=True, lap=True)]
        segs += tail
        notes = None
        if self.chance(0.6):
            minutes = f"{fast_s // 60}:{fast_s % 60:02d}"
            notes = self.pick(
                (f"{n}x{fast_s}s", f"{n} x {minutes}", "Speed drills", f"Intervals {n}x{fast_s}s")
            )
        return self.add_run(week, day, "intervals", segs, "park", notes)

    def continuous(
        self, week: int, day: dt.date, kind: str, form: float, long_km: float
    ) -> RunPlan:
        fit = fitness(week)
        o = _overstride(week)
        easy = easy_mps(fit) * form * (1 + 0.04 * o)
        route = self.pick(("park", "big"))
        notes = None
        if kind == "easy":
            segs = self.warmup(easy, 0.75)
            main_s = (self.between(28, 45) if week < CYCLE else self.between(35, 55)) * 60
            segs.append(Segment("steady", main_s, easy))
            segs += self.cooldown(easy, 0.6, lap=False)
            if self.chance(0.12):
                notes = self.pick(("Easy", "Easy run", f"Easy {main_s // 60}'"))
        elif kind == "recovery":
            segs = self.warmup(easy, 0.6)
            segs.append(Segment("steady", self.between(22, 30) * 60, 0.9 * easy))
            segs += self.cooldown(easy, 0.5, lap=False)
            route = "park"
            if self.chance(0.2):
                notes = "Recovery jog"
        elif kind == "long":
            speed = 0.97 * easy
            segs = self.warmup(easy, 0.8)
            segs.append(Segment("steady", round(long_km * 1000 / speed), speed))
            segs += self.cooldown(easy, 0.7, lap=False)
            route = self.pick(("spree", "spree", "big"))
            if self.chance(0.5):
                notes = self.pick(("Long run", "Long run", f"Long {round(long_km)}k"))
        elif kind == "tempo":
            segs = self.warmup(easy, 1.0)
            segs.append(Segment("work", self.between(18, 25) * 60, tempo_mps(fit) * form))
            segs += self.cooldown(easy, 0.9, lap=False)
            if self.chance(0.7):
                notes = "Tempo"
        else:  # race
            race = race_mps(fit) * form
            segs = [
                Segment("warmup", self.between(600, 780), 0.85 * easy),
                Segment("warmup", self.between(150, 300), 0.0),
                Segment("steady", round(10_000 / race), race),
                Segment("cooldown", self.between(300, 420), WALK_MPS, walk=True),
            ]
            route = "big"
            notes = "Tiergarten 10k"
        return self.add_run(week, day, kind, segs, route, notes)

    # strength and mobility -----------------------------------------------------------------

    def add_other(self, other: OtherPlan) -> None:
        self.others.append(other)
        self.book(other.start_local, other.end_local)

    def strength(self, week: int, day: dt.date, on_run_day: bool) -> None:
        # On a run day the session is in the morning (or after the run if that clashes).
        hour, spread = (7.0, 20) if on_run_day else (18.5, 75)
        start = self.clock(day, hour, spread, False)
        sets = self.strength_sets(week)
        work = sum(
            (s.duration_s if s.duration_s is not None else 3 * (s.reps or 0)) + s.rest_s
            for s in sets
        )
        minutes = 5 * round((work / 60 + 8) / 5)
        start = self.free_start(start, minutes * 60)
        sport_word = self.pick(("strength", "strength", "strength", "gym", "gym", "weights"))
        kind_word = self.pick(("strength", ""))
        title = self.pick(("Legs and core", "Legs and core", "Strength", "Legs", "Gym", ""))
        notes = self.pick(("", "", "", "", "", "heavier squats", "tired legs", "felt strong"))
        self.add_other(
            OtherPlan(
                key=f"{day.isoformat()}-{sport_word}",
                week=week,
                start_local=start,
                sport="strength",
                kind="strength",
                sport_word=sport_word,
                kind_word=kind_word,
                title=title,
                notes=notes,
                duration_s=minutes * 60,
                duration_text=self.pick((f"{minutes}:00", f"{minutes}:00", f"{minutes} min")),
                rpe=self.between(5, 8),
                warm=None,
                sets=tuple(sets),
            )
        )

    def strength_sets(self, week: int) -> list[SetPlan]:
        fit = fitness(week)
        at_home = self.chance(0.3)
        out: list[SetPlan] = []

        def add(name: str, n: int, reps: tuple[int, int], kg: float, rest: int) -> None:
            for _ in range(n):
                out.append(SetPlan(name, self.between(*reps), kg, None, rest))

        calf_kg = 0.0 if at_home or week < 6 else (10.0 if week < 16 else 16.0)
        add(self.pick(_CALF), 3, (15, 20), calf_kg, 60)
        squat_kg = 0.0 if at_home else 20.0 + 2.5 * round(8 * fit)
        add(self.pick(_SQUAT), 3, (15, 20) if at_home else (8, 12), squat_kg, 90)
        if self.chance(0.8):
            add(self.pick(_LUNGE), 3, (10, 12), 0.0 if at_home else 8.0, 60)
        if self.chance(0.6):
            add(self.pick(_KNEE), 3, (12, 15), 0.0, 45)
        if self.chance(0.7):
            add(self.pick(_CRUNCH), 3, (15, 25), 0.0, 45)
        if self.chance(0.6):
            name = self.pick(_PLANK)
            for _ in range(self.between(2, 3)):
                out.append(SetPlan(name, None, 0.0, 5 * self.between(8, 15), 30))
        return out

    def mobility(
        self,
        week: int,
        kind: str,
        start: dt.datetime,
        minutes: int,
        warm: bool,
        title: str,
        notes: str,
    ) -> None:
        if not warm:
            start = self.free_start(start, minutes * 60)
        if kind == "stretching":
            sport_word = self.pick(("stretching", "stretching", "stretch", "mobility"))
        else:
            sport_word = self.pick((kind, kind, kind, "mobility"))
        kind_word = kind if sport_word in ("mobility", "stretch") else self.pick((kind, ""))
        duration_text = self.pick((f"{minutes} min", f"{minutes}:00"))
        if minutes >= 60:
            duration_text = f"{minutes // 60}:{minutes % 60:02d}:00"
        self.add_other(
            OtherPlan(
                key=f"{start.date().isoformat()}-{kind}",
                week=week,
                start_local=start,
                sport="mobility",
                kind=kind,
                sport_word=sport_word,
                kind_word=kind_word,
                title=title,
                notes=notes,
                duration_s=minutes * 60,
                duration_text=duration_text,
                rpe=self.between(2, 4) if self.chance(0.5) else None,
                warm=warm,
                sets=(),
            )
        )

    def after_run(self, run: RunPlan) -> None:
        """Maybe stretch (or, rarely, do yoga) right after ``run``, while warm."""
        p = {"intervals": 0.55, "long": 0.6, "tempo": 0.6, "race": 0.6}.get(run.kind, 0.35)
        if not self.chance(p):
            return
        start = run.end_local.replace(second=0) + dt.timedelta(minutes=self.between(3, 10))
        if self.chance(0.12):
            self.mobility(run.week, "yoga", start, self.between(4, 6) * 5, True, "Yoga", "")
            return
        title = self.pick(("Stretching", "Post-run stretch", "Stretch", ""))
        notes = self.pick(("after the run", "after the run", "", "", "calves tight"))
        self.mobility(run.week, "stretching", start, self.between(8, 15), True, title, notes)


def _overstride(week: int) -> float:
    """How far the stride is over-extended in plan week ``week`` [0-1]."""
    c = week % CYCLE
    if c in OVERSTRIDE_WEEKS:
        return (0.4, 0.7, 1.0, 1.0)[OVERSTRIDE_WEEKS.index(c)]
    return 0.0


def _long_km(week: int) -> float:
    """Planned long-run distance [km]: 10 km growing to 20 km, with easier weeks.

    A runner who keeps going after the first :data:`CYCLE` weeks grows the long run further,
    to 24 km over the next year, and runs easy days a little longer (see ``continuous``).
    """
    c = week % CYCLE
    km = 10.0 + 10.0 * min(1.0, week / 22.0)
    if week >= CYCLE:
        km = 20.0 + 4.0 * min(1.0, (week - CYCLE) / 52.0)
    if c % 4 == 3:
        km *= 0.75
    if c in (SICK_WEEK + 1, RACE_WEEK - 1):
        km *= 0.7
    return round(km, 1)


def make_plan(*, weeks: int, seed: int, start: dt.date) -> Plan:
    """Plan ``weeks`` weeks of training from ``start``.

    Parameters
    ----------
    weeks
        Number of weeks [weeks], at least 1.
    seed
        Seed of the random generator.
    start
        The first day of week 0 (the bundled sample starts on a Monday).

    Returns
    -------
    Plan
        The runs and the strength and mobility sessions, in time order.

    Raises
    ------
    ValueError
        If ``weeks`` is less than 1.
    """
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    b = _Builder(seed, start)
    for week in range(weeks):
        _plan_week(b, week)
    runs = tuple(sorted(b.runs, key=lambda r: r.start_local))
    others = _unique_keys(sorted(b.others, key=lambda o: (o.start_local, o.key)))

    def hits(events: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(w for w in range(weeks) if w % CYCLE in events)

    return Plan(
        seed=seed,
        weeks=weeks,
        start=start,
        runs=runs,
        others=others,
        sick_weeks=hits((SICK_WEEK,)),
        holiday_weeks=hits((HOLIDAY_WEEK,)),
        overstride_weeks=hits(OVERSTRIDE_WEEKS),
        race_weeks=hits((RACE_WEEK,)),
    )


def _unique_keys(others: list[OtherPlan]) -> tuple[OtherPlan, ...]:
    """``others`` with ``-2``, ``-3`` ... added to keys already taken, in time order."""
    seen: set[str] = set()
    out = []
    for o in others:
        key, n = o.key, 2
        while key in seen:
            key, n = f"{o.key}-{n}", n + 1
        seen.add(key)
        out.append(replace(o, key=key))
    return tuple(out)


def _plan_week(b: _Builder, week: int) -> None:
    c = week % CYCLE
    monday = b.start + dt.timedelta(days=7 * week)

    def day(wd: int) -> dt.date:
        return monday + dt.timedelta(days=wd)

    if c == SICK_WEEK:
        return
    if c == HOLIDAY_WEEK:
        form = 1 + 0.015 * b.rng.normal()
        for wd in (2, 5):
            b.after_run(b.continuous(week, day(wd), "easy", form, 0.0))
        for wd in (1, 4):
            start = b.clock(day(wd), 8.0, 60, False)
            b.mobility(week, "yoga", start, b.between(4, 8) * 5, False, "Yoga", "holiday")
        return

    if c < 3 or c % 4 == 3 or c in (SICK_WEEK + 1, RACE_WEEK - 1):
        pattern = "four"
    else:
        pattern = b.pick(("five_a", "five_b")) if b.chance(0.6) else "four"
    slots = _PATTERNS[pattern]
    if c < 3 or c == SICK_WEEK + 1 or c == RACE_WEEK:
        n_intervals = 1
    else:
        n_intervals = 2 if b.chance(0.6 if len(slots) == 5 else 0.45) else 1
    tempo = n_intervals == 1 and c >= 8 and c != RACE_WEEK and b.chance(0.7)

    for wd in range(7):
        slot = slots.get(wd)
        if slot is None:
            continue
        form = 1 + 0.015 * b.rng.normal()
        if slot == "I":
            run = b.intervals(week, day(wd), form, short=False)
        elif slot == "Q" and n_intervals == 2:
            run = b.intervals(week, day(wd), form, short=b.chance(0.5))
        elif slot == "Q" and tempo:
            run = b.continuous(week, day(wd), "tempo", form, 0.0)
        elif slot in ("Q", "E"):
            run = b.continuous(week, day(wd), "easy", form, 0.0)
        elif slot == "R":
            run = b.continuous(week, day(wd), "recovery", form, 0.0)
        elif c == RACE_WEEK:
            run = b.continuous(week, day(wd), "race", form, 10.0)
        else:
            run = b.continuous(week, day(wd), "long", form, _long_km(week))
        b.after_run(run)

    # Strength twice a week on days between runs; now and then on a run day instead.
    rest_days = [wd for wd in range(7) if wd not in slots]
    preferred = [wd for wd in rest_days if wd in (2, 4)] or rest_days
    chosen = preferred[:2] if len(preferred) >= 2 else (preferred + rest_days)[:2]
    if len(set(chosen)) < 2:
        chosen = rest_days[:2]
    used: set[int] = set()
    for wd in sorted(set(chosen)):
        target = (3, 5)[b.between(0, 1)] if b.chance(0.12) else wd
        if target in used:
            target = wd
        used.add(target)
        b.strength(week, day(target), target in slots)

    # Yoga most weeks, pilates now and then, and some cold morning stretching.
    if b.chance(0.55):
        if b.chance(0.5):
            start = b.clock(day(3), 19.5, 0, False)
            b.mobility(week, "yoga", start, 60, False, "Yoga class", "")
        else:
            start = b.clock(day(b.between(0, 4)), 6.75, 30, False)
            b.mobility(week, "yoga", start, b.between(4, 7) * 5, False, "Morning yoga", "")
    if c % 5 == 2:
        start = b.clock(day(2), 12.5, 0, False)
        b.mobility(week, "pilates", start, 45, False, "Pilates", "")
    if b.chance(0.4):
        start = b.clock(day(b.between(0, 6)), 6.75, 30, False)
        notes = b.pick(("", "", "stiff", "before breakfast"))
        b.mobility(week, "stretching", start, b.between(10, 20), False, "Morning stretch", notes)
