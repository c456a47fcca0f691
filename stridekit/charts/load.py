"""Load charts: weekly running load with the 10 % rule, and the acute:chronic load ratio.

Every chart is a function of a tidy table that returns a plotly Figure. ``units`` is ``"km"``
or ``"mi"``; ``theme`` is ``"light"`` or ``"dark"``; ``title`` replaces the default title. A
chart with nothing to show says what data would fill it instead of drawing empty axes, and a
value that is not known (a ramp after a week without runs, a ratio with too little history) is
marked as such, never drawn as zero.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from stridekit.analysis.load import MAX_RAMP_PCT
from stridekit.charts.base import (
    HOVERTEXT_ONLY,
    LONG_RANGE_WEEKS,
    Trace,
    empty_figure,
    figure,
    is_long_range,
    long_range,
    week_labels,
)
from stridekit.units import check_units, distance_in, format_duration

RATIO_BAND: Final = (0.8, 1.3)
"""The acute:chronic ratios usually called safe (Gabbett 2016) [-]."""

LOAD_COLOUR: Final = "#0072B2"
WARN_COLOUR: Final = "#D55E00"
TIME_COLOUR: Final = "#E69F00"
RATIO_COLOURS: Final = {"rolling": "#0072B2", "ewma": "#CC79A7"}
RATIO_NAMES: Final = {"rolling": "rolling 7:28 days", "ewma": "EWMA 7:28 days"}
UNKNOWN_COLOUR: Final = "#999999"

HIDDEN_AXIS: Final = {
    "overlaying": "y",
    "range": [0, 1],
    "visible": False,
    "fixedrange": True,
}
"""An invisible 0-1 axis: markers for "not known" sit at its foot, never at a value of zero."""


# Traces hold NumPy arrays, not lists: plotly copies a figure's data twice on its way to the
# page (building it and encoding it), and a list of 1,800 dates is copied item by item while
# an array is copied at once; numbers go to plotly.js as typed arrays (NaN: a gap).


def day_strings(days: pd.Series) -> np.ndarray:
    """Dates as ``YYYY-MM-DD`` strings for a date axis, converted in one vectorised step."""
    stamps = days.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    return np.datetime_as_string(stamps)


DAY_MS: Final = 86_400_000
"""A day on a date axis [ms]."""


def daily_x(days: np.ndarray) -> dict[str, Any]:
    """A trace's x for ``YYYY-MM-DD`` days: the first day and the step when they are evenly
    spaced (every day, every third day), else the days themselves.

    plotly.js parses every date string it is given; five years of days, three lines of them,
    took a ratio chart's redraw 15-20 ms.
    """
    stamps = days.astype("datetime64[D]")
    steps = np.diff(stamps).astype("int64")
    if len(days) > 1 and steps[0] > 0 and (steps == steps[0]).all():
        return {"x0": str(days[0]), "dx": int(steps[0]) * DAY_MS}
    return {"x": days}


LONG_RANGE_DAY_STEP: Final = 3
"""Over more than :data:`~stridekit.charts.base.LONG_RANGE_WEEKS` weeks, the load ratio's daily
lines keep every third day (ending at the last), about 1.7 px apart on a laptop's chart."""


def thinned_days(count: int, step: int = LONG_RANGE_DAY_STEP) -> np.ndarray:
    """Which of ``count`` consecutive days a long-range line keeps: every ``step``-th day,
    counted back from the last (the latest ratio is always drawn)."""
    return np.arange((count - 1) % step, count, step) if count else np.arange(0)


def floats(numbers: pd.Series | np.ndarray) -> np.ndarray:
    """Numbers as a float array, missing values as NaN (a gap in a line, no bar)."""
    if isinstance(numbers, pd.Series):
        return numbers.to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(numbers, dtype="float64")


def texts(items: list[str] | pd.Series) -> np.ndarray:
    """Strings (hover texts, colours) as a string array."""
    return np.asarray(list(items), dtype=str)


def _signed(pct: float) -> str:
    return "" if not np.isfinite(pct) else f"{pct:+.0f} %"


def load_by_week(
    weekly: pd.DataFrame,
    *,
    units: str = "km",
    max_ramp_pct: float = MAX_RAMP_PCT,
    theme: str = "light",
    title: str | None = None,
) -> go.Figure:
    """Bars of each week's running distance, a line of its time, and the 10 % rule's warnings.

    Parameters
    ----------
    weekly
        :func:`stridekit.analysis.load.weekly_load` output (``week``, ``sessions``,
        ``distance_m`` [m], ``duration_s`` [s], ``ramp_pct`` [%], ``ramp_exceeded``,
        ``note``); the ramp is read as computed there (on distance by default).
    units
        ``"km"`` or ``"mi"``: the distance axis.
    max_ramp_pct
        The rise named in the title and legend [%]; the flags themselves come from
        ``ramp_exceeded``.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 the distance bars (weeks that ramped too fast in the warning colour), trace 1
        the time [h] on a second axis, trace 2 (when any) a marker above each week that broke
        the rule, labelled with its rise. Over more than
        :data:`~stridekit.charts.base.LONG_RANGE_WEEKS` weeks, the bars are stepped areas,
        one per colour (:func:`~stridekit.charts.base.long_range`): the flagged weeks are an
        area of their own, named in the legend as the markers are, and have no marker.
    """
    units = check_units(units)
    title = title or f"Weekly running load: distance and time, and the {max_ramp_pct:g} % rule"
    if weekly.empty or weekly["sessions"].sum() == 0:
        return empty_figure(
            title,
            "No runs in this date range. Runs with a distance, from your watch or your "
            "hand-kept log, fill this chart.",
            theme=theme,
        )
    x = day_strings(weekly["week"])
    labels = week_labels(weekly["week"])
    distance = distance_in(weekly["distance_m"].astype("float64"), units)
    hours = weekly["duration_s"].astype("float64") / 3600.0
    ramp = weekly["ramp_pct"].astype("float64")
    exceeded = weekly["ramp_exceeded"].fillna(False).astype(bool).to_numpy()
    notes = weekly["note"].fillna("").astype(str)
    # hover texts from plain lists (iterating the Series boxed every value): five years of
    # weeks are labelled at every date change
    ramp_text = [
        f"ramp {_signed(r)}" if math.isfinite(r) else (n.split(";")[0] or "ramp not known")
        for r, n in zip(ramp.tolist(), notes.tolist(), strict=True)
    ]
    spent = [format_duration(s) or "0:00" for s in weekly["duration_s"].fillna(0.0).tolist()]
    said = [
        f"{w}: {int(n)} run{'' if n == 1 else 's'}, {d:.1f} {units} in {s}, {t}"
        for w, n, d, s, t in zip(
            labels,
            weekly["sessions"].tolist(),
            distance.fillna(0.0).tolist(),
            spent,
            ramp_text,
            strict=True,
        )
    ]
    traces: list[Trace] = [
        {
            "type": "bar",
            "x": x,
            "y": floats(distance),
            "name": f"distance ({units})",
            "marker": {"color": np.where(exceeded, WARN_COLOUR, LOAD_COLOUR)},
            "hovertext": texts(said),
            "hovertemplate": HOVERTEXT_ONLY,
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": x,
            "y": floats(hours),
            "name": "time (hours)",
            "yaxis": "y2",
            "line": {"color": TIME_COLOUR, "width": 2},
            "marker": {"size": 5},
            "hovertext": texts([f"time {s}" for s in spent]),
            "hovertemplate": HOVERTEXT_ONLY,
        },
    ]
    # over years the flagged weeks show in the warning colour of the stepped distance
    # (long_range): 70-odd markers took a five-year chart's redraw 14 ms more
    flagged_name = f"ramped more than {max_ramp_pct:g} % over the week before"
    if exceeded.any() and not is_long_range(traces):
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": x[exceeded],
                "y": floats(distance)[exceeded],
                "text": texts([_signed(r) for r in ramp[exceeded]]),
                "textposition": "top center",
                "textfont": {"color": WARN_COLOUR},
                "name": flagged_name,
                "marker": {"color": WARN_COLOUR, "symbol": "triangle-up", "size": 11},
                "cliponaxis": False,
                "hoverinfo": "skip",
            }
        )
    drawn = long_range(traces)
    for trace in drawn:  # over years, the flagged weeks' own area says what they are
        if trace.get("stackgroup") and trace.get("fillcolor") == WARN_COLOUR:
            # a legend item of its own, listed last as the markers are (in one group with
            # the distance, plotly put the two on a row of their own, over the title)
            trace.update(name=flagged_name, showlegend=True, legendgroup="flagged", legendrank=1001)
    top = float(np.nanmax(distance.to_numpy())) if len(distance) else 0.0
    return figure(
        drawn,
        title,
        theme,
        xaxis={"type": "date"},
        yaxis={"title": {"text": units}, "rangemode": "tozero", "range": [0, top * 1.18 or 1]},
        yaxis2={
            "title": {"text": "hours"},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
            "tickmode": "auto",
        },
        margin={"r": 56},
    )


def _above_edge(drawn: dict[str, tuple[np.ndarray, np.ndarray]], hi: float) -> Trace:
    """The days above the band as one line, for long ranges: the highest ratio where it is
    above ``hi``, ``hi`` itself elsewhere, so the line runs along the band's top and rises
    with the ratio above it. One SVG path, where a marker a day (or a segment a run of days,
    as plotly draws a line with gaps) cost the redraw one element each.

    Drawn at the days the ratio's lines keep (:func:`thinned_days`), each point the highest
    of its day and the days before it that the lines leave out: a day above the band is
    never lost between two drawn days.

    ``drawn`` holds each method's every day (``YYYY-MM-DD``) and ratio.
    """
    days, where = np.unique(np.concatenate([x for x, _ in drawn.values()]), return_inverse=True)
    top = np.full(len(days), hi)
    said = np.full(len(days), "", dtype=object)
    start = 0
    for method, (_, y) in drawn.items():
        at = where[start : start + len(y)]
        start += len(y)
        high = y > hi
        np.fmax.at(top, at[high], y[high])
        said[at[high]] = np.where(said[at[high]] == "", method, said[at[high]] + " and " + method)
    kept = thinned_days(len(days))
    # each kept day and the days before it back to the previous kept one (the first kept day
    # stands for itself and any before it); ties go to the kept day itself
    span = kept[:, None] - np.arange(LONG_RANGE_DAY_STEP)[None, :]
    span = np.where(span >= 0, span, kept[:, None])
    highest = span[np.arange(len(kept)), np.argmax(top[span], axis=1)]
    days, top, said = days[kept], top[highest], said[highest]
    return {
        "type": "scatter",
        "mode": "lines",
        **daily_x(days),
        "y": top,
        "name": f"above {hi:g}",
        "line": {"color": WARN_COLOUR, "width": 3},
        "hovertext": np.where(said == "", "", f"above {hi:g} (" + said.astype(str) + ")"),
        "hovertemplate": HOVERTEXT_ONLY,
    }


def flagged_spans(days: pd.Series, flags: np.ndarray) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """First and last day of each run of consecutive flagged days."""
    edges = np.diff(np.concatenate([[False], np.asarray(flags, dtype=bool), [False]]).astype(int))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    stamps = days.to_numpy(dtype="datetime64[ns]")
    return [
        (pd.Timestamp(stamps[a]), pd.Timestamp(stamps[b]))
        for a, b in zip(starts, ends, strict=True)
    ]


def load_ratio(
    ratios: pd.DataFrame,
    *,
    band: tuple[float, float] = RATIO_BAND,
    theme: str = "light",
    title: str | None = None,
) -> go.Figure:
    """Lines of the acute:chronic load ratio, rolling and EWMA, with the usual band shaded.

    Parameters
    ----------
    ratios
        :func:`stridekit.analysis.load.acute_chronic` output for one or both methods, with a
        ``method`` column (``"rolling"`` or ``"ewma"``): ``date``, ``week``, ``ratio`` [-],
        ``enough_history`` and ``note``.
    band
        The ratios shaded as the usual range [-]; days above its top are marked.

    Returns
    -------
    plotly.graph_objects.Figure
        One line per method, then (when any) markers on the days above the band, then (when
        any) a marker at the foot of the chart for each week with too little history, on
        a hidden axis so it is never read as a ratio of zero; those days are shaded too.
        Over more than :data:`~stridekit.charts.base.LONG_RANGE_WEEKS` weeks, the lines keep
        every third day (:func:`thinned_days`) and the days above the band are one line
        along its top that keeps every excursion.
    """
    lo, hi = band
    title = title or (
        f"Acute:chronic load ratio, last 7 days over the last 28 (shaded: {lo:g} to {hi:g}, "
        "the usual range)"
    )
    if ratios.empty or ratios["load"].sum() == 0:
        return empty_figure(
            title, "No runs in this date range. Runs with a distance fill this chart.", theme=theme
        )
    if ratios["ratio"].notna().sum() == 0:
        return empty_figure(
            title,
            "The ratio is not known yet: it needs 28 days of runs before each day shown. "
            "A wider date range or more weeks of your log fill this chart.",
            theme=theme,
        )
    traces: list[Trace] = []
    drawn: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    long = ratios["date"].max() - ratios["date"].min() > pd.Timedelta(weeks=LONG_RANGE_WEEKS)
    for method in ("rolling", "ewma"):
        part = ratios[ratios["method"] == method]
        if part.empty:
            continue
        x = day_strings(part["date"])
        # a float array (NaN where not known: a gap) is sent to plotly.js as a typed array
        y = floats(part["ratio"])
        # over years, every third day: the ratio moves over a week's window, not a day's
        kept = thinned_days(len(x)) if long else slice(None)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                **daily_x(x[kept]),
                "y": y[kept],
                "name": RATIO_NAMES[method],
                "line": {
                    "color": RATIO_COLOURS[method],
                    "width": 2,
                    "dash": "solid" if method == "rolling" else "dash",
                },
                "hovertemplate": "%{x|%a %d %b %Y}: %{y:.2f} " + method + "<extra></extra>",
            }
        )
        drawn[method] = (x, y)
    shapes: list[dict[str, Any]] = [
        {
            "type": "rect",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": lo,
            "y1": hi,
            "fillcolor": "#009E73",
            "opacity": 0.12,
            "line": {"width": 0},
            "layer": "below",
            "name": f"usual range {lo:g}-{hi:g}",
        }
    ]
    above = {m: y > hi for m, (_, y) in drawn.items()}
    if any(flags.any() for flags in above.values()):
        if long:
            traces.append(_above_edge(drawn, hi))
        else:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": np.concatenate([x[above[m]] for m, (x, _) in drawn.items()]),
                    "y": np.concatenate([y[above[m]] for m, (_, y) in drawn.items()]),
                    "name": f"above {hi:g}",
                    "marker": {"color": WARN_COLOUR, "size": 7, "symbol": "circle-open"},
                    "hovertext": np.concatenate([np.full(int(above[m].sum()), m) for m in drawn]),
                    "hovertemplate": "above " + f"{hi:g}" + " (%{hovertext})<extra></extra>",
                }
            )
    # days with too little history: shaded, and one marker per week at the chart's foot
    first = ratios.drop_duplicates("date").sort_values("date")
    short = ~first["enough_history"].astype(bool).to_numpy()
    for a, b in flagged_spans(first["date"], short):
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": f"{a:%Y-%m-%d}",
                "x1": f"{b + pd.Timedelta(days=1):%Y-%m-%d}",
                "y0": 0,
                "y1": 1,
                "fillcolor": UNKNOWN_COLOUR,
                "opacity": 0.15,
                "line": {"width": 0},
                "layer": "below",
                "name": "too little history",
            }
        )
    if short.any():
        weeks = first.loc[short, ["week", "note"]].drop_duplicates("week")
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": day_strings(weeks["week"]),
                "y": np.full(len(weeks), 0.03),
                "yaxis": "y2",
                "name": "too little history: ratio not known",
                "marker": {"color": UNKNOWN_COLOUR, "symbol": "x-thin-open", "size": 9},
                "hovertext": texts(
                    [
                        f"{w}: {n}"
                        for w, n in zip(week_labels(weeks["week"]), weeks["note"], strict=True)
                    ]
                ),
                "hovertemplate": HOVERTEXT_ONLY,
            }
        )
    known = ratios["ratio"].to_numpy(dtype=float)
    top = max(float(np.nanmax(known)), hi) * 1.1
    # the hidden axis only for the marks on it: an axis costs each redraw a few ms
    hidden = {"yaxis2": HIDDEN_AXIS} if short.any() else {}
    return figure(
        traces,
        title,
        theme,
        shapes=shapes,
        xaxis={"type": "date"},
        yaxis={"title": {"text": "ratio"}, "range": [0, top]},
        **hidden,
    )
