"""Hide where a runner lives before they share their log.

Runs start and end at home more often than not. :func:`trim_positions` blanks every position
within a radius of each session's first and last recorded position; :func:`drop_positions`
blanks them all. Distances, speeds and times are kept, so every analysis still works.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

EARTH_RADIUS_M: Final = 6_371_008.8
"""Mean Earth radius [m] (IUGG), for distances of a few hundred metres."""

DEFAULT_RADIUS_M: Final = 500.0


def _haversine_m(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    phi, phi0 = np.radians(lat), np.radians(lat0)
    dphi, dlmb = phi - phi0, np.radians(lon - lon0)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi) * np.cos(phi0) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def trim_positions(samples: pd.DataFrame, radius_m: float = DEFAULT_RADIUS_M) -> pd.DataFrame:
    """Blank positions within ``radius_m`` of each session's first and last position.

    Parameters
    ----------
    samples
        A samples table.
    radius_m
        The radius [m] around each session's start and end; must be positive.

    Returns
    -------
    pandas.DataFrame
        A copy with ``lat_deg`` and ``lon_deg`` missing inside the radii.

    Raises
    ------
    ValueError
        When ``radius_m`` is not positive.
    """
    if not radius_m > 0:
        raise ValueError(f"radius_m={radius_m!r} is not valid; give a distance above 0 m")
    out = samples.copy()
    hide = np.zeros(len(out), dtype=bool)
    located = out["lat_deg"].notna() & out["lon_deg"].notna()
    for _, rows in out[located].groupby("session_id", sort=False):
        lat, lon = rows["lat_deg"].to_numpy(), rows["lon_deg"].to_numpy()
        near = np.zeros(len(rows), dtype=bool)
        for i in (0, -1):
            near |= _haversine_m(lat, lon, lat[i], lon[i]) <= radius_m
        hide[out.index.get_indexer(rows.index[near])] = True
    out.loc[hide, ["lat_deg", "lon_deg"]] = np.nan
    return out


def drop_positions(samples: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``samples`` with every position blanked."""
    out = samples.copy()
    out[["lat_deg", "lon_deg"]] = np.nan
    return out
