"""Run analysis: accuracy on the sample runner, and the detector's speed on a big log.

Usage: ``python -m bench.analysis [copies]``. Prints JSON; ``run()`` returns the same dict
for ``python -m bench``. The speed test stacks ``copies`` (default 30) renamed copies of the
sample's samples (about 4 million rows) and times :func:`detect_all` and
:func:`analyse_runs` on them, wall-clock and CPU.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import pandas as pd

import stridekit
from stridekit.analysis import accuracy
from stridekit.analysis.classify import classify_log
from stridekit.analysis.intervals import analyse_runs, build_grid, detect_all


def _timed(fn: Any, *args: Any) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def run(copies: int = 30) -> dict[str, Any]:
    """Accuracy and speed numbers as a dictionary."""
    log = stridekit.sample_log()
    result = accuracy.measure(log, accuracy.read_truth(stridekit.sample_path())).as_dict()
    wall, cpu = _timed(classify_log, log)
    result["classify_log_sample_s"] = {"wall": round(wall, 3), "cpu": round(cpu, 3)}

    runs = log.runs["session_id"]
    samples = log.samples.loc[log.samples["session_id"].isin(runs)]
    laps = log.laps.loc[log.laps["session_id"].isin(runs)]
    big = pd.concat(
        [samples.assign(session_id=samples["session_id"] + f"-{i}") for i in range(copies)],
        ignore_index=True,
    )
    big_laps = pd.concat(
        [laps.assign(session_id=laps["session_id"] + f"-{i}") for i in range(copies)],
        ignore_index=True,
    )
    grid = build_grid(big)
    speed: dict[str, Any] = {
        "samples": len(big),
        "sessions": int(big["session_id"].nunique()),
        "grid_cells": int((grid.session >= 0).sum()),
    }
    for name, fn, args in (
        ("detect_all", detect_all, (big,)),
        ("analyse_runs", analyse_runs, (big_laps, big)),
    ):
        best = min((_timed(fn, *args) for _ in range(2)), key=lambda x: x[1])
        speed[f"{name}_wall_s"] = round(best[0], 2)
        speed[f"{name}_cpu_s"] = round(best[1], 2)
    speed["cpu_s_per_million_cells"] = round(
        speed["detect_all_cpu_s"] / speed["grid_cells"] * 1e6, 3
    )
    result["speed"] = speed
    return result


if __name__ == "__main__":
    print(json.dumps(run(*(int(a) for a in sys.argv[1:2])), indent=1, default=str))
