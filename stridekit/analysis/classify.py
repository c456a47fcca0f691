"""Give every run a kind and a focus (speed or distance) from what the data shows.

The rules, first match wins; each run's ``reason`` says which one applied:

1. the runner's own word: an override (:func:`apply_overrides`), or the kind written in
   the hand-kept log;
2. Strava's workout tag (race, long run), when the export carries it;
3. a title or notes that name a race ("race", "parkrun"; "10k" unless they also say long,
   easy, tempo ...);
4. two or more work repeats, from the laps or the speed stream
   (:func:`stridekit.analysis.intervals.analyse_runs`);
5. the title or notes: ``6x800``, ``8 x 45s``, "intervals", "fartlek", "track", "speed"
   mean intervals; "tempo", "threshold" tempo; "long" long; "recovery" recovery; "easy" easy;
6. the pace of the run's main part (between warm-up and cool-down) against the runner's
   own recent easy pace (the median of their runs without repeats in the 6 weeks before):
   :data:`RACE_RATIO` times faster for 30 minutes and more is a race or time trial,
   :data:`TEMPO_RATIO` times faster for 10 minutes and more a tempo run;
7. the distance against the runner's recent runs: at least :data:`LONG_RATIO` times the
   median of the runs in the 6 weeks before (and 10 km), or close to their recent long
   runs, means long;
8. :data:`RECOVERY_RATIO` times the recent easy pace or slower, and short, means recovery;
9. otherwise easy.

intervals, tempo and race are speed days; long, easy and recovery are distance days.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from os import PathLike
from typing import Any, Final

import numpy as np
import pandas as pd

from stridekit.analysis.intervals import RunAnalysis, analyse_runs
from stridekit.log import TrainingLog
from stridekit.schema import FOCUSES, RUN_KINDS

SPEED_KINDS: Final = frozenset({"intervals", "tempo", "race"})
"""Run kinds that count as speed days; the others count as distance days."""

LONG_RATIO: Final = 1.35
"""A run this many times the median recent run is long [-]."""

LONG_MIN_M: Final = 10_000.0
"""... and at least this far [m]."""

LONG_NEAR: Final = 0.8
"""A run this close to the runner's recent long runs (their median) is long too [-]."""

TEMPO_RATIO: Final = 1.08
"""Main part this many times the recent easy speed, for 10 min or more: tempo [-]."""

RACE_RATIO: Final = 1.12
"""Main part this many times the recent easy speed, for 30 min or more: race [-]."""

RECOVERY_RATIO: Final = 0.95
"""Main part at most this many times the recent easy speed, and short: recovery [-]."""

RECOVERY_MAX_S: Final = 45 * 60.0
"""A recovery run is at most this long [s]."""

LOOKBACK: Final = pd.Timedelta(weeks=6)

_RACE_TEXT: Final = re.compile(
    r"\brace\b|\bparkrun\b|\bmarathon\b|\btime ?trial\b|\bwettkampf\b", re.IGNORECASE
)
_RACE_DISTANCE: Final = re.compile(
    r"\b(?:5|10|15|21(?:\.1)?|42(?:\.2)?)\s?k\b|\bhalf\b", re.IGNORECASE
)
"""A race distance in a title means a race unless the title also says long, easy, ..."""
_TITLE_RULES: Final = (
    (
        re.compile(
            r"\b\d+\s*[x\u00d7]\s*\d+|\binterval|\bfartlek|\btrack\b|\brepeats?\b|\bspeed\b"
            r"|\bstrides\b|\bhill ?sprints?\b",
            re.IGNORECASE,
        ),
        "intervals",
    ),
    (re.compile(r"\btempo\b|\bthreshold\b|\blactate\b", re.IGNORECASE), "tempo"),
    (re.compile(r"\blong\b", re.IGNORECASE), "long"),
    (re.compile(r"\brecovery\b|\bshake ?out\b", re.IGNORECASE), "recovery"),
    (re.compile(r"\beasy\b|\bbase\b|\baerobic\b", re.IGNORECASE), "easy"),
)
_STRAVA_TAGS: Final = {"1": "race", "race": "race", "2": "long", "long run": "long"}
_OVERRIDE_REASON: Final = "set by the runner (overrides)"


def focus_of(kind: str) -> str:
    """``"speed"`` for intervals, tempo and race runs, else ``"distance"``."""
    return "speed" if kind in SPEED_KINDS else "distance"


def classify_runs(
    sessions: pd.DataFrame,
    laps: pd.DataFrame,
    samples: pd.DataFrame | None = None,
    *,
    overrides: pd.DataFrame | str | PathLike[str] | None = None,
    analysis: RunAnalysis | None = None,
) -> pd.DataFrame:
    """Fill ``kind``, ``focus``, ``reason``, ``warmup_s`` and ``cooldown_s`` of every run.

    Parameters
    ----------
    sessions
        A sessions table.
    laps
        The laps table of the same log (lap structure, warm-up and cool-down laps).
    samples
        The samples table of the same log; without it only laps, titles, distances and
        average speeds are used, and warm-up and cool-down stay as they were.
    overrides
        The runner's corrections (see :func:`read_overrides`), applied last.
    analysis
        :func:`stridekit.analysis.intervals.analyse_runs` of these laps and samples, when
        already at hand.

    Returns
    -------
    pandas.DataFrame
        A copy of ``sessions``; runs have ``kind`` (one of :data:`stridekit.schema.RUN_KINDS`),
        ``focus`` and ``reason`` set; other sports keep their ``kind`` and have no focus.
        Calling it again on its own output gives the same result.
    """
    out = sessions.copy()
    is_run = (out["sport"] == "run").to_numpy()
    runs = out.loc[is_run]
    if analysis is None:
        analysis = analyse_runs(laps, samples, session_ids=runs["session_id"])
    phases = analysis.phases.set_index("session_id")
    counts = analysis.repeats.groupby("session_id").size()
    durations = analysis.repeats.groupby("session_id")["duration_s"].agg(["min", "max"])
    sources = analysis.repeats.groupby("session_id")["source"].first()
    rested = analysis.laps["intensity"].str.lower().isin(["resting", "rest", "recovery"])
    marked = set(analysis.laps.loc[rested, "session_id"])
    sources = sources.where(~(sources.index.isin(marked) & (sources == "laps")), "laps-marked")

    index = runs.index
    sid = runs["session_id"]
    n_repeats = sid.map(counts).fillna(0).to_numpy(dtype=int)
    main_speed = sid.map(phases["main_speed_mps"]).to_numpy(dtype=float, na_value=np.nan)
    main_a = sid.map(phases["main_start_s"]).to_numpy(dtype=float, na_value=np.nan)
    main_b = sid.map(phases["main_end_s"]).to_numpy(dtype=float, na_value=np.nan)
    warm = sid.map(phases["warmup_s"]).to_numpy(dtype=float, na_value=np.nan)
    cool = sid.map(phases["cooldown_s"]).to_numpy(dtype=float, na_value=np.nan)
    avg_speed = runs["avg_speed_mps"].to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(avg_speed).all():
        moving = runs["moving_s"].fillna(runs["duration_s"]).to_numpy(dtype=float)
        distance = runs["distance_m"].to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            avg_speed = np.where(np.isfinite(avg_speed), avg_speed, distance / moving)
    speed = np.where(np.isfinite(main_speed), main_speed, avg_speed)
    main_s = np.where(np.isfinite(main_b - main_a), main_b - main_a, np.nan)
    main_s = np.where(np.isfinite(main_s), main_s, runs["duration_s"].to_numpy(dtype=float))

    easy_ref, long_ref, long_run_ref = _references(runs, speed, n_repeats)

    kinds: list[str] = []
    reasons: list[str] = []
    tags = runs["workout_type"] if "workout_type" in runs.columns else None
    rows = runs[["session_id", "kind", "reason", "title", "notes", "distance_m", "duration_s"]]
    rep_min = sid.map(durations["min"]).to_numpy(dtype=float, na_value=np.nan)
    rep_max = sid.map(durations["max"]).to_numpy(dtype=float, na_value=np.nan)
    rep_src = [x if isinstance(x, str) else "" for x in sid.map(sources).tolist()]
    tag_values = [None] * len(runs) if tags is None else tags.to_numpy(dtype=object)
    for pos, row in enumerate(rows.to_dict("records")):
        kind, reason = _classify(
            row,
            tag=tag_values[pos],
            n_repeats=int(n_repeats[pos]),
            repeat_range=(float(rep_min[pos]), float(rep_max[pos])) if n_repeats[pos] else None,
            repeat_source=str(rep_src[pos]),
            speed=float(speed[pos]),
            main_s=float(main_s[pos]),
            easy_ref=float(easy_ref[pos]),
            long_from=float(long_ref[pos]),
            long_runs=float(long_run_ref[pos]),
        )
        kinds.append(kind)
        reasons.append(reason)
    out.loc[index, "kind"] = pd.Series(kinds, index=index, dtype="str")
    out.loc[index, "focus"] = pd.Series([focus_of(k) for k in kinds], index=index, dtype="str")
    out.loc[index, "reason"] = pd.Series(reasons, index=index, dtype="str")
    known_warm = np.isfinite(warm)
    out.loc[index[known_warm], "warmup_s"] = warm[known_warm]
    known_cool = np.isfinite(cool)
    out.loc[index[known_cool], "cooldown_s"] = cool[known_cool]
    if overrides is not None:
        out = apply_overrides(out, overrides)
    return out


def classify_log(
    log: TrainingLog,
    overrides: pd.DataFrame | str | PathLike[str] | None = None,
) -> TrainingLog:
    """The log with its runs classified and its laps' ``role`` filled.

    Parameters
    ----------
    log
        A training log.
    overrides
        The runner's corrections (see :func:`read_overrides`).
    """
    runs = log.sessions.loc[log.sessions["sport"] == "run", "session_id"]
    run_laps = log.laps["session_id"].isin(runs)
    analysis = analyse_runs(log.laps, log.samples, session_ids=runs)
    laps = log.laps.copy()
    laps.loc[run_laps.to_numpy(), "role"] = analysis.laps["role"].to_numpy()
    return TrainingLog(
        sessions=classify_runs(
            log.sessions, log.laps, log.samples, overrides=overrides, analysis=analysis
        ),
        laps=laps,
        samples=log.samples,
        sets=log.sets,
        report=log.report,
    )


def read_overrides(source: pd.DataFrame | str | PathLike[str]) -> pd.DataFrame:
    """Read the runner's classification overrides.

    Parameters
    ----------
    source
        A CSV file (or a frame) with columns ``session_id`` and ``kind`` and optionally
        ``focus`` and ``note``. ``kind`` is one of intervals, tempo, long, easy, recovery,
        race; ``focus`` (speed or distance) defaults to the kind's usual focus.

    Returns
    -------
    pandas.DataFrame
        ``session_id``, ``kind``, ``focus``, ``note``, one row per session (the last row
        wins when a session is listed twice).

    Raises
    ------
    ValueError
        Naming the row, when a column is missing or a kind or focus is not one of the
        allowed values.
    """
    frame = source if isinstance(source, pd.DataFrame) else pd.read_csv(source, dtype=str)
    frame = frame.rename(columns=lambda c: str(c).strip().lower())
    for col in ("session_id", "kind"):
        if col not in frame.columns:
            raise ValueError(
                f"overrides need a {col!r} column; the columns are session_id, kind and "
                "optionally focus and note"
            )
    out = pd.DataFrame(
        {
            "session_id": frame["session_id"].astype("str").str.strip(),
            "kind": frame["kind"].astype("str").str.strip().str.lower(),
            "focus": (
                frame["focus"].astype("str").str.strip().str.lower()
                if "focus" in frame.columns
                else pd.Series(np.nan, index=frame.index, dtype="str")
            ),
            "note": (
                frame["note"].astype("str")
                if "note" in frame.columns
                else pd.Series(np.nan, index=frame.index, dtype="str")
            ),
        }
    )
    out["focus"] = out["focus"].replace("", np.nan)
    for row, (kind, focus) in enumerate(zip(out["kind"], out["focus"], strict=True), start=2):
        if kind not in RUN_KINDS:
            raise ValueError(
                f"overrides row {row}: kind {kind!r} is not one of {', '.join(RUN_KINDS)}"
            )
        if isinstance(focus, str) and focus not in FOCUSES:
            raise ValueError(
                f"overrides row {row}: focus {focus!r} is not one of {', '.join(FOCUSES)}"
            )
    out["focus"] = out["focus"].fillna(out["kind"].map(focus_of)).astype("str")
    return out.drop_duplicates("session_id", keep="last").reset_index(drop=True)


def apply_overrides(
    sessions: pd.DataFrame, overrides: pd.DataFrame | str | PathLike[str]
) -> pd.DataFrame:
    """Set the kind and focus of the sessions the runner corrected.

    Parameters
    ----------
    sessions
        A sessions table.
    overrides
        A path or frame as :func:`read_overrides` reads; ids not in ``sessions`` are
        ignored (they may lie outside a selected date range).

    Returns
    -------
    pandas.DataFrame
        A copy of ``sessions``; the overridden runs' ``reason`` says the runner set them.
    """
    table = read_overrides(overrides).set_index("session_id")
    out = sessions.copy()
    hit = out["session_id"].isin(table.index) & (out["sport"] == "run")
    if not hit.any():
        return out
    ids = out.loc[hit, "session_id"]
    out.loc[hit, "kind"] = ids.map(table["kind"]).astype("str")
    out.loc[hit, "focus"] = ids.map(table["focus"]).astype("str")
    notes = ids.map(table["note"])
    reason = pd.Series(_OVERRIDE_REASON, index=ids.index, dtype="str")
    reason = reason.where(notes.isna(), reason + ": " + notes.astype("str"))
    out.loc[hit, "reason"] = reason
    return out


def _references(
    runs: pd.DataFrame, speed: np.ndarray, n_repeats: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per run, from the runs before it (6 weeks): easy speed [m/s], the distance from
    which a run is long [m], and the median of the recent long runs [m]."""
    starts = runs["start_utc"].to_numpy(dtype="datetime64[ns]")
    order = np.argsort(starts, kind="stable")
    t = starts[order]
    dist = runs["distance_m"].to_numpy(dtype=float, na_value=np.nan)[order]
    v = speed[order]
    plain = n_repeats[order] < 2
    lo = np.searchsorted(t, t - LOOKBACK.to_timedelta64(), side="left")
    overall = v[plain & np.isfinite(v)]
    overall_easy = float(np.median(overall)) if len(overall) else np.nan
    easy = np.full(len(t), overall_easy)
    long_from = np.full(len(t), 1.5 * LONG_MIN_M)
    long_runs = np.full(len(t), np.nan)
    is_long = np.zeros(len(t), dtype=bool)
    for j in range(len(t)):
        a = lo[j]
        window_v = v[a:j][plain[a:j] & np.isfinite(v[a:j])]
        if len(window_v) >= 3:
            easy[j] = float(np.median(window_v))
        window_d = dist[a:j][np.isfinite(dist[a:j])]
        if len(window_d) >= 3:
            median = float(np.median(window_d))
            long_from[j] = max(LONG_RATIO * median, LONG_MIN_M)
            longs = dist[a:j][is_long[a:j]]
            if len(longs):
                long_runs[j] = float(np.median(longs))
        is_long[j] = np.isfinite(dist[j]) and dist[j] >= long_from[j]
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return easy[back], long_from[back], long_runs[back]


def _text(row: Mapping[Hashable, Any]) -> str:
    return " ".join(str(row[c]) for c in ("title", "notes") if isinstance(row[c], str))


def _classify(
    row: Mapping[Hashable, Any],
    *,
    tag: object,
    n_repeats: int,
    repeat_range: tuple[float, float] | None,
    repeat_source: str,
    speed: float,
    main_s: float,
    easy_ref: float,
    long_from: float,
    long_runs: float,
) -> tuple[str, str]:
    written, reason = row["kind"], row["reason"]
    if isinstance(written, str) and written.lower() in RUN_KINDS:
        if isinstance(reason, str) and reason.startswith(_OVERRIDE_REASON):
            return written.lower(), reason
        if not isinstance(reason, str) or reason.startswith("the log says"):
            return written.lower(), f"the log says {written.lower()}"
    if isinstance(tag, str | int | float) and not pd.isna(tag):
        tagged = _STRAVA_TAGS.get(str(tag).strip().lower())
        if tagged:
            return tagged, f"Strava tags it as a {'race' if tagged == 'race' else 'long run'}"
    text = _text(row)
    found = _RACE_TEXT.search(text)
    if not found and not any(p.search(text) for p, _ in _TITLE_RULES):
        found = _RACE_DISTANCE.search(text)
    if found:
        return "race", f"the title or notes say {found.group(0).strip()!r}"
    if n_repeats >= 2 and repeat_range is not None:
        if repeat_source == "laps-marked":
            return "intervals", "its laps alternate work and rest"
        lo, hi = repeat_range
        span = ""
        if np.isfinite(lo) and np.isfinite(hi):
            span = f" of {lo:.0f} s" if round(lo) == round(hi) else f" of {lo:.0f}-{hi:.0f} s"
        where = "its laps" if repeat_source == "laps" else "the speed stream"
        return "intervals", f"{n_repeats} fast repeats{span} in {where}"
    for pattern, kind in _TITLE_RULES:
        found = pattern.search(text)
        if found:
            return kind, f"the title or notes say {found.group(0).strip()!r}"
    ratio = speed / easy_ref if np.isfinite(speed) and easy_ref > 0 else np.nan
    minutes = main_s / 60 if np.isfinite(main_s) else np.nan
    if np.isfinite(ratio) and np.isfinite(minutes):
        if ratio >= RACE_RATIO and minutes >= 30:
            return "race", (
                f"{minutes:.0f} min at {ratio:.2f}x the runner's recent easy speed: "
                "a race or time trial"
            )
        if ratio >= TEMPO_RATIO and minutes >= 10:
            return "tempo", f"{minutes:.0f} min at {ratio:.2f}x the runner's recent easy speed"
    distance = row["distance_m"]
    if np.isfinite(distance):
        if distance >= long_from:
            return "long", (
                f"{distance / 1000:.1f} km is at least {LONG_RATIO:g}x the runner's "
                "usual run of the 6 weeks before"
            )
        if (
            np.isfinite(long_runs)
            and distance >= LONG_NEAR * long_runs
            and distance >= 0.75 * long_from
        ):
            return "long", (
                f"{distance / 1000:.1f} km is close to the runner's recent long runs "
                f"({long_runs / 1000:.1f} km)"
            )
    duration = row["duration_s"]
    if np.isfinite(ratio) and ratio <= RECOVERY_RATIO and not duration > RECOVERY_MAX_S:
        return "recovery", f"a short run at {ratio:.2f}x the runner's recent easy speed"
    if not np.isfinite(ratio):
        return "easy", "no sign of speed work or of a long run (no speed to compare)"
    return "easy", "no sign of speed work or of a long run"
