"""What every chart shares: the figure frame, the empty state, and values ready for JSON.

Figures are built from plain dicts and skip plotly's per-property validation, which costs
more than the chart itself (tens of milliseconds a figure) and would slow every control
change; the tests validate every chart instead (``go.Figure(fig.to_dict())``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache
from typing import Any, Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from stridekit.theme import template_json

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
"""The order kinds of session are stacked and listed in."""

Trace = dict[str, Any]
"""One plotly trace as a plain dict."""


def figure(traces: list[Trace], title: str, theme: str, **layout: Any) -> go.Figure:
    """A figure of ``traces`` with the stridekit template for ``theme``, unvalidated."""
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
    return figure(
        [], title, theme, xaxis={"visible": False}, yaxis={"visible": False}, annotations=[note]
    )


_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = ("", *calendar.month_abbr[1:])
"""Month abbreviations by number (English, as plotly's axes show them)."""


def _days(days: pd.Series) -> np.ndarray | None:
    """``days`` as ``datetime64[D]`` (local dates), or ``None`` when they are not plain dates."""
    try:
        stamps = pd.DatetimeIndex(days)
    except (TypeError, ValueError):
        return None
    if stamps.tz is not None or stamps.hasnans:
        return None
    return stamps.to_numpy(dtype="datetime64[D]")


def dates(days: pd.Series) -> list[str]:
    """Dates as ``YYYY-MM-DD`` strings for a date axis."""
    day = _days(days)
    if day is None:
        return [f"{w:%Y-%m-%d}" for w in days]
    out: list[str] = np.datetime_as_string(day, unit="D").tolist()
    return out


def week_labels(weeks: pd.Series) -> list[str]:
    """Hover labels for weeks: ``week of Mon 06 Jan 2025``."""
    day = _days(weeks)
    if day is None:
        return [f"week of {w:%a %d %b %Y}" for w in weeks]
    unique, where = np.unique(day, return_inverse=True)  # a week is often in many traces
    labels = [_week_label(d) for d in unique.view("int64").tolist()]
    return [labels[i] for i in where.ravel()]


_EPOCH: Final = dt.date(1970, 1, 1)


@cache
def _week_label(day: int) -> str:
    """:func:`week_labels`' label of the day ``day`` days after 1970-01-01, made once: a
    dashboard labels the same few hundred weeks at every control change."""
    date = _EPOCH + dt.timedelta(days=day)
    return f"week of {_WEEKDAYS[date.weekday()]} {date.day:02d} {_MONTHS[date.month]} {date.year}"


def values(series: pd.Series | np.ndarray) -> list[float | None]:
    """Numbers for JSON: missing values become ``None`` (a gap in the line)."""
    numbers = np.asarray(series, dtype="float64")
    out = numbers.astype(object)
    out[~np.isfinite(numbers)] = None
    listed: list[float | None] = out.tolist()
    return listed


LONG_RANGE_WEEKS: Final = 104
"""Beyond this many weeks (two years), weekly charts are drawn lighter (:func:`long_range`)."""

_WEEK: Final = np.timedelta64(7, "D")

HOVERTEXT_ONLY: Final = "%{hovertext}<extra></extra>"
"""The hover template of a trace whose hover texts are written out point by point."""


def long_range(traces: list[Trace]) -> list[Trace]:
    """A weekly chart's traces, drawn lighter when they span more than two years.

    plotly.js draws every bar and every marker as an SVG element of its own, which costs a
    redraw about 0.1 ms apiece: five years of weekly bars in a few colours, with markers on
    the lines, take 100 ms and more to redraw at each control change. At about 4 px a week
    the chart loses nothing by being drawn with one element a trace instead, so over more
    than :data:`LONG_RANGE_WEEKS` weeks:

    - the bars become stepped areas of the same heights, each week as wide as a bar,
      centred on its Monday; the bars of one chart are stacked (grouped bars too: a five-year
      chart has no room for bars side by side). Each bar keeps its hover text; a bar
      coloured week by week becomes one stepped area per colour, stacked in its place
      (most common colour first), each week in its own colour;
    - lines with markers become lines, markers with text labels become markers.

    Parameters
    ----------
    traces
        The chart's traces; bars on a date axis at weeks' Mondays (``YYYY-MM-DD``).

    Returns
    -------
    list of dict
        ``traces`` themselves over two years or less, lighter equivalents otherwise.
    """
    if not is_long_range(traces):
        return traces
    bars = [t for t in traces if t.get("type") == "bar"]
    mondays = _weeks_spanned(bars)
    if mondays is None or not all(_on_weeks(t["x"], mondays[0]) for t in bars):
        # no bars, or bars that are not a week apart: left as they are
        return [t if t.get("type") == "bar" else _without_markers(t) for t in traces]
    # every Monday, and one either side: a week with no bar stacks to zero, not bridged
    grid = np.arange(mondays[0] - _WEEK, mondays[1] + 2 * _WEEK, _WEEK)
    lighter: list[Trace] = []
    for trace in traces:
        if trace.get("type") == "bar":
            lighter += _stepped(trace, grid)
        else:
            lighter.append(_without_markers(trace))
    return lighter


def is_long_range(traces: list[Trace]) -> bool:
    """Whether :func:`long_range` draws ``traces`` lighter: their dates span more than
    :data:`LONG_RANGE_WEEKS` weeks."""
    weeks = _weeks_spanned(traces)
    return weeks is not None and len(np.arange(weeks[0], weeks[1] + _WEEK, _WEEK)) > (
        LONG_RANGE_WEEKS
    )


def _days_of(x: Any) -> np.ndarray:
    """Dates or date-times (``YYYY-MM-DD...``) as ``datetime64[D]``."""
    return np.asarray(x).astype("U10").astype("datetime64[D]")


def _on_weeks(x: Any, first: np.datetime64) -> bool:
    """Whether every date of ``x`` is a whole number of weeks after ``first``."""
    return not ((_days_of(x) - first).astype("int64") % 7).any()


def _weeks_spanned(traces: list[Trace]) -> tuple[np.datetime64, np.datetime64] | None:
    """The first and last day on the traces' date axis, or ``None`` when it is not one."""
    ends: list[np.datetime64] = []
    for trace in traces:
        x = trace.get("x")
        if x is None or not len(x):
            continue
        text = np.asarray(x).astype(str)
        if np.char.str_len(text).min() < 10:  # not dates: a category or number axis
            return None
        try:
            days = _days_of(text)
        except ValueError:
            return None
        ends += [days.min(), days.max()]
    return (min(ends), max(ends)) if ends else None


def _stepped(bar: Trace, grid: np.ndarray) -> list[Trace]:
    """A bar trace as stepped areas over ``grid``'s weeks, in the chart's stack: one area,
    or one per colour of a bar coloured week by week (the most common colour first, the
    others out of the legend but toggled with it).

    Weeks with no bar are zeros with no hover label; the others keep theirs.
    """
    at = np.searchsorted(grid, _days_of(bar["x"]))
    heights = np.nan_to_num(np.asarray(bar["y"], dtype="float64"))
    colour = (bar.get("marker") or {}).get("color")
    if colour is None or isinstance(colour, str):
        parts = [(colour, np.ones(len(at), dtype=bool))]
    else:
        colours = np.asarray(colour, dtype=str)
        names, first, counts = np.unique(colours, return_index=True, return_counts=True)
        order = sorted(range(len(names)), key=lambda i: (-counts[i], first[i]))
        parts = [(str(names[i]), colours == names[i]) for i in order]
    dropped = ("type", "marker", "width", "offset", "offsetgroup", "x", "y")
    common = {k: v for k, v in bar.items() if k not in dropped and not k.startswith("text")}
    template = bar.get("hovertemplate")
    out: list[Trace] = []
    for n, (part_colour, rows) in enumerate(parts):
        weeks = at[rows]
        y = np.zeros(len(grid))
        y[weeks] = heights[rows]
        stepped = dict(common)
        for key in ("customdata", "hovertext"):
            if key in bar:
                stepped[key] = _spread(bar[key], rows, weeks, len(grid))
        if isinstance(template, str) and template != HOVERTEXT_ONLY:
            # a week with no bar gets no hover label (a blank hover text gives none either)
            per_week = np.full(len(grid), "<extra></extra>", dtype=object)
            per_week[weeks] = template
            stepped["hovertemplate"] = per_week.astype(str)
        if n:  # a colour of the same bars: one legend item for them all
            group = bar.get("legendgroup") or bar.get("name") or "bars"
            stepped.update(showlegend=False, legendgroup=group)
            if n == 1:
                out[0]["legendgroup"] = group
        # numpy arrays, not lists: plotly deep-copies a figure's lists item by item
        out.append(
            {
                **stepped,
                "type": "scatter",
                "mode": "lines",
                "x": np.datetime_as_string(grid, unit="D"),
                "y": y,
                "stackgroup": "weeks",
                "line": {
                    "width": 0,
                    "shape": "hvh",
                    **({"color": part_colour} if part_colour else {}),
                },
                **({"fillcolor": part_colour} if part_colour else {}),
                "hoveron": "points",
            }
        )
    return out


def _spread(items: Any, rows: np.ndarray, weeks: np.ndarray, size: int) -> Any:
    """``items[rows]`` at their ``weeks`` of ``size``: strings in a numpy array, blank ("")
    elsewhere (plotly deep-copies a list item by item, an array of strings at once); others
    in a list, ``None`` elsewhere."""
    texts = np.asarray(items)
    if texts.dtype.kind == "U" and texts.ndim == 1:
        out = np.full(size, "", dtype=texts.dtype)
        out[weeks] = texts[rows]
        return out
    listed: list[Any] = [None] * size
    kept = [item for item, keep in zip(items, rows.tolist(), strict=True) if keep]
    for i, item in zip(weeks.tolist(), kept, strict=True):
        listed[i] = item
    return listed


def _without_markers(trace: Trace) -> Trace:
    mode = trace.get("mode")
    if mode == "lines+markers":
        return {**trace, "mode": "lines"}
    if mode == "markers+text":
        return {**trace, "mode": "markers"}
    return trace
