"""``stridekit import``: read a log once and store it as tables, trimmed for sharing."""

from __future__ import annotations

from pathlib import Path

from stridekit.errors import StridekitError
from stridekit.io.common import TzLike
from stridekit.io.loader import load_log
from stridekit.io.store import write_log
from stridekit.log import TrainingLog
from stridekit.privacy import drop_positions, trim_positions
from stridekit.report import ProgressCallback


def import_log(
    source: str | Path,
    to: str | Path,
    *,
    privacy_radius_m: float | None = None,
    drop_all_positions: bool = False,
    tz: TzLike = None,
    progress: ProgressCallback | None = None,
) -> TrainingLog:
    """Read ``source`` and write it to the folder ``to`` as Parquet tables and a report.

    ``stridekit.load_log(to)`` then reads the folder back without parsing anything; a runner
    can commit it (as ``data/mine``) to share a live dashboard.

    Parameters
    ----------
    source
        Anything :func:`stridekit.load_log` reads.
    to
        The folder to write (created; the five files in it are replaced, nothing else is
        touched). It must not lie inside ``source``, whose files are never modified.
    privacy_radius_m
        Blank positions within this distance [m] of each session's start and end.
    drop_all_positions
        Blank every position.

    Returns
    -------
    TrainingLog
        The log as written.
    """
    source, to = Path(source).resolve(), Path(to).resolve()
    if source.is_dir() and to.is_relative_to(source):
        raise StridekitError(
            f"{to} lies inside {source}; stridekit never writes into the folder it reads: "
            "choose a folder outside it"
        )
    if privacy_radius_m is not None and drop_all_positions:
        raise StridekitError("give either a privacy radius or drop all positions, not both")
    log = load_log(source, tz=tz, progress=progress)
    samples = log.samples
    if drop_all_positions:
        samples = drop_positions(samples)
    elif privacy_radius_m is not None:
        samples = trim_positions(samples, privacy_radius_m)
    shared = TrainingLog(
        sessions=log.sessions, laps=log.laps, samples=samples, sets=log.sets, report=log.report
    )
    write_log(shared, to)
    return shared
