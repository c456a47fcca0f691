"""One look for every chart: a colour-blind-safe palette, light and dark plotly templates."""

from __future__ import annotations

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


def _register() -> None:
    common = dict(
        colorway=list(OKABE_ITO),
        font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size=13),
        margin=dict(l=56, r=16, t=48, b=40),
        hovermode="x unified",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        title=dict(x=0, xanchor="left", font=dict(size=15)),
        bargap=0.15,
    )
    # Only the layout of plotly's own templates: their per-trace-type defaults would be
    # validated and copied into every figure, which costs more than drawing it.
    light = go.layout.Template(layout=pio.templates["plotly_white"].layout)
    light.layout.update(common)
    dark = go.layout.Template(layout=pio.templates["plotly_dark"].layout)
    dark.layout.update(common, paper_bgcolor="#111111", plot_bgcolor="#111111")
    pio.templates[TEMPLATES["light"]] = light
    pio.templates[TEMPLATES["dark"]] = dark


def template(theme: str = "light") -> str:
    """The plotly template name for a theme (``"light"`` or ``"dark"``).

    Raises
    ------
    ValueError
        Naming the argument and the valid choices.
    """
    if theme not in TEMPLATES:
        raise ValueError(f"theme={theme!r} is not valid; choose one of {', '.join(TEMPLATES)}")
    return TEMPLATES[theme]


@cache
def template_json(theme: str = "light") -> dict[str, Any]:
    """The plotly template of a theme as plain JSON, built once.

    Charts put this in their layout and skip plotly's property validation, which would
    otherwise copy and check the template for every figure (the tests validate instead).
    """
    return cast(dict[str, Any], pio.templates[template(theme)].to_plotly_json())


def kind_colour(kind: str) -> str:
    """The colour of a session kind (grey for kinds with none of their own)."""
    return KIND_COLOURS.get(kind, "#999999")


_register()
