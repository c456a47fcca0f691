"""Write the sample runner's years as a Strava bulk export: a zip for benchmarks and tests.

The archive holds what Strava sends: ``activities.csv`` at its root, with the real English
header (its repeated column names included), one row per activity, and the original
recordings under ``activities/<Activity ID>.fit.gz``. The runner is the bundled sample's
(:mod:`~stridekit.sample.plan`, :mod:`~stridekit.sample.physiology`,
:mod:`~stridekit.sample.watch`) over more weeks, recorded every second: runs (intervals named
like ``6x800m``), weight training, yoga and pilates (rows with an empty ``Filename``; the
morning stretches are not logged on Strava).

Five years (``weeks=261``) hold about 1,060 runs and 4.1 million records; the archive is
about 60 MB. Every byte is a pure function of the arguments.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from stridekit.sample.fit_writer import fit_gz
from stridekit.sample.physiology import simulate
from stridekit.sample.plan import DEFAULT_SEED, OtherPlan, RunPlan, make_plan
from stridekit.sample.watch import Recording, record, to_utc

EXPORT_START: Final = dt.date(2021, 1, 4)
"""The Monday a generated export starts on (five years end in the last days of 2025)."""

WEEKS_PER_YEAR: Final = 365.25 / 7
FIRST_ID: Final = 4_512_600_000
"""The first Strava Activity ID; later activities get larger ones."""

HEADER: Final = (
    "Activity ID",
    "Activity Date",
    "Activity Name",
    "Activity Type",
    "Activity Description",
    "Elapsed Time",
    "Distance",
    "Max Heart Rate",
    "Relative Effort",
    "Commute",
    "Activity Private Note",
    "Activity Gear",
    "Filename",
    "Athlete Weight",
    "Bike Weight",
    "Elapsed Time",
    "Moving Time",
    "Distance",
    "Max Speed",
    "Average Speed",
    "Elevation Gain",
    "Elevation Loss",
    "Elevation Low",
    "Elevation High",
    "Max Grade",
    "Average Grade",
    "Average Positive Grade",
    "Average Negative Grade",
    "Max Cadence",
    "Average Cadence",
    "Max Heart Rate",
    "Average Heart Rate",
    "Max Watts",
    "Average Watts",
    "Calories",
    "Max Temperature",
    "Average Temperature",
    "Relative Effort",
    "Total Work",
    "Number of Runs",
    "Uphill Time",
    "Downhill Time",
    "Other Time",
    "Perceived Exertion",
    "Type",
    "Start Time",
    "Weighted Average Power",
    "Power Count",
    "Prefer Perceived Exertion",
    "Perceived Relative Effort",
    "Commute",
    "Total Weight Lifted",
    "From Upload",
    "Grade Adjusted Distance",
    "Weather Observation Time",
    "Weather Condition",
    "Weather Temperature",
    "Apparent Temperature",
    "Dewpoint",
    "Humidity",
    "Weather Pressure",
    "Wind Speed",
    "Wind Gust",
    "Wind Bearing",
    "Precipitation Intensity",
    "Sunrise Time",
    "Sunset Time",
    "Moon Phase",
    "Bike",
    "Gear",
    "Precipitation Probability",
    "Precipitation Type",
    "Cloud Cover",
    "Weather Visibility",
    "UV Index",
    "Weather Ozone",
    "Jump Count",
    "Total Grit",
    "Average Flow",
    "Flagged",
    "Average Elapsed Speed",
    "Dirt Distance",
    "Newly Explored Distance",
    "Newly Explored Dirt Distance",
    "Activity Count",
    "Total Steps",
    "Carbon Saved",
    "Pool Length",
    "Training Load",
    "Intensity",
    "Average Grade Adjusted Pace",
    "Timer Time",
    "Total Cycles",
    "Media",
)
"""The columns of an English ``activities.csv`` (names repeat; columns count by position)."""

_COL: Final = {name: i for i, name in reversed(list(enumerate(HEADER)))}
"""A name's first position."""

_STRAVA_TYPES: Final = {"strength": "Weight Training", "yoga": "Yoga", "pilates": "Pilates"}
"""The kinds of other sessions the runner logs on Strava, with their Strava type."""


@dataclass(frozen=True)
class StravaExport:
    """What :func:`write_strava_export` wrote.

    Parameters
    ----------
    path
        The zip archive.
    activities
        Rows of ``activities.csv`` [count].
    recordings
        FIT files under ``activities/`` [count].
    records
        ``record`` messages in them all [count].
    """

    path: Path
    activities: int
    recordings: int
    records: int


def _date(t: dt.datetime) -> str:
    """A UTC time as an English export writes it: ``Jan 5, 2024, 7:03:12 AM``."""
    hour = t.hour % 12 or 12
    return f"{t:%b} {t.day}, {t.year}, {hour}:{t:%M:%S} {'AM' if t.hour < 12 else 'PM'}"


def _time_of_day(local: dt.datetime) -> str:
    """Strava's word for the time of day in its default activity names."""
    h = local.hour
    if h < 4 or h >= 21:
        return "Night"
    if h < 11:
        return "Morning"
    if h < 14:
        return "Lunch"
    return "Afternoon" if h < 17 else "Evening"


def run_name(run: RunPlan, rec: Recording) -> tuple[str, str]:
    """The runner's name and description of a run on Strava.

    Interval sessions are renamed by the repeats, ``6x800m`` (the distance of a fast repeat
    rounded to 100 m); other runs keep Strava's default (``Evening Run``) unless the runner
    typed a title on the watch. The watch title goes to the description.
    """
    work = run.windows("work")
    if run.kind == "intervals" and work:
        metres = [rec.distance_m[np.searchsorted(rec.t_s, [a, b])] for a, b in work]
        rep = float(np.median([b - a for a, b in metres]))
        return f"{len(work)}x{max(100, round(rep / 100) * 100)}m", run.notes or ""
    if run.notes and run.kind in ("tempo", "long", "race"):
        return run.notes, ""
    return f"{_time_of_day(run.start_local)} Run", run.notes or ""


def _run_row(activity_id: int, run: RunPlan, rec: Recording, filename: str) -> list[str]:
    row = [""] * len(HEADER)
    last = int(rec.t_s[-1])
    moving = last - rec.paused_s
    distance = float(rec.distance_m[-1])
    hr = rec.hr_bpm[~np.isnan(rec.hr_bpm)]
    moving_cad = rec.cadence_spm[rec.cadence_spm > 0]
    climb = np.diff(rec.altitude_m)
    name, description = run_name(run, rec)
    values = {
        "Activity ID": str(activity_id),
        "Activity Date": _date(rec.start_utc),
        "Activity Name": name,
        "Activity Type": "Run",
        "Activity Description": description,
        "Elapsed Time": str(last),
        "Distance": f"{distance / 1000:.2f}",
        "Max Heart Rate": f"{hr.max():.1f}" if len(hr) else "",
        "Commute": "false",
        "Filename": filename,
        "Moving Time": f"{moving:.1f}",
        "Max Speed": f"{rec.speed_mps.max():.1f}",
        "Average Speed": f"{distance / moving if moving else 0.0:.3f}",
        "Elevation Gain": f"{climb[climb > 0].sum():.1f}",
        "Elevation Loss": f"{-climb[climb < 0].sum():.1f}",
        "Elevation Low": f"{rec.altitude_m.min():.1f}",
        "Elevation High": f"{rec.altitude_m.max():.1f}",
        "Average Cadence": f"{moving_cad.mean() / 2:.1f}" if len(moving_cad) else "",
        "Average Heart Rate": f"{hr.mean():.1f}" if len(hr) else "",
        "Calories": str(sum(lap.calories for lap in rec.laps)),
        "Timer Time": f"{moving:.1f}",
        "From Upload": "1.0",
    }
    for key, value in values.items():
        row[_COL[key]] = value
    # the second block, in seconds and metres
    row[HEADER.index("Elapsed Time", _COL["Elapsed Time"] + 1)] = f"{last:.1f}"
    row[HEADER.index("Distance", _COL["Distance"] + 1)] = f"{distance:.1f}"
    row[HEADER.index("Max Heart Rate", _COL["Max Heart Rate"] + 1)] = values["Max Heart Rate"]
    return row


def _other_row(activity_id: int, other: OtherPlan) -> list[str]:
    row = [""] * len(HEADER)
    kind = _STRAVA_TYPES[other.kind]
    name = other.title or f"{_time_of_day(other.start_local)} {kind}"
    values = {
        "Activity ID": str(activity_id),
        "Activity Date": _date(to_utc(other.start_local)),
        "Activity Name": name,
        "Activity Type": kind,
        "Activity Description": other.notes,
        "Elapsed Time": str(other.duration_s),
        "Distance": "0.00",
        "Commute": "false",
        "Moving Time": f"{other.duration_s:.1f}",
        "Perceived Exertion": "" if other.rpe is None else f"{other.rpe:.1f}",
        "Prefer Perceived Exertion": "" if other.rpe is None else "1.0",
        "From Upload": "0.0",
    }
    for key, value in values.items():
        row[_COL[key]] = value
    row[HEADER.index("Elapsed Time", _COL["Elapsed Time"] + 1)] = f"{other.duration_s:.1f}"
    row[HEADER.index("Distance", _COL["Distance"] + 1)] = "0.0"
    return row


_ZIP_TIME: Final = (2026, 1, 1, 0, 0, 0)
"""The modification time of every member (fixed, so the same arguments give the same bytes)."""


@dataclass(frozen=True)
class _Job:
    seed: int
    run: RunPlan
    every_s: int
    compresslevel: int
    filename: str
    activity_id: int


@dataclass(frozen=True)
class _Done:
    filename: str
    data: bytes
    row: list[str]
    records: int


def _encode_run(job: _Job) -> _Done:
    """Simulate, record and encode one run (in a worker process)."""
    rng = np.random.default_rng((job.seed, 1, job.run.index))
    rec = record(job.run, simulate(job.run, rng), rng, every_s=job.every_s)
    data = fit_gz(rec, compresslevel=job.compresslevel)
    return _Done(
        job.filename, data, _run_row(job.activity_id, job.run, rec, job.filename), len(rec.t_s)
    )


def write_strava_export(
    to: str | Path,
    *,
    weeks: int = round(5 * WEEKS_PER_YEAR),
    seed: int = DEFAULT_SEED,
    start: dt.date = EXPORT_START,
    every_s: int = 1,
    compresslevel: int = 1,
    workers: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> StravaExport:
    """Write ``weeks`` of the sample runner as a Strava bulk export zip.

    Parameters
    ----------
    to
        The archive to write (a path ending in ``.zip``), or a folder to write
        ``export_sample.zip`` into; folders are created when missing.
    weeks
        How many weeks [weeks], at least 1; the default is five years.
    seed
        Seed of the plan and of every run's random numbers.
    start
        The first day [local date].
    every_s
        Recording interval [s] of the FIT files.
    compresslevel
        gzip level of the ``.fit.gz`` files, 1 (fast, and hardly bigger) to 9 (small).
    workers
        Processes simulating and encoding the runs; ``None`` for one per core, 1 for none.
    progress
        Called as ``progress(done, total, name)`` after each activity.

    Returns
    -------
    StravaExport
        The archive's path and what it holds.

    Raises
    ------
    ValueError
        If ``weeks`` is less than 1.
    """
    target = Path(to)
    path = target if target.suffix.lower() == ".zip" else target / "export_sample.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    plan = make_plan(weeks=weeks, seed=seed, start=start)
    others = [o for o in plan.others if o.kind in _STRAVA_TYPES]
    events: list[tuple[dt.datetime, int, RunPlan | OtherPlan]] = [
        *((r.start_local, 0, r) for r in plan.runs),
        *((o.start_local, 1, o) for o in others),
    ]
    events.sort(key=lambda e: (e[0], e[1]))
    ids = [FIRST_ID + 7919 * i + 13 * (i % 7) for i in range(len(events))]
    jobs = [
        _Job(seed, item, every_s, compresslevel, f"activities/{ids[i]}.fit.gz", ids[i])
        for i, (_, _, item) in enumerate(events)
        if isinstance(item, RunPlan)
    ]
    n_workers = (os.cpu_count() or 1) if workers is None else max(1, workers)
    rows: list[list[str]] = []
    records = recordings = 0
    tmp = path.with_name(path.name + ".part")
    with contextlib.ExitStack() as stack:
        zf = stack.enter_context(zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED))
        if n_workers > 1 and len(jobs) > 1:
            pool = stack.enter_context(ProcessPoolExecutor(min(n_workers, len(jobs))))
            done: Iterator[_Done] = pool.map(_encode_run, jobs, chunksize=4)
        else:
            done = map(_encode_run, jobs)
        for i, (_, _, item) in enumerate(events):
            if isinstance(item, RunPlan):
                result = next(done)
                # the recordings are gzipped already: stored, as deflating them gains nothing
                info = zipfile.ZipInfo(result.filename, date_time=_ZIP_TIME)
                zf.writestr(info, result.data, compress_type=zipfile.ZIP_STORED)
                rows.append(result.row)
                records += result.records
                recordings += 1
            else:
                rows.append(_other_row(ids[i], item))
            if progress is not None:
                progress(i + 1, len(events), str(ids[i]))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
        info = zipfile.ZipInfo("activities.csv", date_time=_ZIP_TIME)
        zf.writestr(info, buf.getvalue().encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    tmp.replace(path)
    return StravaExport(path, len(rows), recordings, records)


def weeks_in(years: float) -> int:
    """The whole number of weeks nearest to ``years`` [years], at least 1."""
    return max(1, round(years * WEEKS_PER_YEAR))


__all__ = ["HEADER", "StravaExport", "run_name", "weeks_in", "write_strava_export"]
