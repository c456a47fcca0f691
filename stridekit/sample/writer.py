"""Write the sample runner's folder: FIT (or TCX) runs, the hand-kept CSVs, and ``truth.json``.

The folder holds

- ``runs/<YYYY-MM-DD>-<kind>.fit.gz``: one gzipped FIT activity file per run (with
  ``format="tcx"``, ``runs/<YYYY-MM-DD>-<kind>.tcx.gz``, gzipped TCX v2, instead);
- ``sessions.csv`` and ``sets.csv``: strength and mobility sessions as described in
  ``docs/log-format.md`` (runs are not in them);
- ``truth.json``: what was planted, to test analyses against.

Every file is a pure function of ``(weeks, seed, start, format)``: same arguments, same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any, Final

import numpy as np

from stridekit.sample.fit_writer import fit_gz
from stridekit.sample.physiology import simulate
from stridekit.sample.plan import (
    DEFAULT_SEED,
    DEFAULT_START,
    DEFAULT_WEEKS,
    TIMEZONE,
    OtherPlan,
    Plan,
    RunPlan,
    make_plan,
)
from stridekit.sample.route import HOME
from stridekit.sample.tcx_writer import tcx_gz
from stridekit.sample.watch import Recording, record, to_utc

SESSIONS_COLUMNS = (
    "session",
    "date",
    "start",
    "timezone",
    "sport",
    "kind",
    "title",
    "distance",
    "duration",
    "rpe",
    "notes",
)
"""Header of ``sessions.csv``."""

FORMATS: Final = ("fit", "tcx")
"""The formats the runs can be written in; the first is the default."""

SETS_COLUMNS = ("session", "exercise", "set", "reps", "weight_kg", "duration_s", "rest_s")
"""Header of ``sets.csv``."""


def _iso_utc(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(x: float) -> str:
    """A number for a CSV cell: no trailing ``.0`` on whole numbers."""
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _csv(rows: list[tuple[str, ...]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def sessions_csv(others: tuple[OtherPlan, ...]) -> bytes:
    """``sessions.csv`` for the strength and mobility sessions, UTF-8 with ``\\n`` endings."""
    rows: list[tuple[str, ...]] = [SESSIONS_COLUMNS]
    for o in others:
        rows.append(
            (
                o.key,
                o.start_local.date().isoformat(),
                o.start_local.strftime("%H:%M"),
                TIMEZONE,
                o.sport_word,
                o.kind_word,
                o.title,
                "",
                o.duration_text,
                "" if o.rpe is None else str(o.rpe),
                o.notes,
            )
        )
    return _csv(rows)


def sets_csv(others: tuple[OtherPlan, ...]) -> bytes:
    """``sets.csv``: one row per strength set, numbered from 1 within each session."""
    rows: list[tuple[str, ...]] = [SETS_COLUMNS]
    for o in others:
        for i, s in enumerate(o.sets, start=1):
            rows.append(
                (
                    o.key,
                    s.exercise,
                    str(i),
                    "" if s.reps is None else str(s.reps),
                    _num(s.weight_kg),
                    "" if s.duration_s is None else str(s.duration_s),
                    str(s.rest_s),
                )
            )
    return _csv(rows)


def run_file(run: RunPlan, format: str = "fit") -> str:
    """The run's path relative to the folder: ``runs/<YYYY-MM-DD>-<kind>.<format>.gz``."""
    return f"runs/{run.start_local.date().isoformat()}-{run.kind}.{format}.gz"


_NO_DETAILS: dict[str, Any] = {
    "cooldown_s": None,
    "distance_m": None,
    "duration_s": None,
    "focus": None,
    "laps": None,
    "moving_s": None,
    "overstride": None,
    "paused": None,
    "repeats": None,
    "sets": None,
    "tempo": None,
    "title": None,
    "trackpoints": None,
    "warm": None,
    "warmup_s": None,
}
"""Every truth entry has the same keys; those that do not apply are null."""


def _run_truth(run: RunPlan, rec: Recording, file: str) -> dict[str, Any]:
    # Repeat boundaries are the planted segment boundaries on the t_s clock (wall-clock
    # seconds since the first trackpoint, pauses included). Speed ramps of 3-6 s are centred
    # on them, so each boundary is mid-ramp; the lap button presses are 1 s early to 2 s late.
    tempo = run.windows("work") if run.kind == "tempo" else []
    repeats = run.windows("work") if run.kind == "intervals" else []
    return {
        **_NO_DETAILS,
        "file": file,
        "session": None,
        "start_utc": _iso_utc(rec.start_utc),
        "local_date": run.start_local.date().isoformat(),
        "week": run.week,
        "sport": "run",
        "kind": run.kind,
        "focus": run.focus,
        "title": run.notes,
        "duration_s": int(rec.t_s[-1]),
        "moving_s": int(rec.t_s[-1]) - rec.paused_s,
        "distance_m": round(float(rec.distance_m[-1]), 1),
        "warmup_s": run.warmup_s,
        "cooldown_s": run.cooldown_s,
        "repeats": [{"start_s": a, "end_s": b} for a, b in repeats],
        "tempo": {"start_s": tempo[0][0], "end_s": tempo[0][1]} if tempo else None,
        "paused": rec.paused_s > 0,
        "overstride": run.overstride,
        "trackpoints": len(rec.t_s),
        "laps": len(rec.laps),
    }


def _other_truth(o: OtherPlan) -> dict[str, Any]:
    return {
        **_NO_DETAILS,
        "file": "sessions.csv",
        "session": o.key,
        "start_utc": _iso_utc(to_utc(o.start_local)),
        "local_date": o.start_local.date().isoformat(),
        "week": o.week,
        "sport": o.sport,
        "kind": o.kind,
        "title": o.title or None,
        "duration_s": o.duration_s,
        "sets": len(o.sets) if o.sport == "strength" else None,
        "warm": o.warm,
    }


def _generator(plan: Plan) -> dict[str, Any]:
    def day(w: int) -> str:
        return (plan.start + dt.timedelta(days=7 * w)).isoformat()

    return {
        "name": "stridekit.sample",
        "seed": plan.seed,
        "weeks": plan.weeks,
        "start": plan.start.isoformat(),
        "timezone": TIMEZONE,
        "home": {"lat_deg": HOME[0], "lon_deg": HOME[1]},
        "sick_weeks": [{"week": w, "monday": day(w)} for w in plan.sick_weeks],
        "holiday_weeks": [{"week": w, "monday": day(w)} for w in plan.holiday_weeks],
        "overstride_weeks": [{"week": w, "monday": day(w)} for w in plan.overstride_weeks],
        "race_weeks": [{"week": w, "monday": day(w)} for w in plan.race_weeks],
        "t_s": "wall-clock seconds since the session's first trackpoint, pauses included",
        "repeats": "planted boundaries of each fast repeat; 3-6 s speed ramps are centred on them",
    }


def write_sample(
    to: str | Path,
    *,
    weeks: int = DEFAULT_WEEKS,
    seed: int = DEFAULT_SEED,
    start: dt.date = DEFAULT_START,
    format: str = "fit",
) -> Path:
    """Write the realistic sample runner's training log into the folder ``to``.

    Parameters
    ----------
    to
        The folder to write into; created when missing. Files of the same names are
        overwritten, others are left alone.
    weeks
        How many weeks to generate [weeks], at least 1.
    seed
        Seed of the random generator; the same arguments always give the same bytes.
    start
        The first day (a Monday for the bundled sample) [local date].
    format
        ``fit`` (gzipped FIT activity files, as a watch writes them) or ``tcx`` (gzipped
        TCX v2).

    Returns
    -------
    pathlib.Path
        The folder ``to``.

    Raises
    ------
    ValueError
        If ``weeks`` is less than 1 or ``format`` is not one of :data:`FORMATS`.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    encode = fit_gz if format == "fit" else tcx_gz
    folder = Path(to)
    plan = make_plan(weeks=weeks, seed=seed, start=start)
    (folder / "runs").mkdir(parents=True, exist_ok=True)
    truth: list[dict[str, Any]] = []
    for run in plan.runs:
        rng = np.random.default_rng((seed, 1, run.index))
        rec = record(run, simulate(run, rng), rng)
        file = run_file(run, format)
        (folder / file).write_bytes(encode(rec))
        truth.append(_run_truth(run, rec, file))
    truth += [_other_truth(o) for o in plan.others]
    truth.sort(key=lambda s: (s["start_utc"], s["file"], s["session"] or ""))
    (folder / "sessions.csv").write_bytes(sessions_csv(plan.others))
    (folder / "sets.csv").write_bytes(sets_csv(plan.others))
    doc = {"generator": _generator(plan), "sessions": truth}
    text = json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    (folder / "truth.json").write_bytes(text.encode("utf-8"))
    return folder
