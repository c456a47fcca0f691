"""Readers against their peers on the same files: stridekit's TCX reader against tcxreader.

Each file is read ``repeat`` times by each library, alternating; the best time of each is
kept (the least disturbed by the rest of the machine) and the ratio peer / stridekit reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stridekit.io.tcx import read_tcx

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def tcx(repeat: int = 7) -> dict[str, Any]:
    """stridekit.io.tcx.read_tcx against tcxreader.TCXReader().read on every TCX fixture."""
    from tcxreader.tcxreader import TCXReader

    peer = TCXReader()
    rows = {}
    for path in sorted((FIXTURES / "tcx").glob("*.tcx")):
        ours = _best(lambda p=path: read_tcx(p, tz="UTC"), repeat)
        theirs = _best(lambda p=path: peer.read(str(p)), repeat)
        rows[path.name] = {"stridekit_s": ours, "tcxreader_s": theirs, "speedup": theirs / ours}
    return {
        "files": rows,
        "worst_speedup": min(r["speedup"] for r in rows.values()),
        "target_speedup": 2.0,
    }


def run() -> dict[str, Any]:
    """Every reader benchmark whose fixtures are present."""
    if not FIXTURES.is_dir():
        return {"skipped": f"{FIXTURES} is absent"}
    return {"tcx": tcx()}
