"""``stridekit inspect``: what stridekit makes of each file, as plain data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stridekit.errors import StridekitError
from stridekit.io import detect
from stridekit.io.common import TzLike
from stridekit.io.loader import read_activity


def inspect_file(argument: str, *, tz: TzLike = None) -> dict[str, Any]:
    """Read one file and describe it.

    Returns
    -------
    dict
        Exactly the keys ``path`` (``argument`` as given), ``format``, ``status`` (``ok``,
        ``partial`` or ``error``), ``error`` (text or ``None``) and ``sessions``: one dict
        per session with ``sport``, ``start_utc`` (ISO 8601), ``distance_m``,
        ``duration_s`` and the counts ``samples``, ``laps`` and ``sets``.
    """
    path = Path(argument)
    fmt: str | None = None
    try:
        fmt = detect.sniff_path(path) if path.is_file() else None
        log = read_activity(path, tz=tz)
    except StridekitError as exc:
        return {
            "path": argument,
            "format": fmt,
            "status": "error",
            "error": str(exc),
            "sessions": [],
        }
    except OSError as exc:
        return {
            "path": argument,
            "format": fmt,
            "status": "error",
            "error": f"{argument}: {exc.strerror or exc}",
            "sessions": [],
        }
    entry = log.report.entries[0]
    counts = {
        name: getattr(log, name)["session_id"].value_counts().to_dict()
        for name in ("samples", "laps", "sets")
    }
    sessions = [
        {
            "sport": row["sport"],
            "start_utc": row["start_utc"].isoformat().replace("+00:00", "Z"),
            "distance_m": _number(row["distance_m"]),
            "duration_s": _number(row["duration_s"]),
            **{name: int(counts[name].get(row["session_id"], 0)) for name in counts},
        }
        for row in log.sessions.to_dict("records")
    ]
    return {
        "path": argument,
        "format": entry.format,
        "status": entry.status,
        "error": entry.message,
        "sessions": sessions,
    }


def _number(value: float) -> float | None:
    return None if value != value else float(value)  # NaN -> null
