"""Habits and load: does the runner warm up, cool down and stretch warm, build load gradually,
and keep from lengthening the stride too fast?

Every analysis runs once per log over the whole log (kept in memory for the kernel and as
Parquet with :func:`stridekit.io.cache.cached_frame`), and a view only slices it: a control
change builds figures from small tables. Reading the whole log also gives the first week
shown its ramp, the first days shown their 28 days of history and the first weeks their
stride baseline, from the weeks before the range.
"""

from __future__ import annotations

import datetime as dt
import html
import inspect
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache, partial
from pathlib import Path
from typing import Final

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from stridekit.analysis import habits, load, stride
from stridekit.analysis.habits import run_habits, weekly_mobility
from stridekit.analysis.load import MAX_RAMP_PCT, acute_chronic, weekly_load
from stridekit.analysis.stride import MAX_RISE_PCT, weekly_stride
from stridekit.charts.habits import (
    mobility_by_week,
    stride_by_week,
    warmup_cooldown_by_kind,
)
from stridekit.charts.load import RATIO_BAND, load_by_week, load_ratio
from stridekit.dashboard.common import LazyFigures, Panel, View, dashboard_page
from stridekit.io.cache import cached_frame, digest
from stridekit.log import TrainingLog
from stridekit.units import Units

KEY = "habits_and_load"
TITLE = "Habits and load"
SUBTITLE = (
    "The advice: warm up and cool down, stretch only warm muscles, build your load gradually "
    "and do not lengthen your stride too much. Do you?"
)

VERSION = 1
"""Bump when what this module caches changes shape."""


@cache
def _version() -> str:
    """:data:`VERSION` and a digest of the analyses' code: a fix there is not served stale."""
    sources = (inspect.getsource(m) for m in (habits, load, stride))
    return f"{VERSION}-{digest(*sources)}"


@dataclass(frozen=True)
class Tables:
    """The dashboard's analyses of a whole log.

    Attributes
    ----------
    habits
        :func:`~stridekit.analysis.habits.run_habits`: one row per run.
    mobility
        :func:`~stridekit.analysis.habits.weekly_mobility`: week x kind, warm and cold.
    load
        :func:`~stridekit.analysis.load.weekly_load` of runs, measured in distance.
    ratio
        :func:`~stridekit.analysis.load.acute_chronic` of runs' distance, rolling and EWMA
        stacked, told apart by ``method``.
    stride
        :func:`~stridekit.analysis.stride.weekly_stride`.
    """

    habits: pd.DataFrame
    mobility: pd.DataFrame
    load: pd.DataFrame
    ratio: pd.DataFrame
    stride: pd.DataFrame


def _ratios(log: TrainingLog) -> pd.DataFrame:
    parts = [acute_chronic(log.sessions, method=m).assign(method=m) for m in ("rolling", "ewma")]
    out = pd.concat(parts, ignore_index=True)
    out["method"] = out["method"].astype("str")
    return out


def _stride(log: TrainingLog) -> pd.DataFrame:
    """:func:`weekly_stride` of the log, its session ids replaced by integers.

    The result is weekly and carries no ids, so it is the same; but matching millions of
    samples' string ids (pandas' ``isin`` on Arrow strings goes value by value) took about
    10 s on the 26-week sample and minutes on five years, against a fraction of a second.
    """
    ids = pd.Index(log.sessions["session_id"].unique())
    sessions = log.sessions[["session_id", "local_date", "sport", "kind"]].copy()
    sessions["session_id"] = ids.get_indexer(log.sessions["session_id"])
    samples = log.samples
    codes = pd.Categorical(samples["session_id"], categories=ids).codes.astype("int64")
    running = pd.DataFrame(
        {
            "session_id": codes,
            "speed_mps": samples["speed_mps"].to_numpy(dtype=float, na_value=np.nan),
            "cadence_spm": samples["cadence_spm"].to_numpy(dtype=float, na_value=np.nan),
            "step_m": samples["step_m"].to_numpy(dtype=float, na_value=np.nan),
        }
    )
    return weekly_stride(sessions, running)


def _compute(log: TrainingLog) -> Tables:
    version = _version()

    def cached(name: str, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        return cached_frame(log.fingerprint, f"{KEY}:{name}", version, compute)

    return Tables(
        habits=cached("run_habits", lambda: run_habits(log.sessions, log.laps)),
        mobility=cached("weekly_mobility", lambda: weekly_mobility(log.sessions)),
        load=cached("weekly_load", lambda: weekly_load(log.sessions)),
        ratio=cached("acute_chronic", lambda: _ratios(log)),
        stride=cached("weekly_stride", lambda: _stride(log)),
    )


_seen: dict[int, Tables] = {}
"""Tables by ``id`` of the log, dropped when the log is collected."""


def tables(log: TrainingLog) -> Tables:
    """The dashboard's analyses of ``log``, computed once per log (cached per kernel and on
    disk)."""
    key = id(log)
    if key not in _seen:
        _seen[key] = _compute(log)
        weakref.finalize(log, _seen.pop, key, None)
    return _seen[key]


def _monday(day: dt.date) -> pd.Timestamp:
    stamp = pd.Timestamp(day)
    return stamp - pd.Timedelta(days=stamp.day_of_week)


def _between(
    frame: pd.DataFrame, column: str, first: pd.Timestamp | None, last: pd.Timestamp | None
) -> pd.DataFrame:
    """The rows whose ``column`` is in ``[first, last]`` (either end open when ``None``)."""
    if first is None and last is None:
        return frame
    days = frame[column].to_numpy(dtype="datetime64[ns]")
    keep = np.ones(len(days), dtype=bool)
    if first is not None:
        keep &= days >= first.to_datetime64()
    if last is not None:
        keep &= days <= last.to_datetime64()
    return frame.iloc[np.flatnonzero(keep)]


class Shown:
    """The tables cut to one view's dates, each when first read (a chart waits for its own
    table only): runs and days in the range, and the whole weeks that overlap it."""

    def __init__(self, data: Tables, view: View) -> None:
        self._data = data
        self._first = pd.Timestamp(view.start) if view.start is not None else None
        self._monday = _monday(view.start) if view.start is not None else None
        self._last = pd.Timestamp(view.end) if view.end is not None else None

    @cached_property
    def habits(self) -> pd.DataFrame:
        return _between(self._data.habits, "local_date", self._first, self._last)

    @cached_property
    def mobility(self) -> pd.DataFrame:
        return _between(self._data.mobility, "week", self._monday, self._last)

    @cached_property
    def load(self) -> pd.DataFrame:
        return _between(self._data.load, "week", self._monday, self._last)

    @cached_property
    def ratio(self) -> pd.DataFrame:
        return _between(self._data.ratio, "date", self._first, self._last)

    @cached_property
    def stride(self) -> pd.DataFrame:
        return _between(self._data.stride, "week", self._monday, self._last)


def shown(data: Tables, view: View) -> Shown:
    """The whole-log tables cut to the view (see :class:`Shown`)."""
    return Shown(data, view)


CHARTS: dict[str, Callable[[Shown, Units, str], go.Figure]] = {
    "load": lambda p, units, theme: load_by_week(p.load, units=units, theme=theme),
    "ratio": lambda p, units, theme: load_ratio(p.ratio, theme=theme),
    "habits": lambda p, units, theme: warmup_cooldown_by_kind(p.habits, theme=theme),
    "mobility": lambda p, units, theme: mobility_by_week(p.mobility, theme=theme),
    "stride": lambda p, units, theme: stride_by_week(p.stride, units=units, theme=theme),
}
"""The dashboard's charts, by name, in page order: each of the sliced tables, units, theme."""

USES_UNITS: Final = frozenset({"load", "stride"})
"""The charts that change with the units (distance; the reference pace in the hover)."""


def figures(part: Shown, view: View) -> dict[str, go.Figure]:
    """The dashboard's charts for a view, by name, in page order."""
    return {name: make(part, view.units, view.theme) for name, make in CHARTS.items()}


def _weeks_of(weeks: pd.Series) -> str:
    days = [f"{w:%d %b %Y}" for w in weeks]
    return ", ".join(days) if len(days) <= 6 else ", ".join(days[:5]) + f" and {len(days) - 5} more"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _flagged_weeks(frame: pd.DataFrame, column: str) -> pd.Series:
    flags = frame[column].to_numpy(dtype=bool, na_value=False)
    return frame["week"][flags]


def warnings(part: Shown) -> list[str]:
    """One sentence per warning the view's data gives (the ramp, the load ratio, the stride,
    cold stretching); empty when there is none."""
    out = []
    ramped = _flagged_weeks(part.load, "ramp_exceeded")
    if len(ramped):
        out.append(
            f"{_plural(len(ramped), 'week')} ramped more than {MAX_RAMP_PCT:g} % over the week "
            f"before (weeks of {_weeks_of(ramped)})"
        )
    hi = RATIO_BAND[1]
    high = part.ratio["ratio"].to_numpy(dtype=float, na_value=np.nan) > hi
    if high.any():
        methods = part.ratio["method"].to_numpy(dtype=str)[high]
        weeks = part.ratio["week"].to_numpy(dtype="datetime64[ns]")[high]
        counts = {m: len(np.unique(weeks[methods == m])) for m in ("rolling", "ewma")}
        out.append(
            f"the acute:chronic load ratio went above {hi:g} in "
            f"{_plural(counts['rolling'], 'week')} (rolling) and {counts['ewma']} (EWMA)"
        )
    over = _flagged_weeks(part.stride, "overstride")
    if len(over):
        out.append(
            f"stride lengthened more than {MAX_RISE_PCT:g} % above its recent level in "
            f"{_plural(len(over), 'week')} (weeks of {_weeks_of(over)})"
        )
    cold = int(part.mobility["cold"].to_numpy().sum())
    total = int(part.mobility["sessions"].to_numpy().sum())
    if cold:
        out.append(f"{cold} of {total} stretching, yoga or pilates sessions were done cold")
    return out


def headline(part: Shown) -> str:
    """The line above the charts: warnings first, then the warm-up and cool-down shares."""
    found = warnings(part)
    if found:
        text = "<b>Warnings:</b> " + "; ".join(html.escape(w) for w in found) + "."
    else:
        text = (
            f"No warnings in this range: no week ramped more than {MAX_RAMP_PCT:g} %, no load "
            f"ratio above {RATIO_BAND[1]:g}, no overstride, no cold stretching."
        )
    runs = len(part.habits)
    said = []
    for habit, column in (("warm-up before", "warmed_up"), ("cool-down after", "cooled_down")):
        flags = part.habits[column]
        known = int(flags.notna().to_numpy().sum())
        if known:
            done = int(flags.to_numpy(dtype=bool, na_value=False).sum())
            left = f" ({runs - known} not known, left out)" if known < runs else ""
            said.append(f"{habit} {100 * done / known:.0f} % of runs{left}")
        elif runs:
            said.append(f"{habit}: not known for any run")
    joined = "; ".join(said)
    line = " " + html.escape(joined[:1].upper() + joined[1:]) + "." if said else ""
    return f"<p class='stridekit-summary'>{text}{line}</p>"


def panel(log: TrainingLog, view: View) -> Panel:
    """The dashboard's charts on ``log``, for the overview's tab or its own page."""
    data = tables(log)

    @lru_cache(maxsize=64)
    def part(first: dt.date | None, last: dt.date | None) -> Shown:
        return shown(data, View(first, last))

    @lru_cache(maxsize=64)
    def text(first: dt.date | None, last: dt.date | None) -> str:
        return headline(part(first, last))

    # a figure depends on the dates, the theme and, for some, the units: a units switch
    # rebuilds two charts, and going back to a view already seen rebuilds none
    @lru_cache(maxsize=256)
    def figure(
        name: str, first: dt.date | None, last: dt.date | None, units: Units, theme: str
    ) -> go.Figure:
        return CHARTS[name](part(first, last), units, theme)

    def chart(name: str, v: View) -> go.Figure:
        return figure(name, v.start, v.end, v.units if name in USES_UNITS else "km", v.theme)

    def draw(v: View) -> LazyFigures:
        return LazyFigures({name: partial(chart, name, v) for name in CHARTS})

    return Panel(draw, view, text=lambda v: text(v.start, v.end))


def app(
    log: str | Path | TrainingLog | None = None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    units: str = "km",
) -> widgets.VBox:
    """The habits-and-load dashboard as a widget.

    Parameters
    ----------
    log
        A log, a path to one, or ``None`` for the default log (see
        :func:`stridekit.dashboard.common.open_log`).
    start, end
        First and last date shown (``"2025-03-01"``); default the whole log.
    units
        ``"km"`` or ``"mi"``.
    """
    return dashboard_page(
        panel, log, start=start, end=end, units=units, key=KEY, title=TITLE, subtitle=SUBTITLE
    )
