"""A log stored as a folder: the four tables as Parquet and the import report as JSON.

The cache keeps its entries this way, and ``stridekit import`` writes one for a runner to
keep or share; :func:`stridekit.load_log` reads such a folder back without parsing anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from stridekit import schema
from stridekit.log import TrainingLog
from stridekit.report import ImportReport, ReportEntry

REPORT = "report.json"


def is_stored_log(folder: Path) -> bool:
    """Whether ``folder`` holds a stored log (written by :func:`write_log`)."""
    return (
        folder.is_dir()
        and all((folder / f"{name}.parquet").is_file() for name in schema.table_names())
        and (folder / REPORT).is_file()
    )


def write_log(log: TrainingLog, folder: Path) -> None:
    """Write the four tables as ``<table>.parquet`` and the report as ``report.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in schema.table_names():
        getattr(log, name).to_parquet(folder / f"{name}.parquet", index=False)
    (folder / REPORT).write_text(json.dumps(log.report.to_records(), indent=1), encoding="utf-8")


def read_log(folder: Path) -> TrainingLog:
    """Read a log written by :func:`write_log`."""
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in schema.table_names()}
    records = json.loads((folder / REPORT).read_text(encoding="utf-8"))
    return TrainingLog(report=ImportReport([ReportEntry(**r) for r in records]), **tables)
