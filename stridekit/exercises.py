"""One vocabulary for strength exercises, whatever words the log used.

Runners write "Calf raises", "heel raise" or "calf-raise"; watches write FIT exercise
categories. :func:`normalize_exercise` maps all of them onto the names below and keeps any
name it does not know, tidied but not dropped.
"""

from __future__ import annotations

import re
from typing import Final

EXERCISES: Final[dict[str, tuple[str, ...]]] = {
    # name: words that mean it (after lower-casing, and turning - and _ into spaces)
    "calf_raise": (
        "calf raise",
        "calf raises",
        "heel raise",
        "heel raises",
        "calf rise",
        "calves",
        "calf",
    ),
    "squat": (
        "squat",
        "squats",
        "goblet squat",
        "back squat",
        "front squat",
        "air squat",
        "split squat",
        "bulgarian split squat",
    ),
    "lunge": (
        "lunge",
        "lunges",
        "walking lunge",
        "walking lunges",
        "reverse lunge",
        "reverse lunges",
        "forward lunge",
    ),
    "knee_raise": (
        "knee raise",
        "knee raises",
        "high knees",
        "hanging knee raise",
        "knee lift",
        "knee lifts",
        "knee drive",
        "knee drives",
    ),
    "crunch": ("crunch", "crunches", "sit up", "sit ups", "situp", "situps", "bicycle crunch"),
    "plank": ("plank", "planks", "side plank", "front plank"),
    "deadlift": ("deadlift", "deadlifts", "romanian deadlift", "rdl", "single leg deadlift"),
    "step_up": ("step up", "step ups", "box step up"),
    "glute_bridge": ("glute bridge", "glute bridges", "hip bridge", "bridge", "hip thrust"),
    "push_up": ("push up", "push ups", "pushup", "pushups", "press up", "press ups"),
    "core": ("core", "abs", "dead bug", "bird dog", "russian twist", "leg raise", "leg raises"),
}

CORE_EXERCISES: Final = frozenset({"crunch", "plank", "core"})
"""Exercises that count as core work (the advice's crunches and their kin)."""

_LOOKUP: Final = {word: name for name, words in EXERCISES.items() for word in words}


def normalize_exercise(name: str | None) -> str | None:
    """The vocabulary name for an exercise written any common way.

    Parameters
    ----------
    name
        The exercise as written: free text or a FIT category name (``"calf_raise"``).

    Returns
    -------
    str or None
        A key of :data:`EXERCISES` when the name is known; otherwise the name tidied
        (lower case, words joined by ``_``); ``None`` for an empty name.

    Examples
    --------
    >>> normalize_exercise("Calf raises"), normalize_exercise("heel-raise")
    ('calf_raise', 'calf_raise')
    >>> normalize_exercise("Nordic curls")
    'nordic_curls'
    """
    if name is None:
        return None
    words = re.sub(r"[\s_\-]+", " ", str(name).strip().lower()).strip(" .")
    if not words:
        return None
    if words in _LOOKUP:
        return _LOOKUP[words]
    if words in EXERCISES:
        return words
    trimmed = re.sub(r"^(bodyweight|weighted|dumbbell|barbell|single leg|single arm) ", "", words)
    if trimmed in _LOOKUP:
        return _LOOKUP[trimmed]
    return words.replace(" ", "_")
