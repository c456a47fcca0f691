"""One exercise vocabulary: free text, plurals, modifiers and FIT categories; unknowns kept."""

from __future__ import annotations

from pathlib import Path

import pytest

import stridekit
from stridekit.exercises import ADVISED, EXERCISES, advised_group, normalize_exercise


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Calf raises", "calf_raise"),
        ("heel raise", "calf_raise"),
        ("calf-raise", "calf_raise"),
        ("Single-leg calf raises", "calf_raise"),
        ("Goblet squats", "squat"),
        ("Jump squats", "squat"),
        ("Walking lunges", "lunge"),
        ("hanging knee raise", "knee_raise"),
        ("Knee Raises", "knee_raise"),
        ("push-ups", "push_up"),
        # FIT exercise categories
        ("calf_raise", "calf_raise"),
        ("sit_up", "crunch"),
        ("leg_raise", "core"),
        ("hip_raise", "glute_bridge"),
        ("triceps_extension", "triceps_extension"),
        # unknown names are kept, tidied
        ("Nordic curls", "nordic_curls"),
        ("Box jumps", "box_jumps"),
        ("", None),
        (None, None),
    ],
)
def test_normalize_exercise(written: str | None, name: str | None) -> None:
    assert normalize_exercise(written) == name


def test_normalize_is_idempotent() -> None:
    for name in [*EXERCISES, "nordic_curls", "goblet_squats", "box_jumps"]:
        once = normalize_exercise(name)
        assert normalize_exercise(once) == once


def test_advised_groups() -> None:
    assert [advised_group(n) for n in ("calf_raise", "squat", "lunge", "knee_raise")] == list(
        ADVISED[:4]
    )
    assert {advised_group(n) for n in ("crunch", "plank", "core")} == {"core"}
    assert advised_group("push_up") is None
    assert advised_group(None) is None


@pytest.mark.parametrize("name", ["fr965_strength_27sets.fit", "fr965_strength_76sets.fit"])
def test_fit_strength_categories_normalise(fixtures: Path, name: str) -> None:
    log = stridekit.read_activity(fixtures / "fit" / name)
    sets = log.sets
    assert len(sets) > 10
    named = sets.dropna(subset=["exercise"])
    for category, exercise in zip(named["category"], named["exercise"], strict=True):
        # the first recorded category is the set's own; it normalises to the exercise
        assert normalize_exercise(category.split(",")[0]) == exercise
    assert set(named["exercise"]) >= {"crunch", "lunge"}  # sit_up becomes crunch
    assert "sit_up" not in set(named["exercise"])
    # sets the watch could not name keep their recorded category, not dropped
    unnamed = sets.loc[sets["exercise"].isna()]
    assert len(unnamed) and unnamed["category"].dropna().str.startswith("unknown").all()
