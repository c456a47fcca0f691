"""How well the run analysis recovers what was planted in a log with a known truth.

The bundled sample runner's ``truth.json`` lists, for every run, its kind, focus, warm-up,
cool-down and the wall-clock boundaries of each fast repeat. :func:`measure` compares
stridekit's classification and its stream-only interval detection (the laps hidden) with
it; ``python -m bench.analysis`` prints the numbers published in ``docs/analysis.md``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from stridekit.analysis.classify import classify_log
from stridekit.analysis.intervals import detect_all
from stridekit.log import TrainingLog

BOUNDARY_TOLERANCE_S: Final = 3.0
"""A repeat is found when both its boundaries are within this of the planted ones [s]."""


@dataclass(frozen=True)
class Accuracy:
    """The measured numbers.

    Attributes
    ----------
    runs
        Runs compared.
    kind_accuracy, focus_accuracy
        Share of runs whose kind, and whose focus, match the truth [0-1].
    planted, detected
        Planted repeats, and repeats the stream-only detector returned.
    recall
        Share of planted repeats found with both boundaries within
        :data:`BOUNDARY_TOLERANCE_S` [0-1].
    overlap_recall
        Share of planted repeats overlapped by a detected one [0-1].
    precision
        Share of detected repeats that overlap a planted one [0-1].
    false_repeat_share
        ``1 - precision`` [0-1].
    boundary_error_median_s, boundary_error_p95_s, boundary_error_max_s
        Absolute error of start and end of matched repeats [s].
    warmup_presence_accuracy, cooldown_presence_accuracy
        Share of runs where a warm-up (cool-down) was found exactly when one was planted.
    warmup_error_median_s, cooldown_error_median_s
        Median absolute error of ``warmup_s`` and ``cooldown_s`` where both are non-zero [s].
    wrong_kinds
        ``session_id: truth -> found`` for every misclassified run.
    """

    runs: int
    kind_accuracy: float
    focus_accuracy: float
    planted: int
    detected: int
    recall: float
    overlap_recall: float
    precision: float
    false_repeat_share: float
    boundary_error_median_s: float
    boundary_error_p95_s: float
    boundary_error_max_s: float
    warmup_presence_accuracy: float
    cooldown_presence_accuracy: float
    warmup_error_median_s: float
    cooldown_error_median_s: float
    wrong_kinds: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The numbers as a plain dictionary."""
        return asdict(self)


def read_truth(folder: Path | str) -> pd.DataFrame:
    """The runs of ``folder/truth.json``: one row per planted run.

    Returns
    -------
    pandas.DataFrame
        ``start_utc``, ``kind``, ``focus``, ``warmup_s`` [s], ``cooldown_s`` [s] and
        ``repeats`` (a list of ``(start_s, end_s)`` [s] per run).
    """
    data = json.loads((Path(folder) / "truth.json").read_text(encoding="utf-8"))
    rows = [
        {
            "start_utc": pd.Timestamp(s["start_utc"]),
            "kind": s["kind"],
            "focus": s["focus"],
            "warmup_s": float(s["warmup_s"] or 0),
            "cooldown_s": float(s["cooldown_s"] or 0),
            "repeats": [(float(r["start_s"]), float(r["end_s"])) for r in s["repeats"] or []],
        }
        for s in data["sessions"]
        if s["sport"] == "run"
    ]
    return pd.DataFrame(rows)


def measure(log: TrainingLog, truth: pd.DataFrame) -> Accuracy:
    """Compare the log's classified runs and its stream-only repeats with ``truth``.

    Parameters
    ----------
    log
        The loaded log; its runs are classified afresh (:func:`classify_log`, with laps and
        samples), whatever the loader did.
    truth
        :func:`read_truth` of the same log.
    """
    log = classify_log(log)
    runs = log.runs.set_index("start_utc")
    truth = truth.set_index("start_utc")
    both = truth.index.intersection(runs.index)
    t, r = truth.loc[both], runs.loc[both]
    kind_ok = t["kind"].to_numpy() == r["kind"].to_numpy(dtype=object)
    focus_ok = t["focus"].to_numpy() == r["focus"].to_numpy(dtype=object)
    wrong = tuple(
        f"{sid}: {tk} -> {rk}"
        for sid, tk, rk, ok in zip(r["session_id"], t["kind"], r["kind"], kind_ok, strict=True)
        if not ok
    )

    samples = log.samples.loc[log.samples["session_id"].isin(r["session_id"])]
    found = detect_all(samples).repeats
    by_session = {sid: g for sid, g in found.groupby("session_id")}
    planted = hits = overlapped = detected = true_detected = 0
    errors: list[float] = []
    for sid, planted_reps in zip(r["session_id"], t["repeats"], strict=True):
        got = by_session.get(sid)
        starts = got["start_s"].to_numpy() if got is not None else np.array([])
        ends = got["end_s"].to_numpy() if got is not None else np.array([])
        detected += len(starts)
        used = np.zeros(len(starts), dtype=bool)
        for a, b in planted_reps:
            planted += 1
            overlap = (np.minimum(ends, b) - np.maximum(starts, a)) > 0
            if not overlap.any():
                continue
            overlapped += 1
            j = int(np.flatnonzero(overlap)[np.argmax((ends - starts)[overlap])])
            used[j] = True
            ea, eb = abs(starts[j] - a), abs(ends[j] - b)
            errors += [ea, eb]
            if max(ea, eb) <= BOUNDARY_TOLERANCE_S:
                hits += 1
        true_detected += int(used.sum())

    w_truth, c_truth = t["warmup_s"].to_numpy(), t["cooldown_s"].to_numpy()
    w_found = r["warmup_s"].fillna(0).to_numpy()
    c_found = r["cooldown_s"].fillna(0).to_numpy()
    both_w = (w_truth > 0) & (w_found > 0)
    both_c = (c_truth > 0) & (c_found > 0)
    err = np.asarray(errors) if errors else np.array([np.nan])
    precision = true_detected / detected if detected else 1.0
    return Accuracy(
        runs=len(both),
        kind_accuracy=float(kind_ok.mean()),
        focus_accuracy=float(focus_ok.mean()),
        planted=planted,
        detected=detected,
        recall=hits / planted if planted else 1.0,
        overlap_recall=overlapped / planted if planted else 1.0,
        precision=precision,
        false_repeat_share=1.0 - precision,
        boundary_error_median_s=float(np.median(err)),
        boundary_error_p95_s=float(np.percentile(err, 95)),
        boundary_error_max_s=float(np.max(err)),
        warmup_presence_accuracy=float(((w_truth > 0) == (w_found > 0)).mean()),
        cooldown_presence_accuracy=float(((c_truth > 0) == (c_found > 0)).mean()),
        warmup_error_median_s=float(np.median(np.abs(w_truth - w_found)[both_w]))
        if both_w.any()
        else float("nan"),
        cooldown_error_median_s=float(np.median(np.abs(c_truth - c_found)[both_c]))
        if both_c.any()
        else float("nan"),
        wrong_kinds=wrong,
    )
