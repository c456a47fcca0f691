"""``make bench``: every benchmark, side by side with its peers, reported as ratios.

Usage: ``python -m bench [dashboard] [dashboard-quick] [readers] [import]`` (default: all but
``dashboard-quick``, the dashboards on the sample log). Results are printed
and written to ``bench/results/latest.json``.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Any

from bench import dashboard, import_log, readers

SUITES = {
    "readers": readers.run,
    "dashboard": dashboard.run,
    "dashboard-quick": dashboard.run_quick,
    "import": import_log.run,
}


def main(argv: list[str]) -> int:
    chosen = argv or [s for s in SUITES if s != "dashboard-quick"]
    unknown = set(chosen) - set(SUITES)
    if unknown:
        print(
            f"unknown suite(s) {', '.join(sorted(unknown))}; choose from {', '.join(SUITES)}",
            file=sys.stderr,
        )
        return 2
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "processor": platform.machine()}
    }
    for name in chosen:
        print(f"== {name}", flush=True)
        results[name] = SUITES[name]()
        print(json.dumps(results[name], indent=1, default=str), flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
