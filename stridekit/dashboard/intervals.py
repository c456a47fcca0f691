"""Intervals: each speed session's repeats, how the fast part grows over weeks, what to do
next, and where the repeats were run.

Everything that depends only on the log (the repeats, one row per interval session, where
each session's samples lie) is prepared once per log; a view change slices it, and a session
picked in the list redraws only that session's two charts.
"""

from __future__ import annotations

import datetime as dt
import html
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from stridekit import schema
from stridekit.analysis.progression import (
    next_step,
    pace_by_length,
    session_progression,
    weekly_progression,
)
from stridekit.analysis.weekly import in_range
from stridekit.charts import intervals as charts
from stridekit.charts.base import empty_figure
from stridekit.dashboard.common import LazyFigures, Panel, View, dashboard_page
from stridekit.dashboard.data import repeats
from stridekit.log import TrainingLog

KEY = "intervals"
TITLE = "Intervals: is the fast part growing?"
SUBTITLE = (
    "The advice: one or two speed runs a week as intervals, a few minutes easy then 30 s to a "
    "minute near sprint, the fast part growing week by week. Do your repeats get longer, and "
    "do they hold their pace?"
)


@dataclass
class Prepared:
    """What the dashboard needs from one log, computed once.

    Attributes
    ----------
    log
        A weak reference to the log: the tables kept for a log must not keep it alive.
    per_session
        :func:`session_progression` of every interval session, in date order, with
        ``label`` (the session picker's text) and ``title``.
    repeats
        The log's repeats, sorted by session and start.
    dates
        ``session_id`` and ``local_date`` of the interval sessions (for
        :func:`pace_by_length`).
    first, last
        The log's first and last dates (the weekly charts span them by default).
    weekly, by_length
        :func:`weekly_progression` over every week from ``first`` to ``last``, and
        :func:`pace_by_length` of the whole log: a view takes its weeks from them.
    """

    log: weakref.ref[TrainingLog]
    per_session: pd.DataFrame
    repeats: pd.DataFrame
    dates: pd.DataFrame
    first: dt.date | None
    last: dt.date | None
    weekly: pd.DataFrame
    by_length: pd.DataFrame
    _by_session: dict[str, tuple[int, int]] = field(default_factory=dict)
    _rows: dict[str, np.ndarray] | None = None
    _info: dict[str, tuple[str, str]] | None = None
    _tracks: dict[str, pd.DataFrame] = field(default_factory=dict)

    def between(
        self, start: dt.date | None, end: dt.date | None
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The interval sessions, :func:`weekly_progression` and :func:`pace_by_length` of a
        date range, exactly as those functions give them.

        The weeks inside the range are sliced from the whole-log tables; a week the range
        cuts through is computed again from its sessions in the range, and only when the
        range leaves one of that week's sessions out.
        """
        per = self.per_session
        if start is None or end is None or self.weekly.empty or start > end:
            return self._between_slowly(start, end)
        a, b = pd.Timestamp(start), pd.Timestamp(end)
        lo = a - pd.Timedelta(days=a.day_of_week)
        hi = b - pd.Timedelta(days=b.day_of_week)
        weeks = self.weekly["week"].to_numpy(dtype="datetime64[ns]")
        if lo < weeks[0] or hi > weeks[-1]:
            return self._between_slowly(start, end)
        day = per["local_date"].to_numpy(dtype="datetime64[ns]")

        def at(t: pd.Timestamp, side: str = "left") -> int:
            return int(np.searchsorted(day, t.to_datetime64(), side=side))  # type: ignore[call-overload]

        i, j = at(a), at(b, "right")
        shown = per.iloc[i:j]
        week = pd.Timedelta(days=7)
        cut_lo, cut_hi = at(a) > at(lo), at(hi + week) > at(b, "right")
        cut = {lo: cut_lo or (lo == hi and cut_hi), hi: cut_hi or (lo == hi and cut_lo)}
        w0 = int(np.searchsorted(weeks, lo.to_datetime64()))
        w1 = int(np.searchsorted(weeks, hi.to_datetime64(), side="right"))
        if not any(cut.values()):
            weekly = self.weekly.iloc[w0:w1]
            by_length = self._by_length_weeks(lo, hi)
            return shown, weekly, by_length
        # recompute the cut weeks from their sessions in the range
        edges = sorted(w for w, c in cut.items() if c)
        parts_w, parts_l = [], []
        for w in [lo, hi] if lo != hi else [lo]:
            if w in edges:
                w_end = w + pd.Timedelta(days=6)
                first, last = max(a, w), min(b, w_end)
                mine = per.iloc[at(first) : at(last, "right")]
                parts_w.append(weekly_progression(mine, start=first, end=last))
                reps = [self.session_repeats(str(s)) for s in mine["session_id"]]
                rep = pd.concat(reps) if reps else self.repeats.iloc[0:0]
                parts_l.append(_pace_by_length(rep, self.dates, first, last))
            else:
                k = int(np.searchsorted(weeks, w.to_datetime64()))
                parts_w.append(self.weekly.iloc[k : k + 1])
                parts_l.append(self._by_length_weeks(w, w))
            if w == lo and lo != hi:  # the whole weeks between the edges
                parts_w.append(self.weekly.iloc[w0 + 1 : w1 - 1])
                parts_l.append(self._by_length_weeks(lo + week, hi - week))
        weekly = pd.concat(parts_w, ignore_index=True)
        by_length = pd.concat([p for p in parts_l if not p.empty] or parts_l[:1])
        return shown, weekly, by_length.reset_index(drop=True)

    def _by_length_weeks(self, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
        weeks = self.by_length["week"].to_numpy(dtype="datetime64[ns]")
        i = int(np.searchsorted(weeks, lo.to_datetime64()))
        j = int(np.searchsorted(weeks, hi.to_datetime64(), side="right"))
        return self.by_length.iloc[i:j]

    def _between_slowly(
        self, start: dt.date | None, end: dt.date | None
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        shown = in_range(self.per_session, start, end)
        weekly = weekly_progression(self.per_session, start=start, end=end)
        return shown, weekly, _pace_by_length(self.repeats, self.dates, start, end)

    def info(self, session_id: str) -> tuple[str, str]:
        """A session's date (``Tue 07 Jan 2025``) and title (or kind)."""
        if self._info is None:
            per = self.per_session
            self._info = {
                str(k): (_date(d), str(t))
                for k, d, t in zip(per["session_id"], per["local_date"], per["title"], strict=True)
            }
        return self._info.get(session_id, ("", "run"))

    def session_repeats(self, session_id: str) -> pd.DataFrame:
        """The repeats of one session, in order."""
        lo, hi = self._by_session.get(session_id, (0, 0))
        return self.repeats.iloc[lo:hi]

    def track(self, session_id: str) -> pd.DataFrame:
        """The session's projected track (:func:`~stridekit.charts.intervals.project_track`)."""
        if session_id not in self._tracks:
            log = self.log()
            samples = log.samples if log is not None else schema.empty("samples")
            rows = self._sample_rows().get(session_id, np.zeros(0, dtype=np.int64))
            part = samples.iloc[rows]
            if "lat_deg" not in part or "lon_deg" not in part:
                part = part.iloc[0:0].assign(lat_deg=np.nan, lon_deg=np.nan)
            self._tracks[session_id] = charts.project_track(part, self.session_repeats(session_id))
        return self._tracks[session_id]

    def _sample_rows(self) -> dict[str, np.ndarray]:
        """Row positions of the interval sessions' samples, found in one pass."""
        if self._rows is None:
            ids = self.per_session["session_id"].to_numpy(dtype=object)
            log = self.log()
            column = (log.samples if log is not None else schema.empty("samples"))["session_id"]
            wanted = np.flatnonzero(column.isin(ids).to_numpy(dtype=bool))
            groups = pd.Series(wanted).groupby(column.iloc[wanted].to_numpy(dtype=object))
            self._rows = {str(k): v.to_numpy(dtype=np.int64) for k, v in groups}
        return self._rows


_prepared: dict[int, Prepared] = {}


def prepare(log: TrainingLog) -> Prepared:
    """The log's :class:`Prepared` tables, computed once per log and kernel."""
    key = id(log)
    if key in _prepared and _prepared[key].log() is log:
        return _prepared[key]
    rep = repeats(log).sort_values(["session_id", "start_s"], kind="stable")
    rep = rep.reset_index(drop=True)
    per = session_progression(rep, log.sessions)
    info = log.sessions.set_index("session_id")
    titles = per["session_id"].map(info["title"]).astype("str")
    kinds = per["session_id"].map(info["kind"]).astype("str")
    named = titles.where(titles.notna() & (titles.str.strip() != ""), kinds.fillna("run"))
    per = per.assign(
        title=named.fillna("run"),
        label=[
            f"{d:%a %d %b %Y} · {t} · {n} repeat{'s' if n != 1 else ''}"
            for d, t, n in zip(per["local_date"], named.fillna("run"), per["repeats"], strict=True)
        ],
    )
    codes = rep["session_id"].to_numpy(dtype=object)
    bounds: dict[str, tuple[int, int]] = {}
    if len(codes):
        change = np.flatnonzero(codes[1:] != codes[:-1]) + 1
        starts = np.concatenate(([0], change))
        stops = np.concatenate((change, [len(codes)]))
        bounds = {str(codes[a]): (int(a), int(b)) for a, b in zip(starts, stops, strict=True)}
    span = log.date_range
    first, last = (span[0], span[1]) if span else (None, None)
    dates = per[["session_id", "local_date"]]
    prepared = Prepared(
        log=weakref.ref(log),
        per_session=per,
        repeats=rep,
        dates=dates,
        first=first,
        last=last,
        weekly=weekly_progression(per, start=first, end=last),
        by_length=_pace_by_length(rep, dates).sort_values(["week", "length_class"]),
        _by_session=bounds,
    )
    _prepared[key] = prepared
    weakref.finalize(log, _prepared.pop, key, None)
    return prepared


def _pace_by_length(
    rep: pd.DataFrame, dates: pd.DataFrame, start: Any = None, end: Any = None
) -> pd.DataFrame:
    """:func:`pace_by_length`, and its empty table when there are no repeats (which it does
    not handle: an empty repeats table raises in its date lookup)."""
    if rep.empty or dates.empty:
        return pd.DataFrame(
            {
                "week": pd.Series(dtype="datetime64[ns]"),
                "length_class": pd.Series(dtype="str"),
                "repeats": pd.Series(dtype="int64"),
                "avg_speed_mps": pd.Series(dtype="float64"),
            }
        )
    return pace_by_length(rep, dates, start=start, end=end)


def _date(value: Any) -> str:
    return f"{pd.Timestamp(value):%a %d %b %Y}"


class IntervalsPanel(Panel):
    """The intervals dashboard: next-step hint, weekly charts, and one session picked.

    A view's tables, text and figures are kept (a few dozen of each), so going back to a
    view, or switching the units back, costs no recomputation, and a chart whose figure did
    not change is not sent again.

    Parameters
    ----------
    log
        The log shown.
    view
        The view it opens on.
    """

    MEMO_SIZE = 64
    """Figures, texts and tables kept per panel."""

    def __init__(self, log: TrainingLog, view: View) -> None:
        self.training_log = log  # the prepared tables hold it weakly
        self.prepared = prepare(log)
        self._updating = False
        self._memo: dict[tuple[Any, ...], Any] = {}
        self.picker = widgets.Dropdown(
            description="Session",
            layout=widgets.Layout(width="auto", max_width="36em"),
            style={"description_width": "initial"},
        )
        self.picker.add_class("stridekit-session-picker")
        self.session: str | None = None
        self._refresh_picker(view)
        super().__init__(self._figures, view, text=self._text, extra=[self.picker])
        c = self.charts
        self.children = [
            *([self.line] if self.line is not None else []),
            c["fast_time"],
            c["repeat_pace"],
            self.picker,
            c["repeats"],
            c["route"],
        ]
        self.picker.observe(self._picked, names="value")

    def _kept(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """``make()``, computed once per ``key`` (the oldest keys are let go)."""
        if key not in self._memo:
            if len(self._memo) >= self.MEMO_SIZE:
                del self._memo[next(iter(self._memo))]
            self._memo[key] = make()
        return self._memo[key]

    # --- per view -------------------------------------------------------------------------

    def _range(self, view: View) -> tuple[dt.date | None, dt.date | None]:
        return view.start or self.prepared.first, view.end or self.prepared.last

    def _tables(
        self, start: dt.date | None, end: dt.date | None
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] = self._kept(
            ("tables", start, end), lambda: self.prepared.between(start, end)
        )
        return tables

    def _refresh_picker(self, view: View) -> None:
        shown, _, _ = self._tables(*self._range(view))
        ids = shown["session_id"].to_numpy(dtype=object)[::-1]
        options = list(zip(shown["label"].to_numpy(dtype=object)[::-1], ids, strict=True))
        keep = self.session if self.session is not None and (ids == self.session).any() else None
        chosen = keep or (str(ids[0]) if len(ids) else None)
        self._updating = True
        try:
            if list(self.picker.options) != options:
                self.picker.options = options
            self.picker.value = chosen
            self.picker.disabled = not options
        finally:
            self._updating = False
        self.session = chosen

    def _text(self, view: View) -> str:
        first, last = self._range(view)
        text: str = self._kept(("text", first, last), lambda: self._make_text(first, last))
        return text

    def _make_text(self, first: dt.date | None, last: dt.date | None) -> str:
        shown, _, _ = self._tables(first, last)
        step = next_step(shown)
        if shown.empty:
            summary = "No interval sessions in this date range."
        else:
            n = len(shown)
            summary = (
                f"{n} interval session{'s' if n != 1 else ''} from "
                f"{_date(shown['local_date'].iloc[0])} to {_date(shown['local_date'].iloc[-1])}, "
                f"{int(shown['repeats'].sum())} repeats."
            )
        return (
            f"<p class='stridekit-intervals-summary'>{html.escape(summary)}</p>"
            f"<p class='stridekit-next-step'><b>Next step:</b> {html.escape(step.message)}</p>"
        )

    def _figures(self, view: View) -> LazyFigures:
        """Every chart for ``view``, in page order, each built when first read."""
        session = self._session_figures
        return LazyFigures(
            {
                **self._range_makers(view),
                "repeats": lambda: session(view)["repeats"],
                "route": lambda: session(view)["route"],
            }
        )

    def _range_makers(self, view: View) -> dict[str, Callable[[], go.Figure]]:
        """Builders of the date range's charts (the top two of the page)."""
        first, last = self._range(view)
        units, theme = view.units, view.theme

        def fast_time() -> go.Figure:
            weekly = self._tables(first, last)[1]
            return charts.fast_time_by_week(weekly, theme=theme)

        def repeat_pace() -> go.Figure:
            by_length = self._tables(first, last)[2]
            return charts.repeat_pace_by_length(by_length, units=units, theme=theme)

        return {
            "fast_time": lambda: self._kept(("fast_time", first, last, theme), fast_time),
            "repeat_pace": lambda: self._kept(
                ("repeat_pace", first, last, units, theme), repeat_pace
            ),
        }

    # --- per session ----------------------------------------------------------------------

    def _session_figures(self, view: View) -> dict[str, go.Figure]:
        figures: dict[str, go.Figure] = self._kept(
            ("session", self.session, view.units, view.theme),
            lambda: self._make_session_figures(self.session, view.units, view.theme),
        )
        return figures

    def _make_session_figures(
        self, sid: str | None, units: str, theme: str
    ) -> dict[str, go.Figure]:
        p = self.prepared
        if sid is None:
            message = charts.NO_SESSIONS
            return {
                "repeats": empty_figure("Repeats of one session", message, theme=theme),
                "route": empty_figure("Route of one session", message, theme=theme),
            }
        when, title = p.info(sid)
        return {
            "repeats": charts.repeat_bars(
                p.session_repeats(sid),
                units=units,
                theme=theme,
                title=f"Repeats of {when} ({title}): time fast, recovery and pace",
            ),
            "route": charts.route(
                p.track(sid),
                units=units,
                theme=theme,
                title=f"Route of {when}, repeats highlighted",
            ),
        }

    def _draw(self, figures: Mapping[str, go.Figure]) -> None:
        for name, fig in figures.items():
            if self.charts[name].figure is not fig:  # kept figures are not sent again
                self.charts[name].figure = fig

    def _picked(self, change: dict[str, Any]) -> None:
        if self._updating or change["new"] is None:
            return
        self.session = str(change["new"])
        self._draw(self._session_figures(self.view))

    def show(self, view: View) -> None:
        """Redraw for ``view``: the range's charts (at the top of the page), the session
        list, the chosen session's charts, then the text."""
        self.view = view
        self._draw(LazyFigures(self._range_makers(view)))  # the first sent, then the next built
        self._refresh_picker(view)
        self._draw(self._session_figures(view))
        if self.line is not None:
            self.line.value = self._text(view)


def panel(log: TrainingLog, view: View) -> Panel:
    """The dashboard's charts on ``log``, for the overview's tab or its own page."""
    return IntervalsPanel(log, view)


def app(
    log: str | Path | TrainingLog | None = None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    units: str = "km",
) -> widgets.VBox:
    """The intervals dashboard as a widget.

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
