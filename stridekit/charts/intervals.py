"""Interval charts: one session's repeats, fast time and repeat pace over weeks, the route.

Every chart is a function of a tidy table that returns a plotly Figure. The same keyword means
the same thing everywhere: ``units`` is ``"km"`` or ``"mi"``; ``theme`` is ``"light"`` or
``"dark"``; ``title`` replaces the default title. A chart with nothing to show says what data
would fill it instead of drawing empty axes.

The route is drawn on plain axes of metres east and north of the run's centre (an
equirectangular projection, :func:`project_track`), with no map tiles, so it works offline.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from stridekit.analysis.progression import LENGTH_CLASSES
from stridekit.charts.base import Trace, empty_figure, figure, long_range, values
from stridekit.theme import FOCUS_COLOURS
from stridekit.units import (
    check_units,
    distance_in,
    format_duration,
    format_pace,
    pace_s,
    pace_ticks,
)

EARTH_RADIUS_M: Final = 6_371_008.8
"""Mean Earth radius [m] (IUGG), for the equirectangular projection."""

MAX_ROUTE_POINTS: Final = 1500
"""A route is thinned to about this many points: enough for the eye, light to send."""

RECOVERY_COLOUR: Final = "#999999"
ROUTE_COLOURS: Final = {"light": "#56B4E9", "dark": "#56B4E9"}
LINE_COLOURS: Final = {"light": "#333333", "dark": "#dddddd"}
CLASS_COLOURS: Final = ("#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
"""One colour per repeat-length class, in :data:`LENGTH_CLASSES` order."""

NO_SESSIONS: Final = (
    "No interval sessions in this date range. A run with repeats (laps that alternate "
    "work and rest, or fast stretches in its speed recording) fills this chart."
)


def _line_colour(theme: str) -> str:
    return LINE_COLOURS.get(theme, LINE_COLOURS["light"])


def _pace_axis(pace: pd.Series, units: str, **extra: Any) -> dict[str, Any]:
    """A reversed pace axis (faster is higher) with ``m:ss`` ticks spanning ``pace`` [s]."""
    finite = pace[np.isfinite(pace.astype("float64"))]
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (math.nan, math.nan)
    ticks, labels = pace_ticks(lo, hi)
    return {
        "title": {"text": f"pace (min/{units})"},
        "autorange": "reversed",
        "tickvals": ticks,
        "ticktext": labels,
        **extra,
    }


def repeat_bars(
    repeats: pd.DataFrame,
    *,
    units: str = "km",
    theme: str = "light",
    title: str = "Repeats: time fast, recovery and pace",
) -> go.Figure:
    """Bars of one session's repeats and the recoveries after them, and each repeat's pace.

    Parameters
    ----------
    repeats
        The repeats of one session: rows of a repeats table
        (:func:`stridekit.dashboard.data.repeats`) with ``start_s`` [s], ``duration_s`` [s],
        ``distance_m`` [m], ``avg_speed_mps`` [m/s] and ``recovery_s`` [s] (to the next
        repeat; missing after the last).
    units
        Pace per ``"km"`` or per ``"mi"``, on the right-hand axis (reversed: faster is higher).

    Returns
    -------
    plotly.graph_objects.Figure
        Repeat ``n`` at ``x = n`` (from 1): a bar of its duration [s] in the speed colour, a
        grey bar of the recovery after it [s], and a line of its pace [s per km or mile] on
        the second axis.
    """
    units = check_units(units)
    if repeats.empty:
        return empty_figure(
            title,
            "This run has no repeats. Laps that alternate work and rest, or fast stretches "
            "in its speed recording, fill this chart.",
            theme=theme,
        )
    rep = repeats.sort_values("start_s", kind="stable") if "start_s" in repeats else repeats
    x = list(range(1, len(rep) + 1))
    duration = rep["duration_s"].astype("float64")
    recovery = rep["recovery_s"].astype("float64")
    pace = pace_s(rep["avg_speed_mps"].astype("float64"), units)
    distance = distance_in(rep["distance_m"].astype("float64"), units)
    fast_text = [format_duration(d) for d in duration]
    traces: list[Trace] = [
        {
            "type": "bar",
            "x": x,
            "y": values(duration),
            "name": "repeat",
            "offsetgroup": "repeat",
            "marker": {"color": FOCUS_COLOURS["speed"]},
            "customdata": [
                [t, f"{d:.2f}" if np.isfinite(d) else "?"]
                for t, d in zip(fast_text, distance, strict=True)
            ],
            "hovertemplate": "repeat %{x}: %{customdata[0]} fast over %{customdata[1]} "
            + units
            + "<extra></extra>",
        },
        {
            "type": "bar",
            "x": x,
            "y": values(recovery),
            "name": "recovery after it",
            "offsetgroup": "recovery",
            "marker": {"color": RECOVERY_COLOUR},
            "customdata": [format_duration(r) for r in recovery],
            "hovertemplate": "recovery: %{customdata}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": x,
            "y": values(pace),
            "yaxis": "y2",
            "name": "pace",
            "line": {"color": _line_colour(theme), "width": 2},
            "marker": {"size": 8},
            "customdata": [format_pace(p) for p in pace],
            "hovertemplate": "pace %{customdata} /" + units + "<extra></extra>",
        },
    ]
    return figure(
        traces,
        title,
        theme,
        barmode="group",
        xaxis={"title": {"text": "repeat"}, "dtick": 1, "tickmode": "linear", "tick0": 1},
        yaxis={"title": {"text": "duration (s)"}, "rangemode": "tozero"},
        yaxis2=_pace_axis(pace, units, overlaying="y", side="right", showgrid=False),
        margin={"r": 64},
    )


def _days(weeks: pd.Series) -> np.ndarray:
    """Dates as ``YYYY-MM-DD`` strings, vectorised (a date axis)."""
    return np.datetime_as_string(weeks.to_numpy(dtype="datetime64[D]"), unit="D")


def _trend_trace(
    weeks: pd.Series, y: pd.Series, name: str, colour: str, scale: float = 1.0
) -> tuple[Trace | None, float | None]:
    """A dotted trend line through the weeks that have ``y``, and its slope [per week].

    The same least-squares line as :func:`stridekit.analysis.trend.weekly_trend` (``None``
    below three weeks), fitted on numpy arrays: this runs on every control change.
    """
    when = weeks.to_numpy(dtype="datetime64[ns]")
    value = y.to_numpy(dtype="float64", na_value=np.nan)
    ok = np.isfinite(value)
    if int(ok.sum()) < 3:
        return None, None
    x = (when[ok] - when[ok].min()) / np.timedelta64(7, "D")
    if np.ptp(x) == 0:
        return None, None
    slope, intercept = np.polyfit(x.astype("float64"), value[ok], 1)
    return (
        {
            "type": "scatter",
            "mode": "lines",
            "x": np.datetime_as_string(when[ok].astype("datetime64[D]"), unit="D"),
            "y": (intercept + slope * x) * scale,
            "name": name,
            "line": {"dash": "dot", "color": colour, "width": 1.5},
            "hoverinfo": "skip",
        },
        float(slope),
    )


def fast_time_by_week(
    weekly: pd.DataFrame,
    *,
    theme: str = "light",
    title: str = "Fast time per interval session, week by week",
) -> go.Figure:
    """Bars of each week's time fast per interval session, with its trend.

    Parameters
    ----------
    weekly
        :func:`stridekit.analysis.progression.weekly_progression` output: ``week``,
        ``sessions``, ``repeats``, ``fast_s_per_session`` [s] and ``mean_repeat_s`` [s].

    Returns
    -------
    plotly.graph_objects.Figure
        One bar a week [min] (a gap in weeks without interval sessions) and a dotted trend
        line when three or more weeks have one; the title gives the trend [s per week].
    """
    if weekly.empty or not weekly["fast_s_per_session"].notna().any():
        return empty_figure(title, NO_SESSIONS, theme=theme)
    fast = weekly["fast_s_per_session"].astype("float64")
    extra = np.column_stack(
        [
            weekly["sessions"].to_numpy(dtype="float64"),
            weekly["repeats"].to_numpy(dtype="float64"),
            weekly["mean_repeat_s"].to_numpy(dtype="float64", na_value=np.nan),
        ]
    )
    traces: list[Trace] = [
        {
            "type": "bar",
            "x": _days(weekly["week"]),
            "y": fast.to_numpy() / 60.0,
            "name": "fast time per session",
            "marker": {"color": FOCUS_COLOURS["speed"]},
            "customdata": extra,
            "hovertemplate": "week of %{x|%a %d %b %Y}: %{y:.1f} min fast per session "
            "(%{customdata[0]} sessions, %{customdata[1]} repeats of "
            "%{customdata[2]:.0f} s on average)<extra></extra>",
        }
    ]
    trend, slope = _trend_trace(weekly["week"], fast, "trend", "#888888", scale=1 / 60.0)
    if trend is not None and slope is not None:
        sign = "more" if slope >= 0 else "less"
        title = f"{title}: {abs(slope):.0f} s {sign} a week"
        traces.append(trend)
    return figure(
        long_range(traces),
        title,
        theme,
        xaxis={"type": "date"},
        yaxis={"title": {"text": "fast time per session (min)"}, "rangemode": "tozero"},
    )


def repeat_pace_by_length(
    by_length: pd.DataFrame,
    *,
    units: str = "km",
    theme: str = "light",
    title: str = "Repeat pace at like repeat lengths",
) -> go.Figure:
    """Each week's repeat pace, one line per repeat length, with trends (faster is higher).

    Parameters
    ----------
    by_length
        :func:`stridekit.analysis.progression.pace_by_length` output: ``week``,
        ``length_class``, ``repeats`` and ``avg_speed_mps`` [m/s].
    units
        Pace per ``"km"`` or per ``"mi"``.

    Returns
    -------
    plotly.graph_objects.Figure
        A line of pace [s per km or mile] per length class, a dotted trend for each class
        with three or more weeks; the title gives the trend of the class with most repeats.
    """
    units = check_units(units)
    data = by_length.loc[by_length["avg_speed_mps"].notna()] if not by_length.empty else by_length
    if data.empty:
        return empty_figure(title, NO_SESSIONS, theme=theme)
    order = [c[2] for c in LENGTH_CLASSES]
    labels = data["length_class"].to_numpy(dtype=object)
    present = set(labels)
    classes = [c for c in order if c in present] + sorted(present - set(order))
    counts = {c: int(data["repeats"].to_numpy()[labels == c].sum()) for c in classes}
    main = max(classes, key=lambda c: counts[c])
    pace_all = pace_s(data["avg_speed_mps"].astype("float64"), units)
    traces: list[Trace] = []
    for i, label in enumerate(classes):
        at = labels == label
        part = data.loc[at]
        pace = pace_all.loc[at]
        colour = CLASS_COLOURS[order.index(label)] if label in order else CLASS_COLOURS[i % 5]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": _days(part["week"]),
                "y": pace.to_numpy(),
                "name": f"{label} repeats",
                "legendgroup": label,
                "line": {"color": colour},
                "customdata": part["repeats"].to_numpy(dtype="float64"),
                "text": [format_pace(p) for p in pace],
                "hovertemplate": "week of %{x|%a %d %b %Y}: %{text} /"
                + units
                + " over %{customdata} repeats of "
                + label
                + "<extra></extra>",
            }
        )
        trend, slope = _trend_trace(part["week"], pace, f"{label} trend", colour)
        if trend is None or slope is None:
            continue
        trend["legendgroup"], trend["showlegend"] = label, False
        traces.append(trend)
        if label == main:
            sign = "faster" if slope < 0 else "slower"
            title = f"{title}: {label}, {abs(slope):.1f} s/{units} {sign} a week"
    return figure(
        long_range(traces), title, theme, xaxis={"type": "date"}, yaxis=_pace_axis(pace_all, units)
    )


def project_track(samples: pd.DataFrame, repeats: pd.DataFrame | None = None) -> pd.DataFrame:
    """A session's positions in metres east and north of its centre, repeats marked.

    The projection is equirectangular around the track's mean latitude and longitude: a
    few metres off over a run's extent, and needs no map.

    Parameters
    ----------
    samples
        One session's samples: ``t_s`` [s], ``lat_deg`` and ``lon_deg`` [degrees], and
        ``distance_m`` [m] when recorded.
    repeats
        That session's repeats (``start_s`` and ``end_s`` [s]), if any.

    Returns
    -------
    pandas.DataFrame
        In time order: ``t_s`` [s], ``east_m`` and ``north_m`` [m] (missing where the
        position is), ``distance_m`` [m] and ``repeat`` (the repeat's number from 1, 0
        outside repeats). Empty when the session has no position at all.
    """
    columns = ["t_s", "east_m", "north_m", "distance_m", "repeat"]
    lat = samples["lat_deg"].to_numpy(dtype="float64", na_value=np.nan)
    lon = samples["lon_deg"].to_numpy(dtype="float64", na_value=np.nan)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c == "repeat" else "float64") for c in columns}
        )
    t = samples["t_s"].to_numpy(dtype="float64", na_value=np.nan)
    order = np.argsort(t, kind="stable")
    t, lat, lon = t[order], lat[order], lon[order]
    lat0 = float(np.mean(lat[ok[order]]))
    lon0 = float(np.mean(lon[ok[order]]))
    scale = math.pi / 180.0 * EARTH_RADIUS_M
    east = (lon - lon0) * scale * math.cos(math.radians(lat0))
    north = (lat - lat0) * scale
    if "distance_m" in samples:
        distance = samples["distance_m"].to_numpy(dtype="float64", na_value=np.nan)[order]
    else:
        distance = np.full(len(t), np.nan)
    number = np.zeros(len(t), dtype=np.int64)
    if repeats is not None and not repeats.empty:
        rep = repeats.sort_values("start_s", kind="stable")
        starts = rep["start_s"].to_numpy(dtype="float64")
        ends = rep["end_s"].to_numpy(dtype="float64")
        i = np.searchsorted(starts, t, side="right") - 1
        inside = (i >= 0) & (t <= ends[np.maximum(i, 0)])
        number = np.where(inside, i + 1, 0)
    return pd.DataFrame(
        {"t_s": t, "east_m": east, "north_m": north, "distance_m": distance, "repeat": number}
    )


def _thin(track: pd.DataFrame, most: int) -> pd.DataFrame:
    """Every k-th point, keeping each repeat's first and last, to about ``most`` points."""
    if len(track) <= most:
        return track
    step = math.ceil(len(track) / most)
    keep = np.zeros(len(track), dtype=bool)
    keep[::step] = True
    keep[-1] = True
    rep = track["repeat"].to_numpy()
    edges = np.flatnonzero(np.diff(rep) != 0)
    keep[edges] = True
    keep[edges + 1] = True
    return track.loc[keep]


def route(
    track: pd.DataFrame,
    *,
    units: str = "km",
    theme: str = "light",
    title: str = "Route, repeats highlighted",
) -> go.Figure:
    """The session's route on plain axes of metres, its repeats in the speed colour.

    Parameters
    ----------
    track
        :func:`project_track` output.
    units
        Distance into the run in hover text, in ``"km"`` or ``"mi"``.

    Returns
    -------
    plotly.graph_objects.Figure
        A line of the whole route, a thicker line over each repeat (one trace, NaN gaps
        between repeats) and a marker at the start; ``east (m)`` and ``north (m)`` at equal
        scale; hover gives the time [min] and distance [km or mi] into the run. The track is
        thinned to about :data:`MAX_ROUTE_POINTS` points.
    """
    units = check_units(units)
    if track.empty or not track["east_m"].notna().any():
        return empty_figure(
            title,
            "This run has no positions (no GPS recorded, or removed for privacy). "
            "A recording with latitude and longitude draws its route here.",
            theme=theme,
        )
    track = _thin(track, MAX_ROUTE_POINTS)
    # numpy arrays, not lists: plotly copies them whole and sends them as binary
    east = track["east_m"].to_numpy(dtype="float64")
    north = track["north_m"].to_numpy(dtype="float64")
    rep = track["repeat"].to_numpy(dtype="int64")
    minutes = track["t_s"].to_numpy(dtype="float64") / 60.0
    along = distance_in(track["distance_m"].astype("float64"), units).to_numpy(dtype="float64")
    hover = np.column_stack([minutes, along])
    traces: list[Trace] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": east,
            "y": north,
            "name": "route",
            "line": {"color": ROUTE_COLOURS.get(theme, ROUTE_COLOURS["light"]), "width": 2},
            "customdata": hover,
            "hovertemplate": "%{customdata[0]:.1f} min in, %{customdata[1]:.2f} "
            + units
            + "<extra></extra>",
        }
    ]
    inside = rep > 0
    if inside.any():
        # NaN outside the repeats: plotly leaves gaps there, one trace draws every repeat
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": np.where(inside, east, np.nan),
                "y": np.where(inside, north, np.nan),
                "name": "repeats",
                "line": {"color": FOCUS_COLOURS["speed"], "width": 5},
                "customdata": np.column_stack([rep.astype("float64"), minutes, along]),
                "hovertemplate": "repeat %{customdata[0]}: %{customdata[1]:.1f} min in, "
                "%{customdata[2]:.2f} " + units + "<extra></extra>",
                "connectgaps": False,
            }
        )
    first = int(np.flatnonzero(np.isfinite(east))[0])
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": [float(east[first])],
            "y": [float(north[first])],
            "name": "start",
            "marker": {"color": _line_colour(theme), "size": 10, "symbol": "circle-open"},
            "hovertemplate": "start<extra></extra>",
        }
    )
    return figure(
        traces,
        title,
        theme,
        hovermode="closest",
        height=480,
        xaxis={"title": {"text": "east (m)"}, "zeroline": False},
        yaxis={
            "title": {"text": "north (m)"},
            "scaleanchor": "x",
            "scaleratio": 1,
            "zeroline": False,
        },
    )
