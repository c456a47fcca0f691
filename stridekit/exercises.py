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

ADVISED: Final = ("calf_raise", "squat", "lunge", "knee_raise", "core")
"""The groups of exercises the advice names: calf raises, squats, lunges, knee raises, core."""

FIT_CATEGORIES: Final[dict[str, str]] = {
    # FIT exercise categories (profile ``exercise_category``) whose name is not a word above
    "sit_up": "crunch",
    "hip_raise": "glute_bridge",
    "leg_raise": "core",
    "hyperextension": "core",
    "chop": "core",
}
"""FIT exercise categories that mean an exercise of the vocabulary under another name."""

_LOOKUP: Final = {
    **{word: name for name, words in EXERCISES.items() for word in words},
    **{cat.replace("_", " "): name for cat, name in FIT_CATEGORIES.items()},
}
_MODIFIERS: Final = re.compile(
    r"^(?:(?:body ?weight|weighted|dumbbell|barbell|kettlebell|banded|band|cable|machine|"
    r"smith|single leg|single arm|one leg|one arm|alternating|standing|seated|hanging|jump|"
    r"jumping|side|lateral|static|isometric|slow|explosive|box|wall|bench) )+"
)


def _singular(words: str) -> str:
    """``words`` with a plural last word made singular (``squats`` -> ``squat``)."""
    head, _, last = words.rpartition(" ")
    if last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith(("ches", "shes")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith("ss") and len(last) > 3:
        last = last[:-1]
    return f"{head} {last}" if head else last


def normalize_exercise(name: str | None) -> str | None:
    """The vocabulary name for an exercise written any common way.

    The name is lower-cased, ``-`` and ``_`` become spaces, and it is looked up as written,
    with a plural last word made singular, and without leading modifiers such as
    "dumbbell", "weighted" or "single leg" (so "Goblet squats" and "single-leg calf raises"
    are found). FIT exercise categories (``calf_raise``, ``sit_up``, ``leg_raise`` ...) map
    through :data:`FIT_CATEGORIES` where their name is not already a word of the vocabulary.

    Parameters
    ----------
    name
        The exercise as written: free text or a FIT category name (``"calf_raise"``).

    Returns
    -------
    str or None
        A key of :data:`EXERCISES` when the name is known; otherwise the name tidied
        (lower case, words joined by ``_``), kept rather than dropped; ``None`` for an
        empty name.

    Examples
    --------
    >>> normalize_exercise("Calf raises"), normalize_exercise("heel-raise")
    ('calf_raise', 'calf_raise')
    >>> normalize_exercise("Goblet squats"), normalize_exercise("sit_up")
    ('squat', 'crunch')
    >>> normalize_exercise("Nordic curls")
    'nordic_curls'
    """
    if name is None or (isinstance(name, float) and name != name):
        return None
    words = re.sub(r"[\s_\-]+", " ", str(name).strip().lower()).strip(" .")
    if not words:
        return None
    for candidate in (words, _singular(words)):
        for form in (candidate, _MODIFIERS.sub("", candidate)):
            if form in _LOOKUP:
                return _LOOKUP[form]
            if form.replace(" ", "_") in EXERCISES:
                return form.replace(" ", "_")
    return words.replace(" ", "_")


def advised_group(exercise: str | None) -> str | None:
    """The advised group (one of :data:`ADVISED`) an exercise counts towards, or ``None``.

    Parameters
    ----------
    exercise
        A normalised exercise name (see :func:`normalize_exercise`).

    Examples
    --------
    >>> advised_group("plank"), advised_group("squat"), advised_group("push_up")
    ('core', 'squat', None)
    """
    if exercise is None or not isinstance(exercise, str):
        return None
    if exercise in CORE_EXERCISES:
        return "core"
    return exercise if exercise in ADVISED else None
