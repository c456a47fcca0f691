"""Strength work: does the runner do strength sessions on the days between runs, as many a
week as they aim for, and cover the five advised groups of exercises?

The strength tables of the whole log are computed once per log (kept in memory for the
kernel and as Parquet by :func:`stridekit.io.cache.cached_frame`); a view only slices them by
date and adds them up per week, so a control change costs milliseconds before the charts.
"""

from __future__ import annotations

import datetime as dt
import html
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from stridekit.analysis.strength import (
    exercise_names,
    strength_calendar,
    strength_sessions,
)
from stridekit.analysis.weekly import week_start
from stridekit.charts.strength import (
    calendar_heatmap,
    day_hover,
    exercise_coverage_heatmap,
    placement_by_weekday,
    sessions_per_week,
)
from stridekit.dashboard.common import LazyFigures, Panel, View, dashboard_page
from stridekit.exercises import ADVISED, advised_group
from stridekit.io.cache import cached_frame
from stridekit.log import TrainingLog
from stridekit.units import UNITS, distance_in, format_duration

STRENGTH_TABLES_VERSION = 2  # 2: the days table has the calendar's hover texts
"""Bump when :func:`days_table`, :func:`groups_table` or the analyses they call change."""


# -- the whole log, once -------------------------------------------------------------------


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if np.isfinite(seconds) and seconds > 0 else ""


def _session_lines(sessions: pd.DataFrame, sets: pd.DataFrame, units: str) -> pd.Series:
    """One line of hover HTML per session: what it was, how long, what it held."""
    names = exercise_names(sets).str.replace("_", " ")
    per_session: dict[str, str] = {}
    for sid, group in names.groupby(sets["session_id"], sort=False):
        counts = group.value_counts(sort=False)
        per_session[str(sid)] = ", ".join(
            f"{html.escape(str(n))} {c} set{'' if c == 1 else 's'}" for n, c in counts.items()
        )
    lines = []
    columns = ("session_id", "sport", "kind", "duration_s", "distance_m", "rpe")
    for sid, sport, recorded, duration, distance, rpe in zip(
        *(sessions[c].tolist() for c in columns), strict=True
    ):
        kind = recorded if isinstance(recorded, str) else sport
        if sport == "run":
            parts = [f"{html.escape(kind)} run"]
            if np.isfinite(distance) and distance > 0:
                parts.append(f"{distance_in(distance, units):.1f} {units}")
            if np.isfinite(duration) and duration > 0:
                parts.append(f"in {format_duration(duration)}")
            lines.append(" ".join(parts))
        elif sport == "strength":
            head = " ".join(p for p in ("strength", _minutes(duration)) if p)
            held = per_session.get(str(sid), "")
            tail = f" (RPE {rpe:g})" if np.isfinite(rpe) else ""
            lines.append(f"{head}: {held}{tail}" if held else f"{head}{tail}")
        else:
            lines.append(" ".join(p for p in (html.escape(kind), _minutes(duration)) if p))
    return pd.Series(lines, index=sessions.index, dtype="str")


def days_table(log: TrainingLog) -> pd.DataFrame:
    """Every day of the log's weeks, for the calendar and the weekly counts.

    Returns
    -------
    pandas.DataFrame
        :func:`stridekit.analysis.strength.strength_calendar` of the whole log (``date``,
        ``week``, ``weekday``, ``sessions``, ``sets``, ``duration_s`` [s], ``run``), with
        ``detail_km`` and ``detail_mi``: the day's sessions, one per line (HTML, ``<br>``
        between them), distances in km or in miles; ``hover_km`` and ``hover_mi``: the
        calendar's hover text with them (:func:`~stridekit.charts.strength.day_hover`).
    """
    calendar = strength_calendar(log.sessions, log.sets)
    if calendar.empty:
        return calendar.assign(
            **{f"{c}_{u}": pd.Series(dtype="str") for c in ("detail", "hover") for u in UNITS}
        )
    sessions = log.sessions.sort_values("start_utc", kind="stable")
    day = sessions["local_date"].dt.normalize().astype("datetime64[ns]")
    for units in UNITS:
        lines = _session_lines(sessions, log.sets, units)
        joined = lines.groupby(day.to_numpy(), sort=False).agg("<br>".join)
        detail = joined.reindex(calendar["date"].to_numpy()).fillna("")
        calendar[f"detail_{units}"] = pd.array(detail.to_numpy(), dtype="str")
        hover = day_hover(calendar.rename(columns={f"detail_{units}": "detail"}))
        calendar[f"hover_{units}"] = pd.array(hover.to_numpy(), dtype="str")
    return calendar


def groups_table(log: TrainingLog) -> pd.DataFrame:
    """Sets of each advised group in each strength session.

    Returns
    -------
    pandas.DataFrame
        One row per strength session and advised group it held: ``session_id``, ``date``
        (local, midnight), ``exercise`` (one of :data:`stridekit.exercises.ADVISED`) and
        ``sets``.
    """
    strength = log.sessions.loc[log.sessions["sport"] == "strength"]
    own = log.sets.loc[log.sets["session_id"].isin(strength["session_id"])]
    date_of = pd.Series(
        strength["local_date"].dt.normalize().astype("datetime64[ns]").to_numpy(),
        index=strength["session_id"].to_numpy(),
    )
    tidy = pd.DataFrame(
        {
            "session_id": own["session_id"].astype("str"),
            "exercise": exercise_names(own).map(advised_group),
        }
    ).dropna()
    out = tidy.groupby(["session_id", "exercise"], sort=True).size().rename("sets").reset_index()
    out.insert(1, "date", date_of.reindex(out["session_id"]).to_numpy(dtype="datetime64[ns]"))
    out["sets"] = out["sets"].astype("int64")
    out["exercise"] = out["exercise"].astype("str")
    return out


@dataclass(frozen=True)
class StrengthTables:
    """The strength tables of a whole log (see :func:`tables`)."""

    days: pd.DataFrame
    sessions: pd.DataFrame
    groups: pd.DataFrame


_seen: dict[int, StrengthTables] = {}
"""Tables by ``id`` of the log, dropped when the log is collected."""


def tables(log: TrainingLog) -> StrengthTables:
    """The log's strength tables: in memory once per kernel, as Parquet across kernels."""
    key = id(log)
    if key not in _seen:

        def cached(name: str, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
            return cached_frame(
                log.fingerprint, f"strength:{name}", STRENGTH_TABLES_VERSION, compute
            )

        sessions = cached("sessions", lambda: strength_sessions(log.sessions, log.sets))
        groups = cached("groups", lambda: groups_table(log))
        _seen[key] = StrengthTables(
            days=cached("days", lambda: days_table(log)),
            sessions=sessions.sort_values("local_date", kind="stable", ignore_index=True),
            groups=groups.sort_values("date", kind="stable", ignore_index=True),
        )
        weakref.finalize(log, _seen.pop, key, None)
    return _seen[key]


# -- one view ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """The strength tables of one date range, ready for the charts.

    Attributes
    ----------
    calendar
        The days in the range (``days_table`` rows).
    weekly
        One row per week of the range: ``week``, ``sessions``, ``rest_day``, ``run_day``.
    coverage
        One row per week and advised group: ``week``, ``exercise``, ``sets``, ``sessions``,
        ``covered``.
    sessions
        The strength sessions in the range (``strength_sessions`` rows).
    """

    calendar: pd.DataFrame
    weekly: pd.DataFrame
    coverage: pd.DataFrame
    sessions: pd.DataFrame


def _span(dates: pd.Series, start: dt.date | None, end: dt.date | None) -> slice:
    """The rows of ``dates`` (sorted) in ``[start, end]``."""
    values = dates.to_numpy(dtype="datetime64[ns]")
    first = 0 if start is None else np.searchsorted(values, np.datetime64(start, "ns"), "left")
    last = (
        len(values) if end is None else np.searchsorted(values, np.datetime64(end, "ns"), "right")
    )
    return slice(int(first), int(last))


def days_shown(data: StrengthTables, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
    """The days of ``[start, end]`` (``days_table`` rows): all the calendar needs."""
    return data.days.iloc[_span(data.days["date"], start, end)]


def shown(data: StrengthTables, start: dt.date | None, end: dt.date | None) -> Shown:
    """Slice the whole log's tables to ``[start, end]`` and add them up per week.

    The same numbers as :func:`~stridekit.analysis.strength.weekly_strength` and
    :func:`~stridekit.analysis.strength.exercise_coverage` called on the range.
    """
    calendar = days_shown(data, start, end)
    weeks, week_of = np.unique(
        calendar["week"].to_numpy(dtype="datetime64[ns]"), return_inverse=True
    )
    n = calendar["sessions"].to_numpy(dtype="int64")
    run = calendar["run"].to_numpy(dtype=bool)
    rest_day = np.bincount(week_of, weights=n * ~run, minlength=len(weeks)).astype("int64")
    run_day = np.bincount(week_of, weights=n * run, minlength=len(weeks)).astype("int64")
    weekly = pd.DataFrame(
        {
            "week": pd.DatetimeIndex(weeks, name="week"),
            "sessions": rest_day + run_day,
            "rest_day": rest_day,
            "run_day": run_day,
        }
    )
    groups = data.groups.iloc[_span(data.groups["date"], start, end)]
    column = np.searchsorted(weeks, week_start(groups["date"]).to_numpy(dtype="datetime64[ns]"))
    row = pd.Categorical(groups["exercise"], categories=list(ADVISED)).codes.astype("int64")
    slot = column * len(ADVISED) + row
    size = len(weeks) * len(ADVISED)
    sets = np.bincount(slot, weights=groups["sets"].to_numpy(dtype="int64"), minlength=size)
    coverage = pd.DataFrame(
        {
            "week": np.repeat(weeks, len(ADVISED)),
            "exercise": pd.array(np.tile(list(ADVISED), len(weeks)), dtype="str"),
            "sets": sets.astype("int64"),
            "sessions": np.bincount(slot, minlength=size).astype("int64"),
            "covered": sets > 0,
        }
    )
    sessions = data.sessions.iloc[_span(data.sessions["local_date"], start, end)]
    return Shown(calendar, weekly, coverage, sessions)


def steady_figures(part: Shown, view: View) -> dict[str, go.Figure]:
    """The charts that do not depend on the target: calendar, coverage and placement."""
    theme = view.theme
    calendar = part.calendar.rename(columns={f"hover_{view.units}": "hover"})
    return {
        "calendar": calendar_heatmap(calendar, theme=theme),
        "coverage": exercise_coverage_heatmap(part.coverage, theme=theme),
        "placement": placement_by_weekday(part.sessions, theme=theme),
    }


def target_figure(part: Shown, view: View) -> go.Figure:
    """Sessions per week against the view's target."""
    return sessions_per_week(part.weekly, target=view.strength_target, theme=view.theme)


def figures(part: Shown, view: View) -> dict[str, go.Figure]:
    """The dashboard's charts, by name, in page order."""
    steady = steady_figures(part, view)
    return {
        "calendar": steady["calendar"],
        "per_week": target_figure(part, view),
        "coverage": steady["coverage"],
        "placement": steady["placement"],
    }


def _runs_of(met: np.ndarray) -> tuple[int, int, int]:
    """The current run of ``True`` (up to the end), the longest, and where the longest ends
    (the latest of equals); ``(0, 0, -1)`` when none."""
    longest, longest_end, length = 0, -1, 0
    for i, ok in enumerate(met):
        length = length + 1 if ok else 0
        if length and length >= longest:
            longest, longest_end = length, i
    return length, longest, longest_end


def headline(part: Shown, target: int) -> str:
    """One line of HTML: the current and longest streak of weeks meeting ``target``, and
    how many sessions fell on days between runs."""
    weekly = part.weekly
    if weekly.empty:
        return "<p>No days in this date range.</p>"
    total = int(weekly["sessions"].sum())
    weeks = len(weekly)
    if total == 0:
        return (
            f"<p>No strength sessions in these {weeks} weeks. Strength sessions in your "
            "hand-kept log or strength workouts from your watch fill this page.</p>"
        )
    rest = int(weekly["rest_day"].sum())
    counts = (
        f"{total} strength session{'s' if total != 1 else ''} in {weeks} "
        f"week{'s' if weeks != 1 else ''}, {rest} of them ({100 * rest / total:.0f} %) "
        "on days between runs."
    )
    if target < 1:
        return f"<p>{counts} Set a target of at least one session a week to count streaks.</p>"
    met = (weekly["sessions"] >= target).to_numpy()
    current, longest, end = _runs_of(met)
    aim = f"your target of {target} a week"
    if longest == 0:
        return f"<p><b>No week met {aim} yet.</b> {counts}</p>"
    first, last = weekly["week"].iloc[end - longest + 1], weekly["week"].iloc[end]
    span = f"{first:%d %b %Y}" if longest == 1 else f"{first:%d %b} to {last:%d %b %Y}"
    best = f"longest {longest} week{'s' if longest != 1 else ''} (from the week of {span})"
    if current:
        since = weekly["week"].iloc[len(weekly) - current]
        now = (
            f"<b>Current streak: {current} week{'s' if current != 1 else ''}</b> at {aim} "
            f"(since the week of {since:%d %b %Y})"
        )
    else:
        now = f"<b>Current streak: none</b>: the last week shown is under {aim}"
    return f"<p>{now}; {best}; {int(met.sum())} of {weeks} weeks met it. {counts}</p>"


KEY = "strength"
TITLE = "Strength between runs"
SUBTITLE = (
    "The advice: strength work (calf raises, squats, lunges, knee raises, core) on the days "
    "between runs. Do you do it, as often as you aim to, and all of it?"
)


def panel(log: TrainingLog, view: View) -> Panel:
    """The dashboard's charts on ``log``, for the overview's tab or its own page."""
    data = tables(log)

    @lru_cache(maxsize=16)
    def part(first: dt.date | None, last: dt.date | None) -> Shown:
        return shown(data, first, last)

    # each chart is built for what it depends on: the units only change the calendar's
    # hover, the target only the weekly bars; a view already seen builds none. The calendar,
    # first on the page, needs only the range's days, not its weekly tables.
    @lru_cache(maxsize=32)
    def calendar(first: dt.date | None, last: dt.date | None, units: str, theme: str) -> go.Figure:
        days = days_shown(data, first, last).rename(columns={f"hover_{units}": "hover"})
        return calendar_heatmap(days, theme=theme)

    @lru_cache(maxsize=16)
    def steady(first: dt.date | None, last: dt.date | None, theme: str) -> dict[str, go.Figure]:
        shown = part(first, last)
        return {
            "coverage": exercise_coverage_heatmap(shown.coverage, theme=theme),
            "placement": placement_by_weekday(shown.sessions, theme=theme),
        }

    @lru_cache(maxsize=32)
    def per_week(first: dt.date | None, last: dt.date | None, target: int, theme: str) -> go.Figure:
        return sessions_per_week(part(first, last).weekly, target=target, theme=theme)

    def draw(v: View) -> LazyFigures:
        return LazyFigures(
            {
                "calendar": lambda: calendar(v.start, v.end, v.units, v.theme),
                "per_week": lambda: per_week(v.start, v.end, v.strength_target, v.theme),
                "coverage": lambda: steady(v.start, v.end, v.theme)["coverage"],
                "placement": lambda: steady(v.start, v.end, v.theme)["placement"],
            }
        )

    return Panel(draw, view, text=lambda v: headline(part(v.start, v.end), v.strength_target))


def app(
    log: str | Path | TrainingLog | None = None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    units: str = "km",
) -> widgets.VBox:
    """The strength dashboard as a widget.

    Parameters
    ----------
    log
        A log, a path to one, or ``None`` for the default log (see
        :func:`stridekit.dashboard.common.open_log`).
    start, end
        First and last date shown (``"2025-03-01"``); default the whole log.
    units
        ``"km"`` or ``"mi"`` (distances of the runs in the calendar's hover).
    """
    return dashboard_page(
        panel, log, start=start, end=end, units=units, key=KEY, title=TITLE, subtitle=SUBTITLE
    )
