"""One look for every chart: a colour-blind-safe palette, light and dark plotly templates."""

from __future__ import annotations

import copy
import json
import pkgutil
from functools import cache
from typing import Any, Final, Literal, cast

import plotly.graph_objects as go
import plotly.io as pio

Theme = Literal["light", "dark"]

# Okabe & Ito's palette, safe for the common colour-vision deficiencies.
OKABE_ITO: Final = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#999999",
)

KIND_COLOURS: Final[dict[str, str]] = {
    # speed days: warm colours
    "intervals": "#D55E00",
    "tempo": "#E69F00",
    "race": "#CC79A7",
    # distance days: cool colours
    "long": "#0072B2",
    "easy": "#56B4E9",
    "recovery": "#009E73",
    # other sports
    "strength": "#F0E442",
    "stretching": "#999999",
    "yoga": "#B0B0B0",
    "pilates": "#777777",
    "mobility": "#999999",
    "cross": "#444444",
}
FOCUS_COLOURS: Final = {"speed": "#D55E00", "distance": "#0072B2"}

TEMPLATES: Final = {"light": "stridekit", "dark": "stridekit_dark"}


_COMMON: Final[dict[str, Any]] = {
    "colorway": list(OKABE_ITO),
    "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13},
    # Room on the right for half of the last date label: x axes grow their margin for the
    # labels' height only. Grown for their width too, a date change that moved the last
    # label redrew the whole chart a second time (svd's weekly chart: 57 ms, 21 without).
    "margin": {"l": 56, "r": 28, "t": 48, "b": 40},
    "xaxis": {"automargin": "height"},
    "hovermode": "x unified",
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
    "title": {"x": 0, "xanchor": "left", "font": {"size": 15}},
    "bargap": 0.15,
}
_OWN: Final[dict[str, dict[str, Any]]] = {
    "light": _COMMON,
    "dark": {**_COMMON, "paper_bgcolor": "#111111", "plot_bgcolor": "#111111"},
}
_BASE: Final = {"light": "plotly_white", "dark": "plotly_dark"}
"""The plotly template each theme starts from; only its layout is kept: its per-trace-type
defaults would be validated and copied into every figure, which costs more than drawing it."""


def _merged(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """``base`` updated with ``own``, nested dicts merged (as plotly's ``update`` does)."""
    out = dict(base)
    for key, value in own.items():
        old = out.get(key)
        out[key] = (
            _merged(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
        )
    return out


@cache
def _layout(theme: str) -> dict[str, Any]:
    """A theme's template layout as plain JSON, read from plotly's own template file.

    Building plotly's template objects instead costs most of a second of every dashboard's
    page open (each property validated), for the same JSON.
    """
    data = pkgutil.get_data("plotly", f"package_data/templates/{_BASE[theme]}.json")
    if data is None:  # pragma: no cover - plotly installed without its templates
        return cast(dict[str, Any], pio.templates[_BASE[theme]].layout.to_plotly_json())
    return _merged(json.loads(data)["layout"], _OWN[theme])


@cache
def _register() -> None:
    """Register the themes' templates with plotly under :data:`TEMPLATES`' names."""
    for theme, name in TEMPLATES.items():
        pio.templates[name] = go.layout.Template(layout=copy.deepcopy(_layout(theme)))


def template(theme: str = "light") -> str:
    """The plotly template name for a theme (``"light"`` or ``"dark"``), registered with
    plotly on first use.

    Raises
    ------
    ValueError
        Naming the argument and the valid choices.
    """
    _check(theme)
    _register()
    return TEMPLATES[theme]


def _check(theme: str) -> None:
    if theme not in TEMPLATES:
        raise ValueError(f"theme={theme!r} is not valid; choose one of {', '.join(TEMPLATES)}")


@cache
def template_json(theme: str = "light") -> dict[str, Any]:
    """The plotly template of a theme as plain JSON, built once.

    Charts put this in their layout and skip plotly's property validation, which would
    otherwise copy and check the template for every figure (the tests validate instead).
    """
    _check(theme)
    return {"layout": copy.deepcopy(_layout(theme))}


def kind_colour(kind: str) -> str:
    """The colour of a session kind (grey for kinds with none of their own)."""
    return KIND_COLOURS.get(kind, "#999999")
