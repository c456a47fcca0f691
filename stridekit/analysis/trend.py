"""Straight-line trends over weeks, robust to gaps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Trend:
    """A least-squares line through ``(week, value)`` points.

    Attributes
    ----------
    per_week
        Change of the value per week, in the value's unit.
    first_week
        The first week that had data.
    start, end
        The line's value at the first and last week that had data.
    points
        How many weeks had data.
    """

    per_week: float
    first_week: pd.Timestamp
    start: float
    end: float
    points: int

    def line(self, weeks: pd.Series) -> pd.Series:
        """The line's values at the given weeks."""
        elapsed = (weeks - self.first_week).dt.days / 7.0
        return self.start + self.per_week * elapsed


def weekly_trend(weeks: pd.Series, values: pd.Series, *, min_points: int = 3) -> Trend | None:
    """Fit a line through the weeks that have a value.

    Returns
    -------
    Trend or None
        ``None`` when fewer than ``min_points`` weeks have a finite value: too little data
        to speak of a trend.
    """
    ok = values.notna() & np.isfinite(values.astype("float64"))
    if int(ok.sum()) < min_points:
        return None
    x = ((weeks[ok] - weeks[ok].min()).dt.days / 7.0).to_numpy(dtype=float)
    y = values[ok].to_numpy(dtype=float)
    if np.ptp(x) == 0:
        return None
    slope, intercept = np.polyfit(x, y, 1)
    return Trend(
        float(slope), weeks[ok].min(), float(intercept), float(intercept + slope * x.max()), len(x)
    )
