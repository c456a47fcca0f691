"""Charts: each a function of a tidy table that returns a plotly Figure.

The same keyword means the same thing everywhere: ``units`` is ``"km"`` or ``"mi"`` and
turns metres into kilometres or miles and speeds into pace per km or per mile; ``theme`` is
``"light"`` or ``"dark"``; ``title`` replaces the default title. A chart with nothing to show
says what data would fill it instead of drawing empty axes.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from stridekit.analysis.trend import weekly_trend
from stridekit.analysis.weekly import SPEED_RUNS_ADVICE
from stridekit.theme import FOCUS_COLOURS, kind_colour, template
from stridekit.units import Units, check_units, distance_in, format_pace, pace_s, pace_ticks

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


def _figure(title: str, theme: str, **layout: object) -> go.Figure:
    return go.Figure(layout=go.Layout(template=template(theme), title=title, **layout))


def empty_figure(title: str, message: str, *, theme: str = "light") -> go.Figure:
    """A chart with no data: its title and a sentence saying what would fill it."""
    fig = _figure(title, theme, xaxis=dict(visible=False), yaxis=dict(visible=False))
    fig.add_annotation(
        text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=14)
    )
    return fig


def _week_labels(weeks: pd.Series) -> list[str]:
    return [f"week of {w:%a %d %b %Y}" for w in weeks]


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
    fig = _figure(
        title, theme, barmode="group", yaxis=dict(title="runs", dtick=1), xaxis=dict(title=None)
    )
    lo, hi = SPEED_RUNS_ADVICE
    fig.add_hrect(
        y0=lo - 0.5,
        y1=hi + 0.5,
        fillcolor=FOCUS_COLOURS["speed"],
        opacity=0.08,
        line_width=0,
        annotation_text=f"advice: {lo} or {hi} speed runs a week",
        annotation_position="top left",
    )
    for focus in ("speed", "distance"):
        part = weekly[weekly["focus"] == focus]
        fig.add_bar(
            x=part["week"],
            y=part["runs"],
            name=f"{focus} runs",
            marker_color=FOCUS_COLOURS[focus],
            customdata=_week_labels(part["week"]),
            hovertemplate="%{customdata}: %{y} " + focus + " runs<extra></extra>",
        )
    return fig


def pace_by_week(
    weekly: pd.DataFrame,
    *,
    focus: str = "speed",
    units: Units = "km",
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
    fig = _figure(
        title,
        theme,
        xaxis=dict(title=None),
        yaxis=dict(title=f"pace (min/{units})", autorange="reversed"),
    )
    fig.add_scatter(
        x=part["week"],
        y=pace,
        mode="lines+markers",
        name=f"{focus} days",
        line=dict(color=FOCUS_COLOURS[focus]),
        customdata=np.column_stack(
            [_week_labels(part["week"]), [format_pace(p) for p in pace], part["runs"]]
        ),
        hovertemplate="%{customdata[0]}: %{customdata[1]} /"
        + units
        + " over %{customdata[2]} runs<extra></extra>",
    )
    trend = weekly_trend(part["week"], pace)
    if trend is not None:
        sign = "faster" if trend.per_week < 0 else "slower"
        fig.add_scatter(
            x=part["week"],
            y=trend.line(part["week"]),
            mode="lines",
            name="trend",
            line=dict(dash="dot", color="#888888"),
            hoverinfo="skip",
        )
        fig.update_layout(title=f"{title}: {abs(trend.per_week):.1f} s/{units} {sign} a week")
    tickvals, ticktext = pace_ticks(float(np.nanmin(pace)), float(np.nanmax(pace)))
    fig.update_yaxes(tickvals=tickvals, ticktext=ticktext)
    return fig


def distance_by_week(
    weekly: pd.DataFrame,
    *,
    focus: str = "distance",
    units: Units = "km",
    theme: str = "light",
    title: str | None = None,
) -> go.Figure:
    """Bars of weekly distance on days of one focus, and a line of the week's longest run."""
    units = check_units(units)
    title = title or f"Distance on {focus} days, and the longest run"
    part = weekly[weekly["focus"] == focus]
    if part.empty or part["distance_m"].sum() == 0:
        return empty_figure(title, f"No {focus} runs with a distance in this range.", theme=theme)
    fig = _figure(title, theme, xaxis=dict(title=None), yaxis=dict(title=units))
    labels = _week_labels(part["week"])
    fig.add_bar(
        x=part["week"],
        y=distance_in(part["distance_m"], units),
        name=f"{focus} days, total",
        marker_color=FOCUS_COLOURS.get(focus, "#0072B2"),
        customdata=labels,
        hovertemplate="%{customdata}: %{y:.1f} " + units + "<extra></extra>",
    )
    fig.add_scatter(
        x=part["week"],
        y=distance_in(part["longest_m"], units),
        mode="lines+markers",
        name="longest run",
        line=dict(color="#E69F00"),
        customdata=labels,
        hovertemplate="longest %{y:.1f} " + units + "<extra></extra>",
    )
    return fig


def volume_by_week(
    volume: pd.DataFrame,
    *,
    measure: str = "time",
    units: Units = "km",
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
    fig = _figure(title, theme, barmode="stack", xaxis=dict(title=None), yaxis=dict(title=axis))
    kinds = [k for k in KIND_ORDER if k in set(data["kind"])]
    kinds += sorted(set(data["kind"]) - set(kinds))
    for kind in kinds:
        part = data[data["kind"] == kind]
        y = (
            part["duration_s"] / 3600.0
            if measure == "time"
            else distance_in(part["distance_m"], units)
        )
        fig.add_bar(
            x=part["week"],
            y=y,
            name=kind,
            marker_color=kind_colour(kind),
            customdata=np.column_stack([_week_labels(part["week"]), part["sessions"]]),
            hovertemplate="%{customdata[0]}: %{customdata[1]} "
            + kind
            + ", %{y:.1f} "
            + axis
            + "<extra></extra>",
        )
    return fig
