"""A log stored as a folder: the four tables as Parquet and the import report as JSON.

The cache keeps its entries this way, and ``stridekit import`` writes one for a runner to
keep or share; :func:`stridekit.load_log` reads such a folder back without parsing anything.

The module also converts the tables to and from Arrow by the schema's own dtypes
(:func:`to_arrow`, :func:`to_pandas`): faster than pandas' generic conversion, and exact
(``str`` columns stay ``str``, ``Int64`` stays nullable).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from stridekit import schema
from stridekit.errors import StridekitError
from stridekit.log import TrainingLog
from stridekit.report import ImportReport

REPORT = "report.json"

STAMP: Final = b"stridekit.write"
"""Parquet metadata key of each table :func:`write_log` writes: the id of that write and a
digest of the report written with it, so that :func:`read_log` can tell a whole log from
one whose files are being replaced (JSON ``{"write": hex, "report": hex}``)."""

STALE_TEMP_S: Final = 3600.0
"""A temporary file or folder older than this [s] was left by a writer that died midway
(killed, or the machine lost power): the next write removes it."""

TORN_WAIT_S: Final = 5.0
"""How long :func:`read_log` waits [s] for a folder whose files are being replaced to be
whole again before it gives up."""

_TEMPORARY = re.compile(r"^\.(?P<name>.+)-[0-9a-f]{32}\.tmp$")

ARROW_TYPES: Final[dict[str, pa.DataType]] = {
    "str": pa.large_string(),
    "float64": pa.float64(),
    "int64": pa.int64(),
    "Int64": pa.int64(),
    schema.UTC_DTYPE: pa.timestamp("ns", tz="UTC"),
    "datetime64[ns]": pa.timestamp("ns"),
}
"""Schema dtype -> the Arrow type a table's column is stored as."""

STR_DTYPE: Final = pd.StringDtype("pyarrow", na_value=np.nan)
"""The pandas dtype of the schema's ``str`` columns (Arrow strings, missing as NaN)."""


def is_stored_log(folder: Path) -> bool:
    """Whether ``folder`` holds a stored log (written by :func:`write_log`)."""
    return (
        folder.is_dir()
        and all((folder / f"{name}.parquet").is_file() for name in schema.table_names())
        and (folder / REPORT).is_file()
    )


LogFormat = Literal["parquet", "arrow"]
"""How :func:`write_log` stores the tables: Parquet (``<table>.parquet``, what ``stridekit
import`` writes, to keep or share) or Arrow IPC files (``<table>.arrow``, the cache's: read
back memory-mapped, without decoding or copying)."""

SUFFIXES: Final[dict[str, str]] = {"parquet": ".parquet", "arrow": ".arrow"}


def write_log(
    log: TrainingLog,
    folder: Path,
    *,
    compression: str = "zstd",
    layout: LogFormat = "parquet",
) -> None:
    """Write the four tables as ``<table>.parquet`` and the report as ``report.json``.

    The report holds one record per file and, after them, one per merged duplicate
    (:meth:`stridekit.report.ImportReport.to_records`). Each file is written under a
    temporary name (``.<name>-<id>.tmp``) and renamed into place once all five are written,
    the report last, so that a reader never sees half a file; the tables carry the write's
    :data:`STAMP`, so that it can tell a folder whose files are being replaced.

    Parameters
    ----------
    log
        The log.
    folder
        Created when missing; the five files are replaced. Temporary files of a write that
        died midway (older than :data:`STALE_TEMP_S`) are removed; nothing else is touched.
    compression
        Parquet compression: ``zstd`` (small, for a log kept in git) or ``none``. Arrow
        files are written uncompressed whatever it says.
    layout
        ``"parquet"``, or ``"arrow"`` for the cache (:data:`LogFormat`): ``<table>.arrow``
        files, about a third larger than uncompressed Parquet but written without encoding
        and read back memory-mapped without a copy (a five-year log's 4 million samples in
        a fraction of the time).
    """
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(folder)
    report = json.dumps(log.report.to_records(), indent=1).encode("utf-8")
    write_id = uuid.uuid4().hex
    stamp = json.dumps({"write": write_id, "report": _report_digest(report)}).encode()
    written: list[tuple[Path, Path]] = []
    try:
        for name in schema.table_names():
            table = to_arrow(getattr(log, name), name).replace_schema_metadata({STAMP: stamp})
            final = folder / f"{name}{SUFFIXES[layout]}"
            written.append((folder / f".{final.name}-{write_id}.tmp", final))
            if layout == "arrow":
                # one record batch: each column reads back as one array, which pandas
                # takes as is (copied only when the frame had several chunks)
                if any(c.num_chunks > 1 for c in table.columns):
                    table = table.combine_chunks()
                with (
                    pa.OSFile(str(written[-1][0]), "wb") as sink,
                    pa.ipc.new_file(sink, table.schema) as writer,
                ):
                    writer.write_table(table)
                continue
            pq.write_table(
                table,
                written[-1][0],
                compression=compression,
                use_dictionary=_text_columns(table.schema),
                write_statistics=False,
                # one row group: each column reads back as one array, which pandas takes as is
                row_group_size=max(table.num_rows, 1),
            )
        written.append((folder / f".{REPORT}-{write_id}.tmp", folder / REPORT))
        written[-1][0].write_bytes(report)
        for tmp, final in written:  # the report last: the folder is a stored log once it is
            os.replace(tmp, final)
    finally:
        for tmp, _ in written:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _report_digest(report: bytes) -> str:
    return hashlib.blake2b(report, digest_size=16).hexdigest()


def _remove_stale_temporaries(folder: Path) -> None:
    names = {f"{name}{suffix}" for name in schema.table_names() for suffix in SUFFIXES.values()}
    names.add(REPORT)
    limit = time.time() - STALE_TEMP_S
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = _TEMPORARY.match(entry.name)
            if match and match["name"] in names:
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < limit:
                        os.unlink(entry.path)


def read_log(folder: Path, *, wait_s: float | None = None) -> TrainingLog:
    """Read a log written by :func:`write_log` (or by pandas' ``to_parquet``).

    Parameters
    ----------
    folder
        The folder.
    wait_s
        How long to wait [s] for files from different writes to be whole again;
        :data:`TORN_WAIT_S` when ``None``.

    Raises
    ------
    StridekitError
        When the folder's files stay from different writes for ``wait_s`` (another
        process is replacing them and has stopped midway).
    """
    deadline = time.monotonic() + (TORN_WAIT_S if wait_s is None else wait_s)
    while True:
        tables = {name: read_table(_table_path(folder, name)) for name in _NAMES}
        report = (folder / REPORT).read_bytes()
        if _whole(tables, report):
            break
        if time.monotonic() > deadline:
            raise StridekitError(
                f"{folder}: its files are from different writes: another process (stridekit "
                "import) is replacing them, or stopped midway; try again once it has "
                "finished, or import the log again"
            )
        time.sleep(0.05)
    frames = {name: to_pandas(tables.pop(name), name) for name in _NAMES}
    return log_of(frames, ImportReport.from_records(json.loads(report.decode("utf-8"))))


def _whole(tables: Mapping[str, pa.Table], report: bytes) -> bool:
    """Whether the tables and the report come from one :func:`write_log` call (a folder of
    tables without stamps, written otherwise, is taken as whole)."""
    stamps = {(t.schema.metadata or {}).get(STAMP) for t in tables.values()}
    if stamps == {None}:
        return True
    if len(stamps) != 1:
        return False
    try:
        stamp = json.loads(stamps.pop() or b"")
        return bool(stamp["report"] == _report_digest(report))
    except (ValueError, KeyError, TypeError):
        return False


def _table_path(folder: Path, name: str) -> Path:
    """``<name>.arrow`` where the folder has it (a cache entry), else ``<name>.parquet``."""
    arrow = folder / f"{name}{SUFFIXES['arrow']}"
    return arrow if arrow.is_file() else folder / f"{name}{SUFFIXES['parquet']}"


def read_table(path: Path) -> pa.Table:
    """A Parquet or Arrow file as Arrow, read the quick way: memory-mapped; Parquet on every
    core, its text columns through their dictionaries (millions of repeated session keys);
    an Arrow file without a copy (its columns are views of the mapped file, which is never
    rewritten in place: writes go to a temporary file renamed over it).

    Raises
    ------
    pyarrow.ArrowInvalid
        When an Arrow file is damaged: its offsets and text are checked in full (about
        0.05 s for 4 million samples) so that damage is an error, never a read out of bounds.
    """
    if path.suffix == SUFFIXES["arrow"]:
        with pa.ipc.open_file(pa.memory_map(str(path))) as reader:
            table = reader.read_all()
        table.validate(full=True)
        return table
    text = _text_columns(pq.read_schema(path, memory_map=True))
    table = pq.read_table(path, memory_map=True, use_threads=True, read_dictionary=text)
    for name in text:
        i = table.column_names.index(name)
        col = table.column(i)
        if pa.types.is_dictionary(col.type):
            table = table.set_column(i, name, col.cast(pa.large_string()))
    return table


def _text_columns(arrow: pa.Schema) -> list[str]:
    return [f.name for f in arrow if pa.types.is_large_string(f.type) or pa.types.is_string(f.type)]


_NAMES: Final = schema.table_names()


def log_of(tables: Mapping[str, pd.DataFrame], report: ImportReport | None = None) -> TrainingLog:
    """A log of the given tables (a table not given is empty)."""

    def get(name: str) -> pd.DataFrame:
        return tables[name] if name in tables else schema.empty(name)

    return TrainingLog(
        sessions=get("sessions"),
        laps=get("laps"),
        samples=get("samples"),
        sets=get("sets"),
        report=report or ImportReport(),
    )


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of ``table``'s own columns (no extras)."""
    return pa.schema(
        [pa.field(c.name, ARROW_TYPES[c.dtype]) for c in schema.TABLES[table].values()]
    )


def to_arrow(df: pd.DataFrame, table: str) -> pa.Table:
    """``df`` as an Arrow table: the schema's columns at :data:`ARROW_TYPES`, then extras.

    Parameters
    ----------
    df
        A conforming frame of ``table`` (a :class:`TrainingLog`'s tables are): its columns
        are converted by the schema's dtype without checking, which is what makes this
        quick enough for thousands of small files.
    table
        The table's name.
    """
    spec = schema.TABLES[table]
    arrays: list[pa.Array | pa.ChunkedArray] = []
    names = [str(label) for label in df.columns.tolist()]
    for i, name in enumerate(names):
        col = spec.get(name)
        if col is None:  # an extra: pandas' own conversion, whatever it holds
            arrays.append(pa.array(df.iloc[:, i], from_pandas=True))
            continue
        values = _column_values(df, i)
        target = ARROW_TYPES[col.dtype]
        if col.dtype in ("float64", "int64") and isinstance(values, np.ndarray):
            arrays.append(pa.array(values, type=target))
        elif col.dtype in (schema.UTC_DTYPE, "datetime64[ns]") and str(values.dtype) == col.dtype:
            ints = values.asi8
            missing = ints == _NAT
            arrays.append(pa.array(ints, type=target, mask=missing if missing.any() else None))
        elif hasattr(values, "__arrow_array__"):  # str (Arrow-backed) and Int64
            arr = values.__arrow_array__()
            arrays.append(arr if arr.type == target else arr.cast(target))
        else:
            arrays.append(pa.array(values, type=target, from_pandas=True))
    return pa.Table.from_arrays(arrays, names=names)


_NAT: Final = np.iinfo(np.int64).min
"""The integer under a missing time (``NaT``)."""


def _column_values(df: pd.DataFrame, i: int) -> Any:
    """The array under ``df``'s ``i``-th column, without building a Series for it.

    A Series per column costs tens of microseconds in pandas 3, as much as converting a
    small file's column; thousands of small files are converted in an import. pandas'
    internal accessor where it has one, the public path otherwise.
    """
    get = getattr(df, "_get_column_array", None)
    if get is not None:
        return get(i)
    return df.iloc[:, i].array


def to_pandas(tbl: pa.Table, table: str, *, consume: bool = False) -> pd.DataFrame:
    """An Arrow table of ``table`` as a conforming frame (schema dtypes, extras kept).

    ``consume=True`` frees each Arrow column as soon as it is converted (the table must not
    be used afterwards): the peak memory of a big table is then one copy, not two.
    """
    spec = schema.TABLES[table]
    df = tbl.to_pandas(
        types_mapper=_STRINGS.get,
        split_blocks=True,
        self_destruct=consume,
        ignore_metadata=True,
    )
    if consume:
        del tbl
        pa.default_memory_pool().release_unused()  # give the freed columns back at once
    for name in df.columns:
        col = spec.get(str(name))
        if col is not None and col.dtype == "Int64" and str(df[name].dtype) != "Int64":
            df[name] = df[name].astype("Int64")
    return schema.conform(df, table)


def arrow_frame(tbl: pa.Table) -> pd.DataFrame:
    """``tbl`` as pandas as it is (text as :data:`STR_DTYPE`, one block per column), not
    conformed to a table of the schema."""
    return tbl.to_pandas(types_mapper=_STRINGS.get, split_blocks=True, ignore_metadata=True)


_STRINGS: Final[dict[pa.DataType, pd.api.extensions.ExtensionDtype]] = {
    pa.string(): STR_DTYPE,
    pa.large_string(): STR_DTYPE,
}
