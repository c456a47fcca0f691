"""Charts: each a function of a tidy table that returns a plotly Figure.

The same keyword means the same thing everywhere: ``units`` is ``"km"`` or ``"mi"`` and
turns metres into kilometres or miles and speeds into pace per km or per mile; ``theme`` is
``"light"`` or ``"dark"``; ``title`` replaces the default title. A chart with nothing to show
says what data would fill it instead of drawing empty axes.

Figures are built from plain dicts and skip plotly's per-property validation, which costs
more than the chart itself (tens of milliseconds a figure) and would slow every control
change; ``tests/test_charts.py`` validates every chart instead.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from stridekit.analysis.trend import weekly_trend
from stridekit.analysis.weekly import SPEED_RUNS_ADVICE
from stridekit.theme import FOCUS_COLOURS, kind_colour, template_json
from stridekit.units import check_units, distance_in, format_pace, pace_s, pace_ticks

KIND_ORDER: Final = (
    "intervals",
    "tempo",
    "race",
    "long",
    "easy",
    "recovery",
    "strength",
    "stretching",
    "yoga",
    "pilates",
    "mobility",
    "cross",
)

Trace = dict[str, Any]


def _figure(traces: list[Trace], title: str, theme: str, **layout: Any) -> go.Figure:
    spec = {"template": template_json(theme), "title": {"text": title}, **layout}
    return go.Figure(data=traces, layout=spec, _validate=False)


def empty_figure(title: str, message: str, *, theme: str = "light") -> go.Figure:
    """A chart with no data: its title and a sentence saying what would fill it."""
    note = {
        "text": message,
        "showarrow": False,
        "x": 0.5,
        "y": 0.5,
        "xref": "paper",
        "yref": "paper",
        "font": {"size": 14},
    }
    return _figure(
        [], title, theme, xaxis={"visible": False}, yaxis={"visible": False}, annotations=[note]
    )


def _dates(weeks: pd.Series) -> list[str]:
    return [f"{w:%Y-%m-%d}" for w in weeks]


def _week_labels(weeks: pd.Series) -> list[str]:
    return [f"week of {w:%a %d %b %Y}" for w in weeks]


def _values(series: pd.Series) -> list[float | None]:
    """Numbers for JSON: missing values become ``None`` (a gap in the line)."""
    return [None if not np.isfinite(v) else float(v) for v in series.astype("float64")]


def runs_per_week(
    weekly: pd.DataFrame,
    *,
    theme: str = "light",
    title: str = "Runs per week: speed days and distance days",
) -> go.Figure:
    """Bars of speed runs and distance runs per week, with the advice's band of one or two.

    Parameters
    ----------
    weekly
        :func:`stridekit.analysis.weekly.weekly_focus` output.
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
    for focus in ("speed", "distance"):
        part = weekly[weekly["focus"] == focus]
        traces.append(
            {
                "type": "bar",
                "x": _dates(part["week"]),
                "y": part["runs"].tolist(),
                "name": f"{focus} runs",
                "marker": {"color": FOCUS_COLOURS[focus]},
                "customdata": _week_labels(part["week"]),
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
    return _figure(
        traces,
        title,
        theme,
        barmode="group",
        shapes=[band],
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
    labels = _week_labels(part["week"])
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": _dates(part["week"]),
            "y": _values(pace),
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
                "x": _dates(part["week"]),
                "y": _values(trend.line(part["week"])),
                "name": "trend",
                "line": {"dash": "dot", "color": "#888888"},
                "hoverinfo": "skip",
            }
        )
    tickvals, ticktext = pace_ticks(float(np.nanmin(pace)), float(np.nanmax(pace)))
    return _figure(
        traces,
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
    labels = _week_labels(part["week"])
    x = _dates(part["week"])
    traces = [
        {
            "type": "bar",
            "x": x,
            "y": _values(distance_in(part["distance_m"], units)),
            "name": f"{focus} days, total",
            "marker": {"color": FOCUS_COLOURS[focus]},
            "customdata": labels,
            "hovertemplate": "%{customdata}: %{y:.1f} " + units + "<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": x,
            "y": _values(distance_in(part["longest_m"], units)),
            "name": "longest run",
            "line": {"color": "#E69F00"},
            "hovertemplate": "longest %{y:.1f} " + units + "<extra></extra>",
        },
    ]
    return _figure(traces, title, theme, xaxis={"type": "date"}, yaxis={"title": {"text": units}})


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
    traces = []
    for kind in kinds:
        part = data[data["kind"] == kind]
        y = (
            part["duration_s"] / 3600.0
            if measure == "time"
            else distance_in(part["distance_m"], units)
        )
        traces.append(
            {
                "type": "bar",
                "x": _dates(part["week"]),
                "y": _values(y),
                "name": kind,
                "marker": {"color": kind_colour(kind)},
                "customdata": [
                    [w, int(n)]
                    for w, n in zip(_week_labels(part["week"]), part["sessions"], strict=True)
                ],
                "hovertemplate": "%{customdata[0]}: %{customdata[1]} "
                + kind
                + ", %{y:.1f} "
                + axis
                + "<extra></extra>",
            }
        )
    return _figure(
        traces,
        title,
        theme,
        barmode="stack",
        xaxis={"type": "date"},
        yaxis={"title": {"text": axis}},
    )
