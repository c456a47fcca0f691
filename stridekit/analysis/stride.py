"""Step length and cadence at comparable speeds over time, and a flag on a too-fast rise.

Step length grows with speed, so raw step lengths of an easy week and a fast week cannot be
compared. Each run's step length and cadence are therefore read at one reference speed: from
the run's running samples within ``band_mps`` of it, corrected to the reference speed by the
slope of step length (and cadence) on speed pooled over all runs (a within-run regression,
so that runs at different speeds do not bias the slope).

A week's value is the median over its runs. The flag compares it with the median of the
runner's preceding ``baseline_weeks`` weeks that had a value: a rise of more than
``max_rise_pct`` is flagged, since the advice warns against lengthening the stride too much.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from stridekit.analysis.load import DateLike, covered_weeks
from stridekit.analysis.weekly import in_range, week_start

RUNNING_MIN_SPM: Final = 140.0
"""Samples below this cadence are walking or standing and are left out [steps/min]."""

BAND_MPS: Final = 0.4
"""Half-width of the speed band around the reference speed [m/s]."""

MIN_SAMPLES: Final = 60
"""Running samples in the band a run needs for its value [samples]."""

MAX_RISE_PCT: Final = 1.5
"""Default threshold: step length at the reference speed above the recent level [%]."""

BASELINE_WEEKS: Final = 6
"""Default number of preceding weeks the recent level is taken from [weeks]."""

MIN_BASELINE: Final = 3
"""Preceding weeks with a value the recent level needs [weeks]."""


def _running_samples(samples: pd.DataFrame) -> pd.DataFrame:
    s = samples[["session_id", "speed_mps", "cadence_spm", "step_m"]]
    ok = (
        (s["cadence_spm"] >= RUNNING_MIN_SPM)
        & (s["speed_mps"] > 0)
        & np.isfinite(s["step_m"])
        & np.isfinite(s["speed_mps"])
    )
    return s.loc[ok.fillna(False).astype(bool)]


def reference_speed(samples: pd.DataFrame) -> float | None:
    """The runner's median running speed [m/s], or ``None`` when no sample is running."""
    running = _running_samples(samples)
    return float(running["speed_mps"].median()) if len(running) else None


def stride_at_speed(
    sessions: pd.DataFrame,
    samples: pd.DataFrame,
    *,
    speed_mps: float | None = None,
    band_mps: float = BAND_MPS,
    min_samples: int = MIN_SAMPLES,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Each run's step length and cadence at one reference speed.

    Parameters
    ----------
    sessions, samples
        The sessions and samples tables of a log.
    speed_mps
        The reference speed [m/s]; default the median speed of all running samples of the
        runs in the span.
    band_mps
        Half-width of the speed band whose samples count [m/s].
    min_samples
        Samples in the band a run needs; fewer give a missing value and a note.
    start, end
        Only runs whose ``local_date`` lies in ``[start, end]``.

    Returns
    -------
    pandas.DataFrame
        One row per run: ``session_id``, ``local_date``, ``week``, ``kind``, ``speed_mps``
        (the reference speed [m/s]), ``samples`` (used), ``step_m`` [m] and ``cadence_spm``
        [steps/min] at the reference speed, and ``note`` (why a value is missing).

    Raises
    ------
    ValueError
        If ``band_mps`` or ``speed_mps`` is not positive.
    """
    if band_mps <= 0:
        raise ValueError(f"band_mps must be a positive speed in m/s; got {band_mps}")
    if speed_mps is not None and not speed_mps > 0:
        raise ValueError(f"speed_mps must be a positive speed in m/s or None; got {speed_mps}")
    runs = in_range(sessions, start, end)
    runs = runs.loc[runs["sport"] == "run"]
    running = _running_samples(samples.loc[samples["session_id"].isin(runs["session_id"])])
    ref = speed_mps if speed_mps is not None else reference_speed(running)
    out = pd.DataFrame(
        {
            "session_id": runs["session_id"].to_numpy(),
            "local_date": runs["local_date"].to_numpy(),
            "week": week_start(runs["local_date"]).to_numpy(),
            "kind": pd.array(runs["kind"].to_numpy(), dtype="str"),
            "speed_mps": np.float64(ref if ref is not None else np.nan),
        }
    )
    if ref is None:
        band = running.iloc[:0]
    else:
        band = running.loc[(running["speed_mps"] - ref).abs() <= band_mps]
    g = band.groupby("session_id")
    n = g.size()
    mean = g[["speed_mps", "step_m", "cadence_spm"]].mean()
    # pooled within-run slopes of step length and cadence on speed
    dev = band[["speed_mps", "step_m", "cadence_spm"]] - mean.reindex(band["session_id"]).to_numpy()
    var = float((dev["speed_mps"] ** 2).sum())
    slope_step = float((dev["speed_mps"] * dev["step_m"]).sum()) / var if var > 0 else 0.0
    slope_cad = float((dev["speed_mps"] * dev["cadence_spm"]).sum()) / var if var > 0 else 0.0
    shift = (ref if ref is not None else np.nan) - mean["speed_mps"]
    step = mean["step_m"] + slope_step * shift
    cadence = mean["cadence_spm"] + slope_cad * shift
    count = out["session_id"].map(n).fillna(0).astype("int64")
    enough = count >= min_samples
    out["samples"] = count
    out["step_m"] = out["session_id"].map(step).where(enough).astype("float64")
    out["cadence_spm"] = out["session_id"].map(cadence).where(enough).astype("float64")
    has_samples = out["session_id"].isin(samples["session_id"].unique())
    has_cadence = out["session_id"].isin(running["session_id"].unique())
    note = np.select(
        [~has_samples, ~has_cadence, ~enough],
        [
            "not known: no samples",
            "not known: no running cadence or step length recorded",
            f"not known: fewer than {min_samples} samples within {band_mps:g} m/s of "
            f"{ref if ref is not None else float('nan'):.2f} m/s",
        ],
        "",
    )
    out["note"] = pd.array(note, dtype="str")
    return out


def weekly_stride(
    sessions: pd.DataFrame,
    samples: pd.DataFrame,
    *,
    max_rise_pct: float = MAX_RISE_PCT,
    baseline_weeks: int = BASELINE_WEEKS,
    speed_mps: float | None = None,
    band_mps: float = BAND_MPS,
    start: DateLike = None,
    end: DateLike = None,
) -> pd.DataFrame:
    """Weekly step length and cadence at the reference speed, flagging a too-fast rise.

    Parameters
    ----------
    sessions, samples
        The sessions and samples tables of a log.
    max_rise_pct
        The rise of step length above the recent level that is flagged [%].
    baseline_weeks
        How many preceding weeks the recent level is taken from [weeks]; it needs at least
        :data:`MIN_BASELINE` of them with a value.
    speed_mps, band_mps
        As in :func:`stride_at_speed`.
    start, end
        The weeks to cover; default the first and last session's week.

    Returns
    -------
    pandas.DataFrame
        One row per week: ``week``, ``runs`` (runs with a value), ``speed_mps`` [m/s],
        ``step_m`` [m] and ``cadence_spm`` [steps/min] at it (medians over the week's runs),
        ``baseline_step_m`` [m] (median of the preceding weeks' values), ``rise_pct`` [%],
        ``overstride`` (boolean: the rise is above ``max_rise_pct``; missing when the
        week or its baseline has no value) and ``note``.

    Raises
    ------
    ValueError
        If ``max_rise_pct`` is negative or ``baseline_weeks`` is below :data:`MIN_BASELINE`.
    """
    if max_rise_pct < 0:
        raise ValueError(f"max_rise_pct must be at least 0 %; got {max_rise_pct}")
    if baseline_weeks < MIN_BASELINE:
        raise ValueError(
            f"baseline_weeks must be at least {MIN_BASELINE} weeks; got {baseline_weeks}"
        )
    per = stride_at_speed(
        sessions, samples, speed_mps=speed_mps, band_mps=band_mps, start=start, end=end
    )
    weeks = covered_weeks(in_range(sessions, start, end)["local_date"], start, end)
    known = per.dropna(subset=["step_m"])
    grouped = known.groupby("week")
    table = pd.DataFrame(index=weeks)
    table["runs"] = grouped.size().reindex(weeks, fill_value=0).astype("int64")
    table["speed_mps"] = float(per["speed_mps"].iloc[0]) if len(per) else np.nan
    table["step_m"] = grouped["step_m"].median().reindex(weeks)
    table["cadence_spm"] = grouped["cadence_spm"].median().reindex(weeks)
    # the recent level: the median of the last `baseline_weeks` weeks before, with a value
    values = table["step_m"].to_numpy()
    baseline = np.full(len(values), np.nan)
    for i in range(len(values)):
        window = values[max(0, i - baseline_weeks) : i]
        window = window[np.isfinite(window)]
        if len(window) >= MIN_BASELINE:
            baseline[i] = np.median(window)
    table["baseline_step_m"] = baseline
    table["rise_pct"] = 100.0 * (table["step_m"] / table["baseline_step_m"] - 1.0)
    over = (table["rise_pct"] > max_rise_pct).astype("boolean")
    table["overstride"] = over.mask(table["rise_pct"].isna())
    note = np.select(
        [table["runs"].to_numpy() == 0, np.isnan(baseline)],
        [
            "not known: no run with step length at the reference speed",
            f"not known: fewer than {MIN_BASELINE} of the {baseline_weeks} weeks before "
            "have a value",
        ],
        "",
    )
    table["note"] = pd.array(note, dtype="str")
    table.index.name = "week"
    return table.reset_index()
