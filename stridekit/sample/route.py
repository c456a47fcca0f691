"""Where the sample runner runs: a few loops and an out-and-back around a fixed home point.

Every route is a polyline in local east/north metres measured from :data:`HOME`; a position is
found by the distance run along it, so the positions agree with the distance covered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

HOME: Final = (52.514500, 13.350100)
"""The home point (latitude, longitude) [degrees]: the Grosser Stern in Berlin's Tiergarten."""

_M_PER_DEG_LAT: Final = 111_320.0
_M_PER_DEG_LON: Final = _M_PER_DEG_LAT * math.cos(math.radians(HOME[0]))


@dataclass(frozen=True)
class Route:
    """A path through local east/north metres.

    Parameters
    ----------
    name
        A short name of the route.
    east_m, north_m
        The vertices [m] from the home point; the first vertex is the home point.
    loop
        True when the path closes on itself and is run round and round; False for an
        out-and-back, run out to half the session's distance and back.
    """

    name: str
    east_m: FloatArray
    north_m: FloatArray
    loop: bool

    @property
    def along_m(self) -> FloatArray:
        """The distance [m] along the path at each vertex."""
        steps = np.hypot(np.diff(self.east_m), np.diff(self.north_m))
        return np.concatenate(([0.0], np.cumsum(steps)))

    @property
    def length_m(self) -> float:
        """The length of the path [m] (one lap of a loop, one way of an out-and-back)."""
        return float(self.along_m[-1])

    def position(self, distance_m: FloatArray, turn_m: float) -> tuple[FloatArray, FloatArray]:
        """East and north [m] after running ``distance_m`` [m] along the route.

        Parameters
        ----------
        distance_m
            Distances run [m], any shape.
        turn_m
            For an out-and-back, where the runner turns round [m]; ignored for loops.

        Returns
        -------
        tuple of numpy.ndarray
            East and north offsets from the home point [m].
        """
        along = self.along_m
        if self.loop:
            d = np.mod(distance_m, along[-1])
        else:
            turn = min(turn_m, float(along[-1]))
            d = np.where(distance_m <= turn, distance_m, np.maximum(2 * turn - distance_m, 0.0))
        return np.interp(d, along, self.east_m), np.interp(d, along, self.north_m)


def _loop(name: str, a_m: float, b_m: float, tilt_deg: float, phase: float, wobble: float) -> Route:
    """A wobbly ellipse through the home point, semi-axes ``a_m`` and ``b_m`` [m]."""
    theta = np.linspace(0.0, 2 * np.pi, 721)
    r = 1 + wobble * np.sin(3 * theta + phase) + 0.6 * wobble * np.sin(5 * theta + 2 * phase)
    x = a_m * r * np.cos(theta)
    y = b_m * r * np.sin(theta)
    c, s = math.cos(math.radians(tilt_deg)), math.sin(math.radians(tilt_deg))
    east, north = c * x - s * y, s * x + c * y
    return Route(name, east - east[0], north - north[0], loop=True)


def _out_and_back() -> Route:
    """A 12 km path west-north-west along the Spree, with gentle bends."""
    s = np.linspace(0.0, 12_000.0, 1201)
    heading = np.radians(290.0 + 35.0 * np.sin(s / 1900.0) + 12.0 * np.sin(s / 530.0))
    ds = np.diff(s, prepend=0.0)
    east = np.cumsum(ds * np.sin(heading))
    north = np.cumsum(ds * np.cos(heading))
    return Route("spree", east - east[0], north - north[0], loop=False)


ROUTES: Final[dict[str, Route]] = {
    "park": _loop("park", 620.0, 300.0, 8.0, 0.4, 0.05),
    "big": _loop("big", 1100.0, 420.0, -5.0, 1.3, 0.04),
    "spree": _out_and_back(),
}
"""The routes by name: ``park`` (about 3 km a lap), ``big`` (about 5 km) and ``spree``."""


def altitude_m(east_m: FloatArray, north_m: FloatArray) -> FloatArray:
    """The ground's altitude [m] at local east/north positions [m] (a gently rolling park)."""
    return (
        34.0
        + 2.2 * np.sin(east_m / 420.0)
        + 1.4 * np.cos(north_m / 260.0)
        + 0.8 * np.sin((east_m + north_m) / 150.0)
    )


def to_degrees(east_m: FloatArray, north_m: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Latitude and longitude [degrees] of local east/north offsets [m] from :data:`HOME`."""
    return HOME[0] + north_m / _M_PER_DEG_LAT, HOME[1] + east_m / _M_PER_DEG_LON
