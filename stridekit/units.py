"""Distance units and pace. Tables hold SI units; pace exists only on axes and labels."""

from __future__ import annotations

import math
from typing import Final, Literal, get_args, overload

import numpy as np
import pandas as pd

Units = Literal["km", "mi"]
UNITS: Final[tuple[str, ...]] = get_args(Units)
METRES: Final[dict[str, float]] = {"km": 1000.0, "mi": 1609.344}


def check_units(units: str) -> Units:
    """Return ``units`` when it is ``"km"`` or ``"mi"``.

    Raises
    ------
    ValueError
        Naming the argument and the valid choices.
    """
    if units not in METRES:
        raise ValueError(f"units={units!r} is not valid; choose one of {', '.join(UNITS)}")
    return units  # type: ignore[return-value]


@overload
def distance_in(distance_m: pd.Series, units: str) -> pd.Series: ...
@overload
def distance_in(distance_m: float, units: str) -> float: ...
def distance_in(distance_m: pd.Series | float, units: str) -> pd.Series | float:
    """Distance [km or mi] of a distance [m]."""
    return distance_m / METRES[check_units(units)]


@overload
def pace_s(speed_mps: pd.Series, units: str) -> pd.Series: ...
@overload
def pace_s(speed_mps: float, units: str) -> float: ...
def pace_s(speed_mps: pd.Series | float, units: str) -> pd.Series | float:
    """Pace [s per km or per mile] of a speed [m/s]; missing where the speed is not positive."""
    per = METRES[check_units(units)]
    if isinstance(speed_mps, pd.Series):
        return per / speed_mps.where(speed_mps > 0)
    return per / speed_mps if speed_mps and speed_mps > 0 else math.nan


def format_pace(seconds: float) -> str:
    """``m:ss`` of a pace in seconds; an empty string when missing."""
    if seconds is None or not np.isfinite(seconds):
        return ""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def format_duration(seconds: float) -> str:
    """``h:mm:ss`` or ``m:ss`` of a duration in seconds."""
    if seconds is None or not np.isfinite(seconds):
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def pace_ticks(low_s: float, high_s: float, *, count: int = 6) -> tuple[list[float], list[str]]:
    """Tick positions and ``m:ss`` labels for a pace axis between two paces [s].

    The step is a whole number of seconds that reads well (5, 10, 15, 20, 30 s, 1 min, ...).
    """
    if not (np.isfinite(low_s) and np.isfinite(high_s)) or high_s <= low_s:
        centre = low_s if np.isfinite(low_s) else 300.0
        low_s, high_s = centre - 15, centre + 15
    raw = (high_s - low_s) / max(count - 1, 1)
    step = next((s for s in (5, 10, 15, 20, 30, 60, 120, 300, 600) if s >= raw), 600)
    first = math.floor(low_s / step) * step
    values = [float(v) for v in np.arange(first, high_s + step, step)]
    return values, [format_pace(v) for v in values]
