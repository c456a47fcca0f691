"""What every chart shares: the figure frame, the empty state, and values ready for JSON.

Figures are built from plain dicts and skip plotly's per-property validation, which costs
more than the chart itself (tens of milliseconds a figure) and would slow every control
change; the tests validate every chart instead (``go.Figure(fig.to_dict())``).
"""

from __future__ import annotations

import calendar
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
    stamps = pd.DatetimeIndex(unique)
    labels = [
        f"week of {_WEEKDAYS[d]} {n:02d} {_MONTHS[m]} {y}"
        for d, n, m, y in zip(
            stamps.day_of_week, stamps.day, stamps.month, stamps.year, strict=True
        )
    ]
    return [labels[i] for i in where.ravel()]


def values(series: pd.Series | np.ndarray) -> list[float | None]:
    """Numbers for JSON: missing values become ``None`` (a gap in the line)."""
    numbers = np.asarray(series, dtype="float64")
    out = numbers.astype(object)
    out[~np.isfinite(numbers)] = None
    listed: list[float | None] = out.tolist()
    return listed
