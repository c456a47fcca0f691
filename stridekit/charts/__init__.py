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
(:func:`empty_figure`). The modules: :mod:`~stridekit.charts.base` (the shared frame) and
:mod:`~stridekit.charts.weekly` (weekly charts).
"""

from stridekit.charts.base import KIND_ORDER, empty_figure
from stridekit.charts.weekly import distance_by_week, pace_by_week, runs_per_week, volume_by_week

__all__ = [
    "KIND_ORDER",
    "distance_by_week",
    "empty_figure",
    "pace_by_week",
    "runs_per_week",
    "volume_by_week",
]
