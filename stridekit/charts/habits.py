"""Habit charts: warm-up and cool-down by kind of run, stretching warm or cold, and the stride.

Every chart is a function of a tidy table that returns a plotly Figure. ``units`` is ``"km"``
or ``"mi"`` (pace appears only in hover text); ``theme`` is ``"light"`` or ``"dark"``;
``title`` replaces the default title. A chart with nothing to show says what data would fill
it, and values that are not known are said (in hover text, labels and legend), not hidden.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from stridekit.analysis.habits import MOBILITY_KINDS, WARM_WITHIN_S
from stridekit.analysis.stride import MAX_RISE_PCT
from stridekit.charts.base import (
    HOVERTEXT_ONLY,
    KIND_ORDER,
    Trace,
    empty_figure,
    figure,
    long_range,
    values,
    week_labels,
)
from stridekit.charts.load import (
    HIDDEN_AXIS,
    UNKNOWN_COLOUR,
    WARN_COLOUR,
    day_strings,
    flagged_spans,
    floats,
    texts,
)
from stridekit.units import check_units, format_pace, pace_s

HABIT_COLOURS: Final = {"warm-up": "#E69F00", "cool-down": "#56B4E9"}
WARM_COLOUR: Final = "#009E73"
COLD_COLOUR: Final = WARN_COLOUR
MOBILITY_SHADES: Final = {
    "warm": {"stretching": "#009E73", "yoga": "#4DBB9D", "pilates": "#99D8C7", "other": "#CCEBE3"},
    "cold": {"stretching": "#D55E00", "yoga": "#E28E4D", "pilates": "#EEBF99", "other": "#F7DFCC"},
}
"""Warm in bluish green, cold in vermillion (Okabe & Ito), each kind a lighter shade: plain
fills, since SVG patterns on hundreds of bars made the chart slow to draw."""
STEP_COLOUR: Final = "#0072B2"
CADENCE_COLOUR: Final = "#009E73"


def habit_tally(habits: pd.DataFrame) -> pd.DataFrame:
    """Runs with a warm-up and a cool-down by kind of run, then ``all``, with what is not known.

    Parameters
    ----------
    habits
        :func:`stridekit.analysis.habits.run_habits` output (one row per run).

    Returns
    -------
    pandas.DataFrame
        One row per kind present (in :data:`~stridekit.charts.base.KIND_ORDER`), then
        ``all``: ``kind``, ``runs``, ``warm_known``, ``warmed_up``, ``warmup_share`` [0-1],
        ``cool_known``, ``cooled_down``, ``cooldown_share`` [0-1]. A share is over the runs
        where it is known, as in :func:`stridekit.analysis.habits.habit_shares`; missing
        when none is known.
    """
    names, which = np.unique(habits["kind"].to_numpy(dtype=str), return_inverse=True)
    warm, cool = habits["warmed_up"], habits["cooled_down"]
    flags = {
        "runs": np.ones(len(habits)),
        "warm_known": warm.notna().to_numpy(dtype=float),
        "warmed_up": warm.to_numpy(dtype=float, na_value=0.0),
        "cool_known": cool.notna().to_numpy(dtype=float),
        "cooled_down": cool.to_numpy(dtype=float, na_value=0.0),
    }
    sums = {k: np.bincount(which, weights=v, minlength=len(names)) for k, v in flags.items()}
    present = [str(n) for n in names]
    kinds = [k for k in KIND_ORDER if k in present] + sorted(set(present) - set(KIND_ORDER))
    order = [present.index(k) for k in kinds]
    table = {k: [*v[order], v.sum()] if kinds else [] for k, v in sums.items()}
    out = pd.DataFrame(table).astype("int64")
    out.insert(0, "kind", pd.Series([*kinds, "all"] if kinds else [], dtype="str"))
    known_warm = out["warm_known"].where(out["warm_known"] > 0)
    known_cool = out["cool_known"].where(out["cool_known"] > 0)
    out["warmup_share"] = (out["warmed_up"] / known_warm).astype("float64")
    out["cooldown_share"] = (out["cooled_down"] / known_cool).astype("float64")
    columns = ["kind", "runs", "warm_known", "warmed_up", "warmup_share"]
    columns += ["cool_known", "cooled_down", "cooldown_share"]
    return out[columns]


def _habit_hover(habit: str, done: int, known: int, runs: int) -> str:
    if not known:
        return f"{habit} not known for any of its {runs} runs"
    text = f"{habit} in {done} of {known} runs ({100 * done / known:.0f} %)"
    if known < runs:
        text += f"; not known for {runs - known}, left out"
    return text


def warmup_cooldown_by_kind(
    habits: pd.DataFrame,
    *,
    theme: str = "light",
    title: str = "Warm-up and cool-down, by kind of run",
) -> go.Figure:
    """Bars of the share of runs with a warm-up and with a cool-down, per kind of run.

    Parameters
    ----------
    habits
        :func:`stridekit.analysis.habits.run_habits` output (one row per run).

    Returns
    -------
    plotly.graph_objects.Figure
        Two bar traces (warm-up, cool-down) of shares [%] over the runs where the habit is
        known; each kind's label counts its runs and those not known, and the hover text
        and legend say how many were left out.
    """
    if habits.empty:
        return empty_figure(
            title,
            "No runs in this date range. Runs recorded with speed over time, or with laps "
            "marked warm-up and cool-down, fill this chart.",
            theme=theme,
        )
    tally = habit_tally(habits)
    if tally["warm_known"].sum() == 0 and tally["cool_known"].sum() == 0:
        return empty_figure(
            title,
            "Warm-up and cool-down are not known for any run in this range: runs recorded "
            "with speed over time, or with laps marked warm-up and cool-down, fill this chart.",
            theme=theme,
        )
    labels = []
    for kind, runs, wk, ck in tally[["kind", "runs", "warm_known", "cool_known"]].itertuples(
        index=False
    ):
        unknown = runs - min(wk, ck)
        label = f"{kind}<br>{runs} run{'s' if runs != 1 else ''}"
        labels.append(label + (f", {unknown} not known" if unknown else ""))
    total = tally.iloc[-1]
    traces: list[Trace] = []
    for habit, done, known, share in (
        ("warm-up", "warmed_up", "warm_known", "warmup_share"),
        ("cool-down", "cooled_down", "cool_known", "cooldown_share"),
    ):
        left_out = int(total["runs"] - total[known])
        name = f"{habit}: share of runs"
        name += f" ({left_out} not known, left out)" if left_out else " (known for every run)"
        traces.append(
            {
                "type": "bar",
                "x": labels,
                "y": values(100.0 * tally[share]),
                "name": name,
                "marker": {"color": HABIT_COLOURS[habit]},
                "hovertext": [
                    _habit_hover(habit, int(d), int(k), int(r))
                    for d, k, r in zip(tally[done], tally[known], tally["runs"], strict=True)
                ],
                "hovertemplate": HOVERTEXT_ONLY,
            }
        )
    return figure(
        traces,
        title,
        theme,
        barmode="group",
        hovermode="closest",
        xaxis={"type": "category"},
        yaxis={"title": {"text": "% of runs"}, "range": [0, 105], "ticksuffix": " %"},
    )


def mobility_by_week(
    weekly: pd.DataFrame,
    *,
    theme: str = "light",
    title: str | None = None,
) -> go.Figure:
    """Stacked bars of stretching, yoga and pilates sessions per week, warm and cold.

    Cold sessions (not within :data:`~stridekit.analysis.habits.WARM_WITHIN_S` after a run,
    strength or cross session, nor during one) are drawn in the warning colour, since the
    advice is never to stretch cold muscles; each kind of session is a lighter or darker
    shade of it.

    Parameters
    ----------
    weekly
        :func:`stridekit.analysis.habits.weekly_mobility` output (``week``, ``kind``,
        ``sessions``, ``warm``, ``cold``), every week present.

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per kind and warm/cold that has a session, warm ones first; traces
        of cold sessions are named ``"<kind>, cold"``.
    """
    if weekly.empty or weekly["sessions"].sum() == 0:
        return empty_figure(
            title or "Stretching, yoga and pilates per week",
            "No stretching, yoga or pilates sessions in this range. Sessions in your "
            "hand-kept log (sport mobility: stretching, yoga, pilates) fill this chart.",
            theme=theme,
        )
    warm, cold = int(weekly["warm"].sum()), int(weekly["cold"].sum())
    title = title or (
        f"Stretching, yoga and pilates per week: {warm} warm, {cold} cold "
        "(the advice: never stretch cold)"
    )
    # week x kind counts, summed with NumPy (a pivot table costs more than the chart)
    week_values, week_of = np.unique(
        weekly["week"].to_numpy(dtype="datetime64[ns]"), return_inverse=True
    )
    kind_values, kind_of = np.unique(weekly["kind"].to_numpy(dtype=str), return_inverse=True)
    counts = {}
    for state in ("warm", "cold"):
        table = np.zeros((len(week_values), len(kind_values)), dtype="int64")
        np.add.at(table, (week_of, kind_of), weekly[state].to_numpy(dtype="int64"))
        counts[state] = table
    weeks = pd.Series(week_values)
    x = day_strings(weeks)
    labels = texts(week_labels(weeks))
    present = [str(k) for k in kind_values]
    kinds: list[str] = [k for k in MOBILITY_KINDS if k in present]
    kinds += sorted(set(present) - set(MOBILITY_KINDS))
    traces: list[Trace] = []
    for state in ("warm", "cold"):
        colour = WARM_COLOUR if state == "warm" else COLD_COLOUR
        about = (
            f"within {WARM_WITHIN_S / 60:.0f} min of a workout"
            if state == "warm"
            else "muscles cold"
        )
        for kind in kinds:
            n = counts[state][:, present.index(kind)]
            if n.sum() == 0:
                continue
            shade = MOBILITY_SHADES[state].get(kind, MOBILITY_SHADES[state]["other"])
            marker: dict[str, Any] = {"color": shade, "line": {"color": colour, "width": 1}}
            traces.append(
                {
                    "type": "bar",
                    "x": x,
                    "y": n,
                    "name": f"{kind}, {state}",
                    "marker": marker,
                    "hovertext": labels,  # one array shared by the traces
                    "hovertemplate": "%{hovertext}: %{y} "
                    + f"{kind}, {state} ({about})<extra></extra>",
                }
            )
    return figure(
        long_range(traces),
        title,
        theme,
        barmode="stack",
        xaxis={"type": "date"},
        yaxis={"title": {"text": "sessions"}, "dtick": 1, "rangemode": "tozero"},
    )


def stride_by_week(
    weekly: pd.DataFrame,
    *,
    units: str = "km",
    max_rise_pct: float = MAX_RISE_PCT,
    theme: str = "light",
    title: str = "Step length and cadence at one reference pace, week by week",
) -> go.Figure:
    """Lines of weekly step length and cadence at the reference speed, overstride marked.

    Parameters
    ----------
    weekly
        :func:`stridekit.analysis.stride.weekly_stride` output (``week``, ``runs``,
        ``speed_mps`` [m/s], ``step_m`` [m], ``cadence_spm`` [steps/min],
        ``baseline_step_m`` [m], ``rise_pct`` [%], ``overstride``, ``note``).
    units
        ``"km"`` or ``"mi"``: the reference speed is told as a pace in the hover text.
    max_rise_pct
        The rise named in the legend [%]; the flags come from ``overstride``.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: step length [m], its recent level (the baseline), cadence [steps/min] on a
        second axis, then (when any) the overstride weeks as markers on the step length,
        then (when any) weeks without a value, as markers at the chart's foot on a hidden
        axis, with the reason in the hover text.
    """
    units = check_units(units)
    if weekly.empty or weekly["step_m"].notna().sum() == 0:
        return empty_figure(
            title,
            "No step length at the reference pace in this range. Runs recorded with "
            "cadence and speed (most watches, or a foot pod) fill this chart.",
            theme=theme,
        )
    speed = float(weekly["speed_mps"].dropna().iloc[0])
    pace = f"{format_pace(pace_s(speed, units))} /{units}"
    x = day_strings(weekly["week"])
    labels = week_labels(weekly["week"])
    rise = weekly["rise_pct"].astype("float64")
    said = [
        f"{w}: step {s:.3f} m at {pace} ({int(n)} run{'' if n == 1 else 's'}), "
        + (f"{r:+.1f} % on the recent level" if np.isfinite(r) else note)
        if np.isfinite(s)
        else f"{w}: {note}"
        for w, s, n, r, note in zip(
            labels,
            weekly["step_m"].astype("float64"),
            weekly["runs"],
            rise,
            weekly["note"].fillna("").astype(str),
            strict=True,
        )
    ]
    flagged = weekly["overstride"].fillna(False).astype(bool).to_numpy()
    traces: list[Trace] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": x,
            "y": floats(weekly["step_m"]),
            "name": "step length (m)",
            "line": {"color": STEP_COLOUR, "width": 2},
            "hovertext": texts(said),
            "hovertemplate": HOVERTEXT_ONLY,
        },
        {
            "type": "scatter",
            "mode": "lines",
            "x": x,
            "y": floats(weekly["baseline_step_m"]),
            "name": "recent level (6 weeks before)",
            "line": {"color": "#888888", "dash": "dot", "width": 1.5},
            "hovertemplate": "recent level %{y:.3f} m<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": x,
            "y": floats(weekly["cadence_spm"]),
            "name": "cadence (steps/min)",
            "yaxis": "y2",
            "line": {"color": CADENCE_COLOUR, "width": 1.5, "dash": "dash"},
            "marker": {"size": 4},
            "hovertemplate": "cadence %{y:.0f} steps/min<extra></extra>",
        },
    ]
    shapes: list[dict[str, Any]] = []
    if flagged.any():
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": x[flagged],
                "y": floats(weekly["step_m"])[flagged],
                "name": f"overstride: over {max_rise_pct:g} % above the recent level",
                "marker": {"color": WARN_COLOUR, "size": 12, "symbol": "diamond"},
                "hovertext": texts([f"overstride {r:+.1f} %" for r in rise[flagged]]),
                "hovertemplate": HOVERTEXT_ONLY,
            }
        )
        # one shaded band per run of flagged weeks (shapes are costly to draw)
        for first, last in flagged_spans(weekly["week"], flagged):
            shapes.append(
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "paper",
                    "x0": f"{first - pd.Timedelta(days=3.5):%Y-%m-%d %H:%M}",
                    "x1": f"{last + pd.Timedelta(days=3.5):%Y-%m-%d %H:%M}",
                    "y0": 0,
                    "y1": 1,
                    "fillcolor": WARN_COLOUR,
                    "opacity": 0.1,
                    "line": {"width": 0},
                    "layer": "below",
                    "name": "overstride week",
                }
            )
    missing = weekly["step_m"].isna().to_numpy()
    if missing.any():
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": x[missing],
                "y": np.full(int(missing.sum()), 0.03),
                "yaxis": "y3",
                "name": "no value this week",
                "marker": {"color": UNKNOWN_COLOUR, "symbol": "x-thin-open", "size": 9},
                "hovertext": texts(said)[missing],
                "hovertemplate": HOVERTEXT_ONLY,
            }
        )
    return figure(
        long_range(traces),
        title,
        theme,
        shapes=shapes,
        xaxis={"type": "date"},
        yaxis={"title": {"text": "step length (m)"}, "tickformat": ".2f"},
        yaxis2={
            "title": {"text": "steps/min"},
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "tickmode": "auto",
            "tickformat": ".0f",
        },
        yaxis3=HIDDEN_AXIS,
        margin={"r": 56},
    )
