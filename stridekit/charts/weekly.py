"""Weekly charts: runs of each focus, pace and distance by focus, volume by kind.

Every chart is a function of a tidy table that returns a plotly Figure. The same keyword means
the same thing everywhere: ``units`` is ``"km"`` or ``"mi"``; ``theme`` is ``"light"`` or
``"dark"``; ``title`` replaces the default title. A chart with nothing to show says what data
would fill it instead of drawing empty axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from stridekit.analysis.trend import weekly_trend
from stridekit.analysis.weekly import SPEED_RUNS_ADVICE
from stridekit.charts.base import (
    HOVERTEXT_ONLY,
    KIND_ORDER,
    Trace,
    dates,
    empty_figure,
    figure,
    long_range,
    values,
    week_labels,
)
from stridekit.theme import FOCUS_COLOURS, kind_colour
from stridekit.units import check_units, distance_in, format_pace, pace_s, pace_ticks


def runs_per_week(
    weekly: pd.DataFrame,
    *,
    target: int | None = None,
    theme: str = "light",
    title: str = "Runs per week: speed days and distance days",
) -> go.Figure:
    """Bars of speed runs and distance runs per week, with the advice's band of one or two.

    Parameters
    ----------
    weekly
        :func:`stridekit.analysis.weekly.weekly_focus` output.
    target
        The runner's own target of speed runs a week [runs/week], drawn as a dashed line.
    """
    if weekly.empty or weekly["runs"].sum() == 0:
        return empty_figure(
            title,
            "No runs in this date range. Runs from your watch or your "
            "hand-kept log fill this chart.",
            theme=theme,
        )
    lo, hi = SPEED_RUNS_ADVICE
    traces = []
    # the weeks' dates and labels made once for both focuses (each week is in both)
    focuses = weekly["focus"].to_numpy(dtype=object)
    days = np.asarray(dates(weekly["week"]))
    labels = np.asarray(week_labels(weekly["week"]))
    runs = weekly["runs"].to_numpy()
    for focus in ("speed", "distance"):
        rows = focuses == focus
        traces.append(
            {
                "type": "bar",
                "x": days[rows],
                "y": runs[rows].tolist(),
                "name": f"{focus} runs",
                "marker": {"color": FOCUS_COLOURS[focus]},
                "customdata": labels[rows],
                "hovertemplate": "%{customdata}: %{y} " + focus + " runs<extra></extra>",
            }
        )
    band = {
        "type": "rect",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "y0": lo - 0.5,
        "y1": hi + 0.5,
        "fillcolor": FOCUS_COLOURS["speed"],
        "opacity": 0.08,
        "line": {"width": 0},
        "layer": "below",
    }
    note = {
        "text": f"shaded: the advice of {lo} or {hi} speed runs a week",
        "xref": "paper",
        "x": 1,
        "xanchor": "right",
        "y": hi + 0.5,
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 11},
    }
    shapes: list[Trace] = [band]
    if target is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": target,
                "y1": target,
                "line": {"color": FOCUS_COLOURS["speed"], "dash": "dash", "width": 1.5},
                "name": "your target",
            }
        )
    return figure(
        long_range(traces),
        title,
        theme,
        barmode="group",
        shapes=shapes,
        annotations=[note],
        yaxis={"title": {"text": "runs"}, "dtick": 1},
        xaxis={"type": "date"},
    )


def pace_by_week(
    weekly: pd.DataFrame,
    *,
    focus: str = "speed",
    units: str = "km",
    theme: str = "light",
    title: str | None = None,
) -> go.Figure:
    """Average pace per week of the runs of one focus, with its trend (faster is higher).

    Parameters
    ----------
    weekly
        :func:`stridekit.analysis.weekly.weekly_focus` output.
    focus
        ``"speed"`` or ``"distance"``.
    """
    units = check_units(units)
    if focus not in FOCUS_COLOURS:
        raise ValueError(f"focus={focus!r} is not valid; choose one of speed, distance")
    title = title or f"Pace on {focus} days"
    part = weekly[(weekly["focus"] == focus) & weekly["avg_speed_mps"].notna()]
    if part.empty:
        return empty_figure(
            title, f"No {focus} runs with a distance and a time in this range.", theme=theme
        )
    pace = pace_s(part["avg_speed_mps"], units)
    labels = week_labels(part["week"])
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": dates(part["week"]),
            "y": values(pace),
            "name": f"{focus} days",
            "line": {"color": FOCUS_COLOURS[focus]},
            "customdata": [
                [w, format_pace(p), int(n)]
                for w, p, n in zip(labels, pace, part["runs"], strict=True)
            ],
            "hovertemplate": "%{customdata[0]}: %{customdata[1]} /"
            + units
            + " over %{customdata[2]} runs<extra></extra>",
        }
    ]
    trend = weekly_trend(part["week"], pace)
    if trend is not None:
        sign = "faster" if trend.per_week < 0 else "slower"
        title = f"{title}: {abs(trend.per_week):.1f} s/{units} {sign} a week"
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": dates(part["week"]),
                "y": values(trend.line(part["week"])),
                "name": "trend",
                "line": {"dash": "dot", "color": "#888888"},
                "hoverinfo": "skip",
            }
        )
    tickvals, ticktext = pace_ticks(float(np.nanmin(pace)), float(np.nanmax(pace)))
    return figure(
        long_range(traces),
        title,
        theme,
        xaxis={"type": "date"},
        yaxis={
            "title": {"text": f"pace (min/{units})"},
            "autorange": "reversed",
            "tickvals": tickvals,
            "ticktext": ticktext,
        },
    )


def distance_by_week(
    weekly: pd.DataFrame,
    *,
    focus: str = "distance",
    units: str = "km",
    theme: str = "light",
    title: str | None = None,
) -> go.Figure:
    """Bars of weekly distance on days of one focus, and a line of the week's longest run."""
    units = check_units(units)
    title = title or f"Distance on {focus} days, and the longest run"
    part = weekly[weekly["focus"] == focus]
    if part.empty or part["distance_m"].sum() == 0:
        return empty_figure(title, f"No {focus} runs with a distance in this range.", theme=theme)
    labels = week_labels(part["week"])
    x = dates(part["week"])
    traces = [
        {
            "type": "bar",
            "x": x,
            "y": values(distance_in(part["distance_m"], units)),
            "name": f"{focus} days, total",
            "marker": {"color": FOCUS_COLOURS[focus]},
            "customdata": labels,
            "hovertemplate": "%{customdata}: %{y:.1f} " + units + "<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": x,
            "y": values(distance_in(part["longest_m"], units)),
            "name": "longest run",
            "line": {"color": "#E69F00"},
            "hovertemplate": "longest %{y:.1f} " + units + "<extra></extra>",
        },
    ]
    return figure(
        long_range(traces), title, theme, xaxis={"type": "date"}, yaxis={"title": {"text": units}}
    )


def volume_by_week(
    volume: pd.DataFrame,
    *,
    measure: str = "time",
    units: str = "km",
    theme: str = "light",
    title: str = "Weekly training by kind of session",
) -> go.Figure:
    """Stacked bars of each week's training, one colour per kind of session.

    Parameters
    ----------
    volume
        :func:`stridekit.analysis.weekly.weekly_volume` output.
    measure
        ``"time"`` (hours, every sport) or ``"distance"`` (runs only, in ``units``).

    A kind has a bar in the weeks it has sessions (no bar of height zero), so a week's
    hover lists what it held.
    """
    units = check_units(units)
    if measure not in ("time", "distance"):
        raise ValueError(f"measure={measure!r} is not valid; choose one of time, distance")
    data = volume if measure == "time" else volume[volume["sport"] == "run"]
    if data.empty or data["sessions"].sum() == 0:
        return empty_figure(
            title,
            "No sessions in this date range. Recordings and your hand-kept log fill this chart.",
            theme=theme,
        )
    axis = "hours" if measure == "time" else units
    present = set(data["kind"])
    kinds = [k for k in KIND_ORDER if k in present] + sorted(present - set(KIND_ORDER))
    # the weeks' axis values and hover labels once, not once per kind
    weeks, week_of = np.unique(data["week"].to_numpy(dtype="datetime64[ns]"), return_inverse=True)
    x_all = dates(pd.Series(weeks))
    label_all = week_labels(pd.Series(weeks))
    y_all = np.asarray(
        data["duration_s"] / 3600.0
        if measure == "time"
        else distance_in(data["distance_m"], units),
        dtype="float64",
    )
    n_all = data["sessions"].to_numpy(dtype="int64")
    kind_all = data["kind"].to_numpy(dtype=object)
    week_of = week_of.ravel()
    traces = []
    for kind in kinds:
        # a week without this kind draws no bar of height zero: on five years, most of the
        # bars, which cost the browser as much to draw as the others
        rows = np.flatnonzero((kind_all == kind) & (n_all > 0))
        at = week_of[rows].tolist()
        said = [
            f"{label_all[i]}: {n} {kind}, {y:.1f} {axis}"
            for i, n, y in zip(at, n_all[rows].tolist(), y_all[rows].tolist(), strict=True)
        ]
        traces.append(
            {
                "type": "bar",
                "x": [x_all[i] for i in at],
                "y": values(y_all[rows]),
                "name": kind,
                "marker": {"color": kind_colour(kind)},
                # written out, not a template of customdata: an array of strings is cheap
                # for plotly to copy, and leaves no template to repeat over long ranges
                "hovertext": np.array(said),
                "hovertemplate": HOVERTEXT_ONLY,
            }
        )
    return figure(
        long_range(traces),
        title,
        theme,
        barmode="stack",
        # every week of the table, those with no session at the ends included
        xaxis={"type": "date", "range": _week_span(weeks)},
        yaxis={"title": {"text": axis}},
    )


def _week_span(weeks: np.ndarray) -> list[str]:
    """An x range from half a week before the first week's Monday to half a week after the
    last's, as plotly's autorange gives a bar a week."""
    half = np.timedelta64(84, "h")
    ends = np.array([weeks[0] - half, weeks[-1] + half], dtype="datetime64[m]")
    return [str(t).replace("T", " ") for t in ends]
