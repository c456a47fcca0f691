"""Give every run a kind and a focus (speed or distance) from what the log says.

The rules, first match wins:

1. the kind the runner wrote (hand log ``kind``), when it is a run kind;
2. the title or notes: ``6x800``, ``8 x 45s``, "intervals", "fartlek", "track" mean
   intervals; "tempo", "threshold" mean tempo; "race", "parkrun" mean race; "long" means long;
   "recovery" means recovery; "easy" means easy;
3. the laps: two or more work laps (intensity ``active``) alternating with resting laps mean
   intervals;
4. the distance: at least 1.4 times the median of the runner's runs in the 6 weeks before,
   and at least 12 km, means long;
5. otherwise easy.

intervals, tempo and race are speed days; long, easy and recovery are distance days.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pandas as pd

from stridekit.schema import RUN_KINDS

SPEED_KINDS: Final = frozenset({"intervals", "tempo", "race"})
"""Run kinds that count as speed days; the others count as distance days."""

LONG_RATIO: Final = 1.4
LONG_MIN_M: Final = 12_000.0
LOOKBACK: Final = pd.Timedelta(weeks=6)

_TITLE_RULES: Final = (
    (
        re.compile(
            r"\b\d+\s*[x\u00d7]\s*\d+|\binterval|\bfartlek|\btrack\b|\brepeats?\b|\bspeed\b",
            re.IGNORECASE,
        ),
        "intervals",
    ),
    (re.compile(r"\btempo\b|\bthreshold\b|\blactate\b", re.IGNORECASE), "tempo"),
    (re.compile(r"\brace\b|\bparkrun\b|\bmarathon\b|\b\d+k race\b", re.IGNORECASE), "race"),
    (re.compile(r"\blong\b", re.IGNORECASE), "long"),
    (re.compile(r"\brecovery\b|\bshake ?out\b", re.IGNORECASE), "recovery"),
    (re.compile(r"\beasy\b|\bbase\b|\baerobic\b", re.IGNORECASE), "easy"),
)


def focus_of(kind: str) -> str:
    """``"speed"`` for intervals, tempo and race runs, else ``"distance"``."""
    return "speed" if kind in SPEED_KINDS else "distance"


def classify_runs(sessions: pd.DataFrame, laps: pd.DataFrame) -> pd.DataFrame:
    """Fill ``kind``, ``focus`` and ``reason`` of every run.

    Parameters
    ----------
    sessions
        A sessions table.
    laps
        The laps table of the same log (used for lap structure).

    Returns
    -------
    pandas.DataFrame
        A copy of ``sessions``; runs have ``kind`` (one of :data:`stridekit.schema.RUN_KINDS`),
        ``focus`` and ``reason`` set; other sports keep their ``kind`` and have no focus.
    """
    out = sessions.copy()
    interval_laps = _interval_lap_sessions(laps)
    runs = out.index[out["sport"] == "run"]
    long_threshold = _long_thresholds(out.loc[runs])
    kinds, reasons = [], []
    for i in runs:
        row = out.loc[i]
        kind, reason = _classify(row, row["session_id"] in interval_laps, long_threshold.get(i))
        kinds.append(kind)
        reasons.append(reason)
    out.loc[runs, "kind"] = pd.Series(kinds, index=runs, dtype="str")
    out.loc[runs, "focus"] = pd.Series([focus_of(k) for k in kinds], index=runs, dtype="str")
    out.loc[runs, "reason"] = pd.Series(reasons, index=runs, dtype="str")
    return out


def _classify(row: pd.Series, has_interval_laps: bool, long_from: float | None) -> tuple[str, str]:
    written = row["kind"]
    if isinstance(written, str) and written.lower() in RUN_KINDS:
        return written.lower(), f"the log says {written.lower()}"
    text = " ".join(str(row[c]) for c in ("title", "notes") if isinstance(row[c], str))
    for pattern, kind in _TITLE_RULES:
        found = pattern.search(text)
        if found:
            return kind, f"the title or notes say {found.group(0).strip()!r}"
    if has_interval_laps:
        return "intervals", "its laps alternate work and rest"
    distance = row["distance_m"]
    if long_from is not None and np.isfinite(distance) and distance >= long_from:
        return "long", (
            f"{distance / 1000:.1f} km is at least {LONG_RATIO:g}x the runner's "
            f"usual run of the 6 weeks before"
        )
    return "easy", "no sign of speed work or of a long run"


def _interval_lap_sessions(laps: pd.DataFrame) -> set[str]:
    if laps.empty:
        return set()
    intensity = laps["intensity"].str.lower()
    work = intensity.isin(["active", "interval"])
    rest = intensity.isin(["resting", "rest", "recovery"])
    counts = pd.DataFrame({"session_id": laps["session_id"], "work": work, "rest": rest})
    per = counts.groupby("session_id")[["work", "rest"]].sum()
    return set(per.index[(per["work"] >= 2) & (per["rest"] >= 1)])


def _long_thresholds(runs: pd.DataFrame) -> dict[int, float]:
    """Per run: the distance from which it counts as long, from the runs before it."""
    ordered = runs.sort_values("start_utc")
    starts = ordered["start_utc"].to_numpy()
    dists = ordered["distance_m"].to_numpy(dtype=float)
    out: dict[int, float] = {}
    for pos, idx in enumerate(ordered.index):
        window = starts[:pos] >= starts[pos] - LOOKBACK.to_timedelta64()
        previous = dists[:pos][window]
        previous = previous[np.isfinite(previous)]
        if len(previous) >= 3:
            out[idx] = max(LONG_RATIO * float(np.median(previous)), LONG_MIN_M)
        else:
            out[idx] = LONG_MIN_M * 1.5  # too little history: only clearly long runs count
    return out
