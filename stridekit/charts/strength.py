"""Strength charts: a calendar of strength and run days, sessions per week against a target,
exercise coverage week by week, and where strength sessions fall relative to runs.

Each chart is a function of a tidy table from :mod:`stridekit.analysis.strength` that returns
a plotly Figure built from plain dicts (see :mod:`stridekit.charts.base`). ``theme`` is
``"light"`` or ``"dark"``; ``title`` replaces the default title; ``target`` is the runner's
strength sessions a week [sessions/week]. A chart with nothing to show says what data would
fill it.
"""

from __future__ import annotations

import html
from typing import Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from stridekit.charts.base import Trace, empty_figure, figure, long_range
from stridekit.exercises import ADVISED
from stridekit.theme import template_json

WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Weekday labels, Monday first (weekday 0)."""

DAY_STATES: Final = ("rest", "run", "strength", "both")
"""What a calendar day held: nothing, a run only, strength only, or strength and a run."""
STATE_WORDS: Final = ("rest", "a run", "strength between runs", "strength and a run")
MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

PLACEMENT_COLOURS: Final = {"rest_day": "#009E73", "run_day": "#E69F00"}
"""Strength on a day between runs (what the advice asks) and strength on a run day."""

RUN_COLOUR: Final = "#56B4E9"
UNDER_TARGET_COLOUR: Final = "#CC79A7"
TARGET_COLOUR: Final = "#0072B2"
EMPTY_CELL: Final = {"light": "#EBEDF0", "dark": "#2D333B"}
"""A day or week with nothing, per theme (GitHub's empty cell)."""
COVERAGE_SCALE: Final = {"light": ("#C6DBEF", "#0072B2"), "dark": ("#1B4F72", "#56B4E9")}
"""Light to strong for one to most sets of a group in a week, per theme (one hue, so the
order reads in every colour vision)."""

GROUP_LABELS: Final = {
    "calf_raise": "calf raises",
    "squat": "squats",
    "lunge": "lunges",
    "knee_raise": "knee raises",
    "core": "core",
}
"""How the advised groups (:data:`stridekit.exercises.ADVISED`) read on an axis."""

NO_STRENGTH: Final = (
    "No strength sessions in this date range. Strength sessions in your hand-kept log "
    "(docs/log-format.md) or strength workouts recorded on your watch fill this chart."
)


def _iso(days: pd.Series | np.ndarray) -> list[str]:
    """Dates as ``YYYY-MM-DD`` (vectorised: a five-year log has 1,800 days)."""
    values = np.asarray(days, dtype="datetime64[ns]").astype("datetime64[D]")
    return np.datetime_as_string(values, unit="D").tolist()


def _week_labels(weeks: pd.Series | np.ndarray) -> list[str]:
    """Hover labels of Mondays, as :func:`stridekit.charts.base.week_labels` writes them."""
    return [f"week of Mon {d[8:10]} {MONTHS[int(d[5:7]) - 1]} {d[:4]}" for d in _iso(weeks)]


def _rows_axis(labels: list[str]) -> dict[str, object]:
    """A y axis of numbered rows, first at the top, each labelled (numbers keep the traces'
    ``y`` numeric for anything reading the drawn data)."""
    return {
        "autorange": "reversed",
        "showgrid": False,
        "zeroline": False,
        "fixedrange": True,
        "tickvals": list(range(len(labels))),
        "ticktext": labels,
    }


def _no_days(title: str, theme: str) -> go.Figure:
    return empty_figure(
        title,
        "No days in this date range. Widen the range, or add sessions to your log.",
        theme=theme,
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _share(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole``, or an empty string when ``whole`` is zero."""
    return f" ({100 * part / whole:.0f} %)" if whole else ""


def _check_theme(theme: str) -> None:
    template_json(theme)  # raises ValueError naming the valid themes


def _day_states(calendar: pd.DataFrame) -> np.ndarray:
    """Each day's index in :data:`DAY_STATES`: rest 0, run 1, strength 2, both 3."""
    strength = calendar["sessions"].to_numpy(dtype="int64") > 0
    run = calendar["run"].to_numpy(dtype=bool)
    return strength.astype("int64") * 2 + run.astype("int64")


def day_hover(calendar: pd.DataFrame) -> pd.Series:
    """Each day's hover text in :func:`calendar_heatmap`: ``Tue 04 Mar 2025: strength and a
    run``, then the ``detail`` column's lines when there is one.

    Parameters
    ----------
    calendar
        As for :func:`calendar_heatmap`.

    Returns
    -------
    pandas.Series
        HTML text, one per row of ``calendar``.
    """
    weekday = calendar["weekday"].to_numpy(dtype="int64").tolist()
    state = _day_states(calendar).tolist()
    iso = _iso(calendar["date"])
    details = calendar["detail"].tolist() if "detail" in calendar.columns else [""] * len(iso)
    texts = []
    for r, s, day, detail in zip(weekday, state, iso, details, strict=True):
        head = f"{WEEKDAYS[r]} {day[8:10]} {MONTHS[int(day[5:7]) - 1]} {day[:4]}: {STATE_WORDS[s]}"
        texts.append(f"{head}<br>{detail}" if isinstance(detail, str) and detail else head)
    return pd.Series(texts, index=calendar.index, dtype=object)


def calendar_heatmap(
    calendar: pd.DataFrame,
    *,
    theme: str = "light",
    title: str | None = None,
) -> go.Figure:
    """A GitHub-style calendar: weeks as columns, weekdays as rows, each day coloured by
    what it held (rest, a run, strength, or strength and a run).

    Parameters
    ----------
    calendar
        :func:`stridekit.analysis.strength.strength_calendar` output: ``date``, ``week``,
        ``weekday``, ``sessions`` (strength sessions), ``sets``, ``duration_s`` [s] and
        ``run`` (boolean). An optional ``detail`` column (HTML, lines joined by ``<br>``)
        lists the day's sessions in the hover; an optional ``hover`` column, as
        :func:`day_hover` writes it, is the hover text itself (computed once for a whole log,
        it saves the calendar of each date range a few milliseconds). Days missing from a
        week (outside the date range) are left blank.
    theme
        ``"light"`` or ``"dark"``.
    title
        Replaces the default title.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap trace, ``z`` the index of the day's state in :data:`DAY_STATES` (``None``
        outside the range), ``x`` the weeks' Mondays and ``y`` the weekday (0 Monday,
        labelled with :data:`WEEKDAYS`).
    """
    _check_theme(theme)
    strength_days = int((calendar["sessions"] > 0).sum()) if len(calendar) else 0
    if title is None:
        title = (
            f"Calendar: {_plural(int(calendar['sessions'].sum()), 'strength session')} "
            f"on {_plural(strength_days, 'day')}"
            if strength_days
            else "Calendar: no strength sessions in this range, only your runs"
        )
    if calendar.empty:
        return _no_days(title, theme)
    weeks, column = np.unique(
        calendar["week"].to_numpy(dtype="datetime64[ns]"), return_inverse=True
    )
    row = calendar["weekday"].to_numpy(dtype="int64")
    state = _day_states(calendar)
    # object arrays, not lists of lists: plotly deep-copies a figure's data, item by item
    # for lists (about 3 ms for five years of days), at once for an array of Python objects
    z = np.full((len(WEEKDAYS), len(weeks)), None, dtype=object)
    z[row, column] = state.tolist()
    text = np.full((len(WEEKDAYS), len(weeks)), "", dtype=object)
    hover = calendar["hover"] if "hover" in calendar.columns else day_hover(calendar)
    text[row, column] = hover.tolist()
    colours = [EMPTY_CELL[theme], RUN_COLOUR, PLACEMENT_COLOURS["rest_day"]]
    colours.append(PLACEMENT_COLOURS["run_day"])
    scale = []
    for i, colour in enumerate(colours):
        scale += [[i / 4, colour], [(i + 1) / 4, colour]]
    trace = {
        "type": "heatmap",
        "x": _iso(weeks),
        "y": list(range(len(WEEKDAYS))),
        "z": z,
        "text": text,
        "hovertemplate": "%{text}<extra></extra>",
        "zmin": -0.5,
        "zmax": 3.5,
        "colorscale": scale,
        "xgap": 2,
        "ygap": 2,
        "name": "days",
        "colorbar": {
            "tickvals": [0, 1, 2, 3],
            "ticktext": ["rest", "run", "strength", "strength + run"],
            "thickness": 12,
            "len": 0.9,
            "outlinewidth": 0,
        },
    }
    return figure(
        [trace],
        title,
        theme,
        height=280,
        hovermode="closest",
        xaxis={"type": "date", "showgrid": False},
        yaxis=_rows_axis(list(WEEKDAYS)),
    )


def sessions_per_week(
    weekly: pd.DataFrame,
    *,
    target: int | None = None,
    theme: str = "light",
    title: str | None = None,
) -> go.Figure:
    """Strength sessions per week, stacked by placement, against the runner's target.

    Parameters
    ----------
    weekly
        :func:`stridekit.analysis.strength.weekly_strength` output (``week``, ``sessions``,
        ``rest_day``, ``run_day``); the chart reads its own ``target``, not the table's.
    target
        Strength sessions a week the runner aims for [sessions/week]: a dashed line, and a
        mark on it above each week that fell short. ``None`` draws neither.
    theme
        ``"light"`` or ``"dark"``.
    title
        Replaces the default title.

    Returns
    -------
    plotly.graph_objects.Figure
        Bars ``on rest days`` and ``on run days``; with a target, a dashed ``your target``
        line and ``under target`` markers.
    """
    _check_theme(theme)
    total = int(weekly["sessions"].sum()) if len(weekly) else 0
    under = weekly["sessions"] < target if target is not None else weekly["sessions"] < 0
    if title is None:
        title = "Strength sessions per week"
        if target is not None and len(weekly):
            met = len(weekly) - int(under.sum())
            title += f": {met} of {_plural(len(weekly), 'week')} at your target of {target}"
    if weekly.empty:
        return _no_days(title, theme)
    if total == 0:
        return empty_figure(title, NO_STRENGTH, theme=theme)
    x = _iso(weekly["week"])
    labels = _week_labels(weekly["week"])
    traces: list[Trace] = [
        {
            "type": "bar",
            "x": x,
            "y": weekly[column].astype("int64").tolist(),
            "name": name,
            "marker": {"color": PLACEMENT_COLOURS[column]},
            "customdata": labels,
            "hovertemplate": "%{customdata}: %{y} " + name + "<extra></extra>",
        }
        for column, name in (("rest_day", "on rest days"), ("run_day", "on run days"))
    ]
    top = int(weekly["sessions"].max())
    if target is not None:
        half_week = pd.Timedelta(days=3.5)
        ends = [weekly["week"].iloc[0] - half_week, weekly["week"].iloc[-1] + half_week]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [f"{t:%Y-%m-%d %H:%M}" for t in ends],
                "y": [target, target],
                "name": f"your target: {target} a week",
                "line": {"color": TARGET_COLOUR, "dash": "dash", "width": 2},
                "hoverinfo": "skip",
            }
        )
        short = weekly[under]
        if len(short):
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": _iso(short["week"]),
                    "y": [target] * len(short),
                    "name": "under target",
                    "marker": {"symbol": "x", "size": 10, "color": UNDER_TARGET_COLOUR},
                    "customdata": [
                        [w, int(n), int(target - n)]
                        for w, n in zip(_week_labels(short["week"]), short["sessions"], strict=True)
                    ],
                    "hovertemplate": "%{customdata[0]}: %{customdata[1]} of "
                    + str(target)
                    + ", %{customdata[2]} short<extra></extra>",
                }
            )
        top = max(top, target)
    return figure(
        long_range(traces),
        title,
        theme,
        height=340,
        barmode="stack",
        xaxis={"type": "date"},
        yaxis={"title": {"text": "sessions"}, "dtick": 1, "range": [0, top + 0.6]},
    )


def exercise_coverage_heatmap(
    coverage: pd.DataFrame,
    *,
    theme: str = "light",
    title: str = "Exercise coverage: sets of each advised group, week by week",
) -> go.Figure:
    """The five advised groups by weeks, each cell the sets done that week (grey: none).

    Parameters
    ----------
    coverage
        :func:`stridekit.analysis.strength.exercise_coverage` output: ``week``,
        ``exercise`` (one of :data:`stridekit.exercises.ADVISED`), ``sets`` and
        ``sessions``.
    theme
        ``"light"`` or ``"dark"``.
    title
        Replaces the default title.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap trace: ``z`` sets [sets/week], ``y`` the rows (0 to 4) in the order of
        :data:`~stridekit.exercises.ADVISED`, labelled with how many weeks each was done in.
    """
    _check_theme(theme)
    if coverage.empty:
        return _no_days(title, theme)
    if int(coverage["sets"].sum()) == 0:
        return empty_figure(title, NO_STRENGTH, theme=theme)
    weeks, column = np.unique(
        coverage["week"].to_numpy(dtype="datetime64[ns]"), return_inverse=True
    )
    row = pd.Categorical(coverage["exercise"], categories=list(ADVISED)).codes
    keep = row >= 0
    sets = np.zeros((len(ADVISED), len(weeks)), dtype="int64")
    sessions = np.zeros_like(sets)
    np.add.at(sets, (row[keep], column[keep]), coverage["sets"].to_numpy(dtype="int64")[keep])
    np.add.at(
        sessions, (row[keep], column[keep]), coverage["sessions"].to_numpy(dtype="int64")[keep]
    )
    done = (sets > 0).sum(axis=1)
    rows = [f"{GROUP_LABELS[g]} · {done[i]}/{len(weeks)} wk" for i, g in enumerate(ADVISED)]
    labels = _week_labels(weeks)
    text = [
        [
            f"{label}<br>{GROUP_LABELS[g]}: "
            + (f"{_plural(n, 'set')} in {_plural(k, 'session')}" if n else "not done")
            for label, n, k in zip(labels, sets[i].tolist(), sessions[i].tolist(), strict=True)
        ]
        for i, g in enumerate(ADVISED)
    ]
    most = max(int(sets.max()), 1)
    low, high = COVERAGE_SCALE[theme]
    step = 1.5 / (most + 1)  # zero sets below it, one set and more above
    trace = {
        "type": "heatmap",
        "x": _iso(weeks),
        "y": list(range(len(rows))),
        "z": sets.tolist(),
        "text": text,
        "hovertemplate": "%{text}<extra></extra>",
        "zmin": -1,
        "zmax": most,
        "colorscale": [[0, EMPTY_CELL[theme]], [step, EMPTY_CELL[theme]], [step, low], [1, high]],
        "xgap": 2,
        "ygap": 2,
        "name": "sets",
        "colorbar": {"title": {"text": "sets"}, "thickness": 12, "len": 0.9, "outlinewidth": 0},
    }
    return figure(
        [trace],
        title,
        theme,
        height=260,
        hovermode="closest",
        margin={"l": 150},
        xaxis={"type": "date", "showgrid": False},
        yaxis=_rows_axis(rows),
    )


def placement_by_weekday(
    sessions: pd.DataFrame,
    *,
    theme: str = "light",
    title: str | None = None,
) -> go.Figure:
    """Strength sessions by weekday, split into days between runs and run days.

    The advice puts strength on the days between runs; the trace names carry the totals.

    Parameters
    ----------
    sessions
        :func:`stridekit.analysis.strength.strength_sessions` output (``weekday`` 0 Monday,
        ``placement`` ``rest_day`` or ``run_day``), one row per strength session.
    theme
        ``"light"`` or ``"dark"``.
    title
        Replaces the default title.

    Returns
    -------
    plotly.graph_objects.Figure
        Two stacked bar traces over :data:`WEEKDAYS`: sessions on rest days and on run days.
    """
    _check_theme(theme)
    total = len(sessions)
    rest = int((sessions["placement"] == "rest_day").sum())
    if title is None:
        title = (
            f"Placement: {rest} of {_plural(total, 'strength session')}{_share(rest, total)} "
            "on days between runs"
            if total
            else "Placement: strength sessions on days between runs and on run days"
        )
    if total == 0:
        return empty_figure(title, NO_STRENGTH, theme=theme)
    on_run_day = (sessions["placement"] == "run_day").to_numpy(dtype=bool)
    slot = sessions["weekday"].to_numpy(dtype="int64") * 2 + on_run_day
    counts = np.bincount(slot, minlength=14).reshape(7, 2)
    traces = []
    for i, (column, words) in enumerate((("rest_day", "on rest days"), ("run_day", "on run days"))):
        n = int(counts[:, i].sum())
        traces.append(
            {
                "type": "bar",
                "x": list(WEEKDAYS),
                "y": counts[:, i].tolist(),
                "name": f"{words}: {n}{_share(n, total)}",
                "marker": {"color": PLACEMENT_COLOURS[column]},
                "hovertemplate": "%{x}: %{y} " + html.escape(words) + "<extra></extra>",
            }
        )
    return figure(
        traces,
        title,
        theme,
        height=300,
        barmode="stack",
        xaxis={"type": "category"},
        yaxis={"title": {"text": "sessions"}},
    )
