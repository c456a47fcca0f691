"""Charts: each a function of a tidy table and column choices that returns a plotly Figure.

The same keyword means the same thing in every chart:

``units``
    ``"km"`` or ``"mi"``: metres become kilometres or miles, speeds become pace per km or per
    mile (pace appears only on axes and in hover text, never in a table).
``theme``
    ``"light"`` or ``"dark"``: the stridekit plotly template to use.
``title``
    Replaces the chart's default title.

A chart with nothing to show says what data would fill it instead of drawing empty axes
(:func:`empty_figure`). Over more than two years, the weekly charts draw their bars as
stacked stepped areas of the same heights and their lines without markers
(:func:`stridekit.charts.base.long_range`): one SVG element a trace keeps a redraw quick.

Modules, one per dashboard: :mod:`~stridekit.charts.weekly` (volume, speed and distance
days), :mod:`~stridekit.charts.intervals` (repeats, progression, route),
:mod:`~stridekit.charts.strength` (calendar, sessions against the target, coverage,
placement), :mod:`~stridekit.charts.habits` (warm-up and cool-down, stretching, stride) and
:mod:`~stridekit.charts.load` (weekly load and the load ratio); :mod:`~stridekit.charts.base`
is the frame they share.
"""

from stridekit.charts.base import KIND_ORDER, empty_figure
from stridekit.charts.habits import mobility_by_week, stride_by_week, warmup_cooldown_by_kind
from stridekit.charts.intervals import (
    fast_time_by_week,
    repeat_bars,
    repeat_pace_by_length,
    route,
)
from stridekit.charts.load import load_by_week, load_ratio
from stridekit.charts.strength import (
    calendar_heatmap,
    exercise_coverage_heatmap,
    placement_by_weekday,
    sessions_per_week,
)
from stridekit.charts.weekly import distance_by_week, pace_by_week, runs_per_week, volume_by_week

__all__ = [
    "KIND_ORDER",
    "calendar_heatmap",
    "distance_by_week",
    "empty_figure",
    "exercise_coverage_heatmap",
    "fast_time_by_week",
    "load_by_week",
    "load_ratio",
    "mobility_by_week",
    "pace_by_week",
    "placement_by_weekday",
    "repeat_bars",
    "repeat_pace_by_length",
    "route",
    "runs_per_week",
    "sessions_per_week",
    "stride_by_week",
    "volume_by_week",
    "warmup_cooldown_by_kind",
]
